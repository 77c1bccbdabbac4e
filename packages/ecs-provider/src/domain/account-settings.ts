import type { SettingName } from '@aws-sdk/client-ecs';
import { ARN_PARTITION_PATTERN } from '@localcloud/gateway';
import { InvalidParameterException } from '../errors';
import { truncateText } from '@localcloud/gateway';

/**
 * ECS account settings: every name of the API model, with the value an account has when nobody set it
 * (ECS's current defaults) and the values ECS accepts for it.
 */
export const ACCOUNT_SETTING_DEFAULTS: Readonly<Record<SettingName, string>> = {
  serviceLongArnFormat: 'enabled',
  taskLongArnFormat: 'enabled',
  containerInstanceLongArnFormat: 'enabled',
  awsvpcTrunking: 'disabled',
  containerInsights: 'disabled',
  fargateFIPSMode: 'disabled',
  tagResourceAuthorization: 'on',
  fargateTaskRetirementWaitPeriod: '7',
  guardDutyActivate: 'off',
  defaultLogDriverMode: 'non-blocking',
  fargateEventWindows: 'disabled',
};

const ACCEPTED_VALUES: Readonly<Record<SettingName, readonly string[]>> = {
  serviceLongArnFormat: ['enabled', 'disabled'],
  taskLongArnFormat: ['enabled', 'disabled'],
  containerInstanceLongArnFormat: ['enabled', 'disabled'],
  awsvpcTrunking: ['enabled', 'disabled'],
  containerInsights: ['enabled', 'disabled', 'enhanced'],
  fargateFIPSMode: ['enabled', 'disabled'],
  tagResourceAuthorization: ['on', 'off'],
  fargateTaskRetirementWaitPeriod: ['0', '7', '14'],
  guardDutyActivate: ['on', 'off'],
  defaultLogDriverMode: ['blocking', 'non-blocking'],
  fargateEventWindows: ['enabled', 'disabled'],
};

export const SETTING_NAMES = Object.keys(ACCOUNT_SETTING_DEFAULTS) as SettingName[];

/** Settings only the account as a whole (the root user, or PutAccountSettingDefault) can change. */
const ROOT_ONLY: ReadonlySet<SettingName> = new Set([
  'fargateFIPSMode',
  'fargateTaskRetirementWaitPeriod',
  'guardDutyActivate',
]);

export function validateSettingValue(name: SettingName, value: string): void {
  const accepted = ACCEPTED_VALUES[name];
  if (!accepted.includes(value)) {
    throw new InvalidParameterException(
      `Invalid value '${truncateText(value)}' for the account setting ${name}. Valid values: ${accepted.join(', ')}.`,
    );
  }
}

export function isRootOnlySetting(name: SettingName): boolean {
  return ROOT_ONLY.has(name);
}

const PRINCIPAL_ARN = new RegExp(`^arn:${ARN_PARTITION_PATTERN}:iam::(\\d{12}):(root|user/.+|role/.+)$`);

/** Principals settings can be set for: the account's root user, IAM users and IAM roles of the account. */
export function validatePrincipalArn(principalArn: string, accountId: string): void {
  const match = PRINCIPAL_ARN.exec(principalArn);
  if (!match) {
    throw new InvalidParameterException(
      `Invalid principalArn '${truncateText(principalArn)}': specify the ARN of an IAM user, an IAM role or the root user.`,
    );
  }
  if (match[1] !== accountId) {
    throw new InvalidParameterException(
      `The principalArn '${truncateText(principalArn)}' does not belong to account ${accountId}.`,
    );
  }
}
