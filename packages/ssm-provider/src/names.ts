import { arnPartition } from '@localcloud/gateway';
import { AccessDeniedException, HierarchyLevelLimitExceededException, quotedName, ValidationException } from './errors';

/** Parameter Store's hierarchy limit: `/a/b/…` with at most 15 levels. */
export const MAX_HIERARCHY_LEVELS = 15;

export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

const NAME_CHARACTERS = /^[a-zA-Z0-9_.\-/]+$/;
const ARN = /^arn:[a-z0-9-]+:ssm:[a-z0-9-]*:\d{12}:parameter(\/.*)$/;

const INVALID_NAME =
  'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of ' +
  'sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

/** The ARN SSM gives a parameter: `…:parameter/a/b` for `/a/b`, `…:parameter/a` for `a`. */
export function parameterArn(scope: Scope, name: string): string {
  const path = name.startsWith('/') ? name : `/${name}`;
  return `arn:${arnPartition(scope.region)}:ssm:${scope.region}:${scope.accountId}:parameter${path}`;
}

/**
 * The stored name a request means: a parameter ARN names `/a/b` (or `a` for a name without a leading
 * slash, which SSM keeps as given, so both are tried by the caller through `candidates`).
 */
export function nameFromReference(reference: string): string {
  const arn = ARN.exec(reference);
  return arn ? arn[1]! : reference;
}

/** Names a reference may be stored under: an ARN's path can stand for `a` as well as `/a`. */
export function candidates(reference: string): string[] {
  const name = nameFromReference(reference);
  if (name !== reference && name.lastIndexOf('/') === 0) return [name, name.slice(1)];
  return [name];
}

/** `name:3` or `name:label` (and the ARN forms): the name, and the selector after the last colon of the name part. */
export function splitSelector(reference: string): { name: string; selector?: string } {
  const arn = ARN.exec(reference);
  const prefix = arn ? reference.slice(0, reference.length - arn[1]!.length) : '';
  const rest = arn ? arn[1]! : reference;
  const colon = rest.indexOf(':');
  if (colon < 0) return { name: prefix + rest };
  return { name: prefix + rest.slice(0, colon), selector: rest.slice(colon + 1) };
}

/** The rules PutParameter applies to a new name; throws SSM's error for the first one broken. */
export function checkNewName(name: string): void {
  const bare = name.replace(/^\//, '').toLowerCase();
  if (bare.startsWith('aws') || bare.startsWith('ssm')) {
    if (name.toLowerCase().startsWith('/aws/'))
      throw new AccessDeniedException(`No access to reserved parameter name: ${quotedName(name)}.`);
    throw new ValidationException(INVALID_NAME);
  }
  if (!NAME_CHARACTERS.test(name) || name.includes('//') || (name.length > 1 && name.endsWith('/'))) {
    throw new ValidationException(INVALID_NAME);
  }
  if (name.includes('/') && !name.startsWith('/')) {
    throw new ValidationException('Parameter name must be a fully qualified name.');
  }
  const levels = name.split('/').filter(Boolean).length;
  if (levels > MAX_HIERARCHY_LEVELS) {
    throw new HierarchyLevelLimitExceededException(
      `Parameter hierarchy level is greater than the limit of ${MAX_HIERARCHY_LEVELS} levels: ${quotedName(name)}`,
    );
  }
}

/** Whether `name` lies below `path` (`/a` or `/a/`): one level down, or any depth with `recursive`. */
export function isUnderPath(name: string, path: string, recursive: boolean): boolean {
  const base = path.endsWith('/') ? path : `${path}/`;
  // A name without a leading slash is a top-level parameter, as if it were `/name`.
  const full = name.startsWith('/') ? name : `/${name}`;
  if (!full.startsWith(base) || full.length === base.length) return false;
  return recursive || !full.slice(base.length).includes('/');
}

/** GetParametersByPath's and the Path filter's rule for a path. */
export function checkPath(path: string): void {
  if (/^\/(aws|ssm)/i.test(path) && !/^\/aws\/service\//i.test(path)) {
    throw new ValidationException(
      'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global ' +
        'parameters, please specify within a global namespace.',
    );
  }
  if (!path.startsWith('/') || path.includes('//') || !NAME_CHARACTERS.test(path)) {
    throw new ValidationException(
      "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward " +
        'slash "/". It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, ' +
        'or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All ' +
        'sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.',
    );
  }
}
