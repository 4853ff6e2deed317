/**
 * The strict JSON parser (RFC 8259) of the tss-lib import: Go marshals every `*big.Int` as a bare
 * JSON number of up to hundreds of digits, which `JSON.parse` silently rounds to a double, so this
 * parser turns each integer token into a `bigint` as written. Its errors are import errors
 * ({@link TssLibImportError}), which `tss-lib-import.ts` re-exports.
 */

/** A JSON number with a fraction or exponent, kept as its source text (never a tss-lib integer). */
export class JsonNonInteger {
  constructor(readonly text: string) {}
}

export type JsonValue = null | boolean | string | bigint | JsonNonInteger | JsonValue[] | JsonObject;
/** Objects are Maps: no prototype keys, and duplicate names are rejected by the parser. */
export type JsonObject = Map<string, JsonValue>;

export class TssLibImportError extends Error {
  override readonly name = 'TssLibImportError';
}

const MAX_JSON_LENGTH = 1 << 22;
const MAX_JSON_DEPTH = 64;
const MAX_NUMBER_LENGTH = 4096;

/**
 * Parses JSON text, turning every integer token (outside strings) into a `bigint` built from its
 * own digits. Numbers with a fraction or exponent become {@link JsonNonInteger}. Strict: no
 * trailing commas, comments, leading zeros, unescaped control characters, duplicate object names
 * or trailing content. Error messages give an offset, never the offending text.
 */
export function parseJsonWithBigInts(text: string): JsonValue {
  if (typeof text !== 'string') throw new TssLibImportError('JSON input must be a string');
  if (text.length > MAX_JSON_LENGTH) throw new TssLibImportError('JSON input is too large');
  let pos = 0;
  const fail = (what: string): never => {
    const why = pos >= text.length ? 'unexpected end of input' : what;
    throw new TssLibImportError(`invalid JSON at offset ${pos}: ${why}`);
  };
  const skipWs = () => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else return;
    }
  };
  const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

  const parseString = (): string => {
    pos++; // opening quote
    let out = '';
    let start = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(start, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(start, pos);
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          pos -= 2;
          fail('bad escape');
      }
      start = pos;
    }
  };

  const parseNumber = (): bigint | JsonNonInteger => {
    const start = pos;
    let integer = true;
    if (text[pos] === '-') pos++;
    if (text[pos] === '0') pos++;
    else if (isDigit(text.charCodeAt(pos))) while (isDigit(text.charCodeAt(pos))) pos++;
    else fail('bad number');
    if (text[pos] === '.') {
      integer = false;
      pos++;
      if (!isDigit(text.charCodeAt(pos))) fail('bad number');
      while (isDigit(text.charCodeAt(pos))) pos++;
    }
    if (text[pos] === 'e' || text[pos] === 'E') {
      integer = false;
      pos++;
      if (text[pos] === '+' || text[pos] === '-') pos++;
      if (!isDigit(text.charCodeAt(pos))) fail('bad number');
      while (isDigit(text.charCodeAt(pos))) pos++;
    }
    if (pos - start > MAX_NUMBER_LENGTH) {
      pos = start;
      fail('number too long');
    }
    const token = text.slice(start, pos);
    return integer ? BigInt(token) : new JsonNonInteger(token);
  };

  const literal = (word: string, value: JsonValue): JsonValue => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail('unexpected token');
  };

  const parseValue = (depth: number): JsonValue => {
    if (depth > MAX_JSON_DEPTH) fail('nesting too deep');
    skipWs();
    const ch = text[pos];
    if (ch === undefined) return fail('unexpected end of input');
    if (ch === '"') return parseString();
    if (ch === '{') {
      pos++;
      const obj: JsonObject = new Map();
      skipWs();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[pos] !== '"') fail('expected a member name');
        const keyAt = pos;
        const key = parseString();
        if (obj.has(key)) {
          pos = keyAt;
          fail('duplicate member name');
        }
        skipWs();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        obj.set(key, parseValue(depth + 1));
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (ch === '[') {
      pos++;
      const arr: JsonValue[] = [];
      skipWs();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (ch === '-' || isDigit(ch.charCodeAt(0))) return parseNumber();
    if (ch === 't') return literal('true', true);
    if (ch === 'f') return literal('false', false);
    if (ch === 'n') return literal('null', null);
    return fail('unexpected character');
  };

  const value = parseValue(0);
  skipWs();
  if (pos !== text.length) fail('trailing content after the JSON value');
  return value;
}
