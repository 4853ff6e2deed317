import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { getAddress, hashTypedData, keccak256, recoverTypedDataAddress, verifyMessage, verifyTypedData, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { TypedDataEncoder, verifyMessage as ethersVerifyMessage, verifyTypedData as ethersVerifyTypedData } from 'ethers';
import { EVM_MODULES } from '../src/evm.js';
import { ChainInputError, type ChainErrorCode } from '../src/errors.js';
import { ecdsaItemDigest } from '../src/keys.js';
import type { ChainModule, PreparedMessage } from '../src/types.js';

const SECRET = secp256k1.utils.randomSecretKey();
const ACCOUNT = privateKeyToAccount(`0x${hex.encode(SECRET)}`);
const SIGNER = { publicKey: secp256k1.getPublicKey(SECRET, true) };
const OTHER_SECRET = secp256k1.utils.randomSecretKey();

function chain(id: string): ChainModule {
  const module = EVM_MODULES.find((m) => m.info.id === id);
  if (!module) throw new Error(`no module ${id}`);
  return module;
}
const ethereum = chain('ethereum');

/** The cluster's part: ECDSA over the item's keccak256 digest with the private key. */
function signed(prepared: PreparedMessage, secret = SECRET): string {
  const [item] = prepared.items;
  if (item?.scheme !== 'ecdsa-secp256k1') throw new Error('expected one ECDSA item');
  expect(item.hash).toBe('keccak256');
  return prepared.finalize([secp256k1.sign(ecdsaItemDigest(item), secret, { prehash: false })]).signature;
}

function failure(fn: () => unknown): { code: ChainErrorCode; message: string } | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChainInputError) return { code: error.code, message: error.message };
    throw error;
  }
  return undefined;
}

describe('EIP-191 personal_sign', () => {
  it('signs text and bytes as viem does; viem and ethers verify them', async () => {
    for (const text of ['hello', '', 'Ünïcødé ✓ 🦊', '\uFEFFstarts with a BOM', 'x'.repeat(1000)]) {
      const signature = signed(ethereum.prepareMessage!({ text }, SIGNER, 'eip191'));
      expect(signature).toBe(await ACCOUNT.signMessage({ message: text }));
      expect(await verifyMessage({ address: ACCOUNT.address, message: text, signature: signature as Hex })).toBe(true);
      expect(ethersVerifyMessage(text, signature)).toBe(ACCOUNT.address);
    }
    const raw = '0xdeadbeef00ff';
    const signature = signed(ethereum.prepareMessage!({ hex: raw }, SIGNER));
    expect(signature).toBe(await ACCOUNT.signMessage({ message: { raw } }));
    expect(ethersVerifyMessage(hex.decode(raw.slice(2)), signature)).toBe(ACCOUNT.address);
    expect(signature).toMatch(/^0x[0-9a-f]{128}(1b|1c)$/);
  });

  it('refuses malformed messages, unknown standards and bad signatures', () => {
    for (const message of [{ text: 1 }, { text: 'a', hex: '0x' }, {}, { hex: '0xabc' }, { hex: 'deadbeef' }, { text: '\uD800' }, { raw: '0x00' }, 'text', null]) {
      expect(failure(() => ethereum.prepareMessage!(message, SIGNER, 'eip191'))?.code).toBe('unsupported-message');
    }
    expect(failure(() => ethereum.prepareMessage!({ text: 'a' }, SIGNER, 'bip137'))?.code).toBe('unsupported-message');
    expect(failure(() => ethereum.prepareMessage!({ text: 'a' }, { ...SIGNER, format: 'p2tr' }))?.code).toBe('unsupported-format');
    const prepared = ethereum.prepareMessage!({ text: 'a' }, SIGNER);
    expect(failure(() => signed(prepared, OTHER_SECRET))?.code).toBe('bad-signature');
    expect(failure(() => prepared.finalize([new Uint8Array(65)]))?.code).toBe('bad-signature');
  });
});

const MAIL = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallets', type: 'address[]' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person[]' },
      { name: 'contents', type: 'string' },
      { name: 'tags', type: 'bytes4[2]' },
      { name: 'amount', type: 'int64' },
    ],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  message: {
    from: { name: 'Cow', wallets: ['0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826', '0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF'] },
    to: [{ name: 'Bob', wallets: ['0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB'] }],
    contents: 'Hello, Bob!',
    tags: ['0x01020304', '0xdeadbeef'],
    amount: '-42',
  },
} as const;

/** MAIL as viem and ethers take it (integers as bigint; cast where viem's literal types reject a readonly tuple). */
const MAIL_NATIVE = { ...MAIL, message: { ...MAIL.message, amount: -42n } };

function ethersTypes(types: Record<string, readonly { name: string; type: string }[]>) {
  const { EIP712Domain: _domain, ...rest } = types;
  return rest as Record<string, { name: string; type: string }[]>;
}

describe('EIP-712 typed data', () => {
  it('signs what viem and ethers hash and verify (nested structs, arrays, negative ints)', async () => {
    const prepared = ethereum.prepareMessage!(MAIL, SIGNER, 'eip712');
    const preimage = prepared.items[0]!.message;
    expect(preimage.subarray(0, 2)).toEqual(Uint8Array.of(0x19, 0x01));
    expect(keccak256(preimage)).toBe(hashTypedData(MAIL_NATIVE as never));
    expect(keccak256(preimage)).toBe(TypedDataEncoder.hash(MAIL.domain, ethersTypes(MAIL.types), MAIL_NATIVE.message));
    const signature = signed(prepared);
    expect(signature).toBe(await ACCOUNT.signTypedData(MAIL_NATIVE as never));
    expect(await verifyTypedData({ ...MAIL_NATIVE, address: ACCOUNT.address, signature: signature as Hex } as never)).toBe(true);
    expect(ethersVerifyTypedData(MAIL.domain, ethersTypes(MAIL.types), MAIL_NATIVE.message, signature)).toBe(ACCOUNT.address);
  });

  it("matches the EIP's own example: Mail from Cow to Bob, signed with keccak256('cow')", () => {
    const person = [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }];
    const example = {
      types: { EIP712Domain: MAIL.types.EIP712Domain, Person: person, Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }] },
      primaryType: 'Mail',
      domain: MAIL.domain,
      message: { from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' }, to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' }, contents: 'Hello, Bob!' },
    };
    const cow = new Uint8Array(hex.decode(keccak256(new TextEncoder().encode('cow')).slice(2)));
    const prepared = ethereum.prepareMessage!(example, { publicKey: secp256k1.getPublicKey(cow, true) }, 'eip712');
    expect(keccak256(prepared.items[0]!.message)).toBe('0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2');
    expect(signed(prepared, cow)).toBe('0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c');
  });

  it('encodes recursive types as the spec orders them (viem; ethers refuses circular types)', async () => {
    const tree = {
      types: {
        EIP712Domain: [{ name: 'name', type: 'string' }],
        Node: [
          { name: 'label', type: 'string' },
          { name: 'children', type: 'Node[]' },
          { name: 'owner', type: 'Account' },
        ],
        Account: [{ name: 'id', type: 'uint256' }, { name: 'node', type: 'Node[1][]' }],
      },
      primaryType: 'Node',
      domain: { name: 'trees' },
      message: {
        label: 'root',
        children: [{ label: 'leaf', children: [], owner: { id: '0x10', node: [] } }],
        owner: { id: 7, node: [[{ label: 'deep', children: [], owner: { id: '99', node: [] } }]] },
      },
    };
    const prepared = ethereum.prepareMessage!(tree, SIGNER, 'eip712');
    const native = JSON.parse(JSON.stringify(tree), (key, value) => (key === 'id' ? BigInt(value) : value));
    expect(keccak256(prepared.items[0]!.message)).toBe(hashTypedData(native));
    expect(await recoverTypedDataAddress({ ...native, signature: signed(prepared) as Hex })).toBe(ACCOUNT.address);
  });

  it('hashes random type systems and values as viem and ethers do', () => {
    fc.assert(
      fc.property(fc.gen(), (g) => {
        const { json, native } = randomTypedData(g);
        const prepared = ethereum.prepareMessage!(json, SIGNER, 'eip712');
        const digest = keccak256(prepared.items[0]!.message);
        expect(digest).toBe(hashTypedData(native as never));
        expect(digest).toBe(TypedDataEncoder.hash(native.domain, ethersTypes(native.types), native.message));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a domain for another chain with wrong-chain', () => {
    const polygonMail = { ...MAIL, domain: { ...MAIL.domain, chainId: '137' } };
    expect(failure(() => ethereum.prepareMessage!(polygonMail, SIGNER, 'eip712'))?.code).toBe('wrong-chain');
    expect(failure(() => chain('polygon').prepareMessage!(polygonMail, SIGNER, 'eip712'))).toBeUndefined();
  });

  it('refuses what it cannot hash unambiguously with unsupported-message', () => {
    const withMessage = (message: Record<string, unknown>) => ({ ...MAIL, message: { ...MAIL.message, ...message } });
    const withTypes = (types: Record<string, unknown>) => ({ ...MAIL, types: { ...MAIL.types, ...types } });
    const { amount: _amount, ...withoutAmount } = MAIL.message;
    const { EIP712Domain: _domain, ...withoutDomainType } = MAIL.types;
    const cases: [unknown, string][] = [
      [{ ...MAIL, message: withoutAmount }, 'lacks "amount"'],
      [withMessage({ extra: 1 }), 'unexpected "extra"'],
      [withMessage({ amount: String(2n ** 63n) }), 'out of the int64 range'],
      [withMessage({ amount: '1.5' }), 'must be an integer'],
      [withMessage({ amount: 2 ** 60 }), 'safe integer'],
      [withMessage({ tags: ['0x010203', '0xdeadbeef'] }), 'must be 4 bytes'],
      [withMessage({ tags: ['0x01020304'] }), 'must have 2 elements'],
      [withMessage({ contents: 5 }), 'must be a string'],
      [withMessage({ contents: 'lone \uDC00' }), 'lone UTF-16 surrogate'],
      [withMessage({ from: { name: 'Cow', wallets: ['0xcD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826'] } }), 'wrong EIP-55 checksum'],
      [withMessage({ from: { name: 'Cow', wallets: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' } }), 'must be an array'],
      [withMessage({ to: [null] }), 'must be an object'],
      [withTypes({ Mail: [...MAIL.types.Mail, { name: 'flag', type: 'Flag' }] }), 'unknown type "Flag"'],
      [withTypes({ Mail: [...MAIL.types.Mail, { name: 'n', type: 'uint' }] }), 'unknown type "uint"'],
      [withTypes({ Mail: [...MAIL.types.Mail, { name: 'n', type: 'uint257' }] }), 'unknown type "uint257"'],
      [withTypes({ Mail: [...MAIL.types.Mail, { name: 'n', type: 'bytes33' }] }), 'unknown type "bytes33"'],
      [withTypes({ Mail: [...MAIL.types.Mail, { name: 'n', type: 'bool[0]' }] }), 'unknown type "bool[0]"'],
      [withTypes({ Mail: [...MAIL.types.Mail, { name: 'amount', type: 'bool' }] }), 'defined twice'],
      [withTypes({ Mail: [...MAIL.types.Mail, { name: 'n', type: 'bool', extra: 1 }] }), 'unexpected "extra"'],
      [withTypes({ uint256: [{ name: 'a', type: 'bool' }] }), 'not a valid struct name'],
      [withTypes({ 'Bad Name': [{ name: 'a', type: 'bool' }] }), 'not a valid struct name'],
      [{ ...MAIL, types: withoutDomainType }, 'must define EIP712Domain'],
      [withTypes({ EIP712Domain: [{ name: 'chainId', type: 'uint256' }, { name: 'name', type: 'string' }] }), 'out of order'],
      [withTypes({ EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'owner', type: 'address' }] }), 'not one'],
      [withTypes({ EIP712Domain: [{ name: 'chainId', type: 'uint64' }] }), 'must have type uint256'],
      [{ ...MAIL, domain: { ...MAIL.domain, salt: '0x' } }, 'unexpected "salt"'],
      [{ ...MAIL, primaryType: 'EIP712Domain' }, 'cannot be EIP712Domain'],
      [{ ...MAIL, primaryType: 'Letter' }, 'not a type defined'],
      [{ ...MAIL, extra: true }, 'unexpected "extra"'],
      [JSON.stringify(MAIL), 'must be an object'],
    ];
    for (const [input, reason] of cases) {
      expect([reason, failure(() => ethereum.prepareMessage!(input, SIGNER, 'eip712'))]).toEqual([reason, { code: 'unsupported-message', message: expect.stringContaining(reason) }]);
    }
    // Bool must be a JSON boolean.
    const flagged = { ...withTypes({ Mail: [...MAIL.types.Mail, { name: 'flag', type: 'bool' }] }), message: { ...MAIL.message, flag: 'true' } };
    expect(failure(() => ethereum.prepareMessage!(flagged, SIGNER, 'eip712'))?.message).toMatch(/true or false/);
  });
});

const STRUCT_NAMES = ['Mail', 'Person', 'Zebra', 'apple', 'Order_2', '$Asset', '_Item', 'Group'];
const ELEMENTARY = ['bool', 'address', 'string', 'bytes', 'bytes1', 'bytes7', 'bytes32', 'uint8', 'uint64', 'uint256', 'int8', 'int72', 'int256'];
const DIMENSIONS = ['', '', '', '[]', '[2]', '[][1]'];
const DOMAIN_FIELDS = [
  ['name', 'string'],
  ['version', 'string'],
  ['chainId', 'uint256'],
  ['verifyingContract', 'address'],
  ['salt', 'bytes32'],
] as const;

type Field = { name: string; type: string };

/**
 * Random typed data: up to four structs, each referenced by an earlier one (so the first is the
 * single root ethers wants, and values are finite), fields of elementary types, structs and arrays.
 * `json` is what the module takes (integers as decimal strings, numbers or hex); `native` is the
 * same for viem and ethers (integers as bigint).
 */
function randomTypedData(g: fc.GeneratorValue) {
  const count = g(fc.integer, { min: 1, max: 4 });
  const names = g(fc.shuffledSubarray, STRUCT_NAMES, { minLength: count, maxLength: count });
  const types: Record<string, Field[]> = {};
  names.forEach((name, i) => {
    types[name] = Array.from({ length: g(fc.integer, { min: 1, max: 4 }) }, (_, f) => {
      const base = i < count - 1 && g(fc.boolean) ? names[g(fc.integer, { min: i + 1, max: count - 1 })]! : g(fc.constantFrom, ...ELEMENTARY);
      return { name: `f${f}`, type: base + g(fc.constantFrom, ...DIMENSIONS) };
    });
  });
  for (let j = 1; j < count; j++) types[names[g(fc.integer, { min: 0, max: j - 1 })]!]!.push({ name: `ref${j}`, type: names[j]! });

  const value = (type: string): [unknown, unknown] => {
    const array = /^(.+)\[(\d*)\]$/.exec(type);
    if (array) {
      const length = array[2] ? Number(array[2]) : g(fc.integer, { min: 0, max: 3 });
      const elements = Array.from({ length }, () => value(array[1]!));
      return [elements.map(([json]) => json), elements.map(([, native]) => native)];
    }
    const fields = types[type];
    if (fields) {
      const pairs = fields.map((field) => [field.name, value(field.type)] as const);
      return [Object.fromEntries(pairs.map(([key, [json]]) => [key, json])), Object.fromEntries(pairs.map(([key, [, native]]) => [key, native]))];
    }
    return elementaryValue(g, type);
  };

  const domainFields = DOMAIN_FIELDS.filter(() => g(fc.boolean));
  const domainValues = domainFields.map(([name, type]) => [name, name === 'chainId' ? [1, 1n] : elementaryValue(g, type)] as const);
  const [jsonMessage, nativeMessage] = value(names[0]!);
  const allTypes = { EIP712Domain: domainFields.map(([name, type]) => ({ name, type })), ...types };
  const common = { types: allTypes, primaryType: names[0]! };
  return {
    json: { ...common, domain: Object.fromEntries(domainValues.map(([key, [json]]) => [key, json])), message: jsonMessage },
    native: { ...common, domain: Object.fromEntries(domainValues.map(([key, [, native]]) => [key, native])), message: nativeMessage as Record<string, unknown> },
  };
}

function elementaryValue(g: fc.GeneratorValue, type: string): [unknown, unknown] {
  const hexOf = (bytes: Uint8Array) => `0x${hex.encode(bytes)}`;
  if (type === 'bool') {
    const b = g(fc.boolean);
    return [b, b];
  }
  if (type === 'address') {
    const address = hexOf(g(fc.uint8Array, { minLength: 20, maxLength: 20 }));
    const written = g(fc.boolean) ? getAddress(address) : address;
    return [written, written];
  }
  if (type === 'string') {
    const s = g(fc.string, { unit: 'grapheme', maxLength: 20 });
    return [s, s];
  }
  if (type === 'bytes') {
    const b = hexOf(g(fc.uint8Array, { maxLength: 40 }));
    return [b, b];
  }
  const fixed = /^bytes(\d+)$/.exec(type);
  if (fixed) {
    const size = Number(fixed[1]);
    const b = hexOf(g(fc.uint8Array, { minLength: size, maxLength: size }));
    return [b, b];
  }
  const integer = /^(u?)int(\d+)$/.exec(type)!;
  const bits = BigInt(integer[2]!);
  const signed = integer[1] === '';
  const n = g(fc.bigInt, signed ? { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n } : { min: 0n, max: (1n << bits) - 1n });
  const forms: unknown[] = [n.toString()];
  if (n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)) forms.push(Number(n));
  if (n >= 0n) forms.push(`0x${n.toString(16)}`);
  return [g(fc.constantFrom, ...forms), n];
}
