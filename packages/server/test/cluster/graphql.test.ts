/**
 * GraphQL against a real cluster: a FROST key made and used through /graphql (its signatures
 * verified with noble), the same records as REST answers them, lists with their pages, the
 * scopes of an API key refused per field, and the refusals before execution (401, a malformed
 * document, one past the depth limit).
 */
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@mpc-wallet/core';
import { clusterForFile, waitFor } from './local-cluster.js';
import { type Reply, apiClient } from './http.js';

const cluster = clusterForFile();

/** Posts a GraphQL document with `token` (the cluster's admin key by default). */
function graphql(query: string, variables?: Record<string, unknown>, token?: string): Promise<Reply> {
  return apiClient(() => cluster.url, token ?? cluster.apiKey)('POST', '/graphql', { query, ...(variables ? { variables } : {}) });
}

/** The data of an answer that must hold no error. */
async function data(query: string, variables?: Record<string, unknown>, token?: string) {
  const r = await graphql(query, variables, token);
  expect([r.status, r.body.errors], query).toEqual([200, undefined]);
  return r.body.data;
}

const KEY_FIELDS = 'id scheme threshold parties committee publicKey status label version chainCode xpub failure createdAt updatedAt';
const SIGNATURE_FIELDS = 'id keyId signature recoveryId digest publicKey path signers pooled presignature';

/** Makes a key through GraphQL and waits until it is active. */
async function graphqlKey(scheme: string, label: string) {
  const { createKey } = await data(`mutation ($scheme: String!, $label: String) { createKey(scheme: $scheme, threshold: 2, parties: 3, label: $label) { ${KEY_FIELDS} } }`, { scheme, label });
  expect(createKey).toMatchObject({ scheme, threshold: 2, parties: 3, label });
  await waitFor(async () => (await data('query ($id: ID!) { key(id: $id) { status } }', { id: createKey.id })).key.status !== 'pending', 60_000, `key ${createKey.id}`);
  return (await data(`query ($id: ID!) { key(id: $id) { ${KEY_FIELDS} } }`, { id: createKey.id })).key;
}

const hex = (text: string) => bytesToHex(new TextEncoder().encode(text));

/** What GraphQL answers for a field REST omits when absent: null. */
const withNulls = (fields: string, record: Record<string, unknown>) => Object.fromEntries(fields.split(' ').map((f) => [f, record[f] ?? null]));

describe('cluster: GraphQL', () => {
  it('makes a FROST key, signs with it, refreshes it and signs a batch, each signature verified with noble; the idempotency key replays', async () => {
    const key = await graphqlKey('eddsa-ed25519', 'graphql treasury');
    expect(key.status).toBe('active');
    // The same record as REST shows it.
    const rest = await cluster.call('GET', `/v1/keys/${key.id}`);
    expect(key).toEqual(withNulls(KEY_FIELDS, rest.body));

    const message = hex('graphql: pay 3 to frank');
    const signMutation = `mutation ($keyId: ID!, $message: String, $idem: String) { sign(keyId: $keyId, message: $message, idempotencyKey: $idem) { ${SIGNATURE_FIELDS} } }`;
    const { sign } = await data(signMutation, { keyId: key.id, message, idem: 'graphql-1' });
    expect(sign).toMatchObject({ keyId: key.id, publicKey: key.publicKey, recoveryId: null, digest: null });
    expect(sign.signers).toHaveLength(2);
    expect(ed25519.verify(hexToBytes(sign.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
    // The same idempotency key and body: the first answer; another body: a conflict, with the API's code.
    expect((await data(signMutation, { keyId: key.id, message, idem: 'graphql-1' })).sign).toEqual(sign);
    const conflict = await graphql(signMutation, { keyId: key.id, message: hex('another'), idem: 'graphql-1' });
    expect([conflict.status, conflict.body.data, conflict.body.errors[0].extensions]).toEqual([200, { sign: null }, { code: 'IDEMPOTENCY_CONFLICT', retriable: false }]);

    // The request as recorded, through GraphQL and REST alike.
    const { signature } = await data('query ($id: ID!) { signature(id: $id) { id keyId status result createdAt updatedAt } }', { id: sign.id });
    expect(signature).toEqual((await cluster.call('GET', `/v1/signatures/${sign.id}`)).body);
    expect(signature.result).toMatchObject({ signature: sign.signature, signers: sign.signers });

    // A refresh keeps the public key and bumps the version; its audit entry names the caller.
    const { refreshKey } = await data('mutation ($id: ID!) { refreshKey(id: $id) { publicKey version } }', { id: key.id });
    expect(refreshKey).toEqual({ publicKey: key.publicKey, version: key.version + 1 });
    const entries = (await cluster.call('GET', '/v1/audit?limit=1000')).body.entries as { action: string; actor: string; subject: string }[];
    expect(entries.find((e) => e.action === 'key.refreshed' && e.subject === key.id)?.actor).toMatch(/^api-key:[0-9a-f]{12}$/);

    const messages = ['one', 'two', 'three'].map(hex);
    const { signBatch } = await data(`mutation ($keyId: ID!, $messages: [String!]) { signBatch(keyId: $keyId, messages: $messages) { signature { ${SIGNATURE_FIELDS} } error { code message } } }`, { keyId: key.id, messages });
    expect(signBatch).toHaveLength(3);
    signBatch.forEach((item: { signature: { signature: string }; error: null }, i: number) => {
      expect(item.error).toBeNull();
      expect(ed25519.verify(hexToBytes(item.signature.signature), hexToBytes(messages[i]!), hexToBytes(key.publicKey))).toBe(true);
    });
  }, 120_000);

  it('lists keys, signature requests, nodes and audit entries page by page, and verifies the audit log', async () => {
    const key = await graphqlKey('schnorr-bip340', 'graphql lists');
    const message = hex('graphql: lists');
    const { sign } = await data(`mutation ($keyId: ID!, $message: String) { sign(keyId: $keyId, message: $message) { signature } }`, { keyId: key.id, message });
    expect(schnorr.verify(hexToBytes(sign.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
    await data('mutation ($keyId: ID!, $message: String) { sign(keyId: $keyId, message: $message) { id } }', { keyId: key.id, message: hex('graphql: second') });

    // Keys a page of one at a time, following `next`, until the last page: every key once, as REST lists them.
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: { keys: { id: string }[]; next: string | null } = (await data('query ($after: ID) { keys(limit: 1, after: $after) { keys { id } next } }', { after })).keys;
      seen.push(...page.keys.map((k) => k.id));
      after = page.next;
    } while (after);
    expect(seen).toEqual((await cluster.call('GET', '/v1/keys')).body.keys.map((k: { id: string }) => k.id));
    expect(seen).toContain(key.id);

    // The key's two completed requests, newest first, one per page.
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { signatures: { id: string; keyId: string; status: string }[]; next: string | null } = (
        await data('query ($keyId: ID, $cursor: String) { signatures(keyId: $keyId, status: completed, cursor: $cursor, limit: 1) { signatures { id keyId status } next } }', { keyId: key.id, cursor })
      ).signatures;
      expect(page.signatures.every((s) => s.keyId === key.id && s.status === 'completed')).toBe(true);
      pages.push(...page.signatures.map((s) => s.id));
      cursor = page.next;
    } while (cursor);
    const rest = await cluster.call('GET', `/v1/signatures?keyId=${key.id}&status=completed`);
    expect(pages).toEqual(rest.body.signatures.map((s: { id: string }) => s.id));
    expect(pages).toHaveLength(2);

    const { nodes } = await data('{ nodes { id name status noisePublicKey lastSeen } }');
    expect(nodes).toEqual((await cluster.call('GET', '/v1/nodes')).body);
    expect(nodes.map((n: { status: string }) => n.status)).toEqual(['online', 'online', 'online']);

    const first = (await data('{ auditEntries(limit: 2) { entries { seq at action actor subject details prevHash hash } next } }')).auditEntries;
    expect(first.entries).toEqual((await cluster.call('GET', '/v1/audit?limit=2')).body.entries);
    const second = (await data('query ($after: UInt53) { auditEntries(after: $after, limit: 2) { entries { seq prevHash } } }', { after: first.next })).auditEntries;
    expect(second.entries[0]).toEqual({ seq: first.next + 1, prevHash: first.entries[1].hash });
    // The key's creation by this caller is in the log.
    const all = (await data('{ auditEntries(limit: 1000) { entries { action subject } } }')).auditEntries.entries;
    expect(all).toContainEqual({ action: 'key.requested', subject: key.id });
    const { auditVerification } = await data('{ auditVerification { ok entries checkpoints firstBroken { seq reason } } }');
    expect(auditVerification).toMatchObject({ ok: true, firstBroken: null });
    expect(auditVerification.entries).toBeGreaterThanOrEqual(all.length);
  }, 120_000);

  it('an API key of one scope gets the fields of that scope; every other field is refused with FORBIDDEN and no data', async () => {
    const keyId = (await data('{ keys(limit: 1) { keys { id } } }')).keys.keys[0].id;
    const tokens: Record<string, string> = {};
    for (const scope of ['keys:read', 'sign', 'audit:read']) {
      const made = await cluster.call('POST', '/v1/api-keys', { name: `graphql ${scope}`, scopes: [scope] });
      expect(made.status).toBe(201);
      tokens[scope] = made.body.token;
    }
    const query = `{ key(id: "${keyId}") { id publicKey } auditEntries(limit: 1) { entries { seq } } nodes { id } }`;
    const fieldsOf = async (token: string) => {
      const r = await graphql(query, undefined, token);
      expect(r.status).toBe(200);
      const refused = (r.body.errors ?? []).map((e: { path: string[]; extensions: { code: string } }) => `${e.path[0]} ${e.extensions.code}`);
      return { data: r.body.data, refused };
    };
    const reader = await fieldsOf(tokens['keys:read']!);
    expect(reader.data).toMatchObject({ key: { id: keyId }, auditEntries: null, nodes: expect.any(Array) });
    expect(reader.refused).toEqual(['auditEntries FORBIDDEN']);
    const auditor = await fieldsOf(tokens['audit:read']!);
    expect(auditor.data).toMatchObject({ key: null, auditEntries: { entries: [expect.anything()] }, nodes: null });
    expect(auditor.refused.sort()).toEqual(['key FORBIDDEN', 'nodes FORBIDDEN']);

    // A signer signs but reads nothing; nothing but signing is done for it.
    const message = hex('graphql: scoped signer');
    const signer = await graphql(`mutation { sign(keyId: "${keyId}", message: "${message}") { signature } createKey(scheme: "eddsa-ed25519", threshold: 2, parties: 3) { id } }`, undefined, tokens.sign);
    expect(signer.body.data).toEqual({ sign: { signature: expect.stringMatching(/^[0-9a-f]{128}$/) }, createKey: null });
    expect(signer.body.errors.map((e: { path: string[]; extensions: { code: string } }) => `${e.path[0]} ${e.extensions.code}`)).toEqual(['createKey FORBIDDEN']);
    const read = await graphql(`{ key(id: "${keyId}") { publicKey } }`, undefined, tokens.sign);
    expect([read.body.data, read.body.errors[0].extensions.code]).toEqual([{ key: null }, 'FORBIDDEN']);
    expect(JSON.stringify(read.body)).not.toContain('publicKey"');
  }, 120_000);

  it('refuses before execution: no key (401), a malformed document, one too deep (400)', async () => {
    const anonymous = await fetch(`${cluster.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ nodes { id } }' }) });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errors: { extensions: unknown }[] }).errors[0]!.extensions).toEqual({ code: 'UNAUTHORIZED', retriable: false });
    const wrongKey = await graphql('{ nodes { id } }', undefined, 'mpcw_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect([wrongKey.status, wrongKey.body.errors[0].extensions.code]).toEqual([401, 'UNAUTHORIZED']);

    const malformed = await graphql('{ nodes { id }');
    expect([malformed.status, malformed.body.errors[0].extensions.code, malformed.body.errors[0].locations]).toEqual([400, 'QUERY_INVALID', [{ line: 1, column: 15 }]]);
    const deep = await graphql(`{ __type(name: "Key") { ${'ofType { '.repeat(15)}name${' }'.repeat(15)} } }`);
    expect([deep.status, deep.body.errors[0].extensions.code, deep.body.errors[0].message]).toEqual([400, 'QUERY_TOO_COMPLEX', 'the query is 17 fields deep; at most 15']);
  });
});
