import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { inCi } from './in-ci';

/** Debian's AWS CLI v2 is /usr/bin/aws; a pip v1 earlier on the PATH could hide it, so it is tried first. */
export function findAwsCliV2(): string | undefined {
  for (const candidate of ['/usr/bin/aws', '/usr/local/bin/aws', 'aws']) {
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8', timeout: 30_000, stdio: 'pipe' });
      if (/^aws-cli\/2\./.test(version.trim())) return candidate;
    } catch {
      // not there, or not runnable
    }
  }
  return undefined;
}

/**
 * The AWS CLI v2 for a CLI compatibility suite, or undefined (the suite then skips). In CI the CLI is part
 * of the machine (.ci/run installs it), so there its absence registers a failing test instead.
 */
export function requireAwsCliV2(): string | undefined {
  const cli = findAwsCliV2();
  if (!cli && inCi()) {
    test('AWS CLI v2 is installed for the CLI compatibility tests', () => {
      throw new Error(
        'AWS CLI v2 not found (tried /usr/bin/aws, /usr/local/bin/aws, aws): install Debian package awscli',
      );
    });
  }
  return cli;
}

/**
 * The environment the CLI runs in: test credentials, us-east-1, and nothing of the user's (no config or
 * credentials file, no instance metadata, no pager), so the suite runs the same on any machine. `extra`
 * adds to it (e.g. `AWS_MAX_ATTEMPTS`, `PYTHONUNBUFFERED`).
 */
export function awsCliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...extra,
  };
}

export interface AwsCliResult {
  /** The exit code; -1 when the CLI did not exit by itself (killed by the timeout). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `<cli> --endpoint-url <url> --output json <args>` in `awsCliEnv(env)` and resolves with its exit
 * code and output, failed or not. Asynchronously: the gateway answering the CLI runs in the test's process.
 */
export async function runAwsCli(
  cli: string,
  url: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<AwsCliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cli, ['--endpoint-url', url, '--output', 'json', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: awsCliEnv(env),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/**
 * `runAwsCli`, for a command that must succeed: its JSON output parsed (`{}` when it prints nothing).
 * Rejects with the CLI's stderr (which names the AWS error code) when it exits non-zero.
 */
export async function awsCliJson(cli: string, url: string, args: readonly string[]): Promise<any> {
  const result = await runAwsCli(cli, url, args);
  if (result.code !== 0) {
    throw new Error(`aws ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout.trim() === '' ? {} : JSON.parse(result.stdout);
}
