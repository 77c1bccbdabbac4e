import { execFileSync } from 'node:child_process';

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
  if (!cli && process.env.CI === 'true') {
    test('AWS CLI v2 is installed for the CLI compatibility tests', () => {
      throw new Error(
        'AWS CLI v2 not found (tried /usr/bin/aws, /usr/local/bin/aws, aws): install Debian package awscli',
      );
    });
  }
  return cli;
}
