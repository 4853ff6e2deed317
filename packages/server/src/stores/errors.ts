/** A store refused its input or found a record in a state the call does not allow. */
export class StoreError extends Error {
  override name = 'StoreError';
}
