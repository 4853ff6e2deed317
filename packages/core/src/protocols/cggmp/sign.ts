/**
 * CGGMP signing: one round from a presignature. With R = k⁻¹·G, r = R.x mod q and m the message
 * digest, each signer sends σᵢ = kᵢ·m + r·χᵢ; σ = Σσᵢ gives the ECDSA signature (r, σ), normalised
 * to low s, with its recovery id. If the signature does not verify, each share is checked against
 * the presignature's public values (σⱼ·Γ = m·Δⱼ + r·Sⱼ) and the culprits are named.
 *
 * The digest is computed here, from the message and a named hash (EcdsaSignProtocol). A raw digest
 * chosen after R is known forges (CVE-2025-66017): knowing R, pick α, let r′ = x(α·R) and ask for
 * a signature on h = h*·r/r′; then (r′, s·r′/(r·α)) is a signature on any h*. So a raw digest is
 * signed only through EcdsaSignRawDigest, and only with a presignature bound to that digest before
 * presigning began (PresignConfig.boundDigest), when R did not exist yet.
 *
 * Each share is signed with its sender's identity key together with a digest of (R, message
 * digest, signer set, tweak): signers given different messages abort with 'sign-disagreement' and
 * blame nobody, and a complaint about a bad share carries the signed share, so every peer repeats
 * the check.
 *
 * A derived key (non-hardened derivation: child secret x + t for a public tweak t) signs with the
 * parent's presignatures: χ = k·x becomes k·(x + t) = χ + t·k, so each signer sends
 * σᵢ = kᵢ·m + r·(χᵢ + t·kᵢ), checked as σⱼ·Γ = m·Δⱼ + r·(Sⱼ + t·Δⱼ), and the signature verifies
 * under X + t·G.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { concatBytes, equalBytes, utf8 } from '../../bytes.js';
import { Reader, Writer } from '../../engine/codec.js';
import { blame } from '../../engine/errors.js';
import { type BroadcastSlot, type PartyIdentity, openBroadcast, openForwarded, signBroadcast } from '../../engine/identity.js';
import { type Complaint, type Inbox, type RoundResult, type SessionRegistry, type Verdict, RoundBasedProtocol, decodeFrom, falseComplaint, recheck } from '../../engine/protocol.js';
import { type GroupPoint, SECP256K1, mod } from '../../math/curve.js';
import { mulSigned } from '../../proofs/integer-challenge.js';
import { multiplyKey } from '../../math/key-table.js';
import type { Presignature } from './presignature.js';

const curve = SECP256K1;
const q = curve.order;

/**
 * The message hashes a signer computes itself, by name. A chain adds its digest function here
 * (a 32-byte output), never as a caller-supplied function: the name is what signers agree on.
 */
export const ECDSA_MESSAGE_HASHES = {
  sha256: (message: Uint8Array) => sha256(message),
  /** Bitcoin's double SHA-256. */
  sha256d: (message: Uint8Array) => sha256(sha256(message)),
  /** Ethereum's Keccak-256 (not SHA3-256). */
  keccak256: (message: Uint8Array) => keccak_256(message),
  /** The XRP Ledger's SHA-512Half: the first 32 bytes of SHA-512. */
  sha512half: (message: Uint8Array) => sha512(message).subarray(0, 32),
} as const satisfies Record<string, (message: Uint8Array) => Uint8Array>;

export type EcdsaMessageHash = keyof typeof ECDSA_MESSAGE_HASHES;

/** The digest a signer signs for `message` under the named hash. */
export function ecdsaMessageDigest(hash: EcdsaMessageHash, message: Uint8Array): Uint8Array {
  if (!Object.hasOwn(ECDSA_MESSAGE_HASHES, hash)) throw new RangeError(`unknown message hash ${String(hash)}`);
  if (!(message instanceof Uint8Array)) throw new TypeError('the message must be bytes');
  return ECDSA_MESSAGE_HASHES[hash](message);
}

export interface EcdsaSignature {
  r: bigint;
  s: bigint;
  /** 0–3: bit 0 the parity of R.y (after low-s normalisation), bit 1 set when R.x ≥ q. */
  recoveryId: number;
  /** r ‖ s, 64 bytes. */
  compact: Uint8Array;
  /** The 32-byte digest that was signed. */
  digest: Uint8Array;
}

interface SignCommon {
  presignature: Presignature;
  session: Uint8Array;
  /** Signs this party's share; every signer's public key verifies the peers' shares. */
  identity: PartyIdentity;
  /** This party's used-session registry; the instance refuses to start under a used id. */
  sessions: SessionRegistry;
  /** Derivation tweak (DerivedKey.tweak): sign for the presignature's key + tweak·G. Absent: 0. */
  tweak?: bigint;
}

export interface EcdsaSignConfig extends SignCommon {
  /** The message itself: the protocol hashes it, so no requester can choose the digest. */
  message: Uint8Array;
  hash: EcdsaMessageHash;
}

export interface EcdsaSignRawDigestConfig extends SignCommon {
  /** Must equal the digest the presignature was bound to (PresignConfig.boundDigest). */
  digest: Uint8Array;
}

/** The share check's evidence: the accused parties' signed shares, as the complainer received them. */
function encodeShareEvidence(signed: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const w = new Writer().u16(signed.size);
  for (const [id, bytes] of signed) w.u16(id).varBytes(bytes);
  return w.finish();
}

function decodeShareEvidence(evidence: Uint8Array): Map<number, Uint8Array> {
  const r = new Reader(evidence);
  const out = new Map<number, Uint8Array>();
  for (let n = r.u16(); n > 0; n--) {
    const id = r.u16();
    if (out.has(id)) throw new RangeError('duplicate evidence entry');
    out.set(id, r.varBytes(evidence.length));
  }
  r.end();
  return out;
}

/** Signing from a presignature once the digest is fixed; the two entry points below fix it. */
abstract class EcdsaSigning extends RoundBasedProtocol<EcdsaSignature> {
  private readonly presignature: Presignature;
  private readonly identity: PartyIdentity;
  private readonly digest: Uint8Array;
  private readonly m: bigint;
  private readonly r: bigint;
  private readonly tweak: bigint;
  /** The key the signature verifies under: the presignature's, moved by the tweak. */
  private readonly publicKey: GroupPoint;
  /** What every share binds: signers that disagree on it have been asked different things. */
  private readonly binding: Uint8Array;
  private sigma = 0n;

  protected constructor(cfg: SignCommon, digest: Uint8Array) {
    super('cggmp-sign', cfg.session, cfg.presignature.self, [{ broadcast: true, direct: false }], cfg.sessions);
    if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new RangeError('the digest must be 32 bytes');
    const pub = cfg.presignature.pub;
    if (pub.boundDigest && !equalBytes(pub.boundDigest, digest)) throw new RangeError('the presignature is bound to another digest');
    if (cfg.presignature.used) throw new RangeError('presignature already used');
    for (const j of pub.signers) {
      if (!cfg.identity.publicKeys.has(j)) throw new RangeError(`no identity key for signer ${j}`);
    }
    this.presignature = cfg.presignature;
    this.identity = cfg.identity;
    this.digest = digest.slice();
    this.m = mod(bytesToNumberBE(digest), q);
    this.r = mod(pub.R.toAffine().x, q);
    if (this.r === 0n) throw new RangeError('degenerate presignature');
    const tweak = cfg.tweak ?? 0n;
    if (typeof tweak !== 'bigint' || tweak < 0n || tweak >= q) throw new RangeError('the tweak must be a scalar below the group order');
    this.tweak = tweak;
    this.publicKey = tweak === 0n ? pub.publicKey : pub.publicKey.add(curve.mulBasePublic(tweak));
    this.binding = signingBinding(pub.R, this.digest, pub.signers, tweak);
  }

  protected isParticipant(id: number): boolean {
    return this.presignature.pub.signers.includes(id);
  }

  protected sendersOf(): readonly number[] {
    return this.presignature.pub.signers.filter((j) => j !== this.self);
  }

  private slot(from: number): BroadcastSlot {
    return { protocol: this.protocol, session: this.session, round: 1, from };
  }

  protected onStart(): RoundResult<EcdsaSignature> {
    // take() makes the presignature unusable for any other message, whatever happens next.
    const { k, chi } = this.presignature.take();
    this.sigma = mod(k * this.m + this.r * mod(chi + this.tweak * k, q), q);
    const payload = new Writer().bytes(this.binding).scalar(curve, this.sigma).finish();
    return { outgoing: [{ to: null, payload: signBroadcast(this.identity.secretKey, this.slot(this.self), payload) }] };
  }

  private decodeShare(j: number, payload: Uint8Array): { binding: Uint8Array; sigma: bigint } {
    return decodeFrom(j, 'signature share', () => {
      const rd = new Reader(payload);
      const out = { binding: rd.bytes(32), sigma: rd.scalar(curve) };
      rd.end();
      return out;
    });
  }

  /** Aborts, naming nobody, when j's share was made for another (R, digest, signer set). */
  private checkAgreement(j: number, binding: Uint8Array): void {
    if (!equalBytes(binding, this.binding)) blame('sign-disagreement', [], `party ${j} signs another message or with another presignature`);
  }

  /** σⱼ·Γ = m·Δⱼ + r·(Sⱼ + t·Δⱼ): whether j's share is the one its presignature values commit to. */
  private shareIsValid(j: number, sigma: bigint): boolean {
    const pub = this.presignature.pub;
    const lhs = mulSigned(curve, pub.Gamma, sigma);
    const Delta = pub.Delta.get(j)!;
    const S = this.tweak === 0n ? pub.S.get(j)! : pub.S.get(j)!.add(mulSigned(curve, Delta, this.tweak));
    const rhs = mulSigned(curve, Delta, this.m).add(mulSigned(curve, S, this.r));
    return lhs.equals(rhs);
  }

  protected onRound(_round: number, inbox: Inbox): RoundResult<EcdsaSignature> {
    const shares = new Map<number, bigint>([[this.self, this.sigma]]);
    for (const j of this.sendersOf()) {
      const { binding, sigma } = this.decodeShare(j, openBroadcast(this.identity, this.slot(j), inbox.broadcast.get(j)!).payload);
      this.checkAgreement(j, binding);
      shares.set(j, sigma);
    }
    const pub = this.presignature.pub;
    let s = [...shares.values()].reduce((acc, v) => mod(acc + v, q), 0n);
    // ECDSA verification in the form this protocol makes cheap: with R = k⁻¹·G known,
    // (r, s) is valid iff s·R = m·G + r·X (the group key carries a precomputed table).
    const rX = this.tweak === 0n ? multiplyKey(pub.publicKey, this.r) : this.publicKey.multiplyUnsafe(this.r);
    const ok = s !== 0n && pub.R.multiplyUnsafe(s).equals(curve.mulBasePublic(this.m).add(rX));
    if (!ok) {
      const culprits = this.sendersOf().filter((j) => !this.shareIsValid(j, shares.get(j)!));
      const evidence = encodeShareEvidence(new Map(culprits.map((j) => [j, inbox.broadcast.get(j)!] as const)));
      blame('bad-signature-share', culprits, 'signature share does not verify', evidence);
    }
    const R = pub.R.toAffine();
    let recoveryId = Number(R.y & 1n) | (R.x >= q ? 2 : 0);
    if (s > q >> 1n) {
      s = q - s;
      recoveryId ^= 1;
    }
    const compact = concatBytes(curve.encodeScalar(this.r), curve.encodeScalar(s));
    return { output: { r: this.r, s, recoveryId, compact, digest: this.digest.slice() } };
  }

  /**
   * A bad-share complaint carries each accused's signed share: this party repeats the check on
   * it. The check needs only the presignature and the digest, so it can judge at any time.
   */
  protected override judgeComplaint(from: number, complaint: Complaint): Verdict | undefined {
    const { culprits } = complaint;
    if (complaint.code !== 'bad-signature-share' || culprits.length === 0 || culprits.some((j) => j === from || !this.isParticipant(j))) return undefined;
    let signed: Map<number, Uint8Array>;
    try {
      signed = decodeShareEvidence(complaint.evidence);
    } catch {
      return falseComplaint(from, culprits[0]!);
    }
    if (signed.size !== culprits.length) return falseComplaint(from, culprits[0]!);
    for (const j of culprits) {
      const opened = signed.has(j) ? openForwarded(this.identity, this.slot(j), signed.get(j)!) : undefined;
      if (!opened) return falseComplaint(from, j);
      const verdict = recheck(from, j, () => {
        const { binding, sigma } = this.decodeShare(j, opened.payload);
        // The complainer checks shares only after agreeing with them: a share bound to
        // something else means that this party and the complainer were asked different things.
        this.checkAgreement(j, binding);
        if (!this.shareIsValid(j, sigma)) blame('bad-signature-share', j, 'signature share does not verify');
      });
      if (verdict.code !== 'bad-signature-share') return verdict;
    }
    return { code: 'bad-signature-share', culprits: [...culprits], reason: `signature shares do not verify (reported by ${from}, checked here)` };
  }
}

/** The digest of (R, message digest, signer set, tweak) that each signature share binds. */
function signingBinding(R: GroupPoint, digest: Uint8Array, signers: readonly number[], tweak: bigint): Uint8Array {
  const w = new Writer().bytes(utf8('mpc-wallet/v1/cggmp-sign')).point(curve, R).bytes(digest).u16(signers.length);
  for (const j of signers) w.u16(j);
  // An untweaked binding stays as before, so shares made by older signers still agree.
  if (tweak !== 0n) w.scalar(curve, tweak);
  return sha256(w.finish());
}

/**
 * ECDSA signing of a message from a presignature: the signer hashes the message itself with the
 * named hash. A presignature bound to a digest signs only a message that hashes to it.
 */
export class EcdsaSignProtocol extends EcdsaSigning {
  constructor(cfg: EcdsaSignConfig) {
    if ('digest' in cfg) throw new TypeError('EcdsaSignProtocol signs a message; a raw digest goes through EcdsaSignRawDigest');
    super(cfg, ecdsaMessageDigest(cfg.hash, cfg.message));
  }
}

/**
 * ECDSA signing of a caller-supplied 32-byte digest. Accepted only with a presignature bound to
 * exactly this digest before presigning (PresignConfig.boundDigest): a pooled presignature, whose R
 * is known before the digest is chosen, would let the requester forge (CVE-2025-66017).
 */
export class EcdsaSignRawDigest extends EcdsaSigning {
  constructor(cfg: EcdsaSignRawDigestConfig) {
    if (!cfg.presignature.pub.boundDigest) throw new RangeError('a raw digest needs a presignature bound to it before presigning');
    super(cfg, cfg.digest);
  }
}
