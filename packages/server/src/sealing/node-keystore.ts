/**
 * A node's data folder: the sealer descriptor and the node's Noise static key, created on first
 * start and sealed like every other secret. Files are written atomically with mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bytesToHex, ed25519PublicKey, generateKeyPair, keyPairFromSecret, type KeyPair } from '@mpc-wallet/core';
import { PassphraseSealer, type PassphraseSealerDescriptor, type ScryptParams, type Sealer, DEFAULT_SCRYPT, MIN_SCRYPT_N } from './passphrase-sealer.js';

const SEALER_FILE = 'sealer.json';
const STATIC_KEY_FILE = 'noise-static-key.sealed';
const STATIC_KEY_LABEL = 'noise-static-key';
const IDENTITY_KEY_FILE = 'identity-key.sealed';
const IDENTITY_KEY_LABEL = 'identity-key';

/**
 * Write to a fresh temporary file, fsync it, rename it over `path`, then fsync the folder: after
 * a crash the path holds either the old bytes or all of the new ones, and a completed write
 * survives power loss (the rename itself lives in the folder's metadata).
 */
export async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (e) {
    await file.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await file.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Opens (or, on first start, creates) the sealer of a data folder. A descriptor asking for less
 * scrypt work than `floor` is refused (only tests lower the floor).
 */
export async function openSealer(dir: string, passphrase: string, params: ScryptParams = DEFAULT_SCRYPT, floor = MIN_SCRYPT_N): Promise<Sealer> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = await readIfExists(join(dir, SEALER_FILE));
  if (existing) return PassphraseSealer.open(passphrase, JSON.parse(existing.toString('utf8')) as PassphraseSealerDescriptor, floor);
  const { sealer, descriptor } = await PassphraseSealer.create(passphrase, params, floor);
  await writeAtomically(join(dir, SEALER_FILE), `${JSON.stringify(descriptor, null, 2)}\n`);
  return sealer;
}

/** A 32-byte secret of the data folder: generated on first start, sealed at rest under its label. */
async function loadOrCreateSecret(dir: string, sealer: Sealer, file: string, label: string, generate: () => Uint8Array): Promise<Uint8Array> {
  const path = join(dir, file);
  const sealed = await readIfExists(path);
  if (sealed) return sealer.unseal(label, new Uint8Array(sealed));
  const secret = generate();
  await writeAtomically(path, sealer.seal(label, secret));
  return secret;
}

/** The process's Noise static key pair. */
export async function loadOrCreateStaticKey(dir: string, sealer: Sealer): Promise<KeyPair> {
  return keyPairFromSecret(await loadOrCreateSecret(dir, sealer, STATIC_KEY_FILE, STATIC_KEY_LABEL, () => generateKeyPair().secretKey));
}

/** The process's Ed25519 signing key (a node's protocol identity, the coordinator's request key): the 32-byte seed. */
export async function loadOrCreateIdentityKey(dir: string, sealer: Sealer): Promise<Uint8Array> {
  return loadOrCreateSecret(dir, sealer, IDENTITY_KEY_FILE, IDENTITY_KEY_LABEL, () => new Uint8Array(randomBytes(32)));
}

/** Scrypt settings of a data folder's sealer: only tests lower them. */
export interface ScryptSettings {
  params: ScryptParams;
  floor: number;
}

/**
 * A process's data folder opened (created on first start): its sealer, its Noise static key and
 * its Ed25519 signing key (a node's protocol identity, the coordinator's request key), with the
 * public halves as the cluster manifest lists them.
 */
export async function openProcessKeys(dir: string, passphrase: string, scrypt?: ScryptSettings) {
  const sealer = await openSealer(dir, passphrase, scrypt?.params ?? DEFAULT_SCRYPT, scrypt?.floor ?? MIN_SCRYPT_N);
  const staticKey = await loadOrCreateStaticKey(dir, sealer);
  const signingKey = await loadOrCreateIdentityKey(dir, sealer);
  return { sealer, staticKey, signingKey, noisePublicKey: bytesToHex(staticKey.publicKey), signingPublicKey: bytesToHex(ed25519PublicKey(signingKey)) };
}

/**
 * Gives data folder `to` the keys of folder `from` (sealed as they are, under the same
 * passphrase): another instance of the same coordinator, which has its own folder. A folder that
 * has keys already keeps them; the manifest check at start tells whether they are the right ones.
 */
export async function copyProcessKeys(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  if ((await readIfExists(join(to, SEALER_FILE))) !== undefined) return;
  // The sealer descriptor goes last: a copy cut short leaves a folder without one, which the next copy completes.
  for (const file of [STATIC_KEY_FILE, IDENTITY_KEY_FILE, SEALER_FILE]) {
    const tmp = join(to, `${file}.${randomBytes(6).toString('hex')}.tmp`);
    await copyFile(join(from, file), tmp);
    await rename(tmp, join(to, file));
  }
}
