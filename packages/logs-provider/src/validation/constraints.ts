import { constraintViolation } from '../errors';

/*
 * The model constraints (lengths, patterns, ranges, enums) that the SDK's schemas leave out, checked where
 * they matter with the messages AWS gives: "1 validation error detected: Value 'x' at 'member' failed to
 * satisfy constraint: Member must …".
 */

export const LOG_GROUP_NAME_PATTERN = '[\\.\\-_/#A-Za-z0-9]+';
const LOG_GROUP_NAME = new RegExp(`^${LOG_GROUP_NAME_PATTERN}$`);
export const LOG_STREAM_NAME_PATTERN = '[^:*]*';
const LOG_STREAM_NAME = /^[^:*]*$/;

/** The values PutRetentionPolicy accepts, in days. */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export function checkLength(
  path: string,
  value: string | readonly unknown[] | undefined,
  min: number,
  max: number,
): void {
  if (value === undefined) return;
  if (value.length < min)
    throw constraintViolation(path, value, `Member must have length greater than or equal to ${min}`);
  if (value.length > max)
    throw constraintViolation(path, value, `Member must have length less than or equal to ${max}`);
}

export function checkRange(path: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min) throw constraintViolation(path, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraintViolation(path, value, `Member must have value less than or equal to ${max}`);
}

export function checkEnum<T extends string | number>(path: string, value: T | undefined, allowed: readonly T[]): void {
  if (value === undefined || allowed.includes(value)) return;
  throw constraintViolation(path, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
}

/** Log group names: 1–512 characters of letters, digits and `._-/#`. */
export function checkLogGroupName(path: string, value: string | undefined): void {
  checkLength(path, value, 1, 512);
  if (value !== undefined && !LOG_GROUP_NAME.test(value)) {
    throw constraintViolation(path, value, `Member must satisfy regular expression pattern: ${LOG_GROUP_NAME_PATTERN}`);
  }
}

/** DescribeLogGroups' logGroupNamePattern: up to 512 of the characters of log group names. */
export function checkLogGroupNamePattern(path: string, value: string | undefined): void {
  checkLength(path, value, 0, 512);
  if (value !== undefined && !/^[._/#A-Za-z0-9-]*$/.test(value)) {
    throw constraintViolation(path, value, 'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]*');
  }
}

/** Log stream names: 1–512 characters, no `:` or `*`. */
export function checkLogStreamName(path: string, value: string | undefined): void {
  checkLength(path, value, 1, 512);
  if (value !== undefined && !LOG_STREAM_NAME.test(value)) {
    throw constraintViolation(
      path,
      value,
      `Member must satisfy regular expression pattern: ${LOG_STREAM_NAME_PATTERN}`,
    );
  }
}
