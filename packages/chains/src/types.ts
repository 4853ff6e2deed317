/**
 * The shape every chain module has (issue "Chains"): addresses from a public key; the chain's own
 * unsigned input parsed and checked into the exact bytes to sign; signatures attached into the
 * broadcastable transaction; a human summary. Signer nodes run `prepareTransaction` themselves, so
 * what they sign is computed from the transaction, never handed to them as a digest.
 */

/** The cluster's signature schemes, named as the coordinator names them. */
export type Scheme = 'ecdsa-secp256k1' | 'schnorr-bip340' | 'eddsa-ed25519';

/** What `mpc-wallet chains --json` lists. */
export interface ChainInfo {
  /** Stable identifier used by the API and the CLI: `bitcoin`, `ethereum`, `solana`, … */
  readonly id: string;
  /** Human name: `Bitcoin`, `BNB Smart Chain`, … */
  readonly name: string;
  /** The scheme of the default (first) format. */
  readonly scheme: Scheme;
  /** Address formats, default first (Bitcoin: `p2wpkh`, `p2tr`). */
  readonly formats: readonly string[];
  /** The formats whose scheme is not `scheme` (Bitcoin: `p2tr` is `schnorr-bip340`). */
  readonly formatSchemes?: Readonly<Record<string, Scheme>>;
}

/** The key a transaction is signed with: the public key of the key (or derived child) and the address format. */
export interface SignerKey {
  /**
   * secp256k1: 33-byte compressed (a 32-byte x-only key is accepted for x-only formats such as
   * `p2tr`); Ed25519: 32 bytes. For `p2tr` this is the internal key: the module applies BIP86.
   */
  readonly publicKey: Uint8Array;
  /** Address format; the chain's default when absent. Its scheme must be the key's. */
  readonly format?: string;
}

/** The named hashes a signer applies itself before ECDSA signing (core's ECDSA_MESSAGE_HASHES). */
export type EcdsaHash = 'sha256' | 'sha256d' | 'keccak256' | 'sha512half';

/**
 * One signature to make, with the bytes its scheme signs, as computed from the transaction.
 *
 * ECDSA items carry the *preimage* and the name of the chain's hash, not a digest: the signer
 * hashes it itself, which is what lets a pooled presignature sign it (a digest chosen after the
 * presignature's R is known forges, CVE-2025-66017; a hash output cannot be chosen).
 */
export type SigningItem =
  | {
      readonly scheme: 'ecdsa-secp256k1';
      /** The chain's hash of `message` is the digest signed (Bitcoin sighash: sha256d; EVM: keccak256). */
      readonly hash: EcdsaHash;
      /** The preimage: the bytes the chain hashes (a BIP143 sighash preimage, an unsigned RLP, …). */
      readonly message: Uint8Array;
    }
  | {
      readonly scheme: 'schnorr-bip340';
      /** The 32-byte message (a BIP341 sighash, a BIP322 message hash). */
      readonly message: Uint8Array;
      /**
       * Sign for the BIP341 output key of the signer's (internal) key tweaked with this script-tree
       * merkle root; empty: the BIP86 tweak (no scripts). Absent: the untweaked key.
       */
      readonly taprootMerkleRoot?: Uint8Array;
    }
  | {
      readonly scheme: 'eddsa-ed25519';
      /** The message bytes, signed as they are (RFC 8032 hashes them inside). */
      readonly message: Uint8Array;
    };

/** One transfer a transaction makes, for people who approve or audit it. */
export interface Transfer {
  readonly to: string;
  /** In the chain's smallest unit (satoshi, wei, lamport, …), as a decimal string. */
  readonly amount: string;
  /** Token contract or asset code when not the native asset. */
  readonly asset?: string;
}

/** What a transaction does, in words: shown to approvers and recorded in the audit log. */
export interface TransactionSummary {
  readonly chain: string;
  readonly from: string;
  readonly transfers: readonly Transfer[];
  /** In the chain's smallest unit, as a decimal string, when the transaction states it. */
  readonly fee?: string;
  /** EVM chain id, Cosmos chain id, Solana recent blockhash, … when the transaction carries one. */
  readonly chainId?: string;
  /** Anything else an approver should read (contract call, memo, …). */
  readonly notes?: readonly string[];
}

export interface SignedTransaction {
  /** Broadcastable: hex for most chains, base64 where the chain's tools use it (documented per module). */
  readonly signedTransaction: string;
  /** The transaction id as the chain's explorers show it. */
  readonly txHash: string;
}

/** A parsed and checked unsigned transaction: what to sign, and how to finish it. */
export interface PreparedTransaction {
  readonly items: readonly SigningItem[];
  readonly summary: TransactionSummary;
  /**
   * Attaches one signature per item (same order: ECDSA and BIP340 as 64 bytes r‖s, Ed25519 as
   * 64 bytes R‖S). Verifies each against the signer's key first and normalises where the chain
   * requires (low S, recovery id), so a wrong signature is refused rather than broadcast.
   */
  finalize(signatures: readonly Uint8Array[]): SignedTransaction;
}

/** A message signed under a chain's standard (EIP-191, EIP-712, BIP-137, Solana off-chain, …). */
export interface PreparedMessage {
  readonly items: readonly SigningItem[];
  /** The signature in the standard's own encoding (EVM: 65-byte hex with v; BIP-137: base64; …). */
  finalize(signatures: readonly Uint8Array[]): { readonly signature: string };
}

export interface ChainModule {
  readonly info: ChainInfo;
  /** The address of a public key in a format (the default when absent). */
  address(publicKey: Uint8Array, format?: string): string;
  /**
   * Parses the chain's standard unsigned input (documented per module: a PSBT, the transaction
   * fields, the serialized message, …) and checks it belongs to `signer` on this chain. Throws
   * ChainInputError saying what is wrong; nothing is signed then.
   */
  prepareTransaction(transaction: unknown, signer: SignerKey): PreparedTransaction;
  /** Message signing under the chain's standard, where it has one; `standard` picks among several. */
  prepareMessage?(message: unknown, signer: SignerKey, standard?: string): PreparedMessage;
}
