/**
 * CGGMP signing: one round from a presignature. With R = k⁻¹·G, r = R.x mod q and m the message
 * digest, each signer sends σᵢ = kᵢ·m + r·χᵢ; σ = Σσᵢ gives the ECDSA signature (r, σ), normalised
 * to low s, with its recovery id. If the signature does not verify, each share is checked against
 * the presignature's public values (σⱼ·Γ = m·Δⱼ + r·Sⱼ) and the culprits are named.
 */
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { concatBytes } from '../../bytes.js';
import { Reader, Writer } from '../../engine/codec.js';
import { blame } from '../../engine/errors.js';
import { type Inbox, type RoundResult, type SessionRegistry, RoundBasedProtocol, decodeFrom } from '../../engine/protocol.js';
import { SECP256K1, mod } from '../../math/curve.js';
import { mulSigned } from '../../proofs/integer-challenge.js';
import { multiplyKey } from '../../math/key-table.js';
import type { Presignature } from './presign.js';

const curve = SECP256K1;
const q = curve.order;

export interface EcdsaSignature {
  r: bigint;
  s: bigint;
  /** 0–3: bit 0 the parity of R.y (after low-s normalisation), bit 1 set when R.x ≥ q. */
  recoveryId: number;
  /** r ‖ s, 64 bytes. */
  compact: Uint8Array;
}

export interface EcdsaSignConfig {
  /** This party's used-session registry; the instance refuses to start under a used id. */
  sessions: SessionRegistry;
  presignature: Presignature;
  /**
   * The 32-byte digest to sign (e.g. keccak256 of an Ethereum transaction).
   * SECURITY: a presignature exists before the message; letting a requester choose the raw
   * digest it is combined with allows forgeries (CVE-2025-66017, "presignature + raw hash").
   * Signer nodes must compute the digest themselves from the message or transaction they were
   * asked to sign; raw-digest signing is for simulations and tests.
   */
  digest: Uint8Array;
  session: Uint8Array;
}

export class EcdsaSignProtocol extends RoundBasedProtocol<EcdsaSignature> {
  private readonly cfg: EcdsaSignConfig;
  private readonly m: bigint;
  private readonly r: bigint;
  private sigma = 0n;

  constructor(cfg: EcdsaSignConfig) {
    super('cggmp-sign', cfg.session, cfg.presignature.self, [{ broadcast: true, direct: false }], cfg.sessions);
    if (cfg.digest.length !== 32) throw new RangeError('the digest must be 32 bytes');
    if (cfg.presignature.used) throw new RangeError('presignature already used');
    this.cfg = cfg;
    this.m = mod(bytesToNumberBE(cfg.digest), q);
    this.r = mod(cfg.presignature.pub.R.toAffine().x, q);
    if (this.r === 0n) throw new RangeError('degenerate presignature');
  }

  protected isParticipant(id: number): boolean {
    return this.cfg.presignature.pub.signers.includes(id);
  }

  protected sendersOf(): readonly number[] {
    return this.cfg.presignature.pub.signers.filter((j) => j !== this.self);
  }

  protected onStart(): RoundResult<EcdsaSignature> {
    // take() makes the presignature unusable for any other message, whatever happens next.
    const { k, chi } = this.cfg.presignature.take();
    this.sigma = mod(k * this.m + this.r * chi, q);
    return { outgoing: [{ to: null, payload: new Writer().scalar(curve, this.sigma).finish() }] };
  }

  protected onRound(_round: number, inbox: Inbox): RoundResult<EcdsaSignature> {
    const shares = new Map<number, bigint>([[this.self, this.sigma]]);
    for (const [j, payload] of inbox.broadcast) {
      shares.set(
        j,
        decodeFrom(j, 'signature share', () => {
          const rd = new Reader(payload);
          const v = rd.scalar(curve);
          rd.end();
          return v;
        }),
      );
    }
    const pub = this.cfg.presignature.pub;
    let s = [...shares.values()].reduce((acc, v) => mod(acc + v, q), 0n);
    // ECDSA verification in the form this protocol makes cheap: with R = k⁻¹·G known,
    // (r, s) is valid iff s·R = m·G + r·X (the group key carries a precomputed table).
    const ok = s !== 0n && pub.R.multiplyUnsafe(s).equals(curve.mulBasePublic(this.m).add(multiplyKey(pub.publicKey, this.r)));
    if (!ok) {
      const culprits = pub.signers.filter((j) => {
        const lhs = mulSigned(curve, pub.Gamma, shares.get(j)!);
        const rhs = mulSigned(curve, pub.Delta.get(j)!, this.m).add(mulSigned(curve, pub.S.get(j)!, this.r));
        return !lhs.equals(rhs);
      });
      blame('bad-signature-share', culprits, 'signature share does not verify');
    }
    const R = pub.R.toAffine();
    let recoveryId = Number(R.y & 1n) | (R.x >= q ? 2 : 0);
    if (s > q >> 1n) {
      s = q - s;
      recoveryId ^= 1;
    }
    const compact = concatBytes(curve.encodeScalar(this.r), curve.encodeScalar(s));
    return { output: { r: this.r, s, recoveryId, compact } };
  }
}
