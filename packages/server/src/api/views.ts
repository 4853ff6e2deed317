/** Records as the API shows them, alike in REST and GraphQL answers. */
import { derivationRoot, encodeXpub, hexToBytes } from '@mpc-wallet/core';
import { groupPoint } from '../coordinator/chain-keys.js';
import type { NodeStatus } from '../coordinator/node-hub.js';
import type { AuditEntry, KeyRecord, SignatureRecord } from '../stores/types.js';

/** A key as the API shows it: `parties` is the committee size, `committee` its node ids. */
export function keyView(k: KeyRecord) {
  const xpub = xpubOf(k);
  return {
    id: k.id,
    scheme: k.scheme,
    threshold: k.threshold,
    parties: k.parties.length,
    committee: k.parties,
    publicKey: k.publicKey,
    status: k.status,
    label: k.label,
    version: k.version,
    ...(k.chainCode ? { chainCode: k.chainCode } : {}),
    ...(xpub ? { xpub } : {}),
    ...(k.failure ? { failure: JSON.parse(k.failure) as unknown } : {}),
    createdAt: k.createdAt.toISOString(),
    updatedAt: k.updatedAt.toISOString(),
  };
}

/** A secp256k1 key's BIP32 extended public key (root of its non-hardened derivation), when it has a chain code. */
function xpubOf(k: KeyRecord): string | undefined {
  if (!k.chainCode || !k.publicPackage || k.scheme === 'eddsa-ed25519') return undefined;
  return encodeXpub(derivationRoot('secp256k1', groupPoint(k), hexToBytes(k.chainCode)));
}

/** A signature request as the API shows it (its result is the signature response, or the error). */
export function signatureView(r: SignatureRecord) {
  return { id: r.id, keyId: r.keyId, status: r.status, result: r.result, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() };
}

export function entryView(e: AuditEntry) {
  return { seq: e.seq, at: e.at.toISOString(), action: e.action, actor: e.actor, subject: e.subject, details: e.details, prevHash: e.prevHash, hash: e.hash };
}

/** A signer node as the API shows it. */
export function nodeView({ id, name, status, noisePublicKey, lastSeen }: NodeStatus) {
  return { id, name, status, noisePublicKey, lastSeen };
}
