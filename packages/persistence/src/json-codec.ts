/*
 * The one place records become text and back. JSON has no dates, and providers store AWS SDK shapes
 * whose timestamps are `Date`s, so a Date is written as `{"$date": "<ISO 8601>"}` and revived on
 * read. An object whose only key is `$date` is therefore reserved.
 */

const DATE_MARKER = '$date';

/** JSON text of a record. Throws a TypeError if the value has no JSON form. */
export function encodeValue(value: unknown): string {
  const json = stringifyWithDateMarkers(value);
  if (json === undefined) throw new TypeError(`a ${typeof value} cannot be stored: records must be JSON values`);
  return json;
}

function dateMarker(this: Date): { [DATE_MARKER]: string | null } {
  return { [DATE_MARKER]: Number.isNaN(this.getTime()) ? null : this.toISOString() };
}

/** The prototypes of this realm's Dates and of those `structuredClone` makes (another realm in a vm context). */
const DATE_PROTOTYPES: readonly Date[] = [
  ...new Set([Date.prototype, Object.getPrototypeOf(structuredClone(new Date(0))) as Date]),
];

/**
 * JSON.stringify calls a Date's `toJSON`: for the length of this synchronous call it gives the marker.
 * About twice as fast as a replacer function, which V8 calls for every member of the record.
 */
function stringifyWithDateMarkers(value: unknown): string | undefined {
  const saved = DATE_PROTOTYPES.map((prototype) => prototype.toJSON);
  for (const prototype of DATE_PROTOTYPES) prototype.toJSON = dateMarker as unknown as Date['toJSON'];
  try {
    return JSON.stringify(value);
  } finally {
    DATE_PROTOTYPES.forEach((prototype, i) => (prototype.toJSON = saved[i]!));
  }
}

/**
 * A record read back from disk and not read since: decoded (Dates revived, frozen) on first read, and
 * written to a new snapshot from its text without being decoded at all. Start-up then costs finding
 * each record's table and key, not building every object of a large state. Holds either the record's
 * JSON text or JSON.parse's output (a journal line is parsed whole, to tell a torn line).
 */
export class Undecoded {
  constructor(
    private readonly text: string | undefined,
    private readonly parsed?: unknown,
  ) {}

  decode(): unknown {
    return this.text !== undefined ? decodeValue(this.text) : reviveAndFreeze(this.parsed);
  }

  json(): string {
    // JSON.parse's output still holds `{"$date": …}` markers as plain objects, so it writes back as read.
    return this.text ?? JSON.stringify(this.parsed);
  }
}

/** Parses JSON text written by `encodeValue` (or a line containing such values): Dates revived, everything frozen. */
export function decodeValue(json: string): unknown {
  return reviveAndFreeze(JSON.parse(json));
}

// One walk after JSON.parse: about three times faster than a JSON.parse reviver, which counts at startup.
function reviveAndFreeze(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveAndFreeze(value[i]);
    return Object.freeze(value);
  }
  if (isDateMarker(value)) return Object.freeze(new Date(value[DATE_MARKER] ?? NaN));
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const child = record[key];
    const revived = reviveAndFreeze(child);
    // defineProperty, not assignment: a key named `__proto__` must stay a plain property.
    if (revived !== child)
      Object.defineProperty(record, key, { value: revived, enumerable: true, writable: true, configurable: true });
  }
  return Object.freeze(record);
}

function isDateMarker(value: object): value is { [DATE_MARKER]: string | null } {
  if (Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, DATE_MARKER)) return false;
  const marker = (value as Record<string, unknown>)[DATE_MARKER];
  return (typeof marker === 'string' || marker === null) && Object.keys(value).length === 1;
}
