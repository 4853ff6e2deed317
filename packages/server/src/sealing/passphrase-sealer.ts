/**
 * Sealing at rest (DESIGN §4): a node master key derived from a passphrase with scrypt, and a
 * data key per sealed item derived from it with HKDF-SHA256 under the item's label; items are
 * AES-256-GCM encrypted with the label as associated data, so a sealed blob cannot be moved to
 * another label. Other sealers (KMS, TEE) will implement the same `Sealer` interface.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { bytesToHex, concatBytes, equalBytes, hexToBytes, utf8 } from '@mpc-wallet/core';

export interface Sealer {
  seal(label: string, plaintext: Uint8Array): Uint8Array;
  unseal(label: string, sealed: Uint8Array): Uint8Array;
  /**
   * A 32-byte secret for `label`, derived from the master key and stable across restarts: the
   * root of a key hierarchy kept outside the sealer (e.g. the per-record keys of sealed store
   * records). Distinct labels give independent secrets, none equal to a `seal` data key.
   */
  deriveKey(label: string): Uint8Array;
}

export class UnsealError extends Error {}

/** What must be stored to reopen the sealer (no secret in it). */
export interface PassphraseSealerDescriptor {
  version: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  /** HMAC(master, "check"): tells a wrong passphrase from a corrupted blob. */
  check: string;
}

const SEALED_VERSION = 1;
const NONCE_LENGTH = 12;

/** scrypt cost: N = 2^17 (128 MiB with r = 8), the floor OWASP gives for scrypt. */
export const DEFAULT_SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
/**
 * The lowest N a sealer is created or opened with. The descriptor is a file an attacker may
 * rewrite; refusing a cheaper N keeps it from downgrading the passphrase's protection. Only
 * tests pass a lower floor, to stay fast.
 */
export const MIN_SCRYPT_N = 2 ** 17;

export type ScryptParams = { N: number; r: number; p: number };

function checkScrypt(params: ScryptParams, floor: number): void {
  const { N, r, p } = params;
  for (const v of [N, r, p]) if (!Number.isSafeInteger(v) || v < 1) throw new UnsealError('bad scrypt parameters');
  if (N > 2 ** 20 || (N & (N - 1)) !== 0) throw new UnsealError('bad scrypt parameters');
  if (N < floor || r < 8) throw new UnsealError(`scrypt parameters below the floor (N ≥ ${floor}, r ≥ 8)`);
}

async function deriveMaster(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  if (passphrase.length < 8) throw new RangeError('passphrase must have at least 8 characters');
  return scryptAsync(utf8(passphrase.normalize('NFKC')), salt, { N: params.N, r: params.r, p: params.p, dkLen: 32 });
}

export class PassphraseSealer implements Sealer {
  private constructor(private readonly master: Uint8Array) {}

  static async create(
    passphrase: string,
    params: ScryptParams = DEFAULT_SCRYPT,
    floor = MIN_SCRYPT_N,
  ): Promise<{ sealer: PassphraseSealer; descriptor: PassphraseSealerDescriptor }> {
    checkScrypt(params, floor);
    const salt = randomBytes(16);
    const master = await deriveMaster(passphrase, salt, params);
    const descriptor: PassphraseSealerDescriptor = {
      version: 1,
      kdf: 'scrypt',
      N: params.N,
      r: params.r,
      p: params.p,
      salt: bytesToHex(salt),
      check: bytesToHex(hmac(sha256, master, utf8('mpc-wallet/sealer/check'))),
    };
    return { sealer: new PassphraseSealer(master), descriptor };
  }

  static async open(passphrase: string, d: PassphraseSealerDescriptor, floor = MIN_SCRYPT_N): Promise<PassphraseSealer> {
    if (d.version !== 1 || d.kdf !== 'scrypt') throw new UnsealError('unsupported sealer descriptor');
    // Before any derivation: a downgraded descriptor costs nothing and reveals nothing.
    checkScrypt(d, floor);
    const master = await deriveMaster(passphrase, hexToBytes(d.salt), d);
    if (!equalBytes(hmac(sha256, master, utf8('mpc-wallet/sealer/check')), hexToBytes(d.check))) {
      throw new UnsealError('wrong passphrase');
    }
    return new PassphraseSealer(master);
  }

  private dataKey(label: string): Uint8Array {
    return hkdf(sha256, this.master, new Uint8Array(0), utf8(`mpc-wallet/seal/v1/${label}`), 32);
  }

  deriveKey(label: string): Uint8Array {
    if (typeof label !== 'string' || label.length === 0) throw new RangeError('a key label must be a non-empty string');
    return hkdf(sha256, this.master, new Uint8Array(0), utf8(`mpc-wallet/derive/v1/${label}`), 32);
  }

  seal(label: string, plaintext: Uint8Array): Uint8Array {
    const nonce = randomBytes(NONCE_LENGTH);
    const ct = gcm(this.dataKey(label), nonce, utf8(label)).encrypt(plaintext);
    return concatBytes(Uint8Array.of(SEALED_VERSION), nonce, ct);
  }

  unseal(label: string, sealed: Uint8Array): Uint8Array {
    if (sealed.length < 1 + NONCE_LENGTH + 16 || sealed[0] !== SEALED_VERSION) throw new UnsealError('malformed sealed data');
    try {
      return gcm(this.dataKey(label), sealed.subarray(1, 1 + NONCE_LENGTH), utf8(label)).decrypt(sealed.subarray(1 + NONCE_LENGTH));
    } catch {
      throw new UnsealError(`sealed data for "${label}" does not authenticate`);
    }
  }
}
