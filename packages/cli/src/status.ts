/**
 * `mpc-wallet nodes` (the signer nodes) and `mpc-wallet status` (readiness, nodes, and a key's
 * pools with --key-id). `status` exits 0 when the coordinator is ready to sign, 1 when it is not.
 */
import type { Node, PoolLevels } from '@mpc-wallet/sdk';
import { type Output, parseCommand, printJson, printTable } from './api.js';

export const NODES_USAGE = `usage: mpc-wallet nodes [API]
  the signer nodes: id, name, online or offline, last seen, Noise public key`;

export const STATUS_USAGE = `usage: mpc-wallet status [--key-id ID] [API]
  readiness (exit 0 ready, 1 not ready), the nodes, and with --key-id how full the key's pools are`;

const nodeRows = (nodes: Node[]) => nodes.map((n) => [String(n.id), n.name, n.status, n.lastSeen ?? 'never', n.noisePublicKey]);

export async function nodes(args: string[], stdout: Output): Promise<number> {
  const cmd = parseCommand(args, {});
  const list = await (await cmd.client()).nodes.list();
  if (cmd.json) printJson(stdout, list);
  else printTable(stdout, ['ID', 'NAME', 'STATUS', 'LAST SEEN', 'NOISE PUBLIC KEY'], nodeRows(list));
  return 0;
}

export async function status(args: string[], stdout: Output): Promise<number> {
  const cmd = parseCommand(args, { strings: ['key-id'] });
  const client = await cmd.client();
  const keyId = cmd.option('key-id');
  const [ready, list, pools] = await Promise.all([client.ready(), client.nodes.list(), keyId !== undefined ? client.keys.pools(keyId) : undefined]);
  const code = ready.status === 'ready' ? 0 : 1;
  if (cmd.json) {
    printJson(stdout, { ...ready, nodes: list, ...(pools ? { pools } : {}) });
    return code;
  }
  stdout.write(`coordinator ${cmd.url}: ${ready.status}, ${ready.nodesOnline} of ${list.length} nodes online\n\n`);
  printTable(stdout, ['ID', 'NAME', 'STATUS', 'LAST SEEN'], nodeRows(list).map((r) => r.slice(0, 4)));
  if (pools) printPools(stdout, pools);
  return code;
}

function printPools(out: Output, p: PoolLevels): void {
  out.write(`\npools of key ${p.keyId} (version ${p.version})${p.enabled ? '' : ': pools are off on this coordinator'}\n`);
  if ('nonces' in p) printTable(out, ['NODE', 'NONCES', 'DEPTH'], p.nonces.map((n) => [String(n.node), String(n.size), String(n.depth)]));
  if ('presignatures' in p) printTable(out, ['SIGNERS', 'PRESIGNATURES', 'DEPTH'], p.presignatures.map((n) => [n.signers.join(','), String(n.size), String(n.depth)]));
}
