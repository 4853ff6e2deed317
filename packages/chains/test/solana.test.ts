import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58, base64 } from '@scure/base';
import {
  AddressLookupTableAccount,
  ComputeBudgetProgram,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedMessage,
  VersionedTransaction,
} from '@solana/web3.js';
import {
  getOffchainMessageEncoder,
  offchainMessageApplicationDomain,
  offchainMessageContentRestrictedAsciiOf1232BytesMax,
  offchainMessageContentUtf8Of1232BytesMax,
  offchainMessageContentUtf8Of65535BytesMax,
  verifyOffchainMessageEnvelope,
  type OffchainMessageEnvelope,
  type OffchainMessageV0,
} from '@solana/offchain-messages';
import { solana } from '../src/solana.js';
import type { SignerKey } from '../src/types.js';
import { errorCode } from './helpers.js';

interface TestKey {
  readonly secret: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly solana: PublicKey;
}

function newKey(secret = ed25519.utils.randomSecretKey()): TestKey {
  const publicKey = ed25519.getPublicKey(secret);
  return { secret, publicKey, solana: new PublicKey(publicKey) };
}

const ALICE = newKey();
const BOB = newKey();
const signer: SignerKey = { publicKey: ALICE.publicKey };
const BLOCKHASH = base58.encode(sha256(new TextEncoder().encode('a recent blockhash')));
const TOKEN_PROGRAM = new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
const TOKEN_2022_PROGRAM = new PublicKey('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb');
const MEMO_PROGRAM = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');

function legacy(instructions: TransactionInstruction[], feePayer = ALICE.solana): Uint8Array {
  return Uint8Array.from(new Transaction({ feePayer, recentBlockhash: BLOCKHASH }).add(...instructions).serializeMessage());
}

function v0(instructions: TransactionInstruction[], tables: AddressLookupTableAccount[] = [], payerKey = ALICE.solana): Uint8Array {
  return new TransactionMessage({ payerKey, recentBlockhash: BLOCKHASH, instructions }).compileToV0Message(tables).serialize();
}

const transfer = (lamports: number | bigint, to = BOB.solana, from = ALICE.solana) => SystemProgram.transfer({ fromPubkey: from, toPubkey: to, lamports });
const input = (bytes: Uint8Array) => ({ message: base64.encode(bytes) });


function signThrough(message: Uint8Array, key: TestKey = ALICE) {
  const prepared = solana.prepareTransaction(input(message), { publicKey: key.publicKey });
  expect(prepared.items).toHaveLength(1);
  const item = prepared.items[0];
  if (item?.scheme !== 'eddsa-ed25519') throw new Error('expected an Ed25519 item');
  expect(item.message).toEqual(message);
  const signed = prepared.finalize([ed25519.sign(item.message, key.secret)]);
  return { prepared, signed, wire: base64.decode(signed.signedTransaction) };
}

describe('solana address', () => {
  it('is web3.js\'s base58 of the key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret) => {
        const key = newKey(secret);
        expect(solana.address(key.publicKey)).toBe(key.solana.toBase58());
        expect(solana.address(key.publicKey, 'solana')).toBe(Keypair.fromSeed(secret).publicKey.toBase58());
      }),
      { numRuns: 40 },
    );
  });

  it('refuses keys that are not Ed25519 points and other formats', () => {
    expect(errorCode(() => solana.address(new Uint8Array(33)))).toBe('bad-public-key');
    expect(errorCode(() => solana.address(ALICE.publicKey, 'sui'))).toBe('unsupported-format');
  });

  it('names the programs it decodes by web3.js\'s ids', () => {
    expect(SystemProgram.programId.toBase58()).toBe('11111111111111111111111111111111');
    expect(ComputeBudgetProgram.programId.toBase58()).toBe('ComputeBudget111111111111111111111111111111');
  });
});

describe('solana transactions through web3.js', () => {
  it('signs a legacy transfer that web3.js verifies, its signature being the txHash', () => {
    const { prepared, signed, wire } = signThrough(legacy([transfer(1_500_000)]));
    const tx = Transaction.from(wire);
    expect(tx.verifySignatures()).toBe(true);
    expect(tx.feePayer?.toBase58()).toBe(ALICE.solana.toBase58());
    expect(base58.encode(tx.signature as Uint8Array)).toBe(signed.txHash);
    expect(base64.encode(tx.serialize())).toBe(signed.signedTransaction);
    expect(prepared.summary).toEqual({ chain: 'solana', from: ALICE.solana.toBase58(), transfers: [{ to: BOB.solana.toBase58(), amount: '1500000' }], chainId: BLOCKHASH, notes: [] });
  });

  it('signs a v0 message with address-table lookups that web3.js reads back and verifies', () => {
    const carol = newKey();
    const tableKey = new PublicKey(sha256(new TextEncoder().encode('a lookup table')));
    const table = new AddressLookupTableAccount({
      key: tableKey,
      state: { deactivationSlot: BigInt('18446744073709551615'), lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, addresses: [carol.solana, BOB.solana] },
    });
    const message = v0([ComputeBudgetProgram.setComputeUnitLimit({ units: 300 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 10_001 }), transfer(42n), transfer(7n, carol.solana)], [table]);
    expect(VersionedMessage.deserialize(message).addressTableLookups).toHaveLength(1);

    const { prepared, signed, wire } = signThrough(message);
    const tx = VersionedTransaction.deserialize(wire);
    expect(tx.version).toBe(0);
    expect(base58.encode(tx.signatures[0] as Uint8Array)).toBe(signed.txHash);
    expect(ed25519.verify(tx.signatures[0] as Uint8Array, tx.message.serialize(), tx.message.staticAccountKeys[0]!.toBytes())).toBe(true);
    expect(tx.message.staticAccountKeys[0]!.toBase58()).toBe(ALICE.solana.toBase58());
    expect(base64.encode(tx.serialize())).toBe(signed.signedTransaction);

    const lookedUp = (i: number) => `entry ${i} of lookup table ${tableKey.toBase58()}`;
    expect(prepared.summary.transfers).toEqual([
      { to: lookedUp(1), amount: '42' },
      { to: lookedUp(0), amount: '7' },
    ]);
    expect(prepared.summary.notes).toEqual([
      'compute unit limit 300',
      'priority fee 10001 micro-lamports per compute unit, at most 4 lamports of priority fee',
      'v0 message loading 2 account(s) from 1 address lookup table(s)',
    ]);
  });

  it('decodes SPL Token transfers, account creation, memos and other programs', () => {
    const [source, destination, mint, created, program] = [newKey(), newKey(), newKey(), newKey(), newKey()].map((k) => k.solana) as [PublicKey, PublicKey, PublicKey, PublicKey, PublicKey];
    const amount = (tag: number, value: bigint, extra: number[] = []) => {
      const data = new Uint8Array(9 + extra.length);
      data[0] = tag;
      new DataView(data.buffer).setBigUint64(1, value, true);
      data.set(extra, 9);
      return Buffer.from(data);
    };
    const keys = (...ks: [PublicKey, boolean, boolean][]) => ks.map(([pubkey, isSigner, isWritable]) => ({ pubkey, isSigner, isWritable }));
    // web3.js's createAccount makes the new account a signer too: a second signature this module cannot make.
    const withNewAccount = legacy([SystemProgram.createAccount({ fromPubkey: ALICE.solana, newAccountPubkey: created, lamports: 890_880, space: 0, programId: program })]);
    expect(errorCode(() => solana.prepareTransaction(input(withNewAccount), signer))).toBe('unsupported-transaction');

    const single = legacy([
      new TransactionInstruction({ programId: TOKEN_PROGRAM, keys: keys([source, false, true], [destination, false, true], [ALICE.solana, true, false]), data: amount(3, 10n ** 12n) }),
      new TransactionInstruction({ programId: TOKEN_2022_PROGRAM, keys: keys([source, false, true], [mint, false, false], [destination, false, true], [ALICE.solana, true, false]), data: amount(12, 5n, [6]) }),
      new TransactionInstruction({ programId: TOKEN_PROGRAM, keys: keys([source, false, true], [BOB.solana, false, false], [ALICE.solana, true, false]), data: amount(4, 1n) }),
      new TransactionInstruction({ programId: MEMO_PROGRAM, keys: [], data: Buffer.from('invoice 17') }),
      new TransactionInstruction({ programId: program, keys: keys([BOB.solana, false, true]), data: Buffer.from([1, 2, 3]) }),
      SystemProgram.assign({ accountPubkey: ALICE.solana, programId: program }),
      SystemProgram.nonceAdvance({ noncePubkey: created, authorizedPubkey: ALICE.solana }),
    ]);
    const { prepared } = signThrough(single);
    expect(prepared.summary.transfers).toEqual([
      { to: destination.toBase58(), amount: '1000000000000', asset: TOKEN_PROGRAM.toBase58() },
      { to: destination.toBase58(), amount: '5', asset: mint.toBase58() },
    ]);
    expect(prepared.summary.notes).toEqual([
      `instruction 0: SPL Token Transfer from token account ${source.toBase58()} to token account ${destination.toBase58()} (the mint is not named; the token program is the asset)`,
      `instruction 1: Token-2022 TransferChecked from token account ${source.toBase58()} to token account ${destination.toBase58()}, 6 decimals`,
      'instruction 2 is SPL Token Approve (delegates spending)',
      'instruction 3 memo "invoice 17"',
      `instruction 4 calls program ${program.toBase58()} with 1 account(s) and 3 byte(s) of data`,
      'instruction 5 is System Program Assign: it changes an account\'s owner program (36 bytes of data)',
      `instruction 6 advances durable nonce account ${created.toBase58()}: the blockhash is that nonce`,
    ]);
  });

  it('decodes an account creation as a transfer of its lamports', () => {
    const program = newKey().solana;
    const ix = SystemProgram.createAccount({ fromPubkey: ALICE.solana, newAccountPubkey: BOB.solana, lamports: 890_880, space: 165, programId: program });
    // Made a non-signer to stay single-signer (the runtime would then refuse it; the decoding is what is tested).
    ix.keys[1]!.isSigner = false;
    const { prepared } = signThrough(legacy([ix]));
    expect(prepared.summary.transfers).toEqual([{ to: BOB.solana.toBase58(), amount: '890880' }]);
    expect(prepared.summary.notes).toEqual([`instruction 0 creates account ${BOB.solana.toBase58()} with 890880 lamports, 165 bytes, owned by program ${program.toBase58()}`]);
  });
});

describe('solana compact-u16 lengths', () => {
  it('reads two- and three-byte lengths as web3.js writes them', () => {
    const memo = 'm'.repeat(300);
    const { prepared, signed } = signThrough(legacy([new TransactionInstruction({ programId: MEMO_PROGRAM, keys: [], data: Buffer.from(memo) }), transfer(9)]));
    expect(prepared.summary.notes).toEqual([`instruction 0 memo "${memo}"`]);
    expect(Transaction.from(base64.decode(signed.signedTransaction)).verifySignatures()).toBe(true);
    // 16384 bytes of data need a third byte, [0x80, 0x80, 0x01]; web3.js stops at the 1232-byte packet, so built by hand.
    const big = Uint8Array.of(1, 0, 1, 2, ...ALICE.publicKey, ...MEMO_PROGRAM.toBytes(), ...base58.decode(BLOCKHASH), 1, 1, 0, 0x80, 0x80, 0x01, ...new Uint8Array(16_384).fill(0x61));
    expect(solana.prepareTransaction(input(big), signer).summary.notes?.[0]).toHaveLength('instruction 0 memo ""'.length + 16_384);
  });
});

describe('solana refusals', () => {
  it('refuses a message whose fee payer is another key as foreign-input', () => {
    expect(errorCode(() => solana.prepareTransaction(input(legacy([transfer(1, ALICE.solana, BOB.solana)], BOB.solana)), signer))).toBe('foreign-input');
    expect(errorCode(() => solana.prepareTransaction(input(v0([transfer(1)])), { publicKey: BOB.publicKey }))).toBe('foreign-input');
    // The signer is a required signer but not the fee payer.
    expect(errorCode(() => solana.prepareTransaction(input(legacy([transfer(1, BOB.solana, ALICE.solana)], BOB.solana)), signer))).toBe('foreign-input');
  });

  it('refuses a message that needs another signature as unsupported-transaction', () => {
    const both = legacy([transfer(1), transfer(2, ALICE.solana, BOB.solana)]);
    expect(both[0]).toBe(2);
    expect(errorCode(() => solana.prepareTransaction(input(both), signer))).toBe('unsupported-transaction');
  });

  it('refuses other message versions and off-chain messages as unsupported-transaction', () => {
    const message = v0([transfer(1)]);
    expect(message[0]).toBe(0x80);
    expect(errorCode(() => solana.prepareTransaction(input(Uint8Array.of(0x81, ...message.subarray(1))), signer))).toBe('unsupported-transaction');
    expect(() => solana.prepareTransaction(input(Uint8Array.of(0xff, ...message.subarray(1))), signer)).toThrow(/off-chain message/);
  });

  it('refuses truncated, trailing, overlong and out-of-range encodings as malformed-transaction', () => {
    const message = legacy([transfer(1)]);
    // Header [1, 0, 1], 3 keys (payer, recipient, system program), blockhash, 1 instruction: program 2, accounts [0, 1], 12 data bytes.
    expect([...message.subarray(0, 4)]).toEqual([1, 0, 1, 3]);
    const ix = 4 + 3 * 32 + 32;
    expect([...message.subarray(ix, ix + 6)]).toEqual([1, 2, 2, 0, 1, 12]);
    const refuse = (b: Uint8Array) => errorCode(() => solana.prepareTransaction(input(b), signer));
    const mutate = (at: number, value: number) => {
      const copy = message.slice();
      copy[at] = value;
      return copy;
    };
    expect(refuse(message.subarray(0, message.length - 1))).toBe('malformed-transaction');
    expect(refuse(new Uint8Array([...message, 0]))).toBe('malformed-transaction');
    expect(refuse(new Uint8Array(0))).toBe('malformed-transaction');
    expect(refuse(mutate(ix + 1, 3))).toBe('malformed-transaction'); // program index past the keys
    expect(refuse(mutate(ix + 1, 0))).toBe('malformed-transaction'); // the fee payer as program
    expect(() => solana.prepareTransaction(input(mutate(ix + 4, 9)), signer)).toThrow(/uses account 9 of 3/);
    expect(refuse(mutate(0, 0))).toBe('malformed-transaction'); // no signer
    expect(refuse(mutate(1, 1))).toBe('malformed-transaction'); // the fee payer readonly
    expect(refuse(mutate(2, 3))).toBe('malformed-transaction'); // more readonly accounts than keys
    expect(refuse(Uint8Array.of(...message.subarray(0, 4 + 32), ...message.subarray(4, 4 + 32), ...message.subarray(4 + 64)))).toBe('malformed-transaction'); // a key twice
    // The key count 3 re-encoded as the overlong compact-u16 [0x83, 0x00].
    expect(() => solana.prepareTransaction(input(Uint8Array.of(...message.subarray(0, 3), 0x83, 0x00, ...message.subarray(4))), signer)).toThrow(/non-canonical compact-u16/);
    expect(() => solana.prepareTransaction(input(Uint8Array.of(...message.subarray(0, 3), 0xff, 0xff, 0x04)), signer)).toThrow(/overflows a compact-u16/);
    expect(refuse(Uint8Array.of(...message.subarray(0, 3), 0xff, 0xff, 0x04))).toBe('malformed-transaction');

    const text = base64.encode(message);
    for (const bad of [undefined, 'x', [text], { message: text.slice(1) }, { message: `${text}\n` }, { message: text, feePayer: ALICE.solana.toBase58() }, { transaction: text }]) {
      expect(errorCode(() => solana.prepareTransaction(bad, signer))).toBe('malformed-transaction');
    }
  });

  it('refuses an empty lookup table and an index past the looked-up accounts as malformed-transaction', () => {
    const tableKey = new PublicKey(sha256(new TextEncoder().encode('another table')));
    const table = new AddressLookupTableAccount({ key: tableKey, state: { deactivationSlot: 2n ** 64n - 1n, lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, addresses: [BOB.solana] } });
    const message = v0([transfer(1)], [table]);
    // v0 prefix, header, 2 static keys (payer, system program), blockhash, 1 instruction: program 1, accounts [0, 2 (looked up)], 12 data bytes.
    const ix = 1 + 3 + 1 + 2 * 32 + 32;
    expect([...message.subarray(ix, ix + 6)]).toEqual([1, 1, 2, 0, 2, 12]);
    // …then 1 lookup: the table address, writable [0], readonly [].
    expect([...message.subarray(message.length - 36)]).toEqual([1, ...tableKey.toBytes(), 1, 0, 0]);
    expect(solana.prepareTransaction(input(message), signer).summary.transfers).toEqual([{ to: `entry 0 of lookup table ${tableKey.toBase58()}`, amount: '1' }]);
    const past = message.slice();
    past[ix + 4] = 3;
    expect(() => solana.prepareTransaction(input(past), signer)).toThrow(/uses account 3 of 3/);
    const empty = Uint8Array.of(...message.subarray(0, message.length - 3), 0, 0);
    expect(() => solana.prepareTransaction(input(empty), signer)).toThrow(/loads no account/);
    expect(errorCode(() => solana.prepareTransaction(input(empty), signer))).toBe('malformed-transaction');
  });

  it('refuses a wrong, corrupted or missing signature as bad-signature', () => {
    const prepared = solana.prepareTransaction(input(legacy([transfer(3)])), signer);
    const item = prepared.items[0];
    if (item?.scheme !== 'eddsa-ed25519') throw new Error('expected an Ed25519 item');
    const signature = ed25519.sign(item.message, ALICE.secret);
    const corrupted = signature.slice();
    corrupted[0]! ^= 4;
    expect(errorCode(() => prepared.finalize([corrupted]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([ed25519.sign(item.message, BOB.secret)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([signature, signature]))).toBe('bad-signature');
  });
});

describe('solana off-chain messages', () => {
  const domain = base58.encode(sha256(new TextEncoder().encode('an application')));

  /** Our signature checked by @solana/offchain-messages: it encodes the same message and verifies the envelope. */
  async function verifyWithKit(text: string, format: 0 | 1 | 2, ours: Uint8Array, signature: string) {
    // The kit's content constructors check the text against the format's rules themselves.
    const content = (
      format === 0 ? offchainMessageContentRestrictedAsciiOf1232BytesMax(text) : format === 1 ? offchainMessageContentUtf8Of1232BytesMax(text) : offchainMessageContentUtf8Of65535BytesMax(text)
    );
    const message = {
      version: 0,
      applicationDomain: offchainMessageApplicationDomain(domain),
      content,
      requiredSignatories: [{ address: ALICE.solana.toBase58() }],
    } as unknown as OffchainMessageV0;
    const encoded = getOffchainMessageEncoder().encode(message);
    expect(new Uint8Array(encoded)).toEqual(ours);
    const envelope = { content: encoded, signatures: { [ALICE.solana.toBase58()]: base58.decode(signature) } } as unknown as OffchainMessageEnvelope;
    await verifyOffchainMessageEnvelope(envelope);
  }

  function sign(message: unknown, standard?: string) {
    const prepared = solana.prepareMessage!(message, signer, standard);
    const item = prepared.items[0];
    if (item?.scheme !== 'eddsa-ed25519') throw new Error('expected an Ed25519 item');
    return { bytes: item.message, signature: prepared.finalize([ed25519.sign(item.message, ALICE.secret)]).signature };
  }

  it('signs restricted-ASCII, UTF-8 and long UTF-8 messages as the Solana kit encodes and verifies them', async () => {
    const ascii = sign({ applicationDomain: domain, message: 'Sign in to example.com, nonce 42' }, 'solana-offchain');
    expect(ascii.bytes[16 + 1 + 32]).toBe(0);
    await verifyWithKit('Sign in to example.com, nonce 42', 0, ascii.bytes, ascii.signature);
    const otherSignature = base58.encode(ed25519.sign(ascii.bytes, BOB.secret));
    await expect(verifyWithKit('Sign in to example.com, nonce 42', 0, ascii.bytes, otherSignature)).rejects.toThrow();

    const utf8 = sign({ applicationDomain: domain, message: 'Grüße\n✌🏿' });
    expect(utf8.bytes[16 + 1 + 32]).toBe(1);
    await verifyWithKit('Grüße\n✌🏿', 1, utf8.bytes, utf8.signature);

    const long = 'x'.repeat(2000);
    const big = sign({ applicationDomain: domain, message: long });
    expect(big.bytes[16 + 1 + 32]).toBe(2);
    await verifyWithKit(long, 2, big.bytes, big.signature);

    const chosen = sign({ applicationDomain: domain, message: 'plain', format: 1 });
    await verifyWithKit('plain', 1, chosen.bytes, chosen.signature);
  });

  it('lays the preamble out as the spec\'s table says', () => {
    const { bytes } = sign({ applicationDomain: domain, message: 'hi' });
    expect(new TextDecoder().decode(bytes.subarray(1, 16))).toBe('solana offchain');
    expect([bytes[0], bytes[0x10]]).toEqual([0xff, 0]);
    expect(base58.encode(bytes.subarray(0x11, 0x31))).toBe(domain);
    expect([bytes[0x31], bytes[0x32]]).toEqual([0, 1]);
    expect(base58.encode(bytes.subarray(0x33, 0x53))).toBe(ALICE.solana.toBase58());
    expect([...bytes.subarray(0x53)]).toEqual([2, 0, 0x68, 0x69]);
  });

  it('refuses what the spec does not allow as unsupported-message', () => {
    const refuse = (m: unknown, standard?: string) => errorCode(() => solana.prepareMessage!(m, signer, standard));
    const preamble = 16 + 1 + 32 + 1 + 1 + 32 + 2;
    expect(refuse({ applicationDomain: domain, message: '' })).toBe('unsupported-message');
    expect(refuse({ applicationDomain: domain, message: 'tab\there', format: 0 })).toBe('unsupported-message');
    expect(refuse({ applicationDomain: domain, message: 'line\nbreak', format: 0 })).toBe('unsupported-message');
    expect(refuse({ applicationDomain: domain, message: 'a'.repeat(1232 - preamble), format: 0 })).toBeUndefined();
    expect(refuse({ applicationDomain: domain, message: 'a'.repeat(1232 - preamble + 1), format: 0 })).toBe('unsupported-message');
    expect(refuse({ applicationDomain: domain, message: 'é'.repeat(600), format: 1 })).toBe('unsupported-message');
    expect(refuse({ applicationDomain: domain, message: 'a'.repeat(0xffff - preamble) })).toBeUndefined();
    expect(refuse({ applicationDomain: domain, message: 'a'.repeat(0xffff - preamble + 1) })).toBe('unsupported-message');
    expect(refuse({ applicationDomain: domain, message: 'lone \ud800 surrogate' })).toBe('unsupported-message');
    expect(refuse({ applicationDomain: base58.encode(new Uint8Array(31).fill(1)), message: 'hi' })).toBe('unsupported-message');
    expect(refuse({ applicationDomain: 'not base58 0OIl', message: 'hi' })).toBe('unsupported-message');
    expect(refuse({ message: 'hi' })).toBe('unsupported-message');
    expect(refuse({ applicationDomain: domain, message: 'hi', format: 3 })).toBe('unsupported-message');
    expect(refuse({ applicationDomain: domain, message: 'hi', signers: [] })).toBe('unsupported-message');
    expect(refuse('hi')).toBe('unsupported-message');
    expect(refuse({ applicationDomain: domain, message: 'hi' }, 'eip191')).toBe('unsupported-message');
  });

  it('refuses a signature that does not verify as bad-signature', () => {
    const prepared = solana.prepareMessage!({ applicationDomain: domain, message: 'hi' }, signer);
    const item = prepared.items[0]!;
    expect(errorCode(() => prepared.finalize([ed25519.sign(item.message, BOB.secret)]))).toBe('bad-signature');
    expect(errorCode(() => prepared.finalize([new Uint8Array(64)]))).toBe('bad-signature');
  });
});
