import { compilePattern, onFirstUse, type Facets } from '@localcloud/aws-model';
import { constraintViolation } from '../errors';
import { LOGS_MODEL } from '../model';

/*
 * Constraint checks the handlers and the in-process LogsSink make with the messages AWS gives: "1 validation
 * error detected: Value 'x' at 'member' failed to satisfy constraint: Member must …". The name rules come
 * from the API model (lengths and patterns of model/logs.constraints.json), not typed again here.
 */

/** A member's constraints in the generated model. */
function modelled(structure: string, member: string): Facets & { readonly pattern: string } {
  const shape = LOGS_MODEL.structures[structure]?.members[member];
  if (!shape || typeof shape !== 'object' || !('pattern' in shape) || shape.pattern === undefined) {
    throw new Error(`the Logs model has no pattern for ${structure}$${member}: run \`npm run generate\``);
  }
  return shape as Facets & { readonly pattern: string };
}

// Read from the model on the first check, not at start (the model is loaded on first use).
const LOG_GROUP_NAME = onFirstUse(() => modelled('CreateLogGroupRequest', 'logGroupName'));
const LOG_GROUP_NAME_SEARCH = onFirstUse(() => modelled('DescribeLogGroupsRequest', 'logGroupNamePattern'));
const LOG_STREAM_NAME = onFirstUse(() => modelled('CreateLogStreamRequest', 'logStreamName'));

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
  checkModelled(path, value, LOG_GROUP_NAME());
}

/** DescribeLogGroups' logGroupNamePattern: up to 512 of the characters of log group names. */
export function checkLogGroupNamePattern(path: string, value: string | undefined): void {
  checkModelled(path, value, LOG_GROUP_NAME_SEARCH());
}

/** Log stream names: 1–512 characters, no `:` or `*`. */
export function checkLogStreamName(path: string, value: string | undefined): void {
  checkModelled(path, value, LOG_STREAM_NAME());
}

const compiled = new Map<string, RegExp | null>();

function checkModelled(path: string, value: string | undefined, facets: Facets & { readonly pattern: string }): void {
  const [min, max] = facets.length ?? [null, null];
  checkLength(path, value, min ?? 0, max ?? Infinity);
  if (value === undefined) return;
  let pattern = compiled.get(facets.pattern);
  if (pattern === undefined) compiled.set(facets.pattern, (pattern = compilePattern(facets.pattern)));
  if (pattern && !pattern.test(value)) {
    throw constraintViolation(path, value, `Member must satisfy regular expression pattern: ${facets.pattern}`);
  }
}
