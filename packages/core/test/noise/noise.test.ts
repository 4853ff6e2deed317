import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CipherState, HandshakeState, NoiseError, generateKeyPair, MAX_NOISE_MESSAGE } from '../../src/noise/index.js';
import { seededRng } from '../../src/rng.js';

const rng = seededRng('noise-unit');

function handshakeIK(prologue = new Uint8Array(0)) {
  const initiatorKey = generateKeyPair(rng);
  const responderKey = generateKeyPair(rng);
  const init = new HandshakeState({ pattern: 'IK', initiator: true, s: initiatorKey, rs: responderKey.publicKey, prologue, rng });
  const resp = new HandshakeState({ pattern: 'IK', initiator: false, s: responderKey, prologue, rng });
  return { init, resp, initiatorKey, responderKey };
}

describe('Noise handshake', () => {
  it('IK: both sides agree, the responder learns the initiator’s static key, payloads arrive', () => {
    const { init, resp, initiatorKey } = handshakeIK();
    const m1 = init.writeMessage(new TextEncoder().encode('hello'));
    expect(new TextDecoder().decode(resp.readMessage(m1))).toBe('hello');
    expect(resp.remoteStatic).toEqual(initiatorKey.publicKey);
    expect(() => resp.readMessage(m1)).toThrow(NoiseError);
  });

  it('IK: a flipped bit anywhere in message 1 or 2 fails the handshake', () => {
    fc.assert(
      fc.property(fc.nat(), fc.boolean(), (bitSeed, second) => {
        const { init, resp } = handshakeIK();
        let m = init.writeMessage(new Uint8Array(8));
        if (second) {
          resp.readMessage(m);
          m = resp.writeMessage(new Uint8Array(8));
        }
        const tampered = m.slice();
        const bit = bitSeed % (tampered.length * 8);
        tampered[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => (second ? init : resp).readMessage(tampered)).toThrow(NoiseError);
      }),
      { numRuns: 60 },
    );
  });

  it('IK: a responder with another static key, or a different prologue, fails', () => {
    const a = handshakeIK(Uint8Array.of(1));
    const impostor = new HandshakeState({ pattern: 'IK', initiator: false, s: generateKeyPair(rng), prologue: Uint8Array.of(1), rng });
    expect(() => impostor.readMessage(a.init.writeMessage())).toThrow(/decryption failed/);
    const b = handshakeIK(Uint8Array.of(1));
    const other = new HandshakeState({ pattern: 'IK', initiator: false, s: b.responderKey, prologue: Uint8Array.of(2), rng });
    expect(() => other.readMessage(b.init.writeMessage())).toThrow(NoiseError);
  });

  it('a failed handshake cannot be continued; truncated, empty and oversized messages are refused', () => {
    const { init, resp } = handshakeIK();
    const m1 = init.writeMessage();
    expect(() => resp.readMessage(m1.subarray(0, 40))).toThrow(/truncated|decryption/);
    expect(() => resp.readMessage(m1)).toThrow(/already failed/);
    const fresh = handshakeIK();
    expect(() => fresh.resp.readMessage(new Uint8Array(0))).toThrow(NoiseError);
    const big = handshakeIK();
    expect(() => big.resp.readMessage(new Uint8Array(MAX_NOISE_MESSAGE + 1))).toThrow(/too long/);
    expect(() => big.init.writeMessage(new Uint8Array(MAX_NOISE_MESSAGE))).toThrow(/too long/);
  });

  it('XX: mutual authentication without prior knowledge; low-order ephemeral keys are refused', () => {
    const a = generateKeyPair(rng);
    const b = generateKeyPair(rng);
    const init = new HandshakeState({ pattern: 'XX', initiator: true, s: a, rng });
    const resp = new HandshakeState({ pattern: 'XX', initiator: false, s: b, rng });
    resp.readMessage(init.writeMessage());
    init.readMessage(resp.writeMessage());
    resp.readMessage(init.writeMessage());
    expect(init.remoteStatic).toEqual(b.publicKey);
    expect(resp.remoteStatic).toEqual(a.publicKey);
    const victim = new HandshakeState({ pattern: 'XX', initiator: false, s: b, rng });
    victim.readMessage(new Uint8Array(32)); // e = 0: an all-zero (low-order) point
    expect(() => victim.writeMessage()).toThrow(/invalid Diffie-Hellman/);
  });
});

describe('CipherState', () => {
  it('transport round trip; replayed or reordered ciphertexts fail (nonce mismatch)', () => {
    const { init, resp } = handshakeIK();
    resp.readMessage(init.writeMessage());
    init.readMessage(resp.writeMessage());
    const a = init.split();
    const b = resp.split();
    const c1 = a.send.encryptWithAd(new Uint8Array(0), Uint8Array.of(1));
    const c2 = a.send.encryptWithAd(new Uint8Array(0), Uint8Array.of(2));
    expect(() => b.receive.decryptWithAd(new Uint8Array(0), c2)).toThrow(/decryption failed/);
    expect(b.receive.decryptWithAd(new Uint8Array(0), c1)).toEqual(Uint8Array.of(1));
    expect(() => b.receive.decryptWithAd(new Uint8Array(0), c1)).toThrow(/decryption failed/);
    expect(b.receive.decryptWithAd(new Uint8Array(0), c2)).toEqual(Uint8Array.of(2));
  });

  it('rekey changes the key on both sides in step; a one-sided rekey breaks decryption', () => {
    const key = new Uint8Array(32).fill(7);
    const [s, r] = [new CipherState(key), new CipherState(key)];
    s.rekey();
    r.rekey();
    expect(r.decryptWithAd(new Uint8Array(0), s.encryptWithAd(new Uint8Array(0), Uint8Array.of(9)))).toEqual(Uint8Array.of(9));
    s.rekey();
    expect(() => r.decryptWithAd(new Uint8Array(0), s.encryptWithAd(new Uint8Array(0), Uint8Array.of(9)))).toThrow(NoiseError);
  });

  it('nonce 2^64−1 is never used: the state signals exhaustion', () => {
    const c = new CipherState(new Uint8Array(32));
    c.setNonce(0xfffffffffffffffen);
    c.encryptWithAd(new Uint8Array(0), new Uint8Array(1));
    expect(c.nonce).toBe(0xffffffffffffffffn);
    expect(() => c.encryptWithAd(new Uint8Array(0), new Uint8Array(1))).toThrow(/exhausted/);
    expect(() => c.decryptWithAd(new Uint8Array(0), new Uint8Array(17))).toThrow(/exhausted/);
  });
});
