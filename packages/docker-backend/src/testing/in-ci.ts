/**
 * Whether the tests run in CI, where a missing prerequisite (a Docker engine, an emulator) fails a suite
 * instead of skipping it. CI systems set `CI=true` (.ci/run, GitHub Actions, GitLab) or `CI=1`: any value
 * but empty, `0` or `false` counts. `@localcloud/gateway/testing` has the same rule (this package depends
 * on no other).
 */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}
