import { spawnSync } from 'node:child_process';
import { inCi } from './in-ci';

let answered: boolean | undefined;

/**
 * Whether a Docker engine answers where DockerodeBackend would look (`DOCKER_HOST`, else the default
 * socket). Jest registers suites synchronously, so the ping runs in a short-lived child process; the
 * answer is kept for the rest of the test file.
 */
export function engineAnswers(): boolean {
  answered ??= ping();
  return answered;
}

/**
 * `describe` for suites that need a real engine. Without one the suite is skipped, except under CI
 * (`CI=true`, see `inCi`), where it fails: a CI run that silently skips every container test proves nothing.
 */
export function describeWithEngine(name: string, fn: () => void): void {
  if (engineAnswers()) {
    describe(name, fn);
  } else if (inCi()) {
    describe(name, () =>
      test('needs a Docker engine', () => {
        throw new Error(
          `No Docker engine answers (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'unset'}), and CI requires one.`,
        );
      }),
    );
  } else {
    describe.skip(name, fn);
  }
}

function ping(): boolean {
  const dockerode = JSON.stringify(require.resolve('dockerode'));
  const script = `new (require(${dockerode}))().ping().then(() => process.exit(0), () => process.exit(1));`;
  const result = spawnSync(process.execPath, ['-e', script], { stdio: 'ignore', timeout: 10_000 });
  return result.status === 0;
}
