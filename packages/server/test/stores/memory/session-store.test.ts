import { afterEach, describe } from 'vitest';
import { MemorySessionStore } from '../../../src/index.js';
import { sessionStoreSuite } from '../session-store.js';

describe('memory session store', () => {
  let stores: MemorySessionStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
  });
  sessionStoreSuite(async () => {
    const s = new MemorySessionStore();
    stores.push(s);
    return s;
  });
});
