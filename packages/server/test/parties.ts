/** Named parties with Noise static keys, and the pin maps the transport expects. */
import { bytesToHex, generateKeyPair, type KeyPair } from '@mpc-wallet/core';

export interface Party {
  name: string;
  key: KeyPair;
}

export const party = (name: string): Party => ({ name, key: generateKeyPair() });

/** hex(static public key) → name, for every given party. */
export const pins = (...ps: Party[]) => new Map(ps.map((p) => [bytesToHex(p.key.publicKey), p.name] as const));
