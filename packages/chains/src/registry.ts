/** Every supported chain, by id. A module registers here by being listed in MODULES. */
import { aptos, aptosTestnet } from './aptos.js';
import { bitcoin, bitcoinTestnet, dogecoin, litecoin } from './bitcoin.js';
import { cosmos } from './cosmos.js';
import { ChainInputError } from './errors.js';
import { EVM_MODULES } from './evm.js';
import { near, nearTestnet } from './near.js';
import { solana } from './solana.js';
import { stellar, stellarTestnet } from './stellar.js';
import { sui } from './sui.js';
import type { ChainInfo, ChainModule, Scheme } from './types.js';
import { tron } from './tron.js';
import { xrp } from './xrp.js';

const MODULES: readonly ChainModule[] = [bitcoin, bitcoinTestnet, litecoin, dogecoin, near, nearTestnet, stellar, stellarTestnet, cosmos, xrp, solana, aptos, aptosTestnet, sui, ...EVM_MODULES, tron];

const BY_ID = new Map(MODULES.map((m) => [m.info.id, m]));
if (BY_ID.size !== MODULES.length) throw new Error('two chain modules share an id');

/** The module of a chain id; `unknown-chain` when there is none. */
export function chainModule(id: string): ChainModule {
  const m = typeof id === 'string' ? BY_ID.get(id) : undefined;
  if (!m) throw new ChainInputError('unknown-chain', `unknown chain "${String(id)}" (supported: ${[...BY_ID.keys()].join(', ')})`);
  return m;
}

/** The scheme of a chain's address format; `unsupported-format` for a format the chain lacks. */
export function formatScheme(info: ChainInfo, format: string): Scheme {
  const listed = info.formats.find((f) => f === format || (typeof format === 'string' && isPattern(f) && format.startsWith(f.slice(0, f.indexOf('<')))));
  if (listed === undefined) throw new ChainInputError('unsupported-format', `${info.name} has no "${String(format)}" format (formats: ${info.formats.join(', ')})`);
  return info.formatSchemes?.[listed] ?? info.scheme;
}

/** A listed format such as `bech32:<hrp>` stands for a family (the module checks the part in brackets). */
function isPattern(format: string): boolean {
  return /^[a-z0-9-]+:<[a-z]+>$/.test(format);
}

/**
 * The format to use for a key of `scheme`: `format` when given (its scheme must be the key's), else
 * the chain's first format of that scheme.
 */
export function formatFor(info: ChainInfo, scheme: Scheme, format?: string): string {
  if (format !== undefined) {
    const needs = formatScheme(info, format);
    if (needs !== scheme) throw new ChainInputError('unsupported-format', `${info.name} "${format}" addresses belong to ${needs} keys, not ${scheme}`);
    return format;
  }
  const found = info.formats.find((f) => formatScheme(info, f) === scheme);
  if (found === undefined) throw new ChainInputError('unsupported-format', `${info.name} has no address format for ${scheme} keys`);
  return found;
}

/** What `mpc-wallet chains --json` prints: every chain's id, name, default scheme and formats. */
export function listChains(): ChainInfo[] {
  return MODULES.map(({ info }) => ({ id: info.id, name: info.name, scheme: info.scheme, formats: [...info.formats] }));
}
