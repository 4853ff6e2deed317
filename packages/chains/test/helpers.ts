/** What the chain tests share. */
import { ChainInputError, type ChainErrorCode } from '../src/errors.js';

/** The ChainInputError code `f` throws, or undefined when it does not throw; any other error fails the test. */
export function errorCode(f: () => unknown): ChainErrorCode | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ChainInputError) return e.code;
    throw e;
  }
  return undefined;
}
