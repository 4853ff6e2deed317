/**
 * Party identities and echo broadcast. Every party has a long-term Ed25519 identity key known to
 * its peers. Broadcast payloads are signed over their full context (protocol, session, round,
 * sender), and one extra round in which every party echoes the digest and signature of each
 * broadcast it received makes equivocation both visible and attributable: two validly signed,
 * different payloads for the same slot convict the sender; an echo carrying a signature that
 * does not verify convicts the echoer.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { equalBytes, u32be, utf8 } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import { ed25519Sign, ed25519Verify } from './ed25519.js';
import { blame } from './errors.js';
import { type Rng, type Verdict, decodeFrom, falseComplaint } from './protocol.js';

export interface PartyIdentity {
  /** This party's Ed25519 secret key (32-byte seed). */
  secretKey: Uint8Array;
  /** Every party's Ed25519 public key, by party identifier. */
  publicKeys: ReadonlyMap<number, Uint8Array>;
}

/** Makes identity keys for parties 1..n (simulation and tests). */
export function generateIdentities(ids: readonly number[], rng: Rng): Map<number, PartyIdentity> {
  const secrets = new Map(ids.map((id) => [id, rng(32)] as const));
  const publicKeys = new Map(ids.map((id) => [id, ed25519.getPublicKey(secrets.get(id)!)] as const));
  return new Map(ids.map((id) => [id, { secretKey: secrets.get(id)!, publicKeys }] as const));
}

const SIGNATURE_LENGTH = 64;
const DIGEST_LENGTH = 64;

/** Where a signed message belongs: a broadcast (no `to`) or a direct message to one party. */
export interface BroadcastSlot {
  protocol: string;
  session: Uint8Array;
  round: number;
  from: number;
  to?: number;
}

/**
 * What a sender signs: the slot (so that a signature cannot be replayed into another session,
 * round or sender position) and the payload's digest (so that an echo can carry the proof
 * without the payload).
 */
function signedMessage(slot: BroadcastSlot, digest: Uint8Array): Uint8Array {
  const parts = [utf8('mpc-wallet/v1/signed'), utf8(slot.protocol), slot.session, u32be(slot.round), u32be(slot.from), u32be(slot.to ?? 0), digest];
  const h = sha512.create();
  for (const part of parts) h.update(u32be(part.length)).update(part);
  return h.digest();
}

/** Appends the sender's signature over the broadcast slot and payload. */
export function signBroadcast(secretKey: Uint8Array, slot: BroadcastSlot, payload: Uint8Array): Uint8Array {
  const signature = ed25519Sign(signedMessage(slot, sha512(payload)), secretKey);
  return new Writer().varBytes(payload).bytes(signature).finish();
}

export interface OpenedBroadcast {
  payload: Uint8Array;
  digest: Uint8Array;
  signature: Uint8Array;
}

/** Splits a signed message into payload and signature without checking the signature. */
export function unwrapSigned(from: number, bytes: Uint8Array): { payload: Uint8Array; signature: Uint8Array } {
  return decodeFrom(from, 'signed message', () => splitSigned(bytes));
}

function splitSigned(bytes: Uint8Array): { payload: Uint8Array; signature: Uint8Array } {
  const r = new Reader(bytes);
  const payload = r.varBytes(bytes.length);
  const signature = r.bytes(SIGNATURE_LENGTH);
  r.end();
  return { payload, signature };
}

/** This party's own signed broadcast, in the form its echo reports it. */
export function ownBroadcast(signed: Uint8Array, self: number): OpenedBroadcast {
  const { payload, signature } = unwrapSigned(self, signed);
  return { payload, digest: sha512(payload), signature };
}

/** Checks a signed message; a bad signature or framing is the sender's fault. */
export function openBroadcast(identity: PartyIdentity, slot: BroadcastSlot, bytes: Uint8Array): OpenedBroadcast {
  const { payload, signature } = unwrapSigned(slot.from, bytes);
  const opened = checkSigned(identity, slot, payload, signature);
  if (!opened) blame('bad-signature', slot.from, 'message signature does not verify');
  return opened;
}

/**
 * Opens a signed message that a third party forwards (e.g. as evidence): undefined when the
 * framing or the signature is bad, which is then the forwarder's fault, not the signer's.
 */
export function openForwarded(identity: Pick<PartyIdentity, 'publicKeys'>, slot: BroadcastSlot, bytes: Uint8Array): OpenedBroadcast | undefined {
  try {
    const { payload, signature } = splitSigned(bytes);
    return checkSigned(identity, slot, payload, signature);
  } catch {
    return undefined;
  }
}

function checkSigned(identity: Pick<PartyIdentity, 'publicKeys'>, slot: BroadcastSlot, payload: Uint8Array, signature: Uint8Array): OpenedBroadcast | undefined {
  const key = identity.publicKeys.get(slot.from);
  const digest = sha512(payload);
  return key && ed25519Verify(signature, signedMessage(slot, digest), key) ? { payload, digest, signature } : undefined;
}


/** An echo: for each sender of the echoed round, the digest and signature the echoer saw. */
export function encodeEcho(seen: ReadonlyMap<number, OpenedBroadcast>): Uint8Array {
  const w = new Writer().u16(seen.size);
  for (const [from, b] of [...seen].sort((a, b) => a[0] - b[0])) w.u16(from).bytes(b.digest).bytes(b.signature);
  return w.finish();
}

/**
 * Compares a peer's echo with what this party saw (`mine`, including its own broadcast).
 * Blames the original sender when the peer proves a different signed payload, otherwise the echoer.
 */
export function checkEcho(
  identity: PartyIdentity,
  slotOf: (from: number) => BroadcastSlot,
  mine: ReadonlyMap<number, OpenedBroadcast>,
  echoer: number,
  echo: Uint8Array,
): void {
  const entries = decodeFrom(echoer, 'echo', () => decodeEcho(echo));
  for (const [from] of entries) {
    if (!mine.has(from)) blame('bad-echo', echoer, 'echo names a broadcast that does not exist');
  }
  for (const [from, own] of mine) {
    if (from === echoer) continue;
    const theirs = entries.get(from);
    if (!theirs) blame('bad-echo', echoer, 'echo omits a broadcast');
    if (equalBytes(theirs.digest, own.digest)) continue;
    const key = identity.publicKeys.get(from)!;
    // The echoer can only hold a second valid signature if the sender made one.
    const signedBySender = ed25519Verify(theirs.signature, signedMessage(slotOf(from), theirs.digest), key);
    if (signedBySender) {
      const evidence = encodeEquivocation(own, theirs);
      blame('equivocation', from, `sent different round-${slotOf(from).round} broadcasts to different parties`, evidence);
    }
    blame('bad-echo', echoer, 'echo carries a forged broadcast signature');
  }
}

function decodeEcho(echo: Uint8Array): Map<number, { digest: Uint8Array; signature: Uint8Array }> {
  const r = new Reader(echo);
  const n = r.u16();
  const out = new Map<number, { digest: Uint8Array; signature: Uint8Array }>();
  for (let i = 0; i < n; i++) {
    const from = r.u16();
    if (out.has(from)) throw new Error('duplicate entry');
    out.set(from, { digest: r.bytes(DIGEST_LENGTH), signature: r.bytes(SIGNATURE_LENGTH) });
  }
  r.end();
  return out;
}

/**
 * Checks what an echo proves on its own, without the checker's view: exactly one entry per
 * sender of the echoed round, each carrying that sender's valid signature. An honest echo always
 * passes, so when the echo is signed by its echoer, any peer handed it repeats this check and
 * reaches the same verdict; every failure blames the echoer ('bad-echo'). `verified` holds
 * broadcasts whose signatures the checker has verified: an entry equal to one of them needs no
 * second verification (the verdict is the same, the honest path costs no signature check).
 */
export function checkEchoAlone(
  identity: PartyIdentity,
  slotOf: (from: number) => BroadcastSlot,
  senders: readonly number[],
  echoer: number,
  echo: Uint8Array,
  verified: ReadonlyMap<number, OpenedBroadcast> = new Map(),
): void {
  let entries: Map<number, { digest: Uint8Array; signature: Uint8Array }>;
  try {
    entries = decodeEcho(echo);
  } catch {
    return blame('bad-echo', echoer, 'malformed echo');
  }
  if (entries.size !== senders.length || !senders.every((from) => entries.has(from))) {
    blame('bad-echo', echoer, 'echo omits a broadcast or names one that does not exist');
  }
  for (const [from, e] of entries) {
    const known = verified.get(from);
    if (known && equalBytes(known.digest, e.digest) && equalBytes(known.signature, e.signature)) continue;
    if (!ed25519Verify(e.signature, signedMessage(slotOf(from), e.digest), identity.publicKeys.get(from)!)) {
      blame('bad-echo', echoer, 'echo carries a forged broadcast signature');
    }
  }
}

/** Two signed digests for one slot: self-contained proof that the slot's sender equivocated. */
function encodeEquivocation(a: { digest: Uint8Array; signature: Uint8Array }, b: { digest: Uint8Array; signature: Uint8Array }): Uint8Array {
  return new Writer().bytes(a.digest).bytes(a.signature).bytes(b.digest).bytes(b.signature).finish();
}

/**
 * Equivocation evidence from two messages that one sender signed for `slot` (e.g. as two peers
 * received it): undefined unless both signatures verify and the payloads differ.
 */
export function equivocationEvidence(identity: Pick<PartyIdentity, 'publicKeys'>, slot: BroadcastSlot, a: Uint8Array, b: Uint8Array): Uint8Array | undefined {
  const [oa, ob] = [openForwarded(identity, slot, a), openForwarded(identity, slot, b)];
  if (!oa || !ob || equalBytes(oa.digest, ob.digest)) return undefined;
  return encodeEquivocation(oa, ob);
}

/**
 * The verdict on an equivocation complaint: the accused if the evidence proves two signed
 * broadcasts for one of `slots` (the accused's), otherwise the complainer.
 */
export function judgeEquivocation(identity: PartyIdentity, slots: readonly BroadcastSlot[], complainer: number, evidence: Uint8Array): Verdict {
  const slot = slots.find((s) => provesEquivocation(identity, s, evidence));
  if (!slot) return falseComplaint(complainer, slots[0]!.from);
  return { code: 'equivocation', culprits: [slot.from], reason: `party ${slot.from} signed two different round-${slot.round} broadcasts (reported by ${complainer})` };
}

/** Checks equivocation evidence for `slot`: true when both signatures verify over different digests. */
export function provesEquivocation(identity: Pick<PartyIdentity, 'publicKeys'>, slot: BroadcastSlot, evidence: Uint8Array): boolean {
  if (evidence.length !== 2 * (DIGEST_LENGTH + SIGNATURE_LENGTH)) return false;
  const r = new Reader(evidence);
  const [d1, s1, d2, s2] = [r.bytes(DIGEST_LENGTH), r.bytes(SIGNATURE_LENGTH), r.bytes(DIGEST_LENGTH), r.bytes(SIGNATURE_LENGTH)];
  const key = identity.publicKeys.get(slot.from);
  if (!key || equalBytes(d1, d2)) return false;
  return ed25519Verify(s1, signedMessage(slot, d1), key) && ed25519Verify(s2, signedMessage(slot, d2), key);
}
