import { findAwsCliV2, requireAwsCliV2, runAwsCli, type AwsCliResult } from '@localcloud/gateway/testing';

/** Debian's AWS CLI v2 (`/usr/bin/aws`), or undefined when it is not installed. */
export const findAwsCli = findAwsCliV2;

export type CliResult = AwsCliResult;

/** Runs `aws --endpoint-url <url> ecs <args>` with test credentials and no user configuration, without retries. */
export function awsEcs(cli: string, url: string, args: readonly string[]): Promise<CliResult> {
  return runAwsCli(cli, url, ['ecs', ...args], { AWS_MAX_ATTEMPTS: '1' });
}

/** In CI the CLI is part of the machine (.ci/run installs it): a suite that needs it fails without it. */
export function requireCliInCi(cli: string | undefined): void {
  if (!cli) requireAwsCliV2();
}
