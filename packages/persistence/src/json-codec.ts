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
 * The plain objects (not arrays) this module made (copies a put stores, records it decodes), all frozen
 * all the way down: a put meeting one again (`{ ...stored, status }` keeps the stored members) keeps it
 * without walking it. A private field, not a WeakSet: it costs one property on the object rather than
 * one entry per stored object in a table the collector processes on every mark, and no code outside this
 * class can set it. Arrays are not marked: the field needs a property store of its own on an array
 * (measured: +17% heap per stored task definition, which every collection then copies or marks), and an
 * array's check is one level (its items are marked objects or primitives).
 */
class StoredBrand {
  // A base constructor returning its argument makes `new StoredMark(object)` add the private field to `object`.
  constructor(object: object) {
    return object;
  }
}
class StoredMark extends StoredBrand {
  #stored = true;
  static isStored(value: object): boolean {
    return #stored in value;
  }
  /** Marks and freezes a plain object (or StoredDate) this module just made, before anything else can see it. */
  static seal<T extends object>(object: T): T {
    new StoredMark(object);
    return Object.freeze(object);
  }
}

const isStored = (value: object): boolean => StoredMark.isStored(value);
const seal = <T extends object>(object: T): T => StoredMark.seal(object);

const IMMUTABLE = 'a stored Date cannot change: put a record with a new Date instead';

/**
 * The Date a record holds. Freezing a Date does not stop `setTime` (its time is an internal slot, not a
 * property), so a stored Date's setters throw instead: what a read gives stays what a restart would.
 * It is a Date in every other way (`instanceof Date`, `getTime`, JSON and structuredClone as a Date's).
 * (`Date.prototype.setTime.call(stored, …)` still reaches the slot; nothing in JavaScript can stop that.)
 */
export class StoredDate extends Date {
  override setTime(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setMilliseconds(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setUTCMilliseconds(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setSeconds(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setUTCSeconds(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setMinutes(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setUTCMinutes(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setHours(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setUTCHours(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setDate(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setUTCDate(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setMonth(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setUTCMonth(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setFullYear(): number {
    throw new TypeError(IMMUTABLE);
  }
  override setUTCFullYear(): number {
    throw new TypeError(IMMUTABLE);
  }
}
// Annex B's setYear, which TypeScript's Date type does not declare.
Object.defineProperty(StoredDate.prototype, 'setYear', {
  value: function setYear(): never {
    throw new TypeError(IMMUTABLE);
  },
  writable: true,
  configurable: true,
});

function storedDate(time: number): StoredDate {
  return seal(new StoredDate(time));
}

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
    /** The names of the members a snapshot wrote beside the value, if it did (SnapshotMembers). */
    private readonly memberNames: readonly string[] | undefined,
    /** Where those members' JSON object begins in `bytes`; it ends at the comma just before `start`. */
    private readonly membersStart: number,
  ) {}

  /**
   * The value whose JSON text is `bytes[start, stop)` (kept, not copied); `memberNames`, the members whose
   * JSON a snapshot wrote at `bytes[membersStart, start - 1)` (read when asked for, not at open: held as
   * bytes, they cost the heap nothing).
   */
  static ofBytes(
    bytes: Buffer,
    start: number,
    stop: number,
    memberNames?: readonly string[],
    membersStart = 0,
  ): Undecoded {
    return new Undecoded(bytes, start, stop, undefined, memberNames, membersStart);
  }

  /** A value JSON.parse gave, its `{"$date": …}` markers not yet revived. */
  static ofParsed(parsed: unknown): Undecoded {
    return new Undecoded(undefined, 0, 0, parsed, undefined, 0);
  }

  decode(): unknown {
    return this.bytes !== undefined ? decodeValue(this.json()) : reviveAndFreeze(this.parsed);
  }

  /** The length of its JSON text (in bytes when read from a file; in UTF-16 units for a parse's output). */
  byteLength(): number {
    return this.bytes !== undefined ? this.stop - this.start : this.json().length;
  }

  json(): string {
    // JSON.parse's output still holds `{"$date": …}` markers as plain objects, so it writes back as read.
    return this.bytes !== undefined ? this.bytes.toString('utf8', this.start, this.stop) : JSON.stringify(this.parsed);
  }

  /** The named members of the record (an object), decoded; the record itself stays as it is. */
  members(names: readonly string[]): Record<string, unknown> {
    const known = this.memberNames;
    if (known && this.bytes && (names === known || names.every((name) => known.includes(name))))
      return readMembers(this.bytes.toString('utf8', this.membersStart, this.start - 1), names);
    // Copies: reviving in place would leave Dates in `parsed`, which `json()` would then write as strings.
    if (this.bytes === undefined) return pickMembers(this.parsed, names, (value) => decodeValue(JSON.stringify(value)));
    return readMembers(this.json(), names);
  }
}

/**
 * Members of a record that a compaction writes beside it (`names`: those the table's snapshotMembers
 * names; `values`: those of them the record has, decoded), read back from the snapshot's bytes when asked.
 */
export interface KnownMembers {
  readonly names: readonly string[];
  readonly values: Readonly<Record<string, unknown>>;
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

/**
 * The value a put stores: what `decodeValue(encodeValue(value))` gives (Dates kept, members without a
 * JSON form dropped, everything frozen), made in one walk without the text. A put is on every request
 * that changes state, and the text round trip, with the garbage it leaves, was most of its cost; the
 * journal encodes the stored value once, when it appends it.
 *
 * Frozen parts that are already stored data (plain objects, arrays and JSON primitives, all the way
 * down) are kept as they are, not copied, so putting `{ ...old, x }` costs the new parts only. What a
 * read returns carries this module's mark (`StoredMark`) and is kept without a look inside; other frozen
 * data is checked member by member first. Anything else without an obvious JSON form (class instances, `toJSON`,
 * boxed values, non-finite numbers, BigInt, very deep or cyclic values) goes through JSON itself.
 * Throws a TypeError if the value has no JSON form.
 */
export function toStoredValue(value: unknown): unknown {
  const stored = storedCopy(value, 0);
  if (stored === OMITTED) throw new TypeError(`a ${typeof value} cannot be stored: records must be JSON values`);
  return stored;
}

/**
 * `toStoredValue(value)`, for a value many records will hold alike (a provider's shared list or
 * attribute, made once): the stored value, which a put then keeps as it is without a look inside. A stored
 * object carries the module's mark already; a stored array is remembered here (arrays are not marked), so
 * that a put does not check it member by member again (each check of a frozen array made its key list and
 * a property descriptor per item: ~0.3 kB per ECS registration). For values made once: each one is kept
 * for as long as it lives.
 */
export function sharedStoredValue<T>(value: T): T {
  const stored = toStoredValue(value);
  if (Array.isArray(stored)) sharedArrays.add(stored);
  return stored as T;
}
const sharedArrays = new WeakSet<object>();

/** JSON drops such a member from an object (and writes null in an array). */
const OMITTED: unique symbol = Symbol('omitted');
/**
 * Every stored empty array and object is one of these: records hold many (`mountPoints: []`, `volumes: []`
 * …), and each would be one more object for the garbage collector to copy and mark for as long as the record lives.
 */
const EMPTY_ARRAY: readonly unknown[] = seal([]);
const EMPTY_OBJECT: Readonly<Record<string, never>> = seal({});
/** Deeper than this, the walk hands over to JSON.stringify, which also reports a cycle as JSON does. */
const MAX_DEPTH = 200;

function storedCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes -0 as 0 and NaN/Infinity as null.
      return Number.isFinite(value) ? value + 0 : null;
    case 'undefined':
    case 'function':
    case 'symbol':
      return OMITTED;
    case 'bigint':
      return throughJson(value);
  }
  if (value === null) return null;
  const object = value as object;
  if (isStored(object)) return object;
  if (depth > MAX_DEPTH) return throughJson(object);
  if (Object.isFrozen(object) && (sharedArrays.has(object) || isStoredData(object, depth))) return object;
  if (Array.isArray(object)) {
    if (object.length === 0) return EMPTY_ARRAY;
    const copy = new Array<unknown>(object.length);
    for (let i = 0; i < object.length; i++) {
      const item = storedCopy(object[i], depth + 1);
      copy[i] = item === OMITTED ? null : item;
    }
    return Object.freeze(copy);
  }
  const prototype = Object.getPrototypeOf(object) as object | null;
  if (DATE_PROTOTYPES.includes(prototype as Date)) {
    const time = (object as Date).getTime();
    return storedDate(Number.isNaN(time) ? NaN : time);
  }
  if (!isPlainPrototype(prototype) || typeof (object as { toJSON?: unknown }).toJSON === 'function') {
    return throughJson(object);
  }
  const record = object as Record<string, unknown>;
  // The own enumerable keys, as Object.keys lists them, by for-in (V8's enum cache: no key list made per
  // object, ~0.8 kB of the young generation per Register) with an own-property check (for-in also visits
  // inherited enumerable keys, which a plain prototype of another realm could have). for-in takes its
  // keys when it starts, as Object.keys did, and skips an own key a getter deleted meanwhile, which the
  // list then read as undefined, a member JSON drops: the same copy, unless the prototype also holds that
  // key (the list read the inherited value, JSON too; this drops it). Records are data, made without
  // getters; that case takes a getter that deletes a sibling shadowing its prototype's.
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    if (!hasOwn.call(record, key)) continue;
    if (copy === undefined) {
      // `{"$date": …}` alone is how a Date is written: JSON would read it back as one. Decided on the key
      // list before any member is read, as before.
      if (key === DATE_MARKER) return copyByKeys(record, depth);
      copy = {};
    }
    copyMember(copy, key, record[key], depth);
  }
  return copy === undefined ? EMPTY_OBJECT : seal(copy);
}

const hasOwn = Object.prototype.hasOwnProperty;

/** The copy of an object whose first key is `$date`, by its key list (a Date's form if it is the only one). */
function copyByKeys(record: Record<string, unknown>, depth: number): unknown {
  const keys = Object.keys(record);
  if (keys.length === 1) return throughJson(record);
  const copy: Record<string, unknown> = {};
  for (const key of keys) copyMember(copy, key, record[key], depth);
  return seal(copy);
}

function copyMember(copy: Record<string, unknown>, key: string, value: unknown, depth: number): void {
  const member = storedCopy(value, depth + 1);
  if (member === OMITTED) return;
  // defineProperty, not assignment: a key named `__proto__` must stay a plain property.
  if (key === '__proto__') Object.defineProperty(copy, key, { value: member, enumerable: true, writable: true });
  else copy[key] = member;
}

/**
 * Whether a frozen object is already what storing it would give, so that what a read returns is exactly
 * what a restart gives back: plain objects and arrays of JSON primitives, frozen all the way down, with
 * no getters (one can answer differently later) and arrays with neither holes nor extra members (JSON
 * drops those). A Date never qualifies unless it is a marked StoredDate: freezing does not stop `setTime`.
 */
function isStoredData(object: object, depth: number): boolean {
  const prototype = Object.getPrototypeOf(object) as object | null;
  if (Array.isArray(object)) {
    if (!ARRAY_PROTOTYPES.includes(prototype as unknown[])) return false;
    // One key per index and no other: no holes, no extra members (the costliest check of a put).
    if (Object.keys(object).length !== object.length) return false;
    for (let i = 0; i < object.length; i++) {
      if (!isDataProperty(object, i) || !isStoredMember(object[i], depth)) return false;
    }
    return true;
  }
  // A stored object has Object.prototype (JSON.parse makes no null-prototype objects).
  if (prototype === null || !isPlainPrototype(prototype)) return false;
  const record = object as Record<string, unknown>;
  // for-in, not Reflect.ownKeys: it uses V8's enum cache, and the latter made a put of a task ~3x slower.
  for (const key in record) {
    if (key === DATE_MARKER || !isDataProperty(record, key)) return false;
    if (!isStoredMember(record[key], depth)) return false;
  }
  return true;
}

/** An own enumerable property with a value (not a getter or setter; for-in also visits inherited ones). */
function isDataProperty(object: object, key: string | number): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  return descriptor !== undefined && descriptor.enumerable === true && 'value' in descriptor;
}

/** Array.prototype of this realm and of the one `structuredClone` makes arrays in (as DATE_PROTOTYPES). */
const ARRAY_PROTOTYPES: readonly unknown[][] = [
  ...new Set([Array.prototype, Object.getPrototypeOf(structuredClone([])) as unknown[]]),
];

function isStoredMember(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      return (
        value === null ||
        isStored(value as object) ||
        (depth < MAX_DEPTH &&
          Object.isFrozen(value) &&
          (sharedArrays.has(value as object) || isStoredData(value as object, depth + 1)))
      );
    default:
      return false;
  }
}

/** Object.prototype of this realm or another (jest's tests run in a vm context), or none. */
function isPlainPrototype(prototype: object | null): boolean {
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** The exact JSON semantics, for the values the walk does not copy itself. */
function throughJson(value: unknown): unknown {
  const json = stringifyWithDateMarkers(value);
  return json === undefined ? OMITTED : decodeValue(json);
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
  if (isDateMarker(value)) return storedDate(new Date(value[DATE_MARKER] ?? NaN).getTime());
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const child = record[key];
    const revived = reviveAndFreeze(child);
    // defineProperty, not assignment: a key named `__proto__` must stay a plain property.
    if (revived !== child)
      Object.defineProperty(record, key, { value: revived, enumerable: true, writable: true, configurable: true });
  }
  return seal(record);
}

function isDateMarker(value: object): value is { [DATE_MARKER]: string | null } {
  if (Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, DATE_MARKER)) return false;
  const marker = (value as Record<string, unknown>)[DATE_MARKER];
  return (typeof marker === 'string' || marker === null) && Object.keys(value).length === 1;
}
