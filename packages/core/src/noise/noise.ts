/**
 * The Noise Protocol Framework (revision 34) for one cipher suite: 25519, ChaChaPoly, BLAKE2s —
 * CipherState, SymmetricState and HandshakeState (§5), with the IK, XX and NK patterns (§7).
 * Pure: no I/O; randomness (ephemeral keys) comes from an injected RNG, and the primitives from
 * an injected `NoiseCrypto` suite (native OpenSSL by default, noble as the reference; suites.ts).
 *
 * Every failure is a `NoiseError`; a HandshakeState or CipherState that failed a decryption
 * must be discarded (the caller closes the connection), as §5.1 asks.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { concatBytes, utf8 } from '../bytes.js';
import { NOISE_NATIVE, type NoiseCrypto } from './suites.js';

export class NoiseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoiseError';
  }
}

export const DHLEN = 32;
export const HASHLEN = 32;
export const TAGLEN = 16;
/** Largest Noise message (handshake or transport), §3. */
export const MAX_NOISE_MESSAGE = 65535;
/** 2^64 − 1 is reserved for rekey (§5.1), so it is also where a CipherState gives up. */
const MAX_NONCE = 0xffffffffffffffffn;

export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function generateKeyPair(rng: (n: number) => Uint8Array = randomBytes, crypto: NoiseCrypto = NOISE_NATIVE): KeyPair {
  const secretKey = rng(32);
  if (secretKey.length !== DHLEN) throw new NoiseError('the RNG must return 32 bytes');
  return { secretKey, publicKey: crypto.publicKey(secretKey) };
}

export function keyPairFromSecret(secretKey: Uint8Array, crypto: NoiseCrypto = NOISE_NATIVE): KeyPair {
  if (secretKey.length !== DHLEN) throw new NoiseError('static key must be 32 bytes');
  const own = secretKey.slice();
  return { secretKey: own, publicKey: crypto.publicKey(own) };
}

function dh(crypto: NoiseCrypto, kp: KeyPair, publicKey: Uint8Array): Uint8Array {
  try {
    // Both suites reject low-order public keys (an all-zero shared secret), which Noise permits.
    return crypto.dh(kp.secretKey, publicKey);
  } catch {
    throw new NoiseError('invalid Diffie-Hellman public key');
  }
}

function nonceBytes(n: bigint): Uint8Array {
  // ChaChaPoly: 32 bits of zeros, then the 64-bit counter little-endian (§12.3).
  const out = new Uint8Array(12);
  new DataView(out.buffer).setBigUint64(4, n, true);
  return out;
}

export class CipherState {
  private k: Uint8Array | undefined;
  private n = 0n;

  constructor(
    key?: Uint8Array,
    private readonly crypto: NoiseCrypto = NOISE_NATIVE,
  ) {
    if (key) this.initializeKey(key);
  }

  initializeKey(key: Uint8Array | undefined): void {
    if (key && key.length !== 32) throw new NoiseError('cipher key must be 32 bytes');
    this.k = key?.slice();
    this.n = 0n;
  }

  hasKey(): boolean {
    return this.k !== undefined;
  }

  /** Current nonce (for tests and diagnostics). */
  get nonce(): bigint {
    return this.n;
  }

  setNonce(n: bigint): void {
    if (n < 0n || n > MAX_NONCE) throw new NoiseError('nonce out of range');
    this.n = n;
  }

  /** A plaintext given in parts is encrypted as their concatenation, without building it. */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array | readonly Uint8Array[]): Uint8Array {
    if (!this.k) return plaintext instanceof Uint8Array ? plaintext.slice() : concatBytes(...plaintext);
    if (this.n >= MAX_NONCE) throw new NoiseError('nonce exhausted');
    const out = this.crypto.encrypt(this.k, nonceBytes(this.n), ad, plaintext);
    this.n++;
    return out;
  }

  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (!this.k) return ciphertext.slice();
    if (this.n >= MAX_NONCE) throw new NoiseError('nonce exhausted');
    if (ciphertext.length < TAGLEN) throw new NoiseError('ciphertext shorter than its tag');
    let out: Uint8Array;
    try {
      out = this.crypto.decrypt(this.k, nonceBytes(this.n), ad, ciphertext);
    } catch {
      throw new NoiseError('decryption failed');
    }
    this.n++;
    return out;
  }

  /** REKEY(k) = first 32 bytes of ENCRYPT(k, 2^64−1, ε, zeros) (§4.2); the nonce is kept. */
  rekey(): void {
    if (!this.k) throw new NoiseError('no key to rekey');
    this.k = this.crypto.encrypt(this.k, nonceBytes(MAX_NONCE), new Uint8Array(0), new Uint8Array(32)).slice(0, 32);
  }
}

/** HKDF of Noise §4.3 with two outputs (the only count these patterns use: no PSK). */
function hkdf(crypto: NoiseCrypto, chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const tempKey = crypto.hmac(chainingKey, ikm);
  const out1 = crypto.hmac(tempKey, Uint8Array.of(1));
  return [out1, crypto.hmac(tempKey, out1, Uint8Array.of(2))];
}

export class SymmetricState {
  readonly cipher: CipherState;
  private ck: Uint8Array;
  private h: Uint8Array;

  constructor(
    protocolName: string,
    private readonly crypto: NoiseCrypto = NOISE_NATIVE,
  ) {
    this.cipher = new CipherState(undefined, crypto);
    const name = utf8(protocolName);
    if (name.length <= HASHLEN) {
      this.h = new Uint8Array(HASHLEN);
      this.h.set(name);
    } else {
      this.h = crypto.hash(name);
    }
    this.ck = this.h.slice();
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = hkdf(this.crypto, this.ck, ikm);
    this.ck = ck;
    this.cipher.initializeKey(tempK);
  }

  mixHash(data: Uint8Array): void {
    this.h = this.crypto.hash(this.h, data);
  }

  get handshakeHash(): Uint8Array {
    return this.h.slice();
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ct = this.cipher.encryptWithAd(this.h, plaintext);
    this.mixHash(ct);
    return ct;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const pt = this.cipher.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return pt;
  }

  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf(this.crypto, this.ck, new Uint8Array(0));
    return [new CipherState(k1, this.crypto), new CipherState(k2, this.crypto)];
  }
}

type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss';

interface Pattern {
  /** Pre-message of the responder: its static key is known to the initiator. */
  responderStaticKnown: boolean;
  messages: Token[][];
}

export const PATTERNS = {
  IK: { responderStaticKnown: true, messages: [['e', 'es', 's', 'ss'], ['e', 'ee', 'se']] },
  XX: { responderStaticKnown: false, messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']] },
  NK: { responderStaticKnown: true, messages: [['e', 'es'], ['e', 'ee']] },
} as const satisfies Record<string, Pattern>;

export type PatternName = keyof typeof PATTERNS;

export function protocolName(pattern: PatternName): string {
  return `Noise_${pattern}_25519_ChaChaPoly_BLAKE2s`;
}

export interface HandshakeOptions {
  pattern: PatternName;
  initiator: boolean;
  prologue?: Uint8Array;
  /** Local static key pair (required when the pattern sends or uses it). */
  s?: KeyPair;
  /** Remote static public key, when known beforehand (IK/NK initiator). */
  rs?: Uint8Array;
  /** Fixed ephemeral key pair: test vectors only. */
  e?: KeyPair;
  rng?: (n: number) => Uint8Array;
  /** The primitives; NOISE_NATIVE unless given (NOISE_NOBLE is the reference). */
  crypto?: NoiseCrypto;
}

export interface TransportPair {
  send: CipherState;
  receive: CipherState;
}

export class HandshakeState {
  private readonly ss: SymmetricState;
  private readonly pattern: Pattern;
  private readonly initiator: boolean;
  private readonly s: KeyPair | undefined;
  private e: KeyPair | undefined;
  private rs: Uint8Array | undefined;
  private re: Uint8Array | undefined;
  private readonly rng: (n: number) => Uint8Array;
  private readonly crypto: NoiseCrypto;
  private index = 0;
  private failed = false;
  private result: TransportPair | undefined;

  constructor(opts: HandshakeOptions) {
    const pattern: Pattern = PATTERNS[opts.pattern];
    if (!pattern) throw new NoiseError('unknown handshake pattern');
    this.pattern = pattern;
    this.initiator = opts.initiator;
    this.s = opts.s;
    this.e = opts.e;
    this.rs = opts.rs?.slice();
    this.rng = opts.rng ?? randomBytes;
    this.crypto = opts.crypto ?? NOISE_NATIVE;
    this.ss = new SymmetricState(protocolName(opts.pattern), this.crypto);
    this.ss.mixHash(opts.prologue ?? new Uint8Array(0));
    if (pattern.responderStaticKnown) {
      if (this.initiator) {
        if (!this.rs || this.rs.length !== DHLEN) throw new NoiseError('the initiator needs the responder’s static key');
        this.ss.mixHash(this.rs);
      } else {
        if (!this.s) throw new NoiseError('the responder needs its static key');
        this.ss.mixHash(this.s.publicKey);
      }
    }
    const usesOwnStatic = pattern.messages.some((m, i) => {
      const mine = (i % 2 === 0) === this.initiator;
      return m.some((t) => (t === 's' && mine) || t === 'ss' || (t === 'es' && !this.initiator) || (t === 'se' && this.initiator));
    });
    if (usesOwnStatic && !this.s) throw new NoiseError('this pattern needs a local static key');
  }

  /** True when it is this side's turn to write. */
  get isMyTurn(): boolean {
    return !this.isComplete && (this.index % 2 === 0) === this.initiator;
  }

  get isComplete(): boolean {
    return this.index >= this.pattern.messages.length;
  }

  get handshakeHash(): Uint8Array {
    return this.ss.handshakeHash;
  }

  /** The peer's static public key, once known. */
  get remoteStatic(): Uint8Array | undefined {
    return this.rs?.slice();
  }

  writeMessage(payload: Uint8Array = new Uint8Array(0)): Uint8Array {
    this.guard(true);
    const parts: Uint8Array[] = [];
    try {
      for (const token of this.pattern.messages[this.index]!) {
        if (token === 'e') {
          this.e ??= generateKeyPair(this.rng, this.crypto);
          parts.push(this.e.publicKey);
          this.ss.mixHash(this.e.publicKey);
        } else if (token === 's') {
          parts.push(this.ss.encryptAndHash(this.s!.publicKey));
        } else {
          this.ss.mixKey(this.dhToken(token));
        }
      }
      parts.push(this.ss.encryptAndHash(payload));
    } catch (e) {
      this.failed = true;
      throw e instanceof NoiseError ? e : new NoiseError('handshake failed');
    }
    const message = concatBytes(...parts);
    if (message.length > MAX_NOISE_MESSAGE) {
      this.failed = true;
      throw new NoiseError('handshake message too long');
    }
    this.advance();
    return message;
  }

  readMessage(message: Uint8Array): Uint8Array {
    this.guard(false);
    if (message.length > MAX_NOISE_MESSAGE) {
      this.failed = true;
      throw new NoiseError('handshake message too long');
    }
    let offset = 0;
    const take = (n: number) => {
      if (offset + n > message.length) throw new NoiseError('handshake message truncated');
      const out = message.subarray(offset, offset + n);
      offset += n;
      return out;
    };
    let payload: Uint8Array;
    try {
      for (const token of this.pattern.messages[this.index]!) {
        if (token === 'e') {
          this.re = take(DHLEN).slice();
          this.ss.mixHash(this.re);
        } else if (token === 's') {
          const rs = this.ss.decryptAndHash(take(this.ss.cipher.hasKey() ? DHLEN + TAGLEN : DHLEN));
          this.rs = rs;
        } else {
          this.ss.mixKey(this.dhToken(token));
        }
      }
      payload = this.ss.decryptAndHash(message.subarray(offset));
    } catch (e) {
      this.failed = true;
      throw e instanceof NoiseError ? e : new NoiseError('handshake failed');
    }
    this.advance();
    return payload;
  }

  /** The two transport CipherStates, from this side's point of view. */
  split(): TransportPair {
    if (!this.result) throw new NoiseError('handshake not complete');
    return this.result;
  }

  private dhToken(token: 'ee' | 'es' | 'se' | 'ss'): Uint8Array {
    const need = (v: Uint8Array | KeyPair | undefined, what: string) => {
      if (!v) throw new NoiseError(`missing ${what}`);
      return v;
    };
    switch (token) {
      case 'ee':
        return dh(this.crypto, need(this.e, 'ephemeral key') as KeyPair, need(this.re, 'remote ephemeral key') as Uint8Array);
      case 'ss':
        return dh(this.crypto, need(this.s, 'static key') as KeyPair, need(this.rs, 'remote static key') as Uint8Array);
      case 'es':
        return this.initiator
          ? dh(this.crypto, need(this.e, 'ephemeral key') as KeyPair, need(this.rs, 'remote static key') as Uint8Array)
          : dh(this.crypto, need(this.s, 'static key') as KeyPair, need(this.re, 'remote ephemeral key') as Uint8Array);
      case 'se':
        return this.initiator
          ? dh(this.crypto, need(this.s, 'static key') as KeyPair, need(this.re, 'remote ephemeral key') as Uint8Array)
          : dh(this.crypto, need(this.e, 'ephemeral key') as KeyPair, need(this.rs, 'remote static key') as Uint8Array);
    }
  }

  private guard(writing: boolean): void {
    if (this.failed) throw new NoiseError('handshake already failed');
    if (this.isComplete) throw new NoiseError('handshake already complete');
    if (writing !== this.isMyTurn) throw new NoiseError(writing ? 'not this side’s turn to write' : 'not this side’s turn to read');
  }

  private advance(): void {
    this.index++;
    if (this.isComplete) {
      const [c1, c2] = this.ss.split();
      this.result = this.initiator ? { send: c1, receive: c2 } : { send: c2, receive: c1 };
    }
  }
}
