import type { Config } from 'jest';

/**
 * One jest run for the whole monorepo. Tests import sibling packages from source (no build needed)
 * and are transpiled without type checking: `npm run typecheck` does that once for everything.
 */
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  moduleNameMapper: {
    '^@localcloud/([^/]+)$': '<rootDir>/packages/$1/src',
    // Test support shared between packages, never part of a build.
    '^@localcloud/([^/]+)/testing$': '<rootDir>/packages/$1/src/testing',
  },
  // Suites that run real containers need more than jest's default 5 s.
  testTimeout: 60_000,
  globalSetup: '<rootDir>/scripts/jest-global-setup.js',
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
};

export default config;
