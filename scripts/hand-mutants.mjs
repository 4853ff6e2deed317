#!/usr/bin/env node
// Hand mutation testing: applies each mutant of a list in turn (one exact text replacement in one
// source file), runs the tests that target it with `vitest run --bail=1`, restores the file and
// reports which mutants survived. Used to review the proofs' checks one by one (issue 13), where
// StrykerJS's vitest runner reported false survivors.
//
//   node scripts/hand-mutants.mjs scripts/mutants/proofs.mjs [id-substring ...]
//
// A list module exports `mutants`: [{ id, file, find, replace, tests }], paths from the repo
// root. `find` must occur exactly once in `file` (so that a stale list fails loudly instead of
// testing nothing). One vitest process at a time: the machine is shared.
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const [listPath, ...filters] = process.argv.slice(2);
if (!listPath) {
  console.error('usage: node scripts/hand-mutants.mjs <list.mjs> [id-substring ...]');
  process.exit(2);
}
const { mutants } = await import(pathToFileURL(resolve(listPath)).href);
const selected = mutants.filter((m) => filters.length === 0 || filters.some((f) => m.id.includes(f)));

/** Runs the tests in their own process group; asynchronous so that a signal can restore the mutated file mid-run. */
function runTests(tests) {
  return new Promise((done) => {
    const child = spawn('npx', ['vitest', 'run', '--bail=1', ...tests], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running = child;
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (status) => done({ status, output: stripVTControlCharacters(output) }));
  });
}

let restore = null;
let running = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    restore?.();
    if (running?.exitCode === null) process.kill(-running.pid, 'SIGKILL'); // the vitest process group
    process.exit(130);
  });
}

const say = (line) => process.stdout.write(line + '\n');
const survivors = [];
for (const m of selected) {
  const original = readFileSync(m.file, 'utf8');
  const occurrences = original.split(m.find).length - 1;
  if (occurrences !== 1) {
    say(`STALE     ${m.id}: the text occurs ${occurrences} times in ${m.file}`);
    survivors.push(`${m.id} (stale)`);
    continue;
  }
  restore = () => writeFileSync(m.file, original);
  writeFileSync(m.file, original.replace(m.find, () => m.replace));
  const run = await runTests(m.tests);
  restore();
  restore = null;
  const failing = [...run.output.matchAll(/^\s*FAIL\s+(.+)$/gmu)].map((x) => x[1].trim());
  if (run.status === 0) {
    say(`SURVIVED  ${m.id}`);
    survivors.push(m.id);
  } else {
    say(`killed    ${m.id}: ${failing[0] ?? `exit ${run.status}`}`);
  }
}
say(`\n${selected.length - survivors.length}/${selected.length} killed; survivors: ${survivors.join(', ') || 'none'}`);
