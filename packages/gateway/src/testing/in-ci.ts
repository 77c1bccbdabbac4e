/**
 * Whether the tests run in CI, where a missing prerequisite (the AWS CLI, a registry binary, a compose CLI)
 * fails a suite instead of skipping it. CI systems set `CI=true` (.ci/run, GitHub Actions, GitLab) or
 * `CI=1`: any value but empty, `0` or `false` counts. `@localcloud/docker-backend/testing` has the same
 * rule for the Docker engine.
 */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}
