/**
 * The offline chain commands: `chains` lists what the coordinator supports, `address` computes a
 * key's address (and a derived child's) exactly as wallets do — checked against bitcoinjs-lib,
 * viem and @scure/bip32 — and refuses bad input with exit code 2 and a message.
 */
import { describe, expect, it } from 'vitest';
import { HDKey } from '@scure/bip32';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import * as ecc from '@bitcoinerlab/secp256k1';
import { initEccLib, networks, payments } from 'bitcoinjs-lib';
import { toHex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { bytesToHex } from '@mpc-wallet/core';
import { run } from '../src/main.js';

initEccLib(ecc);

function capture(argv: string[]) {
  let out = '';
  let err = '';
  return run(argv, { write: (s: string) => (out += s) }, { write: (s: string) => (err += s) }).then((code) => ({ code, out, err }));
}

const hd = HDKey.fromMasterSeed(new Uint8Array(32).fill(42));
const key = hd.publicKey!;

describe('mpc-wallet chains', () => {
  it('lists at least 12 chains with id, name, scheme and formats', async () => {
    const { code, out } = await capture(['chains', '--json']);
    expect(code).toBe(0);
    const list = JSON.parse(out) as { id: string; name: string; scheme: string; formats: string[] }[];
    expect(list.length).toBeGreaterThanOrEqual(12);
    for (const c of list) expect(Object.keys(c)).toEqual(['id', 'name', 'scheme', 'formats']);
    expect(list.find((c) => c.id === 'bitcoin')).toEqual({ id: 'bitcoin', name: 'Bitcoin', scheme: 'ecdsa-secp256k1', formats: ['p2wpkh', 'p2tr'] });
    expect(new Set(list.map((c) => c.id)).size).toBe(list.length);
  });
});

describe('mpc-wallet address', () => {
  it('bitcoin p2wpkh and p2tr (BIP86, from the 33-byte or the x-only key) as bitcoinjs computes them', async () => {
    const p2wpkh = await capture(['address', '--chain', 'bitcoin', '--public-key', bytesToHex(key), '--json']);
    expect(JSON.parse(p2wpkh.out)).toEqual({ address: payments.p2wpkh({ pubkey: key, network: networks.bitcoin }).address });
    const taproot = payments.p2tr({ internalPubkey: key.subarray(1), network: networks.bitcoin }).address;
    for (const k of [key, key.subarray(1)]) {
      const r = await capture(['address', '--chain', 'bitcoin', '--format', 'p2tr', '--public-key', bytesToHex(k), '--json']);
      expect(JSON.parse(r.out)).toEqual({ address: taproot });
    }
  });

  it('a child along --path from --chain-code is the BIP32 child (ethereum, as viem computes its address)', async () => {
    const child = hd.derive('m/0/1').publicKey!;
    const r = await capture(['address', '--chain', 'ethereum', '--public-key', bytesToHex(key), '--path', 'm/0/1', '--chain-code', bytesToHex(hd.chainCode!), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ address: publicKeyToAddress(toHex(secp256k1.Point.fromBytes(child).toBytes(false))) });
  });

  it.each([
    [['--chain', 'nope', '--public-key', '00'], /unknown chain/],
    [['--chain', 'bitcoin', '--public-key', 'zz'], /hex/],
    [['--chain', 'bitcoin', '--public-key', bytesToHex(key.subarray(1))], /33 bytes/],
    [['--chain', 'bitcoin', '--format', 'p2sh', '--public-key', bytesToHex(key)], /no "p2sh" format/],
    [['--chain', 'bitcoin', '--public-key', bytesToHex(key), '--path', 'm/1'], /--path and --chain-code go together/],
    [['--chain', 'bitcoin', '--public-key', bytesToHex(key), '--path', "m/1'", '--chain-code', '00'.repeat(32)], /hardened/],
    [['--chain', 'bitcoin', '--format', 'p2tr', '--public-key', bytesToHex(key.subarray(1)), '--path', 'm/1', '--chain-code', '00'.repeat(32)], /33-byte/],
  ])('refuses %j with exit code 2', async (args, message) => {
    const r = await capture(['address', ...args, '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });
});
