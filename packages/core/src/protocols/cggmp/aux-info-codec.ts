/**
 * Storage form of a party's CGGMP auxiliary information (aux-info.ts), which the signer node keeps
 * sealed at rest. Version 1 (integers big-endian):
 *
 *   version u8 (=1) ‖ level name u8-len ascii ‖ self u16 ‖ p ‖ q ‖ λ ‖ party count u16 ‖
 *   per party, ids ascending: id u16 ‖ N ‖ s ‖ t
 *
 * p, q, N in the signed big-integer form (sign byte, minimal magnitude; negative refused), λ at the
 * fixed width of φ(N) = (p − 1)(q − 1), s and t at the fixed width of their party's N. The aux-info
 * protocol builds this party's Paillier key and ring-Pedersen parameters on one modulus, and every
 * party publishes one N for both, so each modulus is stored once.
 *
 * Decoding is strict (DecodeError on anything malformed, trailing bytes included), rebuilds the
 * objects the protocol builds (paillierSecretKey with safe primes, paillierPublicKey, the frozen
 * ring-Pedersen secret) and re-checks the primes' size for the level, p·q = N of this party's
 * public entry, s = t^λ mod N, every peer's parameters well formed and no modulus twice. The
 * primality tests of paillierSecretKey come last: they cost the most (a large share of the
 * decoding's tenths of a second at 2048 bits). The proofs (Π^mod, Π^prm, Π^fac) were checked when
 * the protocol ran and are not stored.
 */
import { readResidue, readSigned, writeResidue, writeSigned } from '../../bigint/codec.js';
import { modPowSecret } from '../../bigint/node-crypto.js';
import { utf8 } from '../../bytes.js';
import { DecodeError, Reader, Writer } from '../../engine/codec.js';
import { paillierPublicKey, paillierSecretKey } from '../../paillier/paillier.js';
import { type RingPedersenParams, type RingPedersenSecret, isWellFormedRingPedersen } from '../../paillier/ring-pedersen.js';
import { SECURITY_LEVELS, type SecurityLevel, primeBits } from '../../paillier/security-level.js';
import { type AuxInfo, type PeerAuxInfo, checkOwnPrimes, revealedIntegerBytes } from './aux-info.js';

const AUX_INFO_VERSION = 1;

export function encodeAuxInfo(aux: AuxInfo): Uint8Array {
  const { level, paillier, ringPedersen } = aux;
  if (!SECURITY_LEVELS.includes(level)) throw new RangeError('auxiliary information at an unknown security level');
  if (ringPedersen.p !== paillier.p || ringPedersen.q !== paillier.q) {
    throw new RangeError('the ring-Pedersen parameters are not on the Paillier modulus');
  }
  const own = aux.parties.get(aux.self);
  const mine = ringPedersen.params;
  if (!own || own.paillier.n !== paillier.publicKey.n || own.ringPedersen.n !== mine.n || own.ringPedersen.s !== mine.s || own.ringPedersen.t !== mine.t) {
    throw new RangeError("this party's public entry does not match its secrets");
  }
  const name = utf8(level.name);
  const w = new Writer().u8(AUX_INFO_VERSION).u8(name.length).bytes(name).u16(aux.self);
  writeSigned(w, paillier.p);
  writeSigned(w, paillier.q);
  writeResidue(w, ringPedersen.lambda, paillier.phi);
  const ids = [...aux.parties.keys()].sort((a, b) => a - b);
  w.u16(ids.length);
  for (const id of ids) {
    const { paillier: pk, ringPedersen: rp } = aux.parties.get(id)!;
    if (rp.n !== pk.n) throw new RangeError(`party ${id} has two moduli`);
    w.u16(id);
    writeSigned(w, rp.n);
    writeResidue(w, rp.s, rp.n);
    writeResidue(w, rp.t, rp.n);
  }
  return w.finish();
}

/** Strict decoding; any inconsistency is a DecodeError whose message names no secret value. */
export function decodeAuxInfo(bytes: Uint8Array): AuxInfo {
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    // paillierSecretKey and the size checks throw RangeError; their messages carry no values.
    throw new DecodeError(`malformed auxiliary information: ${e instanceof Error ? e.message : 'invalid value'}`);
  }
}

/** Reads every field (cheap structural checks), then checks the values (primality tests last but one). */
function decode(bytes: Uint8Array): AuxInfo {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== AUX_INFO_VERSION) throw new DecodeError(`unsupported aux info version ${version}`);
  const level = levelNamed(new TextDecoder().decode(r.bytes(r.u8())));
  const self = r.u16();
  const primeBytes = primeBits(level) / 8;
  const p = readNatural(r, primeBytes);
  const q = readNatural(r, primeBytes);
  checkOwnPrimes({ p, q }, level);
  const lambda = readResidue(r, (p - 1n) * (q - 1n));
  const count = r.u16();
  if (count < 2) throw new DecodeError('auxiliary information of fewer than two parties');
  const entries: { id: number; params: RingPedersenParams }[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.u16();
    if (id <= (entries[i - 1]?.id ?? 0)) throw new DecodeError('party ids must be non-zero and ascend');
    const n = readNatural(r, revealedIntegerBytes(level));
    entries.push({ id, params: Object.freeze({ n, s: readResidue(r, n), t: readResidue(r, n) }) });
  }
  r.end();

  const own = entries.find((e) => e.id === self)?.params;
  if (!own) throw new DecodeError('this party has no public entry');
  if (own.n !== p * q) throw new DecodeError("this party's modulus is not the product of its primes");
  const moduli = new Set<bigint>();
  const parties = new Map<number, PeerAuxInfo>();
  for (const { id, params } of entries) {
    const paillier = paillierPublicKey(params.n, level);
    if (!isWellFormedRingPedersen(params, level)) throw new DecodeError(`malformed ring-Pedersen parameters of party ${id}`);
    if (moduli.has(params.n)) throw new DecodeError('two parties hold the same modulus');
    moduli.add(params.n);
    parties.set(id, { paillier, ringPedersen: params });
  }
  if (modPowSecret(own.t, lambda, own.n) !== own.s) throw new DecodeError("this party's ring-Pedersen parameters do not match its secret");
  // The protocol's own constructor call: safe Blum primes, N at the level's size.
  const paillier = paillierSecretKey(p, q, { requireSafe: true, level });
  parties.set(self, { paillier: paillier.publicKey, ringPedersen: own });
  const ringPedersen: RingPedersenSecret = Object.freeze({ params: own, lambda, phi: paillier.phi, p, q });
  return { level, self, paillier, ringPedersen, parties };
}

function levelNamed(name: string): SecurityLevel {
  const level = SECURITY_LEVELS.find((l) => l.name === name);
  if (!level) throw new DecodeError('unknown security level');
  return level;
}

/** A non-negative integer in the signed form, at most `maxBytes` long. */
function readNatural(r: Reader, maxBytes: number): bigint {
  const x = readSigned(r, maxBytes);
  if (x < 0n) throw new DecodeError('negative integer');
  return x;
}
