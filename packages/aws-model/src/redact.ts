import type { ServiceModel, Shape } from './model';

/** What a sensitive value is replaced with. */
export const REDACTED = '*** sensitive ***';

/**
 * A copy of an operation's input or output (as parsed from JSON) with every value the model marks
 * sensitive (Smithy's `sensitive` trait: secret values, passwords, tokens) replaced by REDACTED, whatever
 * its type: a sensitive list or structure is replaced whole. Members the model does not know are kept.
 */
export function redactSensitive(
  model: ServiceModel,
  operation: string,
  kind: 'input' | 'output',
  value: unknown,
): unknown {
  const structure = model.operations[operation]?.[kind];
  return structure ? redact(model, { structure }, value) : value;
}

function redact(model: ServiceModel, shape: Shape | undefined, value: unknown): unknown {
  if (value === null || value === undefined || shape === undefined || typeof shape === 'string') return value;
  if (shape.sensitive) return REDACTED;
  if (typeof value !== 'object') return value;
  if ('list' in shape) return Array.isArray(value) ? value.map((item) => redact(model, shape.list, item)) : value;
  if (Array.isArray(value)) return value;
  if ('map' in shape) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(model, shape.map, v)]));
  }
  if (!('structure' in shape)) return value;
  const members = model.structures[shape.structure]?.members ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // defineProperty: a member named `__proto__` stays a plain property.
    Object.defineProperty(out, key, {
      value: Object.prototype.hasOwnProperty.call(members, key) ? redact(model, members[key], v) : v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
