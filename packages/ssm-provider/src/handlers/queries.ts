import type {
  DescribeParametersRequest,
  GetParametersByPathRequest,
  ParametersFilter,
  ParameterStringFilter,
} from '@aws-sdk/client-ssm';
import { truncateText } from '@localcloud/gateway';
import { InvalidFilterKey, InvalidFilterOption, InvalidFilterValue, ValidationException } from '../errors';
import { checkPath, isUnderPath } from '../names';
import { page } from '../pagination';
import type { SSMScope } from '../scope';
import { latest, type ParameterRecord } from '../store';
import { metadataView, parameterView } from '../view';

const TYPES = ['String', 'StringList', 'SecureString'];
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'];

type Match = (record: ParameterRecord) => boolean;

/** Parameters by name, so pages are stable between calls. */
function sortedParameters(scope: SSMScope): ParameterRecord[] {
  return [...scope.store.parameters.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function getParametersByPath(input: GetParametersByPathRequest, ssm: SSMScope) {
  const path = input.Path!;
  checkPath(path);
  const filters = stringFilters(input.ParameterFilters, ['Type', 'KeyId', 'Label'], 'Type, KeyId, Label, tag');
  const recursive = input.Recursive === true;
  const matching = sortedParameters(ssm).filter(
    (r) => isUnderPath(r.name, path, recursive) && filters.every((f) => f(r)),
  );
  const { items, nextToken } = page(matching, input.MaxResults ?? 10, input.NextToken);
  return {
    Parameters: items.map((r) => parameterView(ssm.scope, r, latest(r), input.WithDecryption === true)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export function describeParameters(input: DescribeParametersRequest, ssm: SSMScope) {
  if (input.Filters?.length && input.ParameterFilters?.length) {
    throw new ValidationException('You can use either Filters or ParameterFilters in a single request.');
  }
  const filters = input.Filters?.length
    ? input.Filters.map(legacyFilter)
    : stringFilters(
        input.ParameterFilters,
        ['Name', 'Type', 'KeyId', 'Path', 'Tier', 'DataType'],
        'Path, Name, Type, KeyId, Tier',
      );
  const matching = sortedParameters(ssm).filter((r) => filters.every((f) => f(r)));
  const { items, nextToken } = page(matching, input.MaxResults ?? 10, input.NextToken);
  return {
    Parameters: items.map((r) => metadataView(ssm.scope, r, latest(r))),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** DescribeParameters' older `Filters`: Name (begins with), Type, KeyId. */
function legacyFilter(filter: ParametersFilter): Match {
  const values = filter.Values ?? [];
  switch (filter.Key) {
    case 'Name':
      return (r) => values.some((v) => r.name.startsWith(v));
    case 'Type':
      return (r) => values.includes(latest(r).type);
    default:
      return (r) => values.includes(latest(r).keyId ?? '');
  }
}

function stringFilters(filters: ParameterStringFilter[] | undefined, keys: string[], listed: string): Match[] {
  const seen = new Set<string>();
  return (filters ?? []).map((filter) => {
    const key = filter.Key!;
    if (!key.startsWith('tag:') && !keys.includes(key)) {
      throw new InvalidFilterKey(
        `The following filter key is not valid: ${key}. Valid filter keys include: [${listed}].`,
      );
    }
    if (seen.has(key)) {
      throw new InvalidFilterKey(
        `The following filter is duplicated in the request: ${key}. A request can contain only one occurrence of a specific filter.`,
      );
    }
    seen.add(key);
    const values = filter.Values ?? [];
    if (values.length === 0 && !key.startsWith('tag:')) {
      throw new InvalidFilterValue(`The following filter values are missing : null for filter key ${key}.`);
    }
    return stringFilter(key, filter.Option, values);
  });
}

function stringFilter(key: string, option: string | undefined, values: string[]): Match {
  if (key === 'Path') {
    const recursive = option === 'Recursive';
    if (option !== undefined && option !== 'Recursive' && option !== 'OneLevel') {
      throw new InvalidFilterOption(
        `The following filter option is not valid: ${option}. Valid options include: [Recursive, OneLevel].`,
      );
    }
    values.forEach(checkPath);
    return (r) => values.some((p) => isUnderPath(r.name, p, recursive));
  }
  const options = key === 'Name' ? ['Equals', 'BeginsWith', 'Contains'] : ['Equals', 'BeginsWith'];
  if (key === 'Label') options.splice(0, options.length, 'Equals');
  const chosen = option ?? 'Equals';
  if (!options.includes(chosen)) {
    throw new InvalidFilterOption(
      `The following filter option is not valid: ${chosen}. Valid options include: [${options.join(', ')}].`,
    );
  }
  if (key === 'Type') checkValues(values, TYPES);
  if (key === 'Tier') checkValues(values, TIERS);
  const test = (actual: string | undefined) =>
    actual !== undefined &&
    values.some((v) =>
      chosen === 'BeginsWith' ? actual.startsWith(v) : chosen === 'Contains' ? actual.includes(v) : actual === v,
    );
  if (key.startsWith('tag:')) {
    const tag = key.slice(4);
    return (r) => tag in r.tags && (values.length === 0 || test(r.tags[tag]));
  }
  switch (key) {
    case 'Name':
      // A Name filter matches with or without the leading slash, as SSM's does.
      return (r) =>
        test(r.name) ||
        test(r.name.replace(/^\//, '')) ||
        values.some((v) => chosen === 'Equals' && `/${v}` === r.name);
    case 'Type':
      return (r) => test(latest(r).type);
    case 'KeyId':
      return (r) => test(latest(r).keyId);
    case 'Tier':
      return (r) => test(latest(r).tier);
    case 'DataType':
      return (r) => test(latest(r).dataType);
    default: // Label
      return (r) => r.versions.some((v) => v.labels.some((l) => test(l)));
  }
}

function checkValues(values: string[], allowed: string[]): void {
  const bad = values.find((v) => !allowed.includes(v));
  if (bad !== undefined) {
    throw new InvalidFilterValue(
      `The following filter value is not valid: ${truncateText(bad)}. Valid values include: [${allowed.join(', ')}].`,
    );
  }
}
