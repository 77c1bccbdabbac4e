import type { InputModel, InputSchema } from '@localcloud/gateway/testing';
import type { Prng } from './prng';

/**
 * Request bodies built from an operation's input schema: "valid-ish" ones (required members present,
 * plausible values, shared names so operations meet each other's resources) reach the handlers; their
 * mutations (wrong types, missing members, bad enums, huge or deep values…) probe validation and the
 * odd-but-valid corners of the handlers.
 */
export interface BodyOptions {
  /** The value for members named `image`: a local image, so no fuzzed task pulls from a registry. */
  readonly image: string;
}

/** Stands in for a value JSON.stringify cannot produce (it would overflow the stack); see `toJsonText`. */
const DEEP_MARKER = '\u0000fuzz-deep:';

const NAMES = ['fuzz', 'fuzz-2', 'default', 'fuzz:1', 'arn:aws:ecs:us-east-1:000000000000:cluster/fuzz'];
const ODD_STRINGS = [
  '',
  ' ',
  'a'.repeat(300),
  '☃\u{1f600}',
  '../../etc/passwd',
  'arn:aws:logs:us-east-1:000000000000:log-group:fuzz',
  'arn:aws:ecs:us-east-1:000000000000:task/fuzz/0123456789abcdef',
  'arn:',
  '*',
  ':',
  '%00',
  'constructor',
  '__proto__',
  '-1',
];
/** Members the model leaves optional that handlers need (a container's name, image and memory). */
const NEEDED_IN_PRACTICE = new Set(['name', 'image', 'memory']);
/** Members the model types as strings that hold numbers (ECS task cpu and memory). */
const NUMERIC_STRINGS: Readonly<Record<string, readonly string[]>> = {
  cpu: ['256', '512', '1024', '1 vCPU', '0'],
  memory: ['512', '1024', '2048', '1 GB', '0'],
};
const NUMBERS = [0, 1, 2, 10, 100, -1, -100, 0.5, 1e-7, 2 ** 31, 2 ** 53 + 2, -(2 ** 31), 1e21, 1e308, -1e308];
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

export class SchemaBodies {
  private density = 0.35;
  /** How often a string is an odd one rather than a plausible name: 0 for bodies meant to succeed. */
  private oddness = 0.05;

  constructor(
    private readonly model: InputModel,
    private readonly options: BodyOptions,
  ) {}

  /** A plausible input for the operation. */
  validish(operation: string, rng: Prng): Record<string, unknown> {
    // Some bodies are sparse, some dense: dense ones carry the optional members handlers also need.
    this.density = rng.pick([0.1, 0.35, 0.7]);
    this.oddness = rng.pick([0, 0.05, 0.3]);
    const value = this.value(this.model.operations[operation] ?? {}, rng, 0, '');
    return isRecord(value) ? value : {};
  }

  /** A plausible input with 1–3 mutations applied. */
  mutated(operation: string, rng: Prng): Record<string, unknown> {
    const body = this.validish(operation, rng);
    for (let n = rng.int(1, 3); n > 0; n--) mutate(body, rng);
    return body;
  }

  private value(schema: InputSchema, rng: Prng, depth: number, member: string): unknown {
    const resolved = this.resolve(schema);
    if (resolved.const !== undefined) return resolved.const;
    if (resolved.enum) return rng.pick(resolved.enum);
    const union = resolved.anyOf ?? resolved.oneOf;
    if (union) return this.value(rng.pick(union), rng, depth + 1, member);
    switch (resolved.type) {
      case 'object':
        return this.object(resolved, rng, depth);
      case 'array': {
        const items =
          depth > 6
            ? 0
            : rng.weighted([
                [1, 0],
                [4, 1],
                [2, 2],
                [1, 3],
              ] as const);
        return Array.from({ length: items }, () => this.value(resolved.items ?? {}, rng, depth + 1, member));
      }
      case 'string':
        if (member === 'image') return this.options.image;
        if (member in NUMERIC_STRINGS) return rng.pick(NUMERIC_STRINGS[member]!);
        if (rng.chance(this.oddness)) return rng.pick(ODD_STRINGS);
        // Mostly one name, so operations meet the clusters, families and groups others created.
        return rng.chance(0.8) ? 'fuzz' : rng.pick(NAMES);
      case 'integer':
      case 'number':
        return rng.chance(0.6) ? rng.int(1, 512) : rng.pick(NUMBERS);
      case 'boolean':
        return rng.chance(0.5);
      case 'null':
        return null;
      default:
        return randomJson(rng, 2);
    }
  }

  private object(schema: InputSchema, rng: Prng, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      for (let n = depth > 6 ? 0 : rng.int(0, 2); n > 0; n--) {
        out[rng.pick([...NAMES, 'key'])] = this.value(schema.additionalProperties, rng, depth + 1, '');
      }
    }
    const required = new Set(schema.required ?? []);
    for (const [name, member] of Object.entries(schema.properties ?? {})) {
      // Optional members get rarer with depth, so bodies stay small but reach every level sometimes.
      const wanted = required.has(name) || NEEDED_IN_PRACTICE.has(name);
      if (wanted || (depth < 5 && rng.chance(this.density / (depth / 2 + 1)))) {
        out[name] = this.value(member, rng, depth + 1, name);
      }
    }
    return out;
  }

  private resolve(schema: InputSchema): InputSchema {
    let current = schema;
    for (let hops = 0; current.$ref && hops < 20; hops++) {
      current = this.model.definitions[current.$ref.replace('#/definitions/', '')] ?? {};
    }
    return current;
  }
}

/** Replaces one value somewhere in the body (or the body's members) with something the model does not expect. */
export function mutate(body: Record<string, unknown>, rng: Prng): void {
  const slots = slotsOf(body);
  const [parent, key] = rng.pick(slots);
  const kind = rng.pick(MUTATIONS);
  if (kind === 'remove') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key as string];
    return;
  }
  if (kind === 'odd-key') {
    const target = isRecord(parent[key as never]) ? (parent[key as never] as Record<string, unknown>) : body;
    // defineProperty: a plain assignment to `__proto__` would set the prototype, not a member.
    Object.defineProperty(target, rng.pick([...PROTO_KEYS, 'k'.repeat(100_000), '', '.']), {
      value: rng.pick([{ polluted: true }, 'x', 1, [] as unknown]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return;
  }
  (parent as Record<string, unknown>)[key as string] = badValue(kind, parent[key as never], rng);
}

const MUTATIONS = [
  'remove',
  'null',
  'wrong-type',
  'bad-enum',
  'huge-string',
  'deep',
  'empty',
  'extreme-number',
  'big-list',
  'odd-key',
  'odd-string',
] as const;

function badValue(kind: (typeof MUTATIONS)[number], current: unknown, rng: Prng): unknown {
  switch (kind) {
    case 'null':
      return null;
    case 'wrong-type':
      return rng.pick(
        [true, 7, -3.5, 'text', [], [1, 'two'], {}, { nested: { x: 1 } }].filter((v) => typeof v !== typeof current),
      );
    case 'bad-enum':
      return typeof current === 'string' ? current.toLowerCase() + '_NOT_IN_ENUM' : 'NOT_IN_ENUM';
    case 'huge-string':
      return 'x'.repeat(rng.pick([1_000, 70_000, 1_000_000]));
    case 'deep':
      return `${DEEP_MARKER}${rng.pick([20, 99, 150, 5_000])}:${rng.pick(['[', '{'])}`;
    case 'empty':
      return rng.pick(['', [], {}]);
    case 'extreme-number':
      return rng.pick([-1, 0, -(2 ** 63), 2 ** 63, 1e308, -1e308, 5e-324, 0.1, 2 ** 31, -(2 ** 31) - 1]);
    case 'big-list':
      return Array.from({ length: rng.pick([101, 1_000, 20_000]) }, (_, i) =>
        typeof current === 'object' ? {} : `item${i}`,
      );
    case 'odd-string':
      return rng.pick([...ODD_STRINGS, '\ud800', 'line\nbreak', '\u0000', 'tab\t']);
    default:
      return current;
  }
}

/** Every (container, key) position in the body, found iteratively; the body itself is always one. */
function slotsOf(body: Record<string, unknown>): Array<[Record<string, unknown> | unknown[], string | number]> {
  const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const pending: Array<Record<string, unknown> | unknown[]> = [body];
  while (pending.length > 0) {
    const container = pending.pop()!;
    for (const [key, value] of Object.entries(container)) {
      slots.push([container, Array.isArray(container) ? Number(key) : key]);
      if (value !== null && typeof value === 'object') pending.push(value as Record<string, unknown>);
    }
  }
  // With no members yet, a new one: an unknown member the model does not have.
  if (slots.length === 0) slots.push([body, 'unknownMember']);
  return slots;
}

/** JSON text of a body, with deep-nesting markers expanded textually (JSON.stringify could not nest that far). */
export function toJsonText(body: unknown): string {
  return JSON.stringify(body).replace(/"\\u0000fuzz-deep:(\d+):([[{])"/g, (_all, levels: string, open: string) =>
    deepJson(Number(levels), open as '[' | '{'),
  );
}

/** `levels` nested arrays or objects, as text. */
export function deepJson(levels: number, open: '[' | '{'): string {
  return open === '[' ? '['.repeat(levels) + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** A random JSON value of bounded depth. */
export function randomJson(rng: Prng, depth: number): unknown {
  const kind = depth <= 0 ? rng.int(0, 3) : rng.int(0, 5);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(NUMBERS);
    case 3:
      return rng.pick([...NAMES, ...ODD_STRINGS]);
    case 4:
      return Array.from({ length: rng.int(0, 3) }, () => randomJson(rng, depth - 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.int(0, 3) }, (_, i) => [`k${i}`, randomJson(rng, depth - 1)]));
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
