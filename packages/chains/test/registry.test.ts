/**
 * The registry: every module states a consistent ChainInfo (unique id, formats, a scheme for each
 * format), `formatFor` picks the format a key's scheme needs, and every chain id has a module test
 * that names it (the oracle tests live beside each module).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChainInputError } from '../src/errors.js';
import { chainModule, formatFor, formatScheme, listChains } from '../src/registry.js';

const SCHEMES = ['ecdsa-secp256k1', 'schnorr-bip340', 'eddsa-ed25519'];
const testSources = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.test.ts') && f !== 'registry.test.ts')
  .map((f) => readFileSync(new URL(f, import.meta.url), 'utf8'))
  .join('\n');

describe('chain registry', () => {
  it('lists at least 12 chains, each with a unique id, a name, formats and a known scheme per format', () => {
    const list = listChains();
    expect(list.length).toBeGreaterThanOrEqual(12);
    expect(new Set(list.map((c) => c.id)).size).toBe(list.length);
    for (const c of list) {
      expect(c.id).toMatch(/^[a-z0-9-]{1,64}$/);
      expect(c.name.length).toBeGreaterThan(0);
      expect(c.formats.length).toBeGreaterThan(0);
      const { info } = chainModule(c.id);
      for (const f of Object.keys(info.formatSchemes ?? {})) expect(c.formats).toContain(f);
      for (const f of c.formats) expect(SCHEMES).toContain(formatScheme(info, f));
      expect(formatScheme(info, c.formats[0]!)).toBe(c.scheme);
    }
  });

  it('every chain id is exercised by a module test (its oracle test)', () => {
    const untested = listChains().filter((c) => !testSources.includes(`'${c.id}'`) && !testSources.includes(`"${c.id}"`) && !new RegExp(`\\b${c.id.replace(/-(.)/g, (_, ch: string) => ch.toUpperCase())}\\b`).test(testSources));
    expect(untested.map((c) => c.id)).toEqual([]);
  });

  it('picks the format of the key’s scheme, and refuses a format of another scheme or an unknown chain', () => {
    const bitcoin = chainModule('bitcoin').info;
    expect(formatFor(bitcoin, 'ecdsa-secp256k1')).toBe('p2wpkh');
    expect(formatFor(bitcoin, 'schnorr-bip340')).toBe('p2tr');
    expect(() => formatFor(bitcoin, 'eddsa-ed25519')).toThrow(/no address format for eddsa-ed25519/);
    expect(() => formatFor(bitcoin, 'ecdsa-secp256k1', 'p2tr')).toThrow(/belong to schnorr-bip340 keys/);
    expect(formatFor(chainModule('cosmos').info, 'ecdsa-secp256k1', 'bech32:osmo')).toBe('bech32:osmo');
    expect(() => chainModule('nope')).toThrow(ChainInputError);
    expect(() => chainModule('__proto__')).toThrow(ChainInputError);
  });
});
