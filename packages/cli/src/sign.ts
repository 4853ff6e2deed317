/**
 * `mpc-wallet sign`: one signature by a key through the API. The message is hex (an argument or
 * `--message`), text (`--text`, sent as its UTF-8 bytes), or for ECDSA a raw 32-byte `--digest`.
 * Every request carries an idempotency key (`--idempotency-key`, or a new one): running the same
 * command again with the same key returns the first signature instead of signing twice.
 */
import { ECDSA_HASHES, type EcdsaHash, type SignRequest } from '@mpc-wallet/sdk';
import { ApiUsageError, type Output, parseCommand, printJson } from './api.js';

export const SIGN_USAGE = `usage: mpc-wallet sign --key-id ID (<message-hex> | --message HEX | --text TEXT | --digest HEX32)
         [--hash <${ECDSA_HASHES.join('|')}>] [--signers 1,3] [--path m/0/1] [--idempotency-key K] [API]
  ECDSA keys need --hash with a message (the nodes hash it) or a raw 32-byte --digest;
  Schnorr and EdDSA keys sign the message itself. Prints the signature (--json: the whole answer).`;

export async function sign(args: string[], stdout: Output): Promise<number> {
  const cmd = parseCommand(args, { strings: ['key-id', 'message', 'text', 'digest', 'hash', 'signers', 'path', 'idempotency-key'], positionals: ['message-hex?'] });
  const keyId = cmd.option('key-id');
  if (!keyId) throw new ApiUsageError('--key-id is required');
  const given = [cmd.arg('message-hex'), cmd.option('message'), cmd.option('text'), cmd.option('digest')].filter((v) => v !== undefined);
  if (given.length !== 1) throw new ApiUsageError('give exactly one of <message-hex>, --message, --text, --digest');
  const request: SignRequest = {};
  const hexMessage = cmd.arg('message-hex') ?? cmd.option('message');
  const text = cmd.option('text');
  const digest = cmd.option('digest');
  if (hexMessage !== undefined) request.message = hex(hexMessage, 'the message');
  if (text !== undefined) request.message = Buffer.from(text, 'utf8').toString('hex');
  if (digest !== undefined) {
    request.digest = hex(digest, '--digest');
    if (request.digest.length !== 64) throw new ApiUsageError('--digest must be 32 bytes (64 hex digits)');
  }
  const hash = cmd.option('hash');
  if (hash !== undefined) {
    if (!(ECDSA_HASHES as readonly string[]).includes(hash)) throw new ApiUsageError(`--hash must be one of ${ECDSA_HASHES.join(', ')}`);
    if (digest !== undefined) throw new ApiUsageError('--hash applies to a message; a --digest is already hashed');
    request.hash = hash as EcdsaHash;
  }
  const signers = cmd.option('signers');
  if (signers !== undefined) request.signers = parseSigners(signers);
  const path = cmd.option('path');
  if (path !== undefined) {
    if (!/^m(\/[0-9]{1,10})*$/.test(path)) throw new ApiUsageError('--path must be a non-hardened path such as m/0/1');
    request.path = path;
  }
  const idempotencyKey = cmd.option('idempotency-key');
  if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 200)) throw new ApiUsageError('--idempotency-key must be 1 to 200 characters');
  const signed = await (await cmd.client()).keys.sign(keyId, request, idempotencyKey !== undefined ? { idempotencyKey } : {});
  if (cmd.json) printJson(stdout, signed);
  else {
    stdout.write(`signature:  ${signed.signature}\n`);
    if (signed.recoveryId !== undefined) stdout.write(`recovery:   ${signed.recoveryId}\n`);
    if (signed.digest !== undefined) stdout.write(`digest:     ${signed.digest}\n`);
    stdout.write(`public key: ${signed.publicKey}\nsigners:    ${signed.signers.join(',')}\nrequest:    ${signed.id}\n`);
  }
  return 0;
}

function hex(value: string, what: string): string {
  const bare = value.replace(/^0x/, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(bare)) throw new ApiUsageError(`${what} must be hex (an even number of digits)`);
  return bare.toLowerCase();
}

function parseSigners(value: string): number[] {
  const ids = value.split(',').map((s) => {
    if (!/^[0-9]{1,5}$/.test(s.trim()) || Number(s) < 1) throw new ApiUsageError(`--signers: "${s}" is not a node id`);
    return Number(s);
  });
  if (new Set(ids).size !== ids.length) throw new ApiUsageError('--signers names a node twice');
  return ids;
}
