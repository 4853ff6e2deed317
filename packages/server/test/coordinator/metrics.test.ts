import { describe, expect, it } from 'vitest';
import { ABORT_CODES } from '@mpc-wallet/core';
import { ApiError } from '../../src/errors.js';
import { Metrics, abortCodeOf } from '../../src/coordinator/metrics.js';
import type { AuditLog } from '../../src/coordinator/audit.js';
import type { NodeHub } from '../../src/coordinator/node-hub.js';

function metrics(): Metrics {
  const hub = { status: () => [] } as unknown as NodeHub;
  const audit = { lastSeq: () => 0 } as unknown as AuditLog;
  return new Metrics({ hub, pools: undefined, audit });
}

describe('coordinator metrics', () => {
  it('finds the abort code an aborted protocol names, and none in other messages', () => {
    expect(abortCodeOf('node 2: bad-signature-share: signature share does not verify (blame: 2)')).toBe('bad-signature-share');
    expect(abortCodeOf('node 1: PROTOCOL_ABORTED; node 3: sign-disagreement: the binding differs')).toBe('sign-disagreement');
    expect(abortCodeOf('node 1: timed out')).toBe('none');
    // Words that merely resemble a code are not one.
    expect(abortCodeOf('bad-signature-shares')).toBe('none');
    for (const code of Object.keys(ABORT_CODES)) expect(abortCodeOf(`x: ${code}: y`)).toBe(code);
  });

  it('counts a failure by error code and abort code, beside its latency', async () => {
    const m = metrics();
    m.signature('eddsa-ed25519', 'failed', false, 0.02, new ApiError('PROTOCOL_ABORTED', 'bad-signature-share: wrong (blame: 3)', { culprits: [3] }));
    m.signature('eddsa-ed25519', 'failed', false, 0.03, new ApiError('NODES_UNAVAILABLE', 'node 2: sign-disagreement-looking text'));
    m.signature('eddsa-ed25519', 'completed', true, 0.012);
    const { body } = await m.expose();
    expect(body).toContain('mpc_wallet_signature_failures_total{scheme="eddsa-ed25519",code="PROTOCOL_ABORTED",abort="bad-signature-share"} 1');
    // Only an aborted protocol's message is searched for an abort code.
    expect(body).toContain('mpc_wallet_signature_failures_total{scheme="eddsa-ed25519",code="NODES_UNAVAILABLE",abort="none"} 1');
    expect(body).toContain('mpc_wallet_signature_duration_seconds_count{scheme="eddsa-ed25519",outcome="failed",pooled="false"} 2');
    expect(body).toContain('mpc_wallet_signature_duration_seconds_bucket{le="0.025",scheme="eddsa-ed25519",outcome="completed",pooled="true"} 1');
    expect(body).toContain('mpc_wallet_pool_items{kind="nonces"} 0');
  });

  it('keeps a registry per instance (two coordinators in one process do not share counts)', async () => {
    const a = metrics();
    const b = metrics();
    a.signature('schnorr-bip340', 'completed', true, 0.01);
    expect((await a.expose()).body).toContain('mpc_wallet_signature_duration_seconds_count{scheme="schnorr-bip340",outcome="completed",pooled="true"} 1');
    expect((await b.expose()).body).not.toContain('scheme="schnorr-bip340"');
  });
});
