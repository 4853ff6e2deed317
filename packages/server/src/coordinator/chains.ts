/**
 * Chain service: addresses of a key (or of its children along non-hardened paths) and chain
 * transactions signed through the cluster. A transaction is parsed and checked here only to refuse
 * early and to attach the signatures; each of its signing items is signed by the nodes, which
 * parse the same transaction themselves and compute what they sign (session/chain-signing.ts).
 */
import { type GroupPoint, bytesToHex, hexToBytes } from '@mpc-wallet/core';
import type { TransactionSummary } from '@mpc-wallet/chains';
import { ApiError } from '../errors.js';
import { addressForKey, prepareForKey } from '../session/chain-signing.js';
import { MAX_TRANSACTION_ITEMS } from '../session/request.js';
import { encodePublicKey } from '../session/schemes.js';
import { derivedAlong, groupPoint, refusingChainInput } from './chain-keys.js';
import type { KeyRecord } from '../stores/types.js';
import type { KeyService } from './keys.js';
import type { SigningService } from './signing.js';

export interface AddressRequest {
  chain: string;
  path?: string;
  format?: string;
}

export interface AddressResponse {
  keyId: string;
  chain: string;
  format: string;
  path: string;
  address: string;
  /** The (derived) key the address is of, as the scheme encodes it. */
  publicKey: string;
}

export interface TransactionRequest extends AddressRequest {
  /** The chain's unsigned transaction (packages/chains documents each chain's form). */
  transaction: unknown;
  signers?: number[];
}

export interface MessageRequest extends AddressRequest {
  /** The message in the standard's form (EVM `eip191`: { text } or { hex }; `eip712`: the typed data; …). */
  message: unknown;
  /** The chain's standard (EVM: eip191, eip712; Bitcoin: bip137, bip322-simple; Solana: solana-offchain); its default when absent. */
  standard?: string;
  signers?: number[];
}

export interface MessageResponse extends AddressResponse {
  standard?: string;
  /** In the standard's own encoding (EVM: 0x r‖s‖v; BIP-137: base64; …). */
  signature: string;
  signatures: { id: string; signature: string }[];
}

export interface TransactionResponse extends AddressResponse {
  signedTransaction: string;
  txHash: string;
  /** One per signing item, in the transaction's order: the signature request and its signature. */
  signatures: { id: string; signature: string }[];
  summary: TransactionSummary;
}

export class ChainService {
  constructor(
    private readonly keys: KeyService,
    private readonly signing: SigningService,
  ) {}

  async address(keyId: string, input: AddressRequest): Promise<AddressResponse> {
    const key = await this.keys.get(keyId);
    return this.view(keyId, key, derivedAlong(key, groupPoint(key), input.path), input, input.format);
  }

  /**
   * Signs every signing item of a transaction (each a signature request of its own, with the
   * idempotency key suffixed by its index), then attaches the signatures.
   */
  async signTransaction(keyId: string, input: TransactionRequest, idempotencyKey?: string, requestedBy?: string): Promise<TransactionResponse> {
    const { key, point, prepared, format, signatures } = await this.signItems(keyId, input, input.transaction, undefined, idempotencyKey, requestedBy);
    if (prepared.kind !== 'transaction') throw new Error('a transaction prepared as a message');
    const { signedTransaction, txHash } = refusingChainInput(() => prepared.prepared.finalize(signatures.map((s) => hexToBytes(s.signature))));
    return { ...this.view(keyId, key, point, input, format), signedTransaction, txHash, signatures, summary: prepared.prepared.summary };
  }

  /** Signs a message under one of the chain's standards (EIP-191, EIP-712, BIP-322, …), like a transaction. */
  async signMessage(keyId: string, input: MessageRequest, idempotencyKey?: string, requestedBy?: string): Promise<MessageResponse> {
    const standard = input.standard === undefined ? {} : { standard: input.standard };
    const { key, point, prepared, format, signatures } = await this.signItems(keyId, input, input.message, standard, idempotencyKey, requestedBy);
    if (prepared.kind !== 'message') throw new Error('a message prepared as a transaction');
    const { signature } = refusingChainInput(() => prepared.prepared.finalize(signatures.map((s) => hexToBytes(s.signature))));
    return { ...this.view(keyId, key, point, input, format), ...standard, signature, signatures };
  }

  /**
   * Parses the transaction or message for the key (or its child along the path), then signs each
   * of its items through the signing service, which has the nodes parse it again themselves.
   */
  private async signItems(keyId: string, target: AddressRequest & { signers?: number[] }, body: unknown, message: { standard?: string } | undefined, idempotencyKey: string | undefined, requestedBy: string | undefined) {
    const key = await this.keys.forSigning(keyId);
    if (key.status !== 'active') throw new ApiError('KEY_NOT_ACTIVE', `key ${keyId} is ${key.status}`);
    const point = derivedAlong(key, groupPoint(key), target.path);
    const item = { chain: target.chain, ...(target.format !== undefined ? { format: target.format } : {}), input: body, ...(message ? { message } : {}) };
    const prepared = refusingChainInput(() => prepareForKey(key.scheme, point, item));
    const { items } = prepared.prepared;
    if (items.length === 0 || items.length > MAX_TRANSACTION_ITEMS) throw new ApiError('CHAIN_INPUT_REFUSED', `1 to ${MAX_TRANSACTION_ITEMS} signing items`, { reason: 'unsupported-transaction' });
    const signed = await Promise.all(
      items.map((_, index) =>
        this.signing.sign(
          keyId,
          {
            transaction: { ...item, format: prepared.format, item: index },
            ...(target.path !== undefined ? { path: target.path } : {}),
            ...(target.signers ? { signers: target.signers } : {}),
            ...(requestedBy ? { requestedBy } : {}),
          },
          idempotencyKey === undefined ? undefined : `${idempotencyKey}#${index}`,
        ),
      ),
    );
    const signatures = signed.map((s) => ({ id: s.id, signature: s.signature }));
    return { key, point, prepared, format: prepared.format, signatures };
  }

  /** The key's (or child's) address on the target chain in `format` (the default for its scheme when absent). */
  private view(keyId: string, key: KeyRecord, point: GroupPoint, target: AddressRequest, chosen: string | undefined): AddressResponse {
    const { address, format } = refusingChainInput(() => addressForKey(key.scheme, point, target.chain, chosen));
    return { keyId, chain: target.chain, format, path: target.path ?? 'm', address, publicKey: bytesToHex(encodePublicKey(key.scheme, point)) };
  }
}
