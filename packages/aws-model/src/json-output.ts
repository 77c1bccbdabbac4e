import { isDate, isUint8Array } from 'node:util/types';
import type { ServiceModel, Shape } from './model';

/**
 * Writes an operation's output in the JSON protocols' wire form, as the model describes it: timestamps as
 * epoch seconds unless the member's `format` says `date-time` (ISO 8601) or `http-date` (RFC 7231), blobs
 * (Uint8Array / Buffer) as base64. Members the model does not know are passed through, with the protocol's
 * defaults for dates and bytes. Returns a new value; the input is not changed.
 */
export function toJsonOutput(model: ServiceModel, operation: string, output: unknown): unknown {
  const structure = model.operations[operation]?.output;
  return convert(model, structure ? { structure } : undefined, output);
}

function convert(model: ServiceModel, shape: Shape | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (isDate(value)) return timestamp(value, typeof shape === 'object' && 'format' in shape ? shape.format : undefined);
  if (isUint8Array(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) {
    const item = typeof shape === 'object' && 'list' in shape ? shape.list : undefined;
    return value.map((v) => convert(model, item, v));
  }
  if (typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  if (typeof shape === 'object' && 'map' in shape) {
    for (const [key, v] of Object.entries(value)) out[key] = convert(model, shape.map, v);
    return out;
  }
  const members =
    typeof shape === 'object' && 'structure' in shape ? model.structures[shape.structure]?.members : undefined;
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined) out[key] = convert(model, members?.[key], v);
  }
  return out;
}

function timestamp(date: Date, format: 'date-time' | 'http-date' | 'epoch-seconds' | undefined): string | number {
  if (format === 'date-time') return date.toISOString();
  if (format === 'http-date') return date.toUTCString();
  return date.getTime() / 1000;
}
