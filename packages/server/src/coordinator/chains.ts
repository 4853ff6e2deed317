/**
 * Chain service: addresses of a key (or of its children along non-hardened paths) and chain
 * transactions signed through the cluster. A transaction is parsed and checked here only to refuse
 * early and to attach the signatures; each of its signing items is signed by the nodes, which
 * parse the same transaction themselves and compute what they sign (session/chain-signing.ts).
 */
import { bytesToHex, hexToBytes } from '@mpc-wallet/core';
import type { TransactionSummary } from '@mpc-wallet/chains';
import { ApiError } from '../errors.js';
import { addressForKey, prepareForKey } from '../session/chain-signing.js';
import { MAX_TRANSACTION_ITEMS } from '../session/request.js';
import { encodePublicKey } from '../session/schemes.js';
import { derivedAlong, groupPoint, refusingChainInput } from './chain-keys.js';
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
    const point = derivedAlong(key, groupPoint(key), input.path);
    const { address, format } = refusingChainInput(() => addressForKey(key.scheme, point, input.chain, input.format));
    return { keyId, chain: input.chain, format, path: input.path ?? 'm', address, publicKey: bytesToHex(encodePublicKey(key.scheme, point)) };
  }

  /**
   * Signs every signing item of a transaction (each a signature request of its own, with the
   * idempotency key suffixed by its index), then attaches the signatures.
   */
  async signTransaction(keyId: string, input: TransactionRequest, idempotencyKey?: string): Promise<TransactionResponse> {
    const key = await this.keys.forSigning(keyId);
    if (key.status !== 'active') throw new ApiError('KEY_NOT_ACTIVE', `key ${keyId} is ${key.status}`);
    const point = derivedAlong(key, groupPoint(key), input.path);
    const { prepared, format } = refusingChainInput(() => prepareForKey(key.scheme, point, { chain: input.chain, ...(input.format !== undefined ? { format: input.format } : {}), input: input.transaction }));
    if (prepared.items.length === 0 || prepared.items.length > MAX_TRANSACTION_ITEMS) throw new ApiError('CHAIN_INPUT_REFUSED', `a transaction has 1 to ${MAX_TRANSACTION_ITEMS} signing items`, { reason: 'unsupported-transaction' });
    const signatures = await Promise.all(
      prepared.items.map((_, item) =>
        this.signing.sign(
          keyId,
          {
            transaction: { chain: input.chain, format, input: input.transaction, item },
            ...(input.path !== undefined ? { path: input.path } : {}),
            ...(input.signers ? { signers: input.signers } : {}),
          },
          idempotencyKey === undefined ? undefined : `${idempotencyKey}#${item}`,
        ),
      ),
    );
    const { signedTransaction, txHash } = refusingChainInput(() => prepared.finalize(signatures.map((s) => hexToBytes(s.signature))));
    const address = refusingChainInput(() => addressForKey(key.scheme, point, input.chain, format)).address;
    return {
      keyId,
      chain: input.chain,
      format,
      path: input.path ?? 'm',
      address,
      publicKey: bytesToHex(encodePublicKey(key.scheme, point)),
      signedTransaction,
      txHash,
      signatures: signatures.map((s) => ({ id: s.id, signature: s.signature })),
      summary: prepared.summary,
    };
  }
}
