import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import { FROST_SECP256K1, hexToBytes, verifySignature } from '@mpc-wallet/core';
import { vectorPath } from '../../core/test/vectors.js';
import { recoverAddress, serializeSignature, toHex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { run } from '../src/main.js';

function capture(argv: string[]) {
  let out = '';
  let err = '';
  return run(argv, { write: (s: string) => (out += s) }, { write: (s: string) => (err += s) }).then((code) => ({ code, out, err }));
}

const base = ['simulate', 'sign', '--threshold', '2', '--parties', '3', '--signers', '1,3', '--message', '74657374', '--json'];

function ed25519KeyObject(raw: Uint8Array) {
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(raw)]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

describe('mpc-wallet simulate sign', () => {
  it('eddsa-ed25519: verifies with @noble/curves and node:crypto', async () => {
    const { code, out } = await capture([...base, '--scheme', 'eddsa-ed25519']);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(Object.keys(r)).toEqual(['scheme', 'threshold', 'parties', 'signers', 'publicKey', 'message', 'signature']);
    expect(r).toMatchObject({ scheme: 'eddsa-ed25519', threshold: 2, parties: 3, signers: [1, 3], message: '74657374' });
    const pk = hexToBytes(r.publicKey);
    const sig = hexToBytes(r.signature);
    expect(pk.length).toBe(32);
    expect(ed25519.verify(sig, hexToBytes(r.message), pk)).toBe(true);
    expect(nodeVerify(null, Buffer.from(r.message, 'hex'), ed25519KeyObject(pk), Buffer.from(sig))).toBe(true);
    expect(ed25519.verify(sig, hexToBytes('74657375'), pk)).toBe(false);
  });

  it('schnorr-bip340: x-only key, verifies with noble schnorr (BIP340), also after refresh', async () => {
    for (const extra of [[], ['--refresh']]) {
      const { code, out } = await capture([...base, '--scheme', 'schnorr-bip340', '--threshold', '3', '--parties', '5', '--signers', '5,1,3', ...extra]);
      expect(code).toBe(0);
      const r = JSON.parse(out);
      expect(hexToBytes(r.publicKey).length).toBe(32);
      expect(hexToBytes(r.signature).length).toBe(64);
      expect(schnorr.verify(hexToBytes(r.signature), hexToBytes(r.message), hexToBytes(r.publicKey))).toBe(true);
    }
  });

  it('frost-secp256k1: 33-byte key, RFC 9591 signature verifies with noble’s FROST module', async () => {
    const { code, out } = await capture([...base, '--scheme', 'frost-secp256k1', '--refresh']);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    const pk = hexToBytes(r.publicKey);
    expect(pk.length).toBe(33);
    expect(secp256k1_FROST.verify(hexToBytes(r.signature), hexToBytes(r.message), pk)).toBe(true);
    expect(secp256k1_FROST.verify(hexToBytes(r.signature), hexToBytes('75'), pk)).toBe(false);
    // and with this project's own verifier
    expect(verifySignature(FROST_SECP256K1, secp256k1.Point.fromBytes(pk), hexToBytes(r.message), hexToBytes(r.signature))).toBe(true);
  });

  it('empty message is allowed (Schnorr signs any length)', async () => {
    const { code, out } = await capture([...base.slice(0, -3), '--message', '', '--json', '--scheme', 'eddsa-ed25519']);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(ed25519.verify(hexToBytes(r.signature), new Uint8Array(0), hexToBytes(r.publicKey))).toBe(true);
  });

  async function checkEcdsa(r: Record<string, unknown>) {
    const pk = hexToBytes(r.publicKey as string);
    const sig = hexToBytes(r.signature as string);
    const digest = hexToBytes(r.message as string);
    expect(pk.length).toBe(33);
    expect(sig.length).toBe(64);
    expect(secp256k1.verify(sig, digest, pk, { prehash: false, lowS: true })).toBe(true);
    const recovered = secp256k1.Signature.fromBytes(sig).addRecoveryBit(r.recoveryId as number).recoverPublicKey(digest);
    expect(Buffer.from(recovered.toBytes(true)).toString('hex')).toBe(r.publicKey);
    const address = publicKeyToAddress(toHex(secp256k1.Point.fromBytes(pk).toBytes(false)));
    const viemSig = serializeSignature({ r: toHex(sig.subarray(0, 32)), s: toHex(sig.subarray(32)), yParity: (r.recoveryId as number) & 1 });
    expect(await recoverAddress({ hash: toHex(digest), signature: viemSig })).toBe(address);
  }

  const digest = 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470';

  it('ecdsa-secp256k1: CGGMP signature verifies with noble and recovers the address with viem', async () => {
    const { code, out, err } = await capture(['simulate', 'sign', '--scheme', 'ecdsa-secp256k1', '--threshold', '2', '--parties', '3', '--signers', '1,3', '--message', digest, '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(Object.keys(r)).toEqual(['scheme', 'threshold', 'parties', 'signers', 'publicKey', 'message', 'signature', 'recoveryId']);
    await checkEcdsa(r);
  }, 120_000);

  const tssLibDir = vectorPath('tss-lib', 'ecdsa');
  it.skipIf(!tssLibDir)('ecdsa-secp256k1 --from-tss-lib: imported shares reshare, sign, and match the stored public key', async () => {
    const { code, out, err } = await capture(['simulate', 'sign', '--scheme', 'ecdsa-secp256k1', '--from-tss-lib', tssLibDir!, '--signers', '0,2,4', '--message', digest, '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.publicKey).toBe('02a89d4d9bf1e8c8689ff79e3aaa35375c5686829238b31cc605bd2b903a4bae85');
    expect(r).toMatchObject({ threshold: 3, parties: 5, signers: [0, 2, 4] });
    await checkEcdsa(r);
    const tooFew = await capture(['simulate', 'sign', '--scheme', 'ecdsa-secp256k1', '--from-tss-lib', tssLibDir!, '--signers', '0,1', '--message', digest, '--json']);
    expect(tooFew.code).toBe(1);
    expect(tooFew.err).toMatch(/needs 3/);
  }, 120_000);

  const bad: [string, string[], RegExp][] = [
    ['t > n', ['--scheme', 'eddsa-ed25519', '--threshold', '4', '--parties', '3', '--signers', '1,2,3', '--message', '00'], /exceeds/],
    ['unknown scheme', ['--scheme', 'rsa', '--threshold', '2', '--parties', '3', '--signers', '1,2', '--message', '00'], /unknown scheme/],
    ['signer not in 1..N', ['--scheme', 'eddsa-ed25519', '--threshold', '2', '--parties', '3', '--signers', '1,4', '--message', '00'], /not in 1\.\.3/],
    ['signer 0', ['--scheme', 'eddsa-ed25519', '--threshold', '2', '--parties', '3', '--signers', '0,1', '--message', '00'], /not in 1\.\.3/],
    ['fewer than t signers', ['--scheme', 'eddsa-ed25519', '--threshold', '2', '--parties', '3', '--signers', '1', '--message', '00'], /threshold is 2/],
    ['odd-length hex', ['--scheme', 'eddsa-ed25519', '--threshold', '2', '--parties', '3', '--signers', '1,2', '--message', '123'], /hex/],
    ['non-hex', ['--scheme', 'eddsa-ed25519', '--threshold', '2', '--parties', '3', '--signers', '1,2', '--message', 'zz'], /hex/],
    ['duplicate signer', ['--scheme', 'eddsa-ed25519', '--threshold', '2', '--parties', '3', '--signers', '1,1', '--message', '00'], /twice/],
    ['threshold 0', ['--scheme', 'eddsa-ed25519', '--threshold', '0', '--parties', '3', '--signers', '1,2', '--message', '00'], /positive integer/],
    ['unknown flag', ['--scheme', 'eddsa-ed25519', '--bogus'], /bogus/],
    ['missing message', ['--scheme', 'eddsa-ed25519', '--threshold', '2', '--parties', '3', '--signers', '1,2'], /--message is required/],
    ['ecdsa digest not 32 bytes', ['--scheme', 'ecdsa-secp256k1', '--threshold', '2', '--parties', '3', '--signers', '1,2', '--message', '00'], /32-byte/],
    ['--from-tss-lib with a FROST scheme', ['--scheme', 'eddsa-ed25519', '--from-tss-lib', '/tmp', '--signers', '0,1', '--message', '00'], /ecdsa-secp256k1 only/],
  ];
  for (const [name, args, pattern] of bad) {
    it(`bad arguments: ${name} → one-line error, exit 2`, async () => {
      const { code, out, err } = await capture(['simulate', 'sign', ...args]);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(pattern);
      expect(err.trim().split('\n')).toHaveLength(1);
    });
  }

  const bin = fileURLToPath(new URL('../bin/mpc-wallet.js', import.meta.url));
  const built = existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)));
  it.skipIf(!built)('the installed command runs end to end (exit codes 0 and 2)', () => {
    const out = execFileSync(process.execPath, [bin, ...base, '--scheme', 'eddsa-ed25519'], { encoding: 'utf8' });
    const r = JSON.parse(out);
    expect(ed25519.verify(hexToBytes(r.signature), hexToBytes(r.message), hexToBytes(r.publicKey))).toBe(true);
    const bad = spawnSync(process.execPath, [bin, 'simulate', 'sign', '--scheme', 'nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
