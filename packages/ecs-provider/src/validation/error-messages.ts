import type { ErrorObject } from 'ajv';
import { previewJson, truncateText } from '@localcloud/gateway';

/**
 * Turns an ajv error into the message AWS's request validation gives, naming the member by its path in
 * AWS's notation: list positions are 1-based and followed by `.member` (`containerDefinitions.1.member.name`).
 */
export function describeSchemaError(error: ErrorObject): string {
  const path = memberPath(error.instancePath);
  switch (error.keyword) {
    case 'required': {
      const missing = joinPath(path, String((error.params as { missingProperty: string }).missingProperty));
      return constraint('null', missing, 'Member must not be null');
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      return constraint(valueText(error.data), path, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
    case 'const':
      return constraint(
        valueText(error.data),
        path,
        `Member must satisfy enum value set: [${String((error.params as { allowedValue: unknown }).allowedValue)}]`,
      );
    case 'type': {
      const expected = String((error.params as { type: string }).type);
      return constraint(valueText(error.data), path, `Member must be of type ${TYPE_NAMES[expected] ?? expected}`);
    }
    case 'anyOf':
    case 'oneOf':
      return constraint(valueText(error.data), path, 'Member must match one of the shapes the API model allows');
    default:
      return constraint(
        valueText(error.data),
        path,
        `Member must satisfy the '${error.keyword}' constraint of the API model`,
      );
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'string',
  number: 'number',
  integer: 'integer',
  boolean: 'boolean',
  array: 'list',
  object: 'structure',
};

function constraint(value: string, path: string, rule: string): string {
  return `1 validation error detected: Value ${value} at '${path || 'input'}' failed to satisfy constraint: ${rule}`;
}

/** The offending value, quoted the way AWS does; bounded, however large or deep the value is. */
function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return `'${typeof value === 'string' ? truncateText(value) : previewJson(value)}'`;
}

function memberPath(instancePath: string): string {
  if (!instancePath) return '';
  return (
    instancePath
      .slice(1)
      .split('/')
      // A map key is the caller's text, as long as they like: cut like any quoted value.
      .map((segment) => truncateText(segment.replace(/~1/g, '/').replace(/~0/g, '~')))
      .map((segment) => (/^\d+$/.test(segment) ? `${Number(segment) + 1}.member` : segment))
      .join('.')
  );
}

function joinPath(path: string, member: string): string {
  return path ? `${path}.${member}` : member;
}
