/**
 * Offline chain utilities: `mpc-wallet chains` lists the supported chains, `mpc-wallet address`
 * computes an address from a public key (optionally derived along a non-hardened path from a
 * chain code), exactly as the coordinator computes a key's addresses.
 */
import { parseArgs } from 'node:util';
import { CURVES, DerivationError, deriveKey, derivationRoot, parseHex } from '@mpc-wallet/core';
import { ChainInputError, chainModule, formatScheme, listChains } from '@mpc-wallet/chains';

export class ChainsUsageError extends Error {}

interface Output {
  write(s: string): unknown;
}

export function chains(args: string[], stdout: Output): number {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
  const list = listChains();
  if (values.json) stdout.write(`${JSON.stringify(list)}\n`);
  else for (const c of list) stdout.write(`${c.id.padEnd(18)} ${c.name.padEnd(22)} ${c.scheme.padEnd(16)} ${c.formats.join(', ')}\n`);
  return 0;
}

export function address(args: string[], stdout: Output): number {
  const { values, positionals } = parseArgs({
    args,
    options: {
      chain: { type: 'string' },
      'public-key': { type: 'string' },
      format: { type: 'string' },
      path: { type: 'string' },
      'chain-code': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length) throw new ChainsUsageError(`unexpected argument: ${positionals[0]}`);
  if (!values.chain) throw new ChainsUsageError('--chain is required (see: mpc-wallet chains)');
  if (!values['public-key']) throw new ChainsUsageError('--public-key is required');
  if ((values.path === undefined) !== (values['chain-code'] === undefined)) throw new ChainsUsageError('--path and --chain-code go together');
  try {
    const module = chainModule(values.chain);
    const format = values.format ?? module.info.formats[0]!;
    const scheme = formatScheme(module.info, format);
    let publicKey = hex(values['public-key'], '--public-key');
    if (values.path !== undefined) {
      const curve = scheme === 'eddsa-ed25519' ? CURVES.ed25519 : CURVES.secp256k1;
      if (curve === CURVES.secp256k1 && publicKey.length !== 33) throw new ChainsUsageError('derivation needs the 33-byte compressed key (its Y parity is part of BIP32)');
      let point;
      try {
        point = curve.decodePoint(publicKey);
      } catch {
        throw new ChainsUsageError('--public-key is not a point on the curve');
      }
      const child = deriveKey(derivationRoot(curve.name, point, hex(values['chain-code']!, '--chain-code')), values.path);
      publicKey = curve.encodePoint(child.publicKey);
    }
    const out = module.address(publicKey, format);
    stdout.write(values.json ? `${JSON.stringify({ address: out })}\n` : `${out}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ChainInputError || e instanceof DerivationError) throw new ChainsUsageError(e.message);
    throw e;
  }
}

function hex(value: string, what: string): Uint8Array {
  try {
    return parseHex(value.replace(/^0x/, ''), what);
  } catch (e) {
    throw new ChainsUsageError((e as Error).message);
  }
}
