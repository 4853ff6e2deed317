/**
 * Bounds on what one GraphQL document may ask, checked after it validated (so its fields exist
 * and its fragments do not cycle) and before anything runs:
 * - depth: fields nested in fields;
 * - fields: selections with every fragment spread expanded (a document of fragments that each
 *   spread the previous one twice is small but expands exponentially; sizes are memoized per
 *   fragment, so measuring it stays linear);
 * - operations: root fields, each a service call; each counts against the key's rate limit.
 * An answer's size is bounded besides by the page limits of the list fields (this schema nests
 * no list of objects in another) and, for introspection, by graphql-js's own rule against
 * nesting `fields`, `interfaces` and the like.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  Kind,
  getNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxFields: number;
  maxOperations: number;
}

/** Enough for every query of this schema and for the standard introspection query (depth 15, 229 fields). */
export const QUERY_LIMITS: QueryLimits = { maxDepth: 15, maxFields: 1000, maxOperations: 20 };

interface Size {
  depth: number;
  fields: number;
}

/** The operation's measures. */
export function measure(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Size & { operations: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const measured = new Map<string, Size>();

  const selections = (set: SelectionSetNode, parent: GraphQLCompositeType): Size => {
    const size: Size = { depth: 0, fields: 0 };
    const add = (inner: Size, depth: number) => {
      size.depth = Math.max(size.depth, inner.depth + depth);
      size.fields += inner.fields + depth;
    };
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        // __typename and the introspection roots are not among a type's own fields.
        const type = isObjectType(parent) || isInterfaceType(parent) ? (parent.getFields()[s.name.value]?.type ?? metaFieldType(schema, s.name.value)) : metaFieldType(schema, s.name.value);
        const named = type && getNamedType(type);
        add(s.selectionSet && named && isCompositeType(named) ? selections(s.selectionSet, named) : { depth: 0, fields: 0 }, 1);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        const condition = s.typeCondition ? schema.getType(s.typeCondition.name.value) : parent;
        add(selections(s.selectionSet, condition && isCompositeType(condition) ? condition : parent), 0);
      } else {
        const name = s.name.value;
        let inner = measured.get(name);
        if (!inner) {
          const fragment = fragments.get(name)!;
          const condition = schema.getType(fragment.typeCondition.name.value);
          inner = selections(fragment.selectionSet, condition && isCompositeType(condition) ? condition : parent);
          measured.set(name, inner);
        }
        add(inner, 0);
      }
    }
    return size;
  };

  // Root fields, through fragments (memoized as above).
  const counted = new Map<string, number>();
  const rootFields = (set: SelectionSetNode): number =>
    set.selections.reduce((n, s) => {
      if (s.kind === Kind.FIELD) return n + 1;
      if (s.kind === Kind.INLINE_FRAGMENT) return n + rootFields(s.selectionSet);
      let inner = counted.get(s.name.value);
      if (inner === undefined) counted.set(s.name.value, (inner = rootFields(fragments.get(s.name.value)!.selectionSet)));
      return n + inner;
    }, 0);

  // The caller found the root type (a document of another operation kind is refused before).
  const root = schema.getRootType(operation.operation)!;
  return { ...selections(operation.selectionSet, root), operations: rootFields(operation.selectionSet) };
}

/** What the measure exceeds, or undefined. */
export function exceeded(size: ReturnType<typeof measure>, limits: QueryLimits = QUERY_LIMITS): string | undefined {
  if (size.depth > limits.maxDepth) return `the query is ${size.depth} fields deep; at most ${limits.maxDepth}`;
  if (size.fields > limits.maxFields) return `the query selects ${size.fields} fields (fragments expanded); at most ${limits.maxFields}`;
  if (size.operations > limits.maxOperations) return `the document asks ${size.operations} root fields; at most ${limits.maxOperations}`;
  return undefined;
}

/** The type of `__schema` and `__type` (not a root type's own fields). */
function metaFieldType(schema: GraphQLSchema, name: string) {
  if (name === '__schema') return schema.getType('__Schema') ?? undefined;
  if (name === '__type') return schema.getType('__Type') ?? undefined;
  return undefined;
}
