import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ServiceError } from '../plugin/service-error';
import { SerializationError, UnsupportedMediaTypeError } from '../errors';
import { truncateText } from '../plugin/value-preview';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from './json-depth';
import { textOfChunks, writeChunks, writeText } from './http';

const JSON_CONTENT_TYPES = ['application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'application/json'];

/** Checks the Content-Type of an AWS JSON request; a missing one is accepted, as AWS does for empty bodies. */
export function assertJsonContentType(contentType: string | undefined): void {
  // What the AWS SDKs send (ECS, Logs), without taking it apart first.
  if (!contentType || contentType === JSON_CONTENT_TYPES[0]) return;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (!JSON_CONTENT_TYPES.includes(mediaType)) {
    throw new UnsupportedMediaTypeError(
      `Unsupported Content-Type '${truncateText(mediaType)}': AWS JSON requests use application/x-amz-json-1.1.`,
    );
  }
}

/** Parses an AWS JSON request body; an empty body is an empty input structure. */
export function parseJsonBody(body: Buffer | undefined): Record<string, unknown> {
  if (!body || body.length === 0) return {};
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  if (exceedsJsonDepth(text, MAX_JSON_DEPTH)) {
    throw new SerializationError(`The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SerializationError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SerializationError('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** AWS JSON carries timestamps as epoch seconds. */
function epochSeconds(this: Date): number {
  return this.getTime() / 1000;
}

/**
 * The Date prototypes whose `toJSON` serializeJson replaces: this realm's, and that of the Dates
 * `structuredClone` makes, which is another realm's where this code runs in a vm context (jest).
 */
const DATE_PROTOTYPES: readonly Date[] = [
  ...new Set([Date.prototype, Object.getPrototypeOf(structuredClone(new Date(0))) as Date]),
];

/** What a reusable value's `toJSON` stands in for while serializeJson runs: see `reusableJson`. */
const TOKEN_PREFIX = `@@localcloud-json:${randomBytes(8).toString('hex')}:`;
/**
 * The texts of reusable values and arrays in pieces met by the serializeJson call running now (undefined
 * outside one), each one token's bytes.
 */
let collected: (Buffer | readonly Buffer[])[] | undefined;
/** The reusable value whose own text is being written (its `toJSON` must then answer itself). */
let writing: object | undefined;
/**
 * Each reusable value's text as UTF-8 bytes, each in a buffer of its own (not a range of Node's shared
 * pool, which would keep a whole 8 KiB slab alive for one text): an answer made of many of them is
 * written to the socket as they are, without joining them into one large string first (see `jsonBody`).
 */
const texts = new WeakMap<object, Buffer>();

function reusableToJson(this: object): unknown {
  return placeholderOf(this);
}

function placeholderOf(value: object): unknown {
  if (!collected || writing === value) return value;
  collected.push(keptText(value));
  return `${TOKEN_PREFIX}${collected.length - 1}`;
}

/** A reusable value's kept UTF-8 text, written now if it has none yet (called while serializeJson runs). */
function keptText(value: object): Buffer {
  let bytes = texts.get(value);
  if (bytes === undefined) {
    const outer = collected;
    collected = undefined;
    writing = value;
    try {
      const text = JSON.stringify(value);
      bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
      bytes.write(text, 'utf8');
    } finally {
      writing = undefined;
      collected = outer;
    }
    texts.set(value, bytes);
  }
  return bytes;
}

const isReusable = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && (value as { toJSON?: unknown }).toJSON === reusableToJson;

/** The brackets and commas around and between the kept texts of an array of reusable values. */
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

function reusableItemsToJson(this: readonly unknown[]): unknown {
  if (!collected) return this;
  // Any item that is not a reusable value: the array is written as usual (each reusable item its token).
  for (let i = 0; i < this.length; i++) if (!isReusable(this[i])) return this;
  const pieces: Buffer[] = [OPEN];
  for (let i = 0; i < this.length; i++) {
    if (i > 0) pieces.push(COMMA);
    pieces.push(keptText(this[i] as object));
  }
  pieces.push(CLOSE);
  collected.push(pieces);
  return `${TOKEN_PREFIX}${collected.length - 1}`;
}

/**
 * Marks an array of reusable values (DescribeTasks' 100 task descriptions) to be written as one token:
 * the kept texts with the brackets and commas between them, the same bytes as the array written item
 * by item, without a `toJSON` call, a token and its search in the text per item. An array holding
 * anything else is written as usual. The array is unchanged otherwise.
 */
export function reusableItems<T extends unknown[]>(items: T): T {
  Object.defineProperty(items, 'toJSON', { value: reusableItemsToJson, enumerable: false });
  return items;
}

/**
 * Marks a value as unchanging, so that serializeJson writes its JSON text once and reuses it for as long
 * as the value lives (e.g. a task's description, asked for again and again by DescribeTasks polling while
 * the task does not change). The value is frozen, with the objects it holds that are not frozen yet
 * (frozen ones are taken to be frozen all the way down, as the store's records are). To any other reader
 * it stays a plain object: JSON.stringify elsewhere writes it as usual.
 */
export function reusableJson<T extends object>(value: T): T {
  Object.defineProperty(value, 'toJSON', { value: reusableToJson, enumerable: false });
  return deepFreeze(value);
}

/** At most this many items of an array in pieces are serialised at once (see `jsonInPieces`). */
const ITEMS_PER_PIECE = 256;

function piecesToJson(this: readonly unknown[]): unknown {
  if (!collected) return this;
  const outer = collected;
  collected = undefined;
  const pieces: Buffer[] = [];
  try {
    for (let from = 0; from === 0 || from < this.length; from += ITEMS_PER_PIECE) {
      const to = Math.min(this.length, from + ITEMS_PER_PIECE);
      const text = JSON.stringify(this.slice(from, to));
      const bytes = Buffer.byteLength(text, 'utf8');
      // ASCII text (UTF-8 size = length) is copied as Latin-1, the same bytes, as writeText does.
      let piece = Buffer.from(text, bytes === text.length ? 'latin1' : 'utf8');
      // Each piece is `[...]`: the next one's `[` becomes the comma between them, and only the last keeps `]`.
      if (from > 0) piece[0] = 0x2c;
      if (to < this.length) piece = piece.subarray(0, piece.length - 1);
      pieces.push(piece);
    }
  } finally {
    collected = outer;
  }
  outer.push(pieces);
  return `${TOKEN_PREFIX}${outer.length - 1}`;
}

/**
 * Marks a large array (GetLogEvents' page of up to 10,000 events, ~1 MB) to be serialised a few hundred
 * items at a time, each piece encoded into a Buffer of its own and written to the socket as it is. As one
 * text, the page was a JSON.stringify rope that counting its bytes flattened into a new 1 MB string, then
 * copied once more into a new 1 MB Buffer: each too large for V8's young generation or malloc's reused
 * heap, so each fresh pages to fault in, ~3 times the work of serialising it (docs/benchmarks.md, "awslogs
 * answers in pieces"). A piece is ~40 KB, young and reused. The array is unchanged otherwise, and
 * JSON.stringify outside serializeJson writes it as usual. Items are written as JSON.stringify writes
 * them inside serializeJson (Dates as epoch seconds); reusable values inside are written in full.
 */
export function jsonInPieces<T extends unknown[]>(items: T): T {
  Object.defineProperty(items, 'toJSON', { value: piecesToJson, enumerable: false });
  return items;
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member);
  return value;
}

/** An answer holding reusable values: its text's pieces in order, and their length in UTF-8 bytes. */
export interface JsonChunks {
  readonly chunks: readonly (string | Buffer)[];
  readonly byteLength: number;
}

/**
 * Cuts serializeJson's text at its tokens: the text between them, and each reusable value's kept bytes or
 * an array's pieces.
 */
function chunksOf(json: string, values: readonly (Buffer | readonly Buffer[])[]): JsonChunks {
  const chunks: (string | Buffer)[] = [];
  let byteLength = 0;
  let from = 0;
  for (let i = 0; i < values.length; i++) {
    const token = `"${TOKEN_PREFIX}${i}"`;
    const at = json.indexOf(token, from);
    if (at > from) {
      const text = json.slice(from, at);
      chunks.push(text);
      byteLength += Buffer.byteLength(text, 'utf8');
    }
    const value = values[i]!;
    if (Buffer.isBuffer(value)) {
      chunks.push(value);
      byteLength += value.length;
    } else {
      for (const piece of value) {
        chunks.push(piece);
        byteLength += piece.length;
      }
    }
    from = at + token.length;
  }
  if (from < json.length) {
    const text = json.slice(from);
    chunks.push(text);
    byteLength += Buffer.byteLength(text, 'utf8');
  }
  return { chunks, byteLength };
}

/**
 * The response body: its text, or its pieces when it holds reusable values. JSON.stringify calls a
 * Date's `toJSON`, so for the length of this synchronous call Date.prototype.toJSON gives epoch seconds:
 * about twice as fast as a replacer function, which V8 calls for every member of the output. A reusable
 * value (`reusableJson`) is written as a token, and the answer is then its text cut at the tokens, with
 * each value's kept bytes in place of its token. Those pieces go to the socket as they are: joining them
 * first (DescribeTasks of 100 tasks is ~140 KB) made a string too large for V8's young generation, then
 * Node made its UTF-8 copy to write, and each of those large allocations faulted in fresh pages; that was
 * most of such a request's CPU (docs/benchmarks.md, "DescribeTasks' answer written in pieces").
 */
export function jsonBody(output: unknown): string | JsonChunks {
  // Plain loops over the prototypes, not map/forEach with closures: this runs for every JSON answer.
  const saved: Date['toJSON'][] = [];
  for (const prototype of DATE_PROTOTYPES) {
    saved.push(prototype.toJSON);
    prototype.toJSON = epochSeconds as unknown as Date['toJSON'];
  }
  const values: (Buffer | readonly Buffer[])[] = [];
  collected = values;
  let json: string;
  try {
    json = JSON.stringify(output ?? {});
  } finally {
    collected = undefined;
    for (let i = 0; i < DATE_PROTOTYPES.length; i++) DATE_PROTOTYPES[i]!.toJSON = saved[i]!;
  }
  return values.length === 0 ? json : chunksOf(json, values);
}

/** The response body as one text (`jsonBody`'s pieces joined). */
export function serializeJson(output: unknown): string {
  const body = jsonBody(output);
  return typeof body === 'string' ? body : textOfChunks(body.chunks);
}

export function sendJsonResult(res: ServerResponse, contentType: string, output: unknown): void {
  const body = jsonBody(output);
  if (typeof body === 'string') writeText(res, 200, contentType, body);
  else writeChunks(res, 200, contentType, body.chunks, body.byteLength);
}

/** AWS JSON error shape: `__type` and `message` in the body, the code in `x-amzn-ErrorType`. */
export function sendJsonError(res: ServerResponse, contentType: string, error: ServiceError): void {
  res.setHeader('x-amzn-ErrorType', error.code);
  writeText(res, error.statusCode, contentType, jsonErrorBody(error));
}

/** The body of an AWS JSON error: `__type` and `message`. */
export function jsonErrorBody(error: ServiceError): string {
  return JSON.stringify({ __type: error.code, message: error.message });
}
