import type {
  DeleteParameterRequest,
  DeleteParametersRequest,
  GetParameterHistoryRequest,
  GetParameterRequest,
  GetParametersRequest,
  LabelParameterVersionRequest,
  PutParameterRequest,
  UnlabelParameterVersionRequest,
} from '@aws-sdk/client-ssm';
import { arnPartition, ServiceError } from '@localcloud/gateway';
import {
  constraintViolation,
  InvalidAllowedPatternException,
  InvalidKeyId,
  ParameterAlreadyExists,
  ParameterMaxVersionLimitExceeded,
  ParameterPatternMismatchException,
  ParameterVersionLabelLimitExceeded,
  quotedName,
  TooManyTagsError,
  ValidationException,
  versionNotFound,
} from '../errors';
import { checkNewName } from '../names';
import { page } from '../pagination';
import type { SSMScope } from '../scope';
import { latest, type ParameterRecord, type ParameterVersionRecord } from '../store';
import { DEFAULT_KEY_ID, historyView, parameterView } from '../view';
import { findParameter, getParameterRecord, resolveSelector } from './lookup';

/** SSM keeps the last 100 versions of a parameter. */
export const MAX_VERSIONS = 100;
export const MAX_LABELS_PER_VERSION = 10;
export const MAX_TAGS = 50;
const STANDARD_MAX_VALUE = 4096;
const ADVANCED_MAX_VALUE = 8192;
const DATA_TYPES = new Set(['text', 'aws:ec2:image', 'aws:ssm:integration']);

export function putParameter(input: PutParameterRequest, { scope, store }: SSMScope) {
  const name = input.Name!;
  const value = input.Value!;
  const existing = store.parameters.get(name);
  if (!existing) checkNewName(name);
  if (value.length === 0) {
    throw constraintViolation('value', value, 'Member must have length greater than or equal to 1');
  }
  if (input.Overwrite && input.Tags?.length) {
    throw new ValidationException(
      "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove " +
        'overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.',
    );
  }
  if (existing && !input.Overwrite) {
    throw new ParameterAlreadyExists(
      'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
    );
  }
  const previous = existing ? latest(existing) : undefined;
  const type = input.Type ?? previous?.type;
  if (!type) throw new ValidationException('A parameter type is required when you create a parameter.');
  if (input.KeyId !== undefined && type !== 'SecureString') {
    throw new ValidationException('KeyId is required for SecureString type parameter only.');
  }
  const dataType = input.DataType ?? previous?.dataType ?? 'text';
  if (!DATA_TYPES.has(dataType)) {
    throw new ValidationException(
      `The following data type is not supported: ${dataType} (Data type names are all lowercase.)`,
    );
  }
  const allowedPattern = input.AllowedPattern ?? previous?.allowedPattern;
  if (allowedPattern) checkAllowedPattern(allowedPattern, value);
  const tier = chooseTier(input.Tier, previous?.tier, value.length);
  const keyId =
    type === 'SecureString'
      ? (input.KeyId ?? (previous?.type === 'SecureString' ? previous.keyId : undefined) ?? DEFAULT_KEY_ID)
      : undefined;
  if (keyId !== undefined && !keyId.trim()) throw new InvalidKeyId('The key ID is not valid.');
  const tags = Object.fromEntries((input.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
  if (Object.keys(tags).length > MAX_TAGS)
    throw new TooManyTagsError('The resource has exceeded the maximum number of tags.');

  let versions = existing ? [...existing.versions] : [];
  if (versions.length >= MAX_VERSIONS) {
    const oldest = versions[0]!;
    if (oldest.labels.length > 0) {
      throw new ParameterMaxVersionLimitExceeded(
        `You attempted to create a new version of ${quotedName(name)} by calling the PutParameter API with the overwrite flag. ` +
          `Version ${oldest.version}, the oldest version, can't be deleted because it has a label associated with it. ` +
          'Move the label to another version of the parameter, and try again.',
      );
    }
    versions = versions.slice(1);
  }
  const version: ParameterVersionRecord = {
    version: (previous?.version ?? 0) + 1,
    value,
    type,
    ...(keyId ? { keyId } : {}),
    ...((input.Description ?? previous?.description) !== undefined
      ? { description: input.Description ?? previous?.description }
      : {}),
    ...(allowedPattern ? { allowedPattern } : {}),
    tier,
    ...((input.Policies ?? previous?.policies) ? { policies: input.Policies ?? previous?.policies } : {}),
    dataType,
    labels: [],
    lastModifiedDate: new Date(),
    lastModifiedUser: `arn:${arnPartition(scope.region)}:iam::${scope.accountId}:root`,
  };
  store.parameters.put(name, { name, versions: [...versions, version], tags: existing?.tags ?? tags });
  return { Version: version.version, Tier: tier };
}

/** Standard unless asked otherwise; Intelligent-Tiering picks Advanced for what Standard cannot hold. */
function chooseTier(
  asked: string | undefined,
  previous: 'Standard' | 'Advanced' | undefined,
  valueLength: number,
): 'Standard' | 'Advanced' {
  const tier =
    asked === 'Advanced' || (asked === 'Intelligent-Tiering' && valueLength > STANDARD_MAX_VALUE)
      ? 'Advanced'
      : asked === 'Standard' || asked === 'Intelligent-Tiering'
        ? 'Standard'
        : (previous ?? 'Standard');
  if (previous === 'Advanced' && tier === 'Standard' && asked === 'Standard') {
    throw new ValidationException(
      "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter " +
        'tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a ' +
        'standard parameter.',
    );
  }
  const effective = previous === 'Advanced' ? 'Advanced' : tier;
  if (effective === 'Standard' && valueLength > STANDARD_MAX_VALUE) {
    throw new ValidationException(
      `Standard tier parameters support a maximum parameter value of ${STANDARD_MAX_VALUE} characters. To create a ` +
        'larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see ' +
        'https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html',
    );
  }
  if (valueLength > ADVANCED_MAX_VALUE) {
    throw constraintViolation('value', '…', `Member must have length less than or equal to ${ADVANCED_MAX_VALUE}`);
  }
  return effective;
}

function checkAllowedPattern(pattern: string, value: string): void {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch {
    try {
      regex = new RegExp(pattern);
    } catch (error) {
      throw new InvalidAllowedPatternException(`Invalid AllowedPattern: ${(error as Error).message}`);
    }
  }
  // SSM matches the whole value (Java's String.matches).
  const match = regex.exec(value);
  if (!match || match.index !== 0 || match[0].length !== value.length) {
    throw new ParameterPatternMismatchException(
      `Parameter value, cannot be validated against allowedPattern: ${pattern}`,
    );
  }
}

export function getParameter(input: GetParameterRequest, { scope, store }: SSMScope) {
  const { record, version, selector } = resolveSelector(store, input.Name!);
  return { Parameter: parameterView(scope, record, version, input.WithDecryption === true, selector) };
}

export function getParameters(input: GetParametersRequest, { scope, store }: SSMScope) {
  const parameters = [];
  const invalid: string[] = [];
  for (const reference of new Set(input.Names ?? [])) {
    try {
      const { record, version, selector } = resolveSelector(store, reference);
      parameters.push(parameterView(scope, record, version, input.WithDecryption === true, selector));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      invalid.push(reference);
    }
  }
  return { Parameters: parameters, InvalidParameters: invalid };
}

export function deleteParameter(input: DeleteParameterRequest, { store }: SSMScope) {
  const record = getParameterRecord(store, input.Name!);
  store.parameters.delete(record.name);
  return {};
}

export function deleteParameters(input: DeleteParametersRequest, { store }: SSMScope) {
  const deleted: string[] = [];
  const invalid: string[] = [];
  store.transaction(() => {
    for (const reference of new Set(input.Names ?? [])) {
      const record = findParameter(store, reference);
      if (!record) {
        invalid.push(reference);
        continue;
      }
      store.parameters.delete(record.name);
      deleted.push(reference);
    }
  });
  return { DeletedParameters: deleted, InvalidParameters: invalid };
}

export function getParameterHistory(input: GetParameterHistoryRequest, { store }: SSMScope) {
  const record = getParameterRecord(store, input.Name!);
  const { items, nextToken } = page(record.versions, input.MaxResults ?? 50, input.NextToken);
  return {
    Parameters: items.map((v) => historyView(record, v, input.WithDecryption === true)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** SSM's label rule: 1-100 of `[a-zA-Z0-9_.-]`, not starting with a digit, `aws` or `ssm`. */
function validLabel(label: string): boolean {
  return label.length <= 100 && /^[a-zA-Z0-9_.-]+$/.test(label) && !/^(\d|aws|ssm)/i.test(label);
}

export function labelParameterVersion(input: LabelParameterVersionRequest, { store }: SSMScope) {
  const record = getParameterRecord(store, input.Name!);
  const number = input.ParameterVersion ?? latest(record).version;
  const target = record.versions.find((v) => v.version === number);
  if (!target) throw versionNotFound(record.name, number);
  const labels = [...new Set(input.Labels ?? [])];
  const invalid = labels.filter((l) => !validLabel(l));
  const valid = labels.filter(validLabel);
  const added = valid.filter((l) => !target.labels.includes(l));
  if (target.labels.length + added.length > MAX_LABELS_PER_VERSION) {
    throw new ParameterVersionLabelLimitExceeded(
      'A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.',
    );
  }
  // A label names one version: moving it here takes it off any other.
  const versions = record.versions.map((v) =>
    v.version === number
      ? { ...v, labels: [...v.labels, ...added] }
      : { ...v, labels: v.labels.filter((l) => !valid.includes(l)) },
  );
  store.parameters.put(record.name, { ...record, versions });
  return { InvalidLabels: invalid, ParameterVersion: number };
}

export function unlabelParameterVersion(input: UnlabelParameterVersionRequest, { store }: SSMScope) {
  const record: ParameterRecord = getParameterRecord(store, input.Name!);
  const target = record.versions.find((v) => v.version === input.ParameterVersion);
  if (!target) throw versionNotFound(record.name, input.ParameterVersion!);
  const labels = [...new Set(input.Labels ?? [])];
  const removed = labels.filter((l) => target.labels.includes(l));
  const invalid = labels.filter((l) => !target.labels.includes(l));
  const versions = record.versions.map((v) =>
    v.version === target.version ? { ...v, labels: v.labels.filter((l) => !removed.includes(l)) } : v,
  );
  store.parameters.put(record.name, { ...record, versions });
  return { RemovedLabels: removed, InvalidLabels: invalid };
}
