/**
 * Official Noise vectors (cacophony and snow): every Noise_IK_25519_ChaChaPoly_BLAKE2s and
 * Noise_XX_25519_ChaChaPoly_BLAKE2s entry — and NK, which costs nothing more — must produce the
 * same handshake and transport ciphertexts, and the same handshake hash where one is given —
 * on both primitive suites: native (OpenSSL, the default) and noble (the reference).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { HandshakeState, NOISE_NATIVE, NOISE_NOBLE, type NoiseCrypto, type PatternName, keyPairFromSecret, protocolName } from '../../src/noise/index.js';
import { bytesToHex, hexToBytes } from '../../src/bytes.js';
import { vectorPath } from '../vectors.js';

interface NoiseVector {
  protocol_name: string;
  init_prologue: string;
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_static?: string;
  resp_ephemeral: string;
  resp_remote_static?: string;
  init_psks?: string[];
  handshake_hash?: string;
  messages: { payload: string; ciphertext: string }[];
}

const PATTERN_NAMES: PatternName[] = ['IK', 'XX', 'NK'];
const files = ['cacophony.txt', 'snow.txt'];

function load(file: string): NoiseVector[] {
  const p = vectorPath('noise', file);
  if (!p) return [];
  return (JSON.parse(readFileSync(p, 'utf8')) as { vectors: NoiseVector[] }).vectors;
}

function run(v: NoiseVector, pattern: PatternName, crypto: NoiseCrypto) {
  const hex = (s?: string) => (s === undefined ? undefined : hexToBytes(s));
  const init = new HandshakeState({
    pattern,
    initiator: true,
    prologue: hex(v.init_prologue)!,
    ...(v.init_static ? { s: keyPairFromSecret(hex(v.init_static)!, crypto) } : {}),
    ...(v.init_remote_static ? { rs: hex(v.init_remote_static)! } : {}),
    e: keyPairFromSecret(hex(v.init_ephemeral)!, crypto),
    crypto,
  });
  const resp = new HandshakeState({
    pattern,
    initiator: false,
    prologue: hex(v.resp_prologue)!,
    ...(v.resp_static ? { s: keyPairFromSecret(hex(v.resp_static)!, crypto) } : {}),
    ...(v.resp_remote_static ? { rs: hex(v.resp_remote_static)! } : {}),
    e: keyPairFromSecret(hex(v.resp_ephemeral)!, crypto),
    crypto,
  });
  let i = 0;
  for (; !init.isComplete; i++) {
    const m = v.messages[i]!;
    const [writer, reader] = i % 2 === 0 ? [init, resp] : [resp, init];
    expect(bytesToHex(writer.writeMessage(hexToBytes(m.payload))), `handshake message ${i}`).toBe(m.ciphertext);
    expect(bytesToHex(reader.readMessage(hexToBytes(m.ciphertext)))).toBe(m.payload);
  }
  expect(resp.isComplete).toBe(true);
  expect(bytesToHex(init.handshakeHash)).toBe(bytesToHex(resp.handshakeHash));
  if (v.handshake_hash) expect(bytesToHex(init.handshakeHash)).toBe(v.handshake_hash);
  const a = init.split();
  const b = resp.split();
  const empty = new Uint8Array(0);
  for (; i < v.messages.length; i++) {
    const m = v.messages[i]!;
    // One-way patterns aside, transport messages alternate too, starting where the handshake ended.
    const [send, recv] = i % 2 === 0 ? [a.send, b.receive] : [b.send, a.receive];
    expect(bytesToHex(send.encryptWithAd(empty, hexToBytes(m.payload))), `transport message ${i}`).toBe(m.ciphertext);
    expect(bytesToHex(recv.decryptWithAd(empty, hexToBytes(m.ciphertext)))).toBe(m.payload);
  }
  return i;
}

for (const crypto of [NOISE_NATIVE, NOISE_NOBLE]) {
  for (const file of files) {
    const all = load(file);
    for (const pattern of PATTERN_NAMES) {
      const name = protocolName(pattern);
      const selected = all.filter((v) => v.protocol_name === name && !(v.init_psks?.length));
      describe.skipIf(selected.length === 0)(`${name} (${file}, ${crypto.name} primitives)`, () => {
        selected.forEach((v, k) => {
          it(`vector ${k}: handshake and transport ciphertexts${v.handshake_hash ? ', handshake hash' : ''}`, () => {
            expect(run(v, pattern, crypto)).toBe(v.messages.length);
          });
        });
      });
    }
  }
}

it('the vector files hold IK and XX entries for this suite (guards against silently testing nothing)', () => {
  if (!vectorPath('noise', 'cacophony.txt')) return;
  for (const file of files) {
    for (const pattern of ['IK', 'XX'] as PatternName[]) {
      expect(load(file).filter((v) => v.protocol_name === protocolName(pattern)).length).toBeGreaterThan(0);
    }
  }
});
