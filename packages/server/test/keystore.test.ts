import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, open, readFile, readdir, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8 } from '@mpc-wallet/core';
import { DEFAULT_SCRYPT, MIN_SCRYPT_N, PassphraseSealer, UnsealError, loadOrCreateStaticKey, openSealer, writeAtomically } from '../src/index.js';

/** Tests only, with the floor lowered to match: the default is 2^17. */
const FAST = { N: 2 ** 10, r: 8, p: 1 };
const FAST_FLOOR = FAST.N;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sealing and the node key store', () => {
  it('the static key is generated on first start, sealed, and the same key comes back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mpc-keystore-'));
    const sealer = await openSealer(dir, 'correct horse battery', FAST, FAST_FLOOR);
    const key = await loadOrCreateStaticKey(dir, sealer);
    const again = await loadOrCreateStaticKey(dir, await openSealer(dir, 'correct horse battery', FAST, FAST_FLOOR));
    expect(bytesToHex(again.publicKey)).toBe(bytesToHex(key.publicKey));
    const raw = await readFile(join(dir, 'noise-static-key.sealed'));
    expect(raw.includes(Buffer.from(key.secretKey))).toBe(false);
    expect((await stat(join(dir, 'noise-static-key.sealed'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, 'sealer.json'), 'utf8')).includes(bytesToHex(key.secretKey))).toBe(false);
  });

  it('a wrong passphrase is told apart from a tampered file; neither leaks anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mpc-keystore-'));
    const sealer = await openSealer(dir, 'correct horse battery', FAST, FAST_FLOOR);
    await loadOrCreateStaticKey(dir, sealer);
    await expect(openSealer(dir, 'wrong passphrase!', FAST, FAST_FLOOR)).rejects.toThrow(/wrong passphrase/);
    const path = join(dir, 'noise-static-key.sealed');
    const raw = await readFile(path);
    raw[raw.length - 1]! ^= 1;
    await writeFile(path, raw);
    await expect(loadOrCreateStaticKey(dir, sealer)).rejects.toThrow(UnsealError);
  });

  it('sealed data is bound to its label and rejects truncation', async () => {
    const { sealer } = await PassphraseSealer.create('another passphrase', FAST, FAST_FLOOR);
    const sealed = sealer.seal('share/key-1', utf8('secret'));
    expect(new TextDecoder().decode(sealer.unseal('share/key-1', sealed))).toBe('secret');
    expect(() => sealer.unseal('share/key-2', sealed)).toThrow(/does not authenticate/);
    expect(() => sealer.unseal('share/key-1', sealed.subarray(0, 20))).toThrow(/malformed/);
    await expect(PassphraseSealer.create('short', FAST, FAST_FLOOR)).rejects.toThrow(/at least 8/);
  });

  it('scrypt: the default is N = 2^17, and a descriptor asking for less is refused', async () => {
    expect(DEFAULT_SCRYPT.N).toBeGreaterThanOrEqual(2 ** 17);
    expect(MIN_SCRYPT_N).toBeGreaterThanOrEqual(2 ** 17);
    const dir = await mkdtemp(join(tmpdir(), 'mpc-keystore-'));
    await openSealer(dir, 'correct horse battery'); // the real default: one 2^17 derivation
    const descriptor = JSON.parse(await readFile(join(dir, 'sealer.json'), 'utf8'));
    expect(descriptor.N).toBe(2 ** 17);
    // An attacker rewrites the descriptor to a cheap N (or r): the default floor refuses it.
    for (const downgrade of [{ N: 2 ** 16 }, { N: 2 ** 10 }, { r: 1 }]) {
      await writeFile(join(dir, 'sealer.json'), JSON.stringify({ ...descriptor, ...downgrade }));
      await expect(openSealer(dir, 'correct horse battery')).rejects.toThrow(/below the floor/);
    }
    // Creating below the floor is refused too.
    await expect(PassphraseSealer.create('correct horse battery', { N: 2 ** 16, r: 8, p: 1 })).rejects.toThrow(/below the floor/);
  });

  it('atomic writes fsync the file, then its folder after the rename, and leave no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mpc-keystore-'));
    const path = join(dir, 'record');
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const synced: { directory: boolean; finalExists: boolean; size: number }[] = [];
    const sync = proto.sync;
    vi.spyOn(proto, 'sync').mockImplementation(async function (this: FileHandle) {
      await sync.call(this);
      const st = await this.stat();
      const finalExists = await stat(path).then(() => true, () => false);
      synced.push({ directory: st.isDirectory(), finalExists, size: st.size });
    });
    await writeAtomically(path, 'twelve bytes');
    expect(synced).toEqual([
      { directory: false, finalExists: false, size: 12 }, // the data, before it takes the name
      expect.objectContaining({ directory: true, finalExists: true }), // the rename
    ]);
    expect(await readFile(path, 'utf8')).toBe('twelve bytes');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['probe', 'record']);
  });
});

/**
 * The sealed format, rebuilt here from the passphrase: key = HKDF-SHA256(master, info =
 * "mpc-wallet/seal/v1/" ‖ label), AEAD = AES-256-GCM with the label as associated data. Each
 * binding is checked on its own: a blob right in everything but that one binding is refused, and
 * the correct one opens — so removing either binding (from sealing or opening) fails a test.
 */
describe('sealer bindings, each on its own', () => {
  const passphrase = 'binding passphrase';
  async function setup() {
    const { sealer, descriptor } = await PassphraseSealer.create(passphrase, FAST, FAST_FLOOR);
    const master = await scryptAsync(utf8(passphrase), hexToBytes(descriptor.salt), { ...FAST, dkLen: 32 });
    const keyFor = (info: string) => hkdf(sha256, master, new Uint8Array(0), utf8(info), 32);
    const nonce = new Uint8Array(12).fill(3);
    const forge = (info: string, ad: string, pt = utf8('secret')) => concatBytes(Uint8Array.of(1), nonce, gcm(keyFor(info), nonce, utf8(ad)).encrypt(pt));
    const open = (info: string, ad: string, blob: Uint8Array) => gcm(keyFor(info), blob.subarray(1, 13), utf8(ad)).decrypt(blob.subarray(13));
    return { sealer, forge, open };
  }

  it('associated data: under the right key, only the label as AD opens', async () => {
    const { sealer, forge, open } = await setup();
    const key = 'mpc-wallet/seal/v1/share/key-1';
    expect(new TextDecoder().decode(sealer.unseal('share/key-1', forge(key, 'share/key-1')))).toBe('secret');
    for (const ad of ['', 'share/key-2', 'share/key-1 ']) {
      expect(() => sealer.unseal('share/key-1', forge(key, ad)), `AD ${JSON.stringify(ad)}`).toThrow(/does not authenticate/);
    }
    // What the sealer writes carries the label as AD.
    const sealed = sealer.seal('share/key-1', utf8('secret'));
    expect(new TextDecoder().decode(open(key, 'share/key-1', sealed))).toBe('secret');
    expect(() => open(key, '', sealed)).toThrow();
  });

  it('key-derivation label: under the right AD, only the key derived for the label opens', async () => {
    const { sealer, forge, open } = await setup();
    expect(new TextDecoder().decode(sealer.unseal('share/key-1', forge('mpc-wallet/seal/v1/share/key-1', 'share/key-1')))).toBe('secret');
    for (const info of ['mpc-wallet/seal/v1/', 'mpc-wallet/seal/v1/share/key-2', 'share/key-1', '']) {
      expect(() => sealer.unseal('share/key-1', forge(info, 'share/key-1')), `info ${JSON.stringify(info)}`).toThrow(/does not authenticate/);
    }
    // What the sealer writes is under the key derived for its label.
    const sealed = sealer.seal('share/key-1', utf8('secret'));
    expect(new TextDecoder().decode(open('mpc-wallet/seal/v1/share/key-1', 'share/key-1', sealed))).toBe('secret');
    expect(() => open('mpc-wallet/seal/v1/', 'share/key-1', sealed)).toThrow();
  });
});
