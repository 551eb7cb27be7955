// Jest: ts-jest without type-checking (tsc --noEmit runs once in npm test); DynamoDB Local started once per run.
const TS_JEST = {
  isolatedModules: true,
  diagnostics: false,
  tsconfig: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' },
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // The handler entry files: the same ts-jest, then their exports handed to the grant recorder.
    '/lambda/handlers/[^/]+\\.ts$': ['<rootDir>/test/support/handler-transform.cjs', TS_JEST],
    '^.+\\.ts$': ['ts-jest', TS_JEST],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/env.ts'],
  // Records each handler's AWS calls and checks them against its grants (lib/handler-specs.ts).
  setupFilesAfterEnv: ['<rootDir>/test/support/grant-recorder.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
