/**
 * Import of bnb-chain/tss-lib ECDSA key shares (Go `keygen.LocalPartySaveData`, serialized with
 * `encoding/json`), so that a tss-lib user can move a key here — reshare it to standard
 * identifiers, then sign — without moving funds.
 *
 * Pure: it takes the JSON texts, never a path. Go marshals every `*big.Int` as a bare JSON number
 * of up to hundreds of digits, which `JSON.parse` silently rounds to a double, so the text goes
 * through the small strict parser of `json-bigint.ts`, which turns each integer token into a `bigint` as written.
 *
 * What tss-lib's keygen guarantees and this import checks again on the data (tss-lib
 * `ecdsa/keygen/prepare.go`, `round_2.go`, `save_data.go`, read as reference):
 * - N̂ = (2P+1)(2Q+1) with P, Q Sophie Germain primes; h1 = f² mod N̂ for a random unit f;
 *   h2 = h1^α mod N̂; β = α⁻¹ mod PQ, so h1 = h2^β mod N̂ too (the DLN proofs tss-lib exchanged
 *   show both directions). In CGGMP's ring-Pedersen notation t = h1, s = h2, λ = α.
 * - h1 ≠ h2, and no h1/h2 value is used by two parties; Paillier moduli and N̂ of 2048 bits.
 * - Party j's share is evaluated at Ks[j] (its party key, a large scalar — not j), BigXj[j] =
 *   Xi·G, ShareID = Ks[self], and the shares lie on one polynomial of degree t whose value at 0
 *   is the secret of ECDSAPub; t + 1 parties sign.
 * Secret values are never part of an error message.
 */
import { type GroupPoint, SECP256K1 } from '../../math/curve.js';
import { lagrangeAtZero, MAX_PARTIES } from '../../math/polynomial.js';
import type { KeyShare } from '../key-share.js';
import { bigIntToBytes, gcd, isqrt, mod } from '../../bigint/arith.js';
import { isProbablePrime, modPow } from '../../bigint/node-crypto.js';
import { type PaillierSecretKey, paillierPublicKey, paillierSecretKey } from '../../paillier/paillier.js';
import { type RingPedersenParams, type RingPedersenSecret, isWellFormedRingPedersen } from '../../paillier/ring-pedersen.js';
import { SECURITY_LEVEL_TSS_LIB_2048 } from '../../paillier/security-level.js';
import { type JsonObject, type JsonValue, JsonNonInteger, TssLibImportError, parseJsonWithBigInts } from './json-bigint.js';

export { TssLibImportError };

// ---------------------------------------------------------------------------------------------
// Typed view of one save file.

export interface TssLibPaillierSK {
  readonly N: bigint;
  readonly LambdaN: bigint;
  readonly PhiN: bigint;
  /** The Paillier primes; absent in saves from tss-lib before v2, then recovered from N and φ(N). */
  readonly P: bigint;
  readonly Q: bigint;
}

/** One party's `LocalPartySaveData`, with Go's field names. */
export interface TssLibEcdsaSaveData {
  readonly PaillierSK: TssLibPaillierSK;
  readonly NTildei: bigint;
  readonly H1i: bigint;
  readonly H2i: bigint;
  /**
   * h2 = h1^Alpha, Beta = Alpha⁻¹ mod P·Q, and the Sophie Germain primes P, Q of N̂. tss-lib's
   * `ValidateWithProof` needs them; older saves lack them (all four absent or null together).
   */
  readonly Alpha?: bigint;
  readonly Beta?: bigint;
  readonly P?: bigint;
  readonly Q?: bigint;
  readonly Xi: bigint;
  readonly ShareID: bigint;
  readonly Ks: readonly bigint[];
  readonly NTildej: readonly bigint[];
  readonly H1j: readonly bigint[];
  readonly H2j: readonly bigint[];
  readonly BigXj: readonly GroupPoint[];
  readonly PaillierPKs: readonly { readonly N: bigint }[];
  readonly ECDSAPub: GroupPoint;
}

const SECP256K1_FIELD = 2n ** 256n - 2n ** 32n - 977n;

function kind(v: JsonValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'an integer';
  if (v instanceof JsonNonInteger) return 'a non-integer number';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  if (Array.isArray(v)) return 'an array';
  return 'an object';
}

function field(obj: JsonObject, key: string, path: string): JsonValue {
  const v = obj.get(key);
  if (v === undefined) throw new TssLibImportError(`missing field "${path}"`);
  return v;
}

function asObject(v: JsonValue, path: string): JsonObject {
  if (!(v instanceof Map)) throw new TssLibImportError(`field "${path}" must be an object, not ${kind(v)}`);
  return v;
}

function asArray(v: JsonValue, path: string): JsonValue[] {
  if (!Array.isArray(v)) throw new TssLibImportError(`field "${path}" must be an array, not ${kind(v)}`);
  return v;
}

function asPositiveInt(v: JsonValue, path: string): bigint {
  if (typeof v !== 'bigint') throw new TssLibImportError(`field "${path}" must be an integer, not ${kind(v)}`);
  if (v <= 0n) throw new TssLibImportError(`field "${path}" must be positive`);
  return v;
}

function intField(obj: JsonObject, key: string, path = key): bigint {
  return asPositiveInt(field(obj, key, path), path);
}

function scalarField(v: JsonValue, path: string): bigint {
  const s = asPositiveInt(v, path);
  if (s >= SECP256K1.order) throw new TssLibImportError(`field "${path}" must be below the secp256k1 group order`);
  return s;
}

/** `{Curve:"secp256k1", Coords:[x, y]}` → a validated point (on the curve, not the identity). */
function pointField(v: JsonValue, path: string): GroupPoint {
  const o = asObject(v, path);
  const curve = field(o, 'Curve', `${path}.Curve`);
  if (curve !== 'secp256k1') throw new TssLibImportError(`field "${path}.Curve" must be "secp256k1"`);
  const coords = asArray(field(o, 'Coords', `${path}.Coords`), `${path}.Coords`);
  if (coords.length !== 2) throw new TssLibImportError(`field "${path}.Coords" must hold exactly [x, y]`);
  const [x, y] = coords.map((c, i) => {
    const p = `${path}.Coords[${i}]`;
    if (typeof c !== 'bigint') throw new TssLibImportError(`field "${p}" must be an integer, not ${kind(c)}`);
    if (c < 0n || c >= SECP256K1_FIELD) throw new TssLibImportError(`field "${p}" is not a field element`);
    return c;
  }) as [bigint, bigint];
  // Decode x with y's parity (SEC1 compressed form): a failure, or a different y, means the
  // coordinates are not a point of the curve.
  const bytes = new Uint8Array(33);
  bytes[0] = 2 + Number(y & 1n);
  bytes.set(bigIntToBytes(x, 32), 1);
  let point: GroupPoint;
  try {
    point = SECP256K1.decodePoint(bytes);
  } catch {
    throw new TssLibImportError(`field "${path}" is not a point on secp256k1`);
  }
  if (point.toAffine().y !== y) throw new TssLibImportError(`field "${path}" is not a point on secp256k1`);
  return point;
}

function listField<T>(obj: JsonObject, key: string, n: number, each: (v: JsonValue, path: string) => T): T[] {
  const arr = asArray(field(obj, key, key), key);
  if (arr.length !== n) throw new TssLibImportError(`field "${key}" must have ${n} entries, one per party (as Ks)`);
  return arr.map((v, i) => each(v, `${key}[${i}]`));
}

/** An optional big integer: absent and null both mean "not there". */
function optionalInt(obj: JsonObject, key: string, path: string): bigint | undefined {
  const v = obj.get(key);
  return v === undefined || v === null ? undefined : asPositiveInt(v, path);
}

/** p, q from N = p·q and φ(N) = (p−1)(q−1): they are the roots of z² − (N − φ + 1)z + N. */
function factorFromPhi(n: bigint, phi: bigint): [bigint, bigint] {
  const s = n - phi + 1n;
  const disc = s * s - 4n * n;
  if (disc <= 0n) throw new TssLibImportError('field "PaillierSK.PhiN" does not match "PaillierSK.N"');
  const r = isqrt(disc);
  if (r * r !== disc) throw new TssLibImportError('field "PaillierSK.PhiN" does not match "PaillierSK.N"');
  return [(s - r) / 2n, (s + r) / 2n];
}

/**
 * Parses one tss-lib ECDSA save file into exact big integers and validated curve points.
 * Structural only (types, lengths, ranges, points on the curve); {@link importTssLibEcdsa}
 * checks the relations between the values. Field names are matched exactly (as Go writes them);
 * fields this import does not use are ignored.
 */
export function parseTssLibEcdsaSaveData(jsonText: string): TssLibEcdsaSaveData {
  const root = asObject(parseJsonWithBigInts(jsonText), '(root)');

  const sk = asObject(field(root, 'PaillierSK', 'PaillierSK'), 'PaillierSK');
  const N = intField(sk, 'N', 'PaillierSK.N');
  const LambdaN = intField(sk, 'LambdaN', 'PaillierSK.LambdaN');
  const PhiN = intField(sk, 'PhiN', 'PaillierSK.PhiN');
  let P = optionalInt(sk, 'P', 'PaillierSK.P');
  let Q = optionalInt(sk, 'Q', 'PaillierSK.Q');
  if ((P === undefined) !== (Q === undefined)) throw new TssLibImportError('fields "PaillierSK.P" and "PaillierSK.Q" must be both present or both absent');
  if (P === undefined || Q === undefined) [P, Q] = factorFromPhi(N, PhiN);

  const Ks = asArray(field(root, 'Ks', 'Ks'), 'Ks').map((v, i) => scalarField(v, `Ks[${i}]`));
  const n = Ks.length;
  if (n < 1 || n > MAX_PARTIES) throw new TssLibImportError(`field "Ks" must have 1..${MAX_PARTIES} entries`);
  if (new Set(Ks).size !== n) throw new TssLibImportError('field "Ks" has duplicate evaluation points');

  const proofFields = (['Alpha', 'Beta', 'P', 'Q'] as const).map((k) => optionalInt(root, k, k));
  const present = proofFields.filter((v) => v !== undefined).length;
  if (present !== 0 && present !== 4) throw new TssLibImportError('fields "Alpha", "Beta", "P", "Q" must be all present or all absent');
  const [Alpha, Beta, SgP, SgQ] = proofFields;

  return {
    PaillierSK: { N, LambdaN, PhiN, P, Q },
    NTildei: intField(root, 'NTildei'),
    H1i: intField(root, 'H1i'),
    H2i: intField(root, 'H2i'),
    ...(present === 4 ? { Alpha: Alpha!, Beta: Beta!, P: SgP!, Q: SgQ! } : {}),
    Xi: scalarField(field(root, 'Xi', 'Xi'), 'Xi'),
    ShareID: scalarField(field(root, 'ShareID', 'ShareID'), 'ShareID'),
    Ks,
    NTildej: listField(root, 'NTildej', n, asPositiveInt),
    H1j: listField(root, 'H1j', n, asPositiveInt),
    H2j: listField(root, 'H2j', n, asPositiveInt),
    BigXj: listField(root, 'BigXj', n, pointField),
    PaillierPKs: listField(root, 'PaillierPKs', n, (v, path) => ({ N: intField(asObject(v, path), 'N', `${path}.N`) })),
    ECDSAPub: pointField(field(root, 'ECDSAPub', 'ECDSAPub'), 'ECDSAPub'),
  };
}

// ---------------------------------------------------------------------------------------------
// Import: validation and conversion.

/** A key share whose members are numbered 1..n locally but evaluated at tss-lib's points. */
export type ImportedKeyShare = KeyShare & { evaluationPoints: ReadonlyMap<number, bigint> };

export interface ImportedTssLibParty {
  readonly share: ImportedKeyShare;
  readonly paillier: PaillierSecretKey;
  /** The full secret when the save has Alpha/Beta/P/Q, else only the parameters. */
  readonly ringPedersen: RingPedersenSecret | { readonly params: RingPedersenParams };
  /** Every other member, by local number. */
  readonly peers: readonly { readonly index: number; readonly paillierN: bigint; readonly ringPedersen: RingPedersenParams }[];
}

const LEVEL = SECURITY_LEVEL_TSS_LIB_2048;

/**
 * Smallest k such that all the points (x_j, X_j) lie on one polynomial of degree k − 1 (in the
 * exponent), with that polynomial's value at 0. All n points on a degree-(k−1) polynomial is
 * the same as: every k-subset interpolates to the same f(0).
 */
function thresholdOf(xs: readonly bigint[], points: readonly GroupPoint[]): { threshold: number; constant: GroupPoint } {
  const curve = SECP256K1;
  for (let k = 1; k <= xs.length; k++) {
    const basis = xs.slice(0, k);
    const at = (x: bigint): GroupPoint => {
      const shifted = basis.map((b) => b - x);
      const coeffs = shifted.map((b) => lagrangeAtZero(curve, b, shifted));
      return curve.sumOfProducts(points.slice(0, k), coeffs);
    };
    let fits = true;
    for (let j = k; j < xs.length && fits; j++) fits = at(xs[j]!).equals(points[j]!);
    if (fits) return { threshold: k, constant: at(0n) };
  }
  throw new TssLibImportError('no threshold found'); // unreachable: k = n always fits
}

function sameList(a: readonly bigint[], b: readonly bigint[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function checkRingPedersen(d: TssLibEcdsaSaveData): RingPedersenSecret | { params: RingPedersenParams } {
  const params: RingPedersenParams = Object.freeze({ n: d.NTildei, s: d.H2i, t: d.H1i });
  if (!isWellFormedRingPedersen(params, LEVEL)) throw new TssLibImportError('NTildei/H1i/H2i are not well-formed ring-Pedersen parameters');
  if (d.Alpha === undefined || d.Beta === undefined || d.P === undefined || d.Q === undefined) return { params };
  const { Alpha, Beta, P, Q } = d;
  const p = 2n * P + 1n;
  const q = 2n * Q + 1n;
  if (P === Q || !isProbablePrime(P) || !isProbablePrime(Q) || !isProbablePrime(p) || !isProbablePrime(q)) {
    throw new TssLibImportError('fields "P", "Q" are not distinct Sophie Germain primes');
  }
  if (p * q !== d.NTildei) throw new TssLibImportError('NTildei is not (2P+1)(2Q+1)');
  const order = P * Q; // order of the group of quadratic residues mod N̂
  const n = d.NTildei;
  // h1 is a square of order exactly PQ (it generates the quadratic residues), h2 = h1^α, and
  // h1 = h2^β with αβ ≡ 1 mod PQ — so each lies in the group the other generates.
  if (modPow(d.H1i, order, n) !== 1n || modPow(d.H1i, P, n) === 1n || modPow(d.H1i, Q, n) === 1n) {
    throw new TssLibImportError('H1i does not generate the quadratic residues mod NTildei');
  }
  if (modPow(d.H1i, Alpha, n) !== d.H2i) throw new TssLibImportError('H2i is not H1i^Alpha mod NTildei');
  if (modPow(d.H2i, Beta, n) !== d.H1i) throw new TssLibImportError('H1i is not H2i^Beta mod NTildei');
  if (mod(Alpha * Beta, order) !== 1n) throw new TssLibImportError('Alpha·Beta is not 1 mod P·Q');
  const phi = 4n * order;
  return Object.freeze({ params, lambda: mod(Alpha, phi), phi, p, q });
}

function checkPaillier(d: TssLibEcdsaSaveData, self: number): PaillierSecretKey {
  const { N, P, Q, PhiN, LambdaN } = d.PaillierSK;
  if (P * Q !== N) throw new TssLibImportError('PaillierSK.N is not P·Q');
  if (PhiN !== (P - 1n) * (Q - 1n)) throw new TssLibImportError('PaillierSK.PhiN is not (P−1)(Q−1)');
  if (LambdaN !== PhiN / gcd(P - 1n, Q - 1n)) throw new TssLibImportError('PaillierSK.LambdaN is not lcm(P−1, Q−1)');
  if (d.PaillierPKs[self]!.N !== N) throw new TssLibImportError(`PaillierSK.N differs from PaillierPKs[${self}].N`);
  try {
    return paillierSecretKey(P, Q, { level: LEVEL });
  } catch (e) {
    throw new TssLibImportError(`PaillierSK: ${(e as Error).message}`);
  }
}

/**
 * Validates one or more parties' tss-lib ECDSA save files (JSON texts) of the same key and
 * converts each into this library's form. Members are numbered 1..n locally in ascending order
 * of their tss-lib evaluation points (Ks); `share.evaluationPoints` maps each local number back to
 * its point, and the share must be reshared to standard identifiers before signing or storage.
 * The threshold (t + 1 in tss-lib's terms) is read off the public shares. Throws
 * {@link TssLibImportError} naming the file and the field; never a secret value.
 */
export function importTssLibEcdsa(files: readonly string[]): ImportedTssLibParty[] {
  if (!Array.isArray(files) || files.length === 0) throw new TssLibImportError('no tss-lib save files given');
  const data = files.map((text, i) => {
    try {
      return parseTssLibEcdsaSaveData(text);
    } catch (e) {
      if (e instanceof TssLibImportError) throw new TssLibImportError(`tss-lib file ${i}: ${e.message}`);
      throw e;
    }
  });
  const ref = data[0]!;
  const n = ref.Ks.length;

  // Every file describes the same key and committee.
  data.forEach((d, i) => {
    const disagree = (what: string): never => {
      throw new TssLibImportError(`tss-lib file ${i} disagrees with file 0 on "${what}"`);
    };
    if (!sameList(d.Ks, ref.Ks)) disagree('Ks');
    if (!d.ECDSAPub.equals(ref.ECDSAPub)) disagree('ECDSAPub');
    if (!d.BigXj.every((X, j) => X.equals(ref.BigXj[j]!))) disagree('BigXj');
    if (!sameList(d.PaillierPKs.map((k) => k.N), ref.PaillierPKs.map((k) => k.N))) disagree('PaillierPKs');
    if (!sameList(d.NTildej, ref.NTildej)) disagree('NTildej');
    if (!sameList(d.H1j, ref.H1j)) disagree('H1j');
    if (!sameList(d.H2j, ref.H2j)) disagree('H2j');
  });

  // Public checks, once for the committee.
  const where = (msg: string) => new TssLibImportError(`tss-lib save data: ${msg}`);
  const { threshold, constant } = thresholdOf(ref.Ks, ref.BigXj);
  if (!constant.equals(ref.ECDSAPub)) throw where('BigXj do not interpolate to ECDSAPub');
  const seen = new Set<bigint>();
  for (let j = 0; j < n; j++) {
    const h1 = ref.H1j[j]!;
    const h2 = ref.H2j[j]!;
    if (h1 === h2) throw where(`H1j[${j}] equals H2j[${j}]`);
    if (seen.has(h1) || seen.has(h2)) throw where(`H1j[${j}]/H2j[${j}] reuse another party's value`);
    seen.add(h1).add(h2);
    const rp: RingPedersenParams = { n: ref.NTildej[j]!, s: h2, t: h1 };
    if (!isWellFormedRingPedersen(rp, LEVEL)) throw where(`NTildej[${j}]/H1j[${j}]/H2j[${j}] are not well-formed ring-Pedersen parameters`);
    try {
      paillierPublicKey(ref.PaillierPKs[j]!.N, LEVEL);
    } catch {
      throw where(`PaillierPKs[${j}].N is not a valid Paillier modulus at the 2048-bit level`);
    }
  }
  if (new Set(ref.PaillierPKs.map((k) => k.N)).size !== n) throw where('two parties share a Paillier modulus');

  // Local numbering: ascending evaluation point → 1..n.
  const sorted = [...ref.Ks].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const localOf = (j: number) => sorted.indexOf(ref.Ks[j]!) + 1;
  const parties = sorted.map((_, i) => i + 1);
  const verificationShares = new Map<number, GroupPoint>();
  const evaluationPoints = new Map<number, bigint>();
  for (let j = 0; j < n; j++) {
    verificationShares.set(localOf(j), ref.BigXj[j]!);
    evaluationPoints.set(localOf(j), ref.Ks[j]!);
  }

  const selves = new Set<number>();
  return data.map((d, i) => {
    const fail = (msg: string): never => {
      throw new TssLibImportError(`tss-lib file ${i}: ${msg}`);
    };
    const selfIndex = d.Ks.indexOf(d.ShareID);
    if (selfIndex < 0) fail('ShareID is not one of Ks');
    if (selves.has(selfIndex)) fail('two files hold the share of the same party');
    selves.add(selfIndex);
    if (!SECP256K1.mulBase(d.Xi).equals(d.BigXj[selfIndex]!)) fail(`Xi·G differs from BigXj[${selfIndex}]`);
    if (d.NTildej[selfIndex] !== d.NTildei || d.H1j[selfIndex] !== d.H1i || d.H2j[selfIndex] !== d.H2i) {
      fail(`NTildei/H1i/H2i differ from NTildej/H1j/H2j[${selfIndex}]`);
    }
    let paillier: PaillierSecretKey;
    let ringPedersen: RingPedersenSecret | { params: RingPedersenParams };
    try {
      paillier = checkPaillier(d, selfIndex);
      ringPedersen = checkRingPedersen(d);
    } catch (e) {
      if (e instanceof TssLibImportError) return fail(e.message);
      throw e;
    }
    const share: ImportedKeyShare = {
      curve: 'secp256k1',
      threshold,
      parties,
      self: localOf(selfIndex),
      secretShare: d.Xi,
      publicKey: d.ECDSAPub,
      verificationShares: new Map(verificationShares),
      evaluationPoints: new Map(evaluationPoints),
    };
    const peers = [];
    for (let j = 0; j < n; j++) {
      if (j === selfIndex) continue;
      peers.push({ index: localOf(j), paillierN: d.PaillierPKs[j]!.N, ringPedersen: Object.freeze({ n: d.NTildej[j]!, s: d.H2j[j]!, t: d.H1j[j]! }) });
    }
    peers.sort((a, b) => a.index - b.index);
    return { share, paillier, ringPedersen, peers };
  });
}
