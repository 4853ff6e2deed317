/** Every supported chain, by id. A module registers here by being listed in MODULES. */
import { ChainInputError } from './errors.js';
import type { ChainInfo, ChainModule } from './types.js';

const MODULES: readonly ChainModule[] = [];

const BY_ID = new Map(MODULES.map((m) => [m.info.id, m]));
if (BY_ID.size !== MODULES.length) throw new Error('two chain modules share an id');

/** The module of a chain id; `unknown-chain` when there is none. */
export function chainModule(id: string): ChainModule {
  const m = typeof id === 'string' ? BY_ID.get(id) : undefined;
  if (!m) throw new ChainInputError('unknown-chain', `unknown chain "${String(id)}" (supported: ${[...BY_ID.keys()].join(', ')})`);
  return m;
}

/** What `mpc-wallet chains --json` prints: every chain's id, name, default scheme and formats. */
export function listChains(): ChainInfo[] {
  return MODULES.map(({ info }) => ({ id: info.id, name: info.name, scheme: info.scheme, formats: [...info.formats] }));
}
