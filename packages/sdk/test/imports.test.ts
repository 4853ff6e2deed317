/** DESIGN §3: the SDK imports nothing server-side: only its own modules, Node built-ins and ws. */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

describe('SDK imports', () => {
  it('every source file imports only ./ modules, node: built-ins and ws', async () => {
    const files = (await readdir(src)).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = await readFile(join(src, file), 'utf8');
      const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
      for (const s of specifiers) expect(s.startsWith('./') || s.startsWith('node:') || s === 'ws', `${file} imports ${s}`).toBe(true);
    }
  });
});
