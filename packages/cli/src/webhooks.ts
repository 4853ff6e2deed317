/**
 * `mpc-wallet webhooks create|list|delete|deliveries|replay`: webhook subscriptions through the
 * API (an admin key). `create` prints the signing secret once: it is not shown again.
 */
import type { Delivery, DeliveryStatus, Webhook } from '@mpc-wallet/sdk';
import { ApiUsageError, type Output, parseCommand, positiveInt, printJson, printTable } from './api.js';

export const WEBHOOKS_USAGE = `usage: mpc-wallet webhooks create --target URL [--types signature.*,key.failed] [--description TEXT] [API]
       mpc-wallet webhooks list [API]
       mpc-wallet webhooks delete <webhook-id> [API]
       mpc-wallet webhooks deliveries <webhook-id> [--status pending|delivered|failed] [--limit N] [API]
       mpc-wallet webhooks replay <webhook-id> <delivery-id> [API]
  create prints the secret (whsec_…) once: the receiver checks each delivery's signature with it
  (Standard Webhooks; @mpc-wallet/sdk's verifyWebhook). Needs an admin key.`;

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];
const webhookRow = (w: Webhook) => [w.id, w.url, w.types.length ? w.types.join(',') : '*', w.createdAt, w.description ?? ''];
const deliveryRow = (d: Delivery) => [d.id, String(d.eventSeq), d.eventType, d.status, String(d.attempts), d.lastStatus !== undefined ? String(d.lastStatus) : '', d.nextAttemptAt ?? '', d.lastError ?? ''];

export async function webhooks(args: string[], stdout: Output): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const cmd = parseCommand(rest, { strings: ['target', 'types', 'description'] });
    const target = cmd.option('target');
    if (!target || !/^https?:\/\/\S+$/.test(target)) throw new ApiUsageError('--target must be the http(s) URL deliveries go to');
    const types = cmd.option('types')?.split(',').map((t) => t.trim());
    const description = cmd.option('description');
    const created = await (await cmd.client()).webhooks.create({ url: target, ...(types ? { types } : {}), ...(description !== undefined ? { description } : {}) });
    if (cmd.json) printJson(stdout, created);
    else {
      printTable(stdout, ['ID', 'URL', 'TYPES', 'CREATED', 'DESCRIPTION'], [webhookRow(created)]);
      stdout.write(`secret (shown once, give it to the receiver now): ${created.secret}\n`);
    }
    return 0;
  }
  if (sub === 'list') {
    const cmd = parseCommand(rest, {});
    const list = await (await cmd.client()).webhooks.list();
    if (cmd.json) printJson(stdout, list);
    else printTable(stdout, ['ID', 'URL', 'TYPES', 'CREATED', 'DESCRIPTION'], list.map(webhookRow));
    return 0;
  }
  if (sub === 'delete') {
    const cmd = parseCommand(rest, { positionals: ['webhook-id'] });
    const deleted = await (await cmd.client()).webhooks.delete(cmd.arg('webhook-id')!);
    if (cmd.json) printJson(stdout, deleted);
    else stdout.write(`webhook ${deleted.id} deleted (${deleted.url})\n`);
    return 0;
  }
  if (sub === 'deliveries') {
    const cmd = parseCommand(rest, { strings: ['status', 'limit'], positionals: ['webhook-id'] });
    const status = cmd.option('status');
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new ApiUsageError(`--status must be one of ${STATUSES.join(', ')}`);
    const limit = positiveInt(cmd.option('limit'), 'limit');
    const listed: Delivery[] = [];
    for await (const d of (await cmd.client()).webhooks.allDeliveries(cmd.arg('webhook-id')!, { ...(status ? { status: status as DeliveryStatus } : {}), limit: Math.min(limit ?? 100, 100) })) {
      listed.push(d);
      if (listed.length === limit) break;
    }
    if (cmd.json) printJson(stdout, listed);
    else printTable(stdout, ['ID', 'SEQ', 'TYPE', 'STATUS', 'ATTEMPTS', 'LAST HTTP', 'NEXT ATTEMPT', 'LAST ERROR'], listed.map(deliveryRow));
    return 0;
  }
  if (sub === 'replay') {
    const cmd = parseCommand(rest, { positionals: ['webhook-id', 'delivery-id'] });
    const delivery = await (await cmd.client()).webhooks.replay(cmd.arg('webhook-id')!, cmd.arg('delivery-id')!);
    if (cmd.json) printJson(stdout, delivery);
    else printTable(stdout, ['ID', 'SEQ', 'TYPE', 'STATUS', 'ATTEMPTS', 'LAST HTTP', 'NEXT ATTEMPT', 'LAST ERROR'], [deliveryRow(delivery)]);
    return 0;
  }
  throw new ApiUsageError(`unknown webhooks command "${sub ?? ''}" (expected: create, list, delete, deliveries, replay)`);
}
