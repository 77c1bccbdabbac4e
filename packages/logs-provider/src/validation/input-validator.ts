import { SerializationError, truncateText } from '@localcloud/gateway';
import type { InputShapes, Shape } from './shape';

/** How many problems a validation message spells out. */
const MAX_LISTED_PROBLEMS = 10;

/** Builds the error a service answers for constraint violations (Logs: InvalidParameterException). */
export type ValidationErrorFactory = (message: string) => Error;

/**
 * Checks an operation's input against the shapes generated from the API model, the way AWS's front end
 * does before a request reaches the service: a member of the wrong JSON type is a SerializationException;
 * missing required members are collected into one "N validation errors detected" message. Members the
 * model does not know are ignored, as AWS ignores them; null structure members are removed from the
 * input, as AWS treats them as not set.
 */
export class InputValidator {
  constructor(
    private readonly shapes: InputShapes,
    private readonly validationError: ValidationErrorFactory,
  ) {}

  validate(operation: string, input: unknown): void {
    const structure = this.shapes.operations[operation];
    if (!structure) return;
    const problems: string[] = [];
    this.check({ structure }, input, '', problems);
    if (problems.length > 0) {
      const count = problems.length === 1 ? '1 validation error' : `${problems.length} validation errors`;
      // A list of thousands of bad items is named by its first few: the message stays readable and bounded.
      const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
      const more = problems.length > MAX_LISTED_PROBLEMS ? `; and ${problems.length - MAX_LISTED_PROBLEMS} more` : '';
      throw this.validationError(`${count} detected: ${listed}${more}`);
    }
  }

  private check(shape: Shape, value: unknown, path: string, problems: string[]): void {
    if (value === null || value === undefined) return;
    if (typeof shape === 'string') {
      if (!fitsSimple(shape, value)) {
        throw new SerializationError(`Value at '${path}' must be ${describe(shape)}, not ${jsonType(value)}.`);
      }
      return;
    }
    if ('list' in shape) {
      if (!Array.isArray(value))
        throw new SerializationError(`Value at '${path}' must be a list, not ${jsonType(value)}.`);
      value.forEach((item, i) => {
        const itemPath = `${path}.${i + 1}.member`;
        if (item === null || item === undefined) problems.push(notNull(itemPath));
        else this.check(shape.list, item, itemPath, problems);
      });
      return;
    }
    if (!isObject(value)) {
      const what = 'map' in shape ? 'a map' : 'a structure';
      throw new SerializationError(`Value at '${path || 'the request body'}' must be ${what}, not ${jsonType(value)}.`);
    }
    if ('map' in shape) {
      for (const [key, item] of Object.entries(value)) {
        const itemPath = `${path}.${truncateText(key)}`;
        // Logs' maps (tags, dimensions…) are not sparse: a null value is a missing one.
        if (item === null || item === undefined) problems.push(notNull(itemPath));
        else this.check(shape.map, item, itemPath, problems);
      }
      return;
    }
    const structure = this.shapes.structures[shape.structure];
    if (!structure) return;
    const prefix = path ? `${path}.` : '';
    for (const member of structure.required) {
      if (value[member] === null || value[member] === undefined) problems.push(notNull(prefix + member));
    }
    for (const [member, memberShape] of Object.entries(structure.members)) {
      // AWS reads a null member as an absent one; handlers then see only `undefined` for "not set".
      if (value[member] === null) delete value[member];
      else this.check(memberShape, value[member], prefix + member, problems);
    }
  }
}

function notNull(path: string): string {
  return `Value null at '${path}' failed to satisfy constraint: Member must not be null`;
}

function fitsSimple(shape: Exclude<Shape, object>, value: unknown): boolean {
  switch (shape) {
    case 'string':
    case 'blob':
      return typeof value === 'string';
    case 'number':
    case 'timestamp':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'document':
      return true;
  }
}

function describe(shape: Exclude<Shape, object>): string {
  return {
    string: 'a string',
    blob: 'a base64 string',
    number: 'a number',
    timestamp: 'a number',
    boolean: 'a boolean',
    document: 'a document',
  }[shape];
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
