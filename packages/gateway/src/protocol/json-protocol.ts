import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ServiceError } from '../plugin/service-error';
import { SerializationError, UnsupportedMediaTypeError } from '../errors';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from './json-depth';
import { writeText } from './http';

const JSON_CONTENT_TYPES = ['application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'application/json'];

/** Checks the Content-Type of an AWS JSON request; a missing one is accepted, as AWS does for empty bodies. */
export function assertJsonContentType(contentType: string | undefined): void {
  if (!contentType) return;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (!JSON_CONTENT_TYPES.includes(mediaType)) {
    throw new UnsupportedMediaTypeError(
      `Unsupported Content-Type '${mediaType}': AWS JSON requests use application/x-amz-json-1.1.`,
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
/** The texts of reusable values met by the serializeJson call running now (undefined outside one). */
let collected: string[] | undefined;
/** The reusable value whose own text is being written (its `toJSON` must then answer itself). */
let writing: object | undefined;
const texts = new WeakMap<object, string>();

function reusableToJson(this: object): unknown {
  return placeholderOf(this);
}

function placeholderOf(value: object): unknown {
  if (!collected || writing === value) return value;
  let text = texts.get(value);
  if (text === undefined) {
    const outer = collected;
    collected = undefined;
    writing = value;
    try {
      text = JSON.stringify(value);
    } finally {
      writing = undefined;
      collected = outer;
    }
    texts.set(value, text);
  }
  collected.push(text);
  return `${TOKEN_PREFIX}${collected.length - 1}`;
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

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member);
  return value;
}

/** Puts the reusable values' texts where serializeJson's tokens for them are, in order. */
function spliceTexts(json: string, values: readonly string[]): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < values.length; i++) {
    const token = `"${TOKEN_PREFIX}${i}"`;
    const at = json.indexOf(token, from);
    out += json.slice(from, at) + values[i]!;
    from = at + token.length;
  }
  return out + json.slice(from);
}

/**
 * The response body. JSON.stringify calls a Date's `toJSON`, so for the length of this synchronous
 * call Date.prototype.toJSON gives epoch seconds: about twice as fast as a replacer function, which
 * V8 calls for every member of the output. A reusable value (`reusableJson`) is written as a token, then
 * replaced by its kept text.
 */
export function serializeJson(output: unknown): string {
  const saved = DATE_PROTOTYPES.map((prototype) => prototype.toJSON);
  for (const prototype of DATE_PROTOTYPES) prototype.toJSON = epochSeconds as unknown as Date['toJSON'];
  const values: string[] = [];
  collected = values;
  let json: string;
  try {
    json = JSON.stringify(output ?? {});
  } finally {
    collected = undefined;
    DATE_PROTOTYPES.forEach((prototype, i) => (prototype.toJSON = saved[i]!));
  }
  return values.length === 0 ? json : spliceTexts(json, values);
}

export function sendJsonResult(res: ServerResponse, contentType: string, output: unknown): void {
  writeText(res, 200, contentType, serializeJson(output));
}

/** AWS JSON error shape: `__type` and `message` in the body, the code in `x-amzn-ErrorType`. */
export function sendJsonError(res: ServerResponse, contentType: string, error: ServiceError): void {
  res.setHeader('x-amzn-ErrorType', error.code);
  writeText(res, error.statusCode, contentType, JSON.stringify({ __type: error.code, message: error.message }));
}
