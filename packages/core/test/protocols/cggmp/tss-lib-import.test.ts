import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/curves/utils.js';
import { type ImportedTssLibParty, TssLibImportError, importTssLibEcdsa, parseTssLibEcdsaSaveData } from '../../../src/protocols/cggmp/tss-lib-import.js';
import { type JsonValue, JsonNonInteger, parseJsonWithBigInts } from '../../../src/protocols/cggmp/json-bigint.js';
import { SECURITY_LEVEL_TSS_LIB_2048 } from '../../../src/paillier/security-level.js';
import { SECP256K1 } from '../../../src/math/curve.js';
import { interpolateAtZero } from '../../../src/math/polynomial.js';
import { decrypt, encryptRandom, paillierPublicKey } from '../../../src/paillier/paillier.js';
import { type RingPedersenSecret } from '../../../src/paillier/ring-pedersen.js';
import { modPow } from '../../../src/bigint/node-crypto.js';
import { proveRingPedersen, verifyRingPedersen } from '../../../src/proofs/ring-pedersen-params.js';
import { seededRng } from '../../../src/rng.js';
import { utf8 } from '../../../src/bytes.js';
import { vectorPath } from '../../vectors.js';

const EXPECTED_PUB = '02a89d4d9bf1e8c8689ff79e3aaa35375c5686829238b31cc605bd2b903a4bae85';
const N_PARTIES = 5;

// Raw text, never JSON.parse: the big integers would be rounded.
const paths = Array.from({ length: N_PARTIES }, (_, i) => vectorPath('tss-lib', 'ecdsa', `keygen_data_${i}.json`));
const available = paths.every((p) => p !== undefined);
if (!available) console.error('[vectors] tss-lib/ecdsa fixtures not found: tss-lib import tests are SKIPPED');
const raws: string[] = available ? paths.map((p) => readFileSync(p!, 'utf8')) : [];

/** Serializes a parsed value back to JSON (bigints as bare numbers, like Go). */
function stringify(v: JsonValue): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof JsonNonInteger) return v.text;
  if (Array.isArray(v)) return `[${v.map(stringify).join(',')}]`;
  return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${stringify(x)}`).join(',')}}`;
}

type Obj = Map<string, JsonValue>;
/** Parses raw save text, lets `mutate` change it, and serializes it again. */
function edit(raw: string, mutate: (root: Obj) => void): string {
  const root = parseJsonWithBigInts(raw) as Obj;
  mutate(root);
  return stringify(root);
}
const arr = (o: Obj, k: string) => o.get(k) as JsonValue[];
const obj = (o: Obj, k: string) => o.get(k) as Obj;
/** Applies the same change to every file (a consistent forgery). */
const editAll = (mutate: (root: Obj, i: number) => void) => raws.map((r, i) => edit(r, (o) => mutate(o, i)));

/** Decimal text of a top-level (or PaillierSK) integer field, straight from the file. */
function rawDecimal(raw: string, key: string): string {
  const m = new RegExp(`"${key}":\\s*(\\d+)`).exec(raw);
  if (!m) throw new Error(`no ${key} in raw file`);
  return m[1]!;
}

function combinations<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [head, ...rest] = items as [T, ...T[]];
  return [...combinations(rest, k - 1).map((c) => [head, ...c]), ...combinations(rest, k)];
}

const expectRejected = (files: string[], pattern: RegExp) => {
  let err: unknown;
  try {
    importTssLibEcdsa(files);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TssLibImportError);
  expect((err as Error).message).toMatch(pattern);
  return err as Error;
};

describe.skipIf(!available)('tss-lib ECDSA save data: parsing', () => {
  it('parses all five files; the group key is the documented one', () => {
    const parsed = raws.map(parseTssLibEcdsaSaveData);
    for (const [i, d] of parsed.entries()) {
      expect(d.Ks).toHaveLength(N_PARTIES);
      expect(d.BigXj).toHaveLength(N_PARTIES);
      expect(d.ShareID).toBe(d.Ks[i]);
      expect(bytesToHex(d.ECDSAPub.toBytes(true))).toBe(EXPECTED_PUB);
      expect(d.Alpha).toBeDefined();
    }
  });

  it('big integers are exact: parsed values equal the decimal text of the file', () => {
    for (const raw of raws) {
      const d = parseTssLibEcdsaSaveData(raw);
      const checks: [string, bigint][] = [
        ['N', d.PaillierSK.N], // first "N" is PaillierSK.N
        ['LambdaN', d.PaillierSK.LambdaN],
        ['NTildei', d.NTildei],
        ['H1i', d.H1i],
        ['Alpha', d.Alpha!],
        ['Xi', d.Xi],
        ['ShareID', d.ShareID],
      ];
      for (const [key, value] of checks) {
        const text = rawDecimal(raw, key);
        expect(text.length).toBeGreaterThan(70);
        expect(value.toString(), key).toBe(text);
      }
      // The Ks array element by element.
      const ksText = /"Ks":\s*\[([^\]]*)\]/.exec(raw)![1]!.split(',').map((s) => s.trim());
      expect(d.Ks.map(String)).toEqual(ksText);
    }
  });
});

describe.skipIf(!available)('tss-lib ECDSA import', () => {
  const imported: ImportedTssLibParty[] = available ? importTssLibEcdsa(raws) : [];
  const parsed = available ? raws.map(parseTssLibEcdsaSaveData) : [];

  it('yields 3-of-5 shares numbered 1..5 by ascending evaluation point', () => {
    expect(imported).toHaveLength(N_PARTIES);
    const ks = [...parsed[0]!.Ks].sort((a, b) => (a < b ? -1 : 1));
    for (const [i, { share, peers }] of imported.entries()) {
      expect(share.curve).toBe('secp256k1');
      expect(share.threshold).toBe(3);
      expect(share.parties).toEqual([1, 2, 3, 4, 5]);
      expect(share.evaluationPoints.get(share.self)).toBe(parsed[i]!.ShareID);
      expect([...share.evaluationPoints.entries()]).toEqual(ks.map((k, j) => [j + 1, k]));
      expect(share.secretShare).toBe(parsed[i]!.Xi);
      expect(SECP256K1.mulBase(share.secretShare).equals(share.verificationShares.get(share.self)!)).toBe(true);
      expect(bytesToHex(share.publicKey.toBytes(true))).toBe(EXPECTED_PUB);
      expect(peers.map((p) => p.index)).toEqual([1, 2, 3, 4, 5].filter((j) => j !== share.self));
      for (const peer of peers) {
        const other = imported.find((x) => x.share.self === peer.index)!;
        expect(peer.paillierN).toBe(other.paillier.publicKey.n);
        expect(peer.ringPedersen).toEqual(other.ringPedersen.params);
      }
    }
  });

  it('a single file imports on its own, with the same result', () => {
    const one = importTssLibEcdsa([raws[3]!]);
    expect(one).toHaveLength(1);
    expect(one[0]!.share.self).toBe(imported[3]!.share.self);
    expect(one[0]!.share.threshold).toBe(3);
  });

  it('any 3 secret shares interpolate (at the tss-lib points) to the secret key; no 2 do', () => {
    const points = imported.map(({ share }) => ({ x: share.evaluationPoints.get(share.self)!, y: share.secretShare }));
    for (const k of [2, 3, 4, 5]) {
      for (const subset of combinations(points, k)) {
        const secret = interpolateAtZero(SECP256K1, subset);
        const hex = bytesToHex(SECP256K1.mulBase(secret).toBytes(true));
        if (k >= 3) expect(hex).toBe(EXPECTED_PUB);
        else expect(hex).not.toBe(EXPECTED_PUB);
      }
    }
    // Party numbers as evaluation points (the wrong points) do not give the key.
    const naive = interpolateAtZero(SECP256K1, imported.slice(0, 3).map(({ share }) => ({ x: BigInt(share.self), y: share.secretShare })));
    expect(bytesToHex(SECP256K1.mulBase(naive).toBytes(true))).not.toBe(EXPECTED_PUB);
  });

  it('Paillier keys decrypt what they encrypt, also under the peer-held public key', () => {
    const rng = seededRng('tss-lib-paillier');
    for (const { paillier, share } of imported) {
      expect(paillier.publicKey.n.toString(2)).toHaveLength(2048);
      for (const m of [0n, 1n, share.secretShare, paillier.publicKey.n - 1n]) {
        const { ciphertext } = encryptRandom(paillier.publicKey, m, rng);
        expect(decrypt(paillier, ciphertext)).toBe(m);
      }
      const peerView = imported.find((x) => x.share.self !== share.self)!.peers.find((p) => p.index === share.self)!;
      const { ciphertext } = encryptRandom(paillierPublicKey(peerView.paillierN, SECURITY_LEVEL_TSS_LIB_2048), 42n, rng);
      expect(decrypt(paillier, ciphertext)).toBe(42n);
    }
  });

  it('ring-Pedersen secrets: t = H1, s = H2 = t^λ, N̂ = p·q of safe primes; Π^prm proves and verifies', () => {
    for (const { ringPedersen } of imported) {
      expect('lambda' in ringPedersen).toBe(true);
      const rp = ringPedersen as RingPedersenSecret;
      expect(rp.p * rp.q).toBe(rp.params.n);
      expect(rp.phi).toBe((rp.p - 1n) * (rp.q - 1n));
      expect(modPow(rp.params.t, rp.lambda, rp.params.n)).toBe(rp.params.s);
    }
    const secret = imported[0]!.ringPedersen as RingPedersenSecret;
    const ctx = { sessionId: utf8('tss-lib-import'), prover: 1, keyId: new Uint8Array(0) };
    const proof = proveRingPedersen(SECURITY_LEVEL_TSS_LIB_2048, ctx, secret, seededRng('prm'));
    expect(verifyRingPedersen(SECURITY_LEVEL_TSS_LIB_2048, ctx, secret.params, proof)).toBe(true);
  });

  it('old-format saves: without Alpha/Beta/P/Q only the parameters; without PaillierSK.P/Q the primes come from φ(N)', () => {
    const stripped = edit(raws[1]!, (o) => {
      for (const k of ['Alpha', 'Beta', 'P', 'Q']) o.delete(k);
      obj(o, 'PaillierSK').delete('P');
      obj(o, 'PaillierSK').set('Q', null);
    });
    const [party] = importTssLibEcdsa([stripped]);
    expect('lambda' in party!.ringPedersen).toBe(false);
    expect(party!.ringPedersen.params).toEqual(imported[1]!.ringPedersen.params);
    expect(new Set([party!.paillier.p, party!.paillier.q])).toEqual(new Set([imported[1]!.paillier.p, imported[1]!.paillier.q]));
    const partial = edit(raws[1]!, (o) => o.delete('Beta'));
    expect(() => importTssLibEcdsa([partial])).toThrow(/all present or all absent/);
  });
});

describe.skipIf(!available)('tss-lib ECDSA import: adversarial files', () => {
  const secretDigits = () => raws.flatMap((r) => [rawDecimal(r, 'Xi'), rawDecimal(r, 'Alpha'), rawDecimal(r, 'LambdaN')]);
  const noSecrets = (e: Error) => {
    for (const s of secretDigits()) expect(e.message).not.toContain(s.slice(0, 12));
  };

  it('a tampered Xi', () => {
    const files = [...raws];
    files[2] = edit(raws[2]!, (o) => o.set('Xi', (o.get('Xi') as bigint) + 1n));
    noSecrets(expectRejected(files, /tss-lib file 2: Xi·G differs from BigXj\[2\]/));
  });

  it('a ShareID that is not in Ks, or that is another party’s', () => {
    const files = [...raws];
    files[0] = edit(raws[0]!, (o) => o.set('ShareID', 12345n));
    expectRejected(files, /tss-lib file 0: ShareID is not one of Ks/);
    files[0] = edit(raws[0]!, (o) => o.set('ShareID', arr(o, 'Ks')[1]!));
    expectRejected(files, /tss-lib file 0: Xi·G differs from BigXj\[1\]/);
    expectRejected([raws[1]!, raws[1]!], /two files hold the share of the same party/);
  });

  it('a BigXj that is not on the curve (consistently in every file)', () => {
    const files = editAll((o) => {
      const coords = obj(arr(o, 'BigXj')[3] as Obj, 'Coords') as unknown as JsonValue[];
      coords[1] = (coords[1] as bigint) + 1n;
    });
    expectRejected(files, /tss-lib file 0: field "BigXj\[3\]" is not a point on secp256k1/);
    const offField = editAll((o) => {
      ((arr(o, 'BigXj')[0] as Obj).get('Coords') as JsonValue[])[0] = 2n ** 256n;
    });
    expectRejected(offField, /field "BigXj\[0\].Coords\[0\]" is not a field element/);
    const wrongCurve = editAll((o) => (o.get('ECDSAPub') as Obj).set('Curve', '115792089237316195423570985008687907852837564279074904382605163141518161494337'));
    expectRejected(wrongCurve, /field "ECDSAPub.Curve" must be "secp256k1"/);
  });

  it('a consistent but wrong public key, and a forged BigXj on the curve', () => {
    const g = SECP256K1.base.toAffine();
    const files = editAll((o) => (o.get('ECDSAPub') as Obj).set('Coords', [g.x, g.y]));
    expectRejected(files, /BigXj do not interpolate to ECDSAPub/);
    // Replacing a public share breaks the degree-2 polynomial: all five points then only fit
    // degree 4, whose value at 0 is not the key.
    const forged = editAll((o) => (arr(o, 'BigXj')[4] as Obj).set('Coords', [g.x, g.y]));
    expectRejected(forged.slice(0, 4), /BigXj do not interpolate to ECDSAPub/);
  });

  it('Ks that differ between files', () => {
    const files = [...raws];
    files[1] = edit(raws[1]!, (o) => {
      arr(o, 'Ks')[4] = (arr(o, 'Ks')[4] as bigint) + 10n;
    });
    expectRejected(files, /tss-lib file 1 disagrees with file 0 on "Ks"/);
    const h1 = [...raws];
    h1[4] = edit(raws[4]!, (o) => {
      arr(o, 'H1j')[0] = (arr(o, 'H1j')[0] as bigint) + 2n;
    });
    expectRejected(h1, /tss-lib file 4 disagrees with file 0 on "H1j"/);
  });

  it('truncated or garbage JSON', () => {
    expectRejected([raws[0]!.slice(0, 5000)], /tss-lib file 0: invalid JSON at offset 5000: unexpected end of input/);
    expectRejected([raws[0]!, 'garbage'], /tss-lib file 1: invalid JSON/);
    expectRejected(['[]'], /field "\(root\)" must be an object/);
    expect(() => importTssLibEcdsa([])).toThrow(/no tss-lib save files/);
  });

  it('mistyped or missing fields are named (never their values)', () => {
    const asString = edit(raws[0]!, (o) => o.set('Xi', (o.get('Xi') as bigint).toString()));
    noSecrets(expectRejected([asString], /field "Xi" must be an integer, not a string/));
    const fraction = edit(raws[0]!, (o) => o.set('Alpha', new JsonNonInteger('1.5')));
    expectRejected([fraction], /field "Alpha" must be an integer, not a non-integer number/);
    const missing = edit(raws[0]!, (o) => o.delete('H1i'));
    expectRejected([missing], /missing field "H1i"/);
    const short = edit(raws[0]!, (o) => arr(o, 'PaillierPKs').pop());
    expectRejected([short], /field "PaillierPKs" must have 5 entries/);
    const nested = edit(raws[0]!, (o) => obj(o, 'PaillierSK').set('LambdaN', null));
    expectRejected([nested], /field "PaillierSK.LambdaN" must be an integer, not null/);
    const scalar = edit(raws[0]!, (o) => o.set('Xi', SECP256K1.order));
    expectRejected([scalar], /field "Xi" must be below the secp256k1 group order/);
  });

  it('Paillier and ring-Pedersen relations', () => {
    const badP = edit(raws[0]!, (o) => obj(o, 'PaillierSK').set('P', (obj(o, 'PaillierSK').get('P') as bigint) + 2n));
    expectRejected([badP], /PaillierSK.N is not P·Q/);
    const badLambda = edit(raws[0]!, (o) => obj(o, 'PaillierSK').set('LambdaN', (obj(o, 'PaillierSK').get('LambdaN') as bigint) * 2n));
    expectRejected([badLambda], /LambdaN is not lcm/);
    const badAlpha = edit(raws[0]!, (o) => o.set('Alpha', (o.get('Alpha') as bigint) + 1n));
    noSecrets(expectRejected([badAlpha], /H2i is not H1i\^Alpha/));
    const badBeta = edit(raws[0]!, (o) => o.set('Beta', (o.get('Beta') as bigint) + 1n));
    expectRejected([badBeta], /H1i is not H2i\^Beta/);
    const badSg = edit(raws[0]!, (o) => o.set('P', (o.get('P') as bigint) + 2n));
    expectRejected([badSg], /Sophie Germain|NTildei is not/);
    // H2 replaced consistently everywhere (own H2i and everyone's H2j[2]): only party 2 can tell.
    const { H2i: h2, NTildei: nt } = parseTssLibEcdsaSaveData(raws[2]!);
    const swapped = editAll((o, i) => {
      arr(o, 'H2j')[2] = (h2 * h2) % nt;
      if (i === 2) o.set('H2i', (h2 * h2) % nt);
    });
    expectRejected(swapped, /tss-lib file 2: H2i is not H1i\^Alpha/);
    const selfMismatch = edit(raws[0]!, (o) => o.set('NTildei', arr(o, 'NTildej')[1]!));
    expectRejected([selfMismatch], /NTildei\/H1i\/H2i differ from NTildej\/H1j\/H2j\[0\]/);
    const reused = editAll((o) => {
      arr(o, 'H1j')[3] = arr(o, 'H1j')[1]!;
    });
    expectRejected(reused, /H1j\[3\]\/H2j\[3\] reuse another party's value/);
  });
});
