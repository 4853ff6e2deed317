// npm run mutation — StrykerJS over the code whose checks guard keys and signatures: the
// proofs, the protocol engine, point decoding and the DKG dealing. Not part of `npm test` or CI:
// a full run takes hours on two cores. Narrow it with `--mutate <file>` and, for the tests,
// MUTATION_TESTS (see vitest.mutation.config.ts).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  // Static mutants (module-level code, evaluated once at import) are not re-evaluated between
  // mutants by the vitest runner here: they ran no test or the unmutated module, and showed up
  // as false survivors (e.g. an emptied challenge function). Left out; listed as "ignored".
  ignoreStatic: true,
  mutate: [
    'packages/core/src/proofs/**/*.ts',
    'packages/core/src/engine/**/*.ts',
    'packages/core/src/math/curve.ts',
    'packages/core/src/protocols/dkg/dealing.ts',
  ],
  // Type-checking mutants would need a tsc run each; vitest strips types, so a mutant that does
  // not type-check still runs (and is usually killed).
  checkers: [],
  concurrency: 1,
  timeoutMS: 60_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['bench', 'docs', 'reports', 'packages/*/dist', '**/*.tsbuildinfo'],
};
