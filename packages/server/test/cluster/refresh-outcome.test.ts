/**
 * A refresh whose end the coordinator did not record — it crashed between the nodes' last answer
 * and its own metadata update, or lost every answer on the way — must not strand the key: the
 * nodes hold only the new version then. The coordinator records each refresh's session before
 * the nodes hear of it and settles an open one from the nodes' own records: a certificate for
 * exactly that run moves the key on; every member lacking the new version keeps it where it was.
 */
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@mpc-wallet/core';
import { activeKey, clusterForFile, waitFor } from './local-cluster.js';

const cluster = clusterForFile();

const message = '6d6f766520302e3120425443';

async function signsWithEveryQuorum(key: { id: string; publicKey: string }): Promise<void> {
  for (const signers of [[1, 2], [1, 3], [2, 3]]) {
    const r = await cluster.call('POST', `/v1/keys/${key.id}/signatures`, { message, signers });
    expect(r.status, `signers ${signers.join(',')}: ${JSON.stringify(r.body)}`).toBe(200);
    expect(ed25519.verify(hexToBytes(r.body.signature), hexToBytes(message), hexToBytes(key.publicKey))).toBe(true);
  }
}

describe('refresh outcomes the coordinator did not record', () => {
  it('the nodes finished the run, the metadata update failed: after a restart the key is on the new version and every quorum signs', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    // The fault: the first update that would record a refresh's end fails, as a crash right
    // there would leave it (a sequence counts outside the failed transaction).
    await cluster.restartCoordinator(async (sql) => {
      await sql.query('CREATE SEQUENCE refresh_end_faults');
      await sql.query(`CREATE FUNCTION fail_first_refresh_end() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD.refresh_session IS NOT NULL AND NEW.version > OLD.version AND nextval('refresh_end_faults') = 1 THEN
            RAISE EXCEPTION 'injected fault: the refresh end is not recorded';
          END IF;
          RETURN NEW;
        END $$`);
      await sql.query('CREATE TRIGGER fail_first_refresh_end BEFORE UPDATE ON keys FOR EACH ROW EXECUTE FUNCTION fail_first_refresh_end()');
    });
    await waitFor(() => cluster.coordinator.hub.onlineNodes().length === 3, 20_000, 'nodes back');
    const refresh = await cluster.call('POST', `/v1/keys/${key.id}/refresh`);
    expect(refresh.status).toBe(500);
    // The metadata still says version 1, which no node holds any more.
    expect((await cluster.call('GET', `/v1/keys/${key.id}`)).body.version).toBe(1);

    await cluster.restartCoordinator();
    await waitFor(async () => (await cluster.call('GET', `/v1/keys/${key.id}`)).body.version === 2, 20_000, 'the refresh outcome settled');
    const now = (await cluster.call('GET', `/v1/keys/${key.id}`)).body;
    expect(now).toMatchObject({ status: 'active', publicKey: key.publicKey, version: 2 });
    await signsWithEveryQuorum(now);
    // And the key refreshes again from there.
    const again = await cluster.call('POST', `/v1/keys/${key.id}/refresh`);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.version).toBe(3);
    await signsWithEveryQuorum(again.body);
  }, 120_000);

  it('a run recorded as started that no node finished: the key stays on its version, and refreshes and signs afterwards', async () => {
    const key = await activeKey(cluster, 'eddsa-ed25519');
    // A crash right after recording the session, before any node heard of the run.
    await cluster.restartCoordinator(async (sql) => {
      await sql.query('UPDATE keys SET refresh_session = $1 WHERE id = $2', ['ee'.repeat(32), key.id]);
    });
    await waitFor(async () => {
      const listed = await cluster.call('GET', `/v1/keys/${key.id}`);
      return listed.status === 200 && (await cluster.coordinator.hub.onlineNodes()).length === 3;
    }, 20_000, 'the cluster back');
    // Settled when the nodes said hello (meanwhile a refresh is refused as retriable: the settling
    // holds the key's refresh lock); a refresh would settle it first anyway.
    let refreshed = await cluster.call('POST', `/v1/keys/${key.id}/refresh`);
    for (let i = 0; i < 100 && refreshed.status === 409 && refreshed.body.error.retriable; i++) {
      await new Promise((r) => setTimeout(r, 100));
      refreshed = await cluster.call('POST', `/v1/keys/${key.id}/refresh`);
    }
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body).toMatchObject({ version: 2, publicKey: key.publicKey });
    await signsWithEveryQuorum(refreshed.body);
  }, 120_000);
});
