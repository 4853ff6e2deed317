import { defineConfig } from 'vitest/config';

// The tests StrykerJS runs against each mutant: the core's own (the server and CLI tests go
// through the built dist/, which mutants never reach). MUTATION_TESTS narrows them, as a
// comma-separated list of globs, for a run over one file with the tests that target it.
const narrowed = process.env.MUTATION_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  test: {
    include: narrowed?.length ? narrowed : ['packages/core/test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
