import { describe, expect, it } from 'vitest';
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8 } from '@mpc-wallet/core';
import { PassphraseSealer, RECORD_KEY_LABEL, RecordUnsealError, UnsealError, openRecord, recordAssociatedData, sealRecord, type RecordPlace } from '../../src/index.js';

/** Tests only, with the floor lowered to match: the default is 2^17. */
const FAST = { N: 2 ** 10, r: 8, p: 1 };

const place: RecordPlace = { kind: 'key-share', owner: 'key-1', nodeId: 2, version: '3' };
const secret = utf8('a key share, in bytes');

async function master(): Promise<Uint8Array> {
  const { sealer } = await PassphraseSealer.create('correct horse battery', FAST, FAST.N);
  return sealer.deriveKey(RECORD_KEY_LABEL);
}

/** Offsets of the format: 0x01 ‖ salt (32) ‖ nonce (12) ‖ ciphertext ‖ tag (16). */
const SALT = 1;
const NONCE = 33;
const BODY = 45;

function flip(sealed: Uint8Array, at: number): Uint8Array {
  const copy = sealed.slice();
  copy[at]! ^= 0x01;
  return copy;
}

describe('sealed records', () => {
  it('open under the same place returns the plaintext; the sealed bytes do not contain it', async () => {
    const m = await master();
    const sealed = sealRecord(m, place, secret);
    expect(sealed.length).toBe(BODY + secret.length + 16);
    expect(bytesToHex(sealed).includes(bytesToHex(secret))).toBe(false);
    expect(openRecord(m, place, sealed)).toEqual(secret);
  });

  it('any altered byte (version, salt, nonce, ciphertext, tag) is refused', async () => {
    const m = await master();
    const sealed = sealRecord(m, place, secret);
    expect(() => openRecord(m, place, flip(sealed, 0))).toThrow(/malformed/);
    for (const at of [SALT, SALT + 31, NONCE, NONCE + 11, BODY, BODY + secret.length - 1, sealed.length - 1]) {
      expect(() => openRecord(m, place, flip(sealed, at)), `byte ${at}`).toThrow(RecordUnsealError);
    }
    expect(() => openRecord(m, place, sealed.subarray(0, BODY + 15))).toThrow(/malformed/);
    expect(() => openRecord(m, place, sealed.subarray(0, sealed.length - 1))).toThrow(/does not authenticate/);
  });

  it('opening under any other place field, or another master key, is refused', async () => {
    const m = await master();
    const sealed = sealRecord(m, place, secret);
    const others: RecordPlace[] = [
      { ...place, kind: 'aux-info' },
      { ...place, owner: 'key-2' },
      { ...place, nodeId: 3 },
      { ...place, version: '4' },
    ];
    for (const other of others) expect(() => openRecord(m, other, sealed), JSON.stringify(other)).toThrow(RecordUnsealError);
    const otherMaster = await master();
    expect(() => openRecord(otherMaster, place, sealed)).toThrow(RecordUnsealError);
    // The error is an UnsealError too, and names no secret.
    const error = (() => {
      try {
        return openRecord(m, others[1]!, sealed);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(UnsealError);
    expect((error as Error).message).not.toContain(bytesToHex(m));
    expect((error as Error).message).not.toContain(bytesToHex(secret));
  });

  it('the associated data is length-prefixed: shifting characters between fields changes it', () => {
    const a = recordAssociatedData({ kind: 'nonces', owner: 'ab', nodeId: 1, version: 'c' });
    const b = recordAssociatedData({ kind: 'nonces', owner: 'a', nodeId: 1, version: 'bc' });
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
    expect(bytesToHex(a)).toBe(
      bytesToHex(utf8('mpc-wallet/record/v1')) + '00000006' + bytesToHex(utf8('nonces')) + '00000002' + bytesToHex(utf8('ab')) + '00000001' + '00000001' + bytesToHex(utf8('c')),
    );
  });

  it('each record has its own data key, HKDF-SHA256(master, salt) as documented', async () => {
    const m = await master();
    const one = sealRecord(m, place, secret);
    const two = sealRecord(m, place, secret);
    const keyOf = (sealed: Uint8Array) => hkdf(sha256, m, sealed.subarray(SALT, NONCE), utf8('mpc-wallet/record/v1'), 32);
    expect(bytesToHex(keyOf(one))).not.toBe(bytesToHex(keyOf(two)));
    // Recomputing the key and the associated data by hand opens the record: the format is as documented.
    expect(gcm(keyOf(two), two.subarray(NONCE, BODY), recordAssociatedData(place)).decrypt(two.subarray(BODY))).toEqual(secret);
    // One record's key does not open another.
    expect(() => gcm(keyOf(one), two.subarray(NONCE, BODY), recordAssociatedData(place)).decrypt(two.subarray(BODY))).toThrow();
  });

  it('malformed places and keys are refused before anything is sealed', async () => {
    const m = await master();
    expect(() => sealRecord(m, { ...place, kind: 'share' as never }, secret)).toThrow(/record kind/);
    expect(() => sealRecord(m, { ...place, owner: '' }, secret)).toThrow(/owner/);
    expect(() => sealRecord(m, { ...place, version: 1 as never }, secret)).toThrow(/version/);
    expect(() => sealRecord(m, { ...place, nodeId: -1 }, secret)).toThrow(/node id/);
    expect(() => sealRecord(m, { ...place, nodeId: 2 ** 32 }, secret)).toThrow(/node id/);
    expect(() => sealRecord(m.subarray(0, 16), place, secret)).toThrow(/32 bytes/);
    expect(() => sealRecord(m, place, 'text' as never)).toThrow(/Uint8Array/);
  });
});

describe('Sealer.deriveKey', () => {
  it('is stable across reopening, differs per label and per sealer, and is not a seal data key', async () => {
    const { sealer, descriptor } = await PassphraseSealer.create('correct horse battery', FAST, FAST.N);
    const again = await PassphraseSealer.open('correct horse battery', descriptor, FAST.N);
    const k = sealer.deriveKey(RECORD_KEY_LABEL);
    expect(k).toHaveLength(32);
    expect(bytesToHex(again.deriveKey(RECORD_KEY_LABEL))).toBe(bytesToHex(k));
    expect(bytesToHex(sealer.deriveKey('other'))).not.toBe(bytesToHex(k));
    const { sealer: another } = await PassphraseSealer.create('correct horse battery', FAST, FAST.N);
    expect(bytesToHex(another.deriveKey(RECORD_KEY_LABEL))).not.toBe(bytesToHex(k));
    // A blob sealed under the same label does not open with the derived key as its data key.
    const blob = sealer.seal(RECORD_KEY_LABEL, secret);
    expect(() => gcm(k, blob.subarray(1, 13), utf8(RECORD_KEY_LABEL)).decrypt(blob.subarray(13))).toThrow();
    expect(() => sealer.deriveKey('')).toThrow(/label/);
  });
});
