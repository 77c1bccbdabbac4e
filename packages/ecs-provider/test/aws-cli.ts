import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

/** Debian's AWS CLI v2 (`/usr/bin/aws`), or undefined when it is not installed. */
export function findAwsCli(): string | undefined {
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

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `aws --endpoint-url <url> ecs <args>` with test credentials and no user configuration. */
export async function awsEcs(cli: string, url: string, args: readonly string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      cli,
      ['--endpoint-url', url, '--output', 'json', 'ecs', ...args],
      {
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/tmp',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_PAGER: '',
          AWS_MAX_ATTEMPTS: '1',
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/** In CI the CLI is part of the machine (.ci/run installs it): a suite that needs it fails without it. */
export function requireCliInCi(cli: string | undefined): void {
  if (!cli && process.env.CI === 'true') {
    test('AWS CLI v2 is installed for the CLI tests', () => {
      throw new Error(
        'AWS CLI v2 not found (tried /usr/bin/aws, /usr/local/bin/aws, aws): install Debian package awscli',
      );
    });
  }
}
