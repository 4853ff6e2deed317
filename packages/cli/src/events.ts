/**
 * `mpc-wallet events`: follows the coordinator's event stream (a line per event, or a JSON object
 * per line with --json), reconnecting and resuming by itself; ends on Ctrl-C, after --count
 * events, or with --once after the stored events.
 */
import { EVENT_TYPES, PROGRESS_TYPES, type StreamEvent, isProgress } from '@mpc-wallet/sdk';
import { ApiUsageError, type Output, parseCommand, positiveInt, printJson, seqOption } from './api.js';

export const EVENTS_USAGE = `usage: mpc-wallet events [--after SEQ] [--types signature.*,key.completed] [--count N] [--once] [API]
  follows the stream: events with seq > SEQ first (stored ones), then new ones as they happen;
  without --after, only new ones. --count N exits after N events; --once prints the stored events
  after SEQ and exits. A dropped connection is reopened where it left off (told on stderr).
  types: ${EVENT_TYPES.join(', ')},
  ${PROGRESS_TYPES.join(', ')} (live only, no seq; not with --once), or a family such as signature.*`;

// Progress reports have no seq: a dash in its column.
const line = (e: StreamEvent) => `${(isProgress(e) ? '-' : String(e.seq)).padStart(6)}  ${e.at}  ${e.type.padEnd(20)} ${e.subject}  ${JSON.stringify(e.data)}\n`;

export async function events(args: string[], stdout: Output, stderr: Output): Promise<number> {
  const cmd = parseCommand(args, { strings: ['after', 'types', 'count'], booleans: ['once'] });
  const after = seqOption(cmd.option('after'), 'after');
  const count = positiveInt(cmd.option('count'), 'count');
  const typesOption = cmd.option('types');
  const types = typesOption?.split(',').map((t) => t.trim());
  if (types?.some((t) => !/^[a-z-]+(\.[a-z*-]+)?$/.test(t))) throw new ApiUsageError('--types: comma-separated event types such as signature.completed or families such as key.*');
  if (cmd.flag('once') && count !== undefined) throw new ApiUsageError('--count is for following; --once prints what is stored');
  const print = (e: StreamEvent) => (cmd.json ? printJson(stdout, e) : stdout.write(line(e)));
  const client = await cmd.client();
  const query = { ...(after !== undefined ? { after } : {}), ...(types ? { types } : {}) };

  if (cmd.flag('once')) {
    for await (const e of client.events.all({ after: after ?? 0, ...(types ? { types } : {}) })) print(e);
    return 0;
  }

  let seen = 0;
  const sub = client.events.subscribe({
    ...query,
    onEvent: (e) => {
      print(e);
      if (++seen === count) sub.close();
    },
    onError: (e) => {
      if (e.retriable) stderr.write(`mpc-wallet: events: ${e.code}: ${e.message}; reconnecting after seq ${sub.lastSeq ?? '(none yet)'}\n`);
    },
  });
  // Ctrl-C ends the stream as a normal exit (it is how one stops following).
  const stop = () => sub.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await sub.closed;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
  return 0;
}
