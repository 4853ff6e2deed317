import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, utf8 } from '@mpc-wallet/core';
import { PassphraseSealer, UnsealError, loadOrCreateStaticKey, openSealer } from '../src/index.js';

const FAST = { N: 2 ** 10, r: 8, p: 1 }; // tests only: the default is 2^15

describe('sealing and the node key store', () => {
  it('the static key is generated on first start, sealed, and the same key comes back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mpc-keystore-'));
    const sealer = await openSealer(dir, 'correct horse battery', FAST);
    const key = await loadOrCreateStaticKey(dir, sealer);
    const again = await loadOrCreateStaticKey(dir, await openSealer(dir, 'correct horse battery'));
    expect(bytesToHex(again.publicKey)).toBe(bytesToHex(key.publicKey));
    const raw = await readFile(join(dir, 'noise-static-key.sealed'));
    expect(raw.includes(Buffer.from(key.secretKey))).toBe(false);
    expect((await stat(join(dir, 'noise-static-key.sealed'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, 'sealer.json'), 'utf8')).includes(bytesToHex(key.secretKey))).toBe(false);
  });

  it('a wrong passphrase is told apart from a tampered file; neither leaks anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mpc-keystore-'));
    const sealer = await openSealer(dir, 'correct horse battery', FAST);
    await loadOrCreateStaticKey(dir, sealer);
    await expect(openSealer(dir, 'wrong passphrase!')).rejects.toThrow(/wrong passphrase/);
    const path = join(dir, 'noise-static-key.sealed');
    const raw = await readFile(path);
    raw[raw.length - 1]! ^= 1;
    await writeFile(path, raw);
    await expect(loadOrCreateStaticKey(dir, sealer)).rejects.toThrow(UnsealError);
  });

  it('sealed data is bound to its label and rejects truncation', async () => {
    const { sealer } = await PassphraseSealer.create('another passphrase', FAST);
    const sealed = sealer.seal('share/key-1', utf8('secret'));
    expect(new TextDecoder().decode(sealer.unseal('share/key-1', sealed))).toBe('secret');
    expect(() => sealer.unseal('share/key-2', sealed)).toThrow(/does not authenticate/);
    expect(() => sealer.unseal('share/key-1', sealed.subarray(0, 20))).toThrow(/malformed/);
    await expect(PassphraseSealer.create('short', FAST)).rejects.toThrow(/at least 8/);
  });
});
