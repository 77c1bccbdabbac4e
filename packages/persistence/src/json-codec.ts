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
 * bytes (a range of the buffer the file was read into: outside the V8 heap, so a large state neither
 * fills the heap nor slows its collections) or JSON.parse's output (from a journal line of several
 * changes, which is parsed whole to tell a torn line).
 */
export class Undecoded {
  private constructor(
    private readonly bytes: Buffer | undefined,
    private readonly start: number,
    private readonly stop: number,
    private readonly parsed: unknown,
  ) {}

  /** The value whose JSON text is `bytes[start, stop)` (kept, not copied). */
  static ofBytes(bytes: Buffer, start: number, stop: number): Undecoded {
    return new Undecoded(bytes, start, stop, undefined);
  }

  /** A value JSON.parse gave, its `{"$date": …}` markers not yet revived. */
  static ofParsed(parsed: unknown): Undecoded {
    return new Undecoded(undefined, 0, 0, parsed);
  }

  decode(): unknown {
    return this.bytes !== undefined ? decodeValue(this.json()) : reviveAndFreeze(this.parsed);
  }

  json(): string {
    // JSON.parse's output still holds `{"$date": …}` markers as plain objects, so it writes back as read.
    return this.bytes !== undefined ? this.bytes.toString('utf8', this.start, this.stop) : JSON.stringify(this.parsed);
  }

  /** The named members of the record (an object), decoded; the record itself stays as it is. */
  members(names: readonly string[]): Record<string, unknown> {
    // Copies: reviving in place would leave Dates in `parsed`, which `json()` would then write as strings.
    if (this.bytes === undefined) return pickMembers(this.parsed, names, (value) => decodeValue(JSON.stringify(value)));
    return readMembers(this.json(), names);
  }
}

/** The named members of a decoded record (or of JSON.parse output, through `revive`). */
export function pickMembers(
  record: unknown,
  names: readonly string[],
  revive: (value: unknown) => unknown = (value) => value,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return picked;
  for (const name of names) {
    if (Object.prototype.hasOwnProperty.call(record, name))
      picked[name] = revive((record as Record<string, unknown>)[name]);
  }
  return picked;
}

/**
 * The named top-level members of the JSON value `text` (as `encodeValue` writes it), each decoded;
 * nothing for a value that is not an object. JSON.parse builds the rest too, but only those members are
 * revived and kept: measured on 2 kB task records, this is faster than stepping over the other members
 * in JavaScript (V8's parser is that much quicker than a scan by `charCodeAt`), and leaves nothing on
 * the heap but what was asked for.
 */
export function readMembers(text: string, names: readonly string[]): Record<string, unknown> {
  return pickMembers(JSON.parse(text), names, reviveAndFreeze);
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
