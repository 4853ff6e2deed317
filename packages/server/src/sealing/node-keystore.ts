/**
 * A node's data folder: the sealer descriptor and the node's Noise static key, created on first
 * start and sealed like every other secret. Files are written atomically with mode 0600.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, keyPairFromSecret, type KeyPair } from '@mpc-wallet/core';
import { PassphraseSealer, type PassphraseSealerDescriptor, type Sealer, DEFAULT_SCRYPT } from './passphrase-sealer.js';

const SEALER_FILE = 'sealer.json';
const STATIC_KEY_FILE = 'noise-static-key.sealed';
const STATIC_KEY_LABEL = 'noise-static-key';

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, path);
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Opens (or, on first start, creates) the sealer of a data folder. */
export async function openSealer(dir: string, passphrase: string, params = DEFAULT_SCRYPT): Promise<Sealer> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = await readIfExists(join(dir, SEALER_FILE));
  if (existing) return PassphraseSealer.open(passphrase, JSON.parse(existing.toString('utf8')) as PassphraseSealerDescriptor);
  const { sealer, descriptor } = await PassphraseSealer.create(passphrase, params);
  await writeAtomically(join(dir, SEALER_FILE), `${JSON.stringify(descriptor, null, 2)}\n`);
  return sealer;
}

/** The node's Noise static key pair: generated on first start, sealed at rest. */
export async function loadOrCreateStaticKey(dir: string, sealer: Sealer): Promise<KeyPair> {
  const path = join(dir, STATIC_KEY_FILE);
  const sealed = await readIfExists(path);
  if (sealed) return keyPairFromSecret(sealer.unseal(STATIC_KEY_LABEL, new Uint8Array(sealed)));
  const key = generateKeyPair();
  await writeAtomically(path, sealer.seal(STATIC_KEY_LABEL, key.secretKey));
  return key;
}
