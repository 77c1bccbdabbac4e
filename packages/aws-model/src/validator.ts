import { truncateText, type ServiceError } from '@localcloud/gateway';
import { badInputError, badInputRule, type BadInputRule } from './bad-input';
import { sensitiveViolation, validationMessage, violation } from './messages';
import type { Facets, ServiceModel, Shape, SimpleType, StructureShape } from './model';

export interface ValidatorOptions {
  /** The code of a constraint violation for this service (default: the protocol's, see bad-input.ts). */
  readonly validationErrorCode?: string;
}

/**
 * Checks an operation's input against the generated model the way AWS's front end does, before a request
 * reaches the service:
 * 1. a member of the wrong wire type cannot be deserialised: the protocol's type-mismatch error, at once;
 * 2. then every missing required member and every enum, length, range and pattern violation is collected
 *    into one "N validation errors detected: …" error of the service's validation code.
 * Members the model does not know are ignored, as AWS ignores them; a null structure member is the same as
 * an absent one and is removed from the input, so handlers never see null. Messages are bounded: values
 * and map keys are cut at 100 characters, and at most ten violations are spelled out.
 */
export class ModelValidator {
  readonly rule: BadInputRule;
  private readonly patterns = new Map<string, RegExp | null>();
  private readonly members = new Map<string, readonly (readonly [string, Shape])[]>();
  private readonly memberShapes = new Map<string, MemberShapes>();

  constructor(
    readonly model: ServiceModel,
    options: ValidatorOptions = {},
  ) {
    this.rule = badInputRule(model.service.protocol, options.validationErrorCode);
  }

  /** Throws the ServiceError AWS answers for the first kind of bad input found; returns for a valid input. */
  validate(operation: string, input: unknown): void {
    const structure = this.model.operations[operation]?.input;
    if (!structure) return;
    // Nearly every input is valid: a first pass only answers whether this one is, reading the members it
    // has. The pass that words the error (in the model's order, with each member's path) runs only if not.
    if (this.isValid({ structure }, input)) return;
    const problems: string[] = [];
    this.check({ structure }, input, '', problems, false);
    if (problems.length > 0) throw this.error('constraint', validationMessage(problems));
  }

  private error(kind: 'typeMismatch' | 'constraint', message: string): ServiceError {
    return badInputError(this.rule, kind, message);
  }

  /** `secret`: the value is, or is inside, a member the model marks sensitive: messages never quote it. */
  private check(shape: Shape, value: unknown, path: string, problems: string[], secret: boolean): void {
    if (value === null || value === undefined) return;
    if (typeof shape === 'string') {
      this.checkSimple(shape, undefined, value, path, problems, secret);
      return;
    }
    secret ||= shape.sensitive === true;
    if ('list' in shape) {
      if (!Array.isArray(value)) throw this.mismatch(path, 'a list', value);
      this.checkFacets(shape, value, value.length, path, problems, secret);
      value.forEach((item, i) => {
        const itemPath = `${path}.${i + 1}.member`;
        if (item === null || item === undefined) problems.push(violation(itemPath, null, 'Member must not be null'));
        else this.check(shape.list, item, itemPath, problems, secret);
      });
      return;
    }
    if ('type' in shape) {
      this.checkSimple(shape.type, shape, value, path, problems, secret);
      return;
    }
    if (!isObject(value)) {
      throw this.mismatch(path || 'the request body', 'map' in shape ? 'a map' : 'a structure', value);
    }
    if ('map' in shape) {
      const entries = Object.entries(value);
      this.checkFacets(shape, value, entries.length, path, problems, secret);
      for (const [key, item] of entries) {
        // A map key is the caller's text, as long as they like: cut like any quoted value.
        const itemPath = `${path}.${truncateText(key)}`;
        // Maps are not sparse (Smithy's default): a null value is a missing one.
        if (item === null || item === undefined) problems.push(violation(itemPath, null, 'Member must not be null'));
        else this.check(shape.map, item, itemPath, problems, secret);
      }
      return;
    }
    const structure = this.model.structures[shape.structure];
    if (!structure) return;
    const prefix = path ? `${path}.` : '';
    for (const member of structure.required) {
      if (value[member] === null || value[member] === undefined) {
        problems.push(violation(prefix + member, null, 'Member must not be null'));
      }
    }
    // In the model's order (the order AWS lists violations in); an absent member costs one lookup.
    for (const [member, memberShape] of this.membersOf(shape.structure, structure)) {
      const item = value[member];
      if (item === undefined) continue;
      // AWS reads a null member as an absent one; handlers then see only `undefined` for "not set".
      if (item === null) delete value[member];
      else this.check(memberShape, item, prefix + member, problems, secret);
    }
  }

  /**
   * Whether `check` would find nothing wrong with the value (it deletes the same null members). Reads only
   * the members the value has, not every member of the model (ECS's container definition has ~50, a
   * megamorphic read each), and builds no path: what the whole input's check cost per request was mostly that.
   */
  private isValid(shape: Shape, value: unknown): boolean {
    if (value === null || value === undefined) return true;
    if (typeof shape === 'string') return fitsSimple(shape, value);
    if ('list' in shape) {
      if (!Array.isArray(value) || !this.facetsHold(shape, value, value.length)) return false;
      for (const item of value as unknown[]) {
        if (item === null || item === undefined || !this.isValid(shape.list, item)) return false;
      }
      return true;
    }
    if ('type' in shape) {
      if (!fitsSimple(shape.type, value)) return false;
      return this.facetsHold(
        shape,
        value,
        shape.length && typeof value === 'string' ? codePointLength(value) : undefined,
      );
    }
    if (!isObject(value)) return false;
    if ('map' in shape) {
      const entries = Object.entries(value);
      if (!this.facetsHold(shape, value, entries.length)) return false;
      for (const [, item] of entries) {
        if (item === null || item === undefined || !this.isValid(shape.map, item)) return false;
      }
      return true;
    }
    const structure = this.model.structures[shape.structure];
    if (!structure) return true;
    for (const member of structure.required) {
      if (value[member] === null || value[member] === undefined) return false;
    }
    const { byName, inherited } = this.memberShapesOf(shape.structure, structure);
    // A member named as an Object.prototype property and absent from the input is read as `check` reads it
    // (inherited). Before the loop below, which may delete the input's own null one: `check` reads each once.
    for (const [member, memberShape] of inherited) {
      if (Object.hasOwn(value, member)) continue;
      if (!this.isValid(memberShape, value[member])) return false;
    }
    // for-in reads what `check` reads of a member the input has: inputs are parsed data (enumerable members).
    for (const key in value) {
      const memberShape = byName.get(key);
      if (memberShape === undefined) continue;
      const item = value[key];
      if (item === null) delete value[key];
      else if (!this.isValid(memberShape, item)) return false;
    }
    return true;
  }

  /** Whether `checkFacets` would record nothing. */
  private facetsHold(facets: Facets, value: unknown, size: number | undefined): boolean {
    if (facets.enum && !facets.enum.includes(value as string | number)) return false;
    if (facets.length && size !== undefined) {
      const [min, max] = facets.length;
      if ((min !== null && size < min) || (max !== null && size > max)) return false;
    }
    if (facets.range && typeof value === 'number') {
      const [min, max] = facets.range;
      if ((min !== null && value < min) || (max !== null && value > max)) return false;
    }
    if (facets.pattern !== undefined && typeof value === 'string') {
      const pattern = this.compiled(facets.pattern);
      if (pattern && !pattern.test(value)) return false;
    }
    return true;
  }

  /** A structure's members by name, made once per structure, for `isValid`. */
  private memberShapesOf(name: string, structure: StructureShape): MemberShapes {
    let shapes = this.memberShapes.get(name);
    if (!shapes) {
      const members = Object.entries(structure.members);
      shapes = { byName: new Map(members), inherited: members.filter(([member]) => member in Object.prototype) };
      this.memberShapes.set(name, shapes);
    }
    return shapes;
  }

  /** A structure's members as a list, made once per structure (not an `Object.entries` per value checked). */
  private membersOf(name: string, structure: StructureShape): readonly (readonly [string, Shape])[] {
    let members = this.members.get(name);
    if (!members) {
      members = Object.entries(structure.members);
      this.members.set(name, members);
    }
    return members;
  }

  private checkSimple(
    type: SimpleType,
    facets: Facets | undefined,
    value: unknown,
    path: string,
    problems: string[],
    secret: boolean,
  ): void {
    if (!fitsSimple(type, value)) throw this.mismatch(path, DESCRIPTIONS[type], value);
    if (!facets) return;
    // Lengths count code points, as AWS does; only worked out when a length is constrained.
    const size = facets.length && typeof value === 'string' ? codePointLength(value) : undefined;
    this.checkFacets(facets, value, size, path, problems, secret || facets.sensitive === true);
  }

  private checkFacets(
    facets: Facets,
    value: unknown,
    size: number | undefined,
    path: string,
    problems: string[],
    secret: boolean,
  ) {
    // A secret's value is not repeated in the answer (nor, so, in any log of it).
    const fail = (constraint: string) =>
      problems.push(secret ? sensitiveViolation(path, constraint) : violation(path, value, constraint));
    if (facets.enum && !facets.enum.includes(value as string | number)) {
      fail(`Member must satisfy enum value set: [${facets.enum.join(', ')}]`);
    }
    if (facets.length && size !== undefined) {
      const [min, max] = facets.length;
      if (min !== null && size < min) fail(`Member must have length greater than or equal to ${min}`);
      if (max !== null && size > max) fail(`Member must have length less than or equal to ${max}`);
    }
    if (facets.range && typeof value === 'number') {
      const [min, max] = facets.range;
      if (min !== null && value < min) fail(`Member must have value greater than or equal to ${min}`);
      if (max !== null && value > max) fail(`Member must have value less than or equal to ${max}`);
    }
    if (facets.pattern !== undefined && typeof value === 'string') {
      const pattern = this.compiled(facets.pattern);
      if (pattern && !pattern.test(value)) fail(`Member must satisfy regular expression pattern: ${facets.pattern}`);
    }
  }

  /** Patterns are compiled on first use (start-up stays fast), anchored as AWS's front end matches them. */
  private compiled(source: string): RegExp | null {
    let pattern = this.patterns.get(source);
    if (pattern === undefined) {
      pattern = compilePattern(source);
      this.patterns.set(source, pattern);
    }
    return pattern;
  }

  private mismatch(path: string, expected: string, value: unknown): ServiceError {
    return this.error('typeMismatch', `Value at '${path}' must be ${expected}, not ${jsonType(value)}.`);
  }
}

/** A structure's members by name, and those that an object without them inherits a value for. */
interface MemberShapes {
  readonly byName: ReadonlyMap<string, Shape>;
  readonly inherited: readonly (readonly [string, Shape])[];
}

/**
 * A model pattern (Java syntax) as a JavaScript RegExp: with the `u` flag where it compiles (`\p{L}` needs it),
 * else without (Java allows escapes such as `\:` that `u` refuses); null if neither compiles, which the
 * generator does not let happen.
 */
export function compilePattern(source: string): RegExp | null {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(`^(?:${source})$`, flags);
    } catch {
      // try the next flags
    }
  }
  return null;
}

const DESCRIPTIONS: Readonly<Record<SimpleType, string>> = {
  string: 'a string',
  blob: 'a base64 string',
  number: 'a number',
  timestamp: 'a number',
  boolean: 'a boolean',
  document: 'a document',
};

function fitsSimple(type: SimpleType, value: unknown): boolean {
  switch (type) {
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

/** `[...text].length` without making the array: a surrogate pair is one code point, a lone surrogate one. */
export function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) {
      const before = text.charCodeAt(i - 1);
      if (before >= 0xd800 && before <= 0xdbff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
