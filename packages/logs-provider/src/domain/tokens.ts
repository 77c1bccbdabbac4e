import type { Position } from '../store/event-order';
import { InvalidParameterException } from '../errors';

/*
 * Pagination tokens. GetLogEvents tokens have AWS's shape, `f/` or `b/` and 56 digits, and encode a position
 * in the stream (timestamp, then sequence number), so they stay valid as events arrive. Other operations'
 * tokens are opaque: base64url JSON of where the next page starts.
 */

export type Direction = 'f' | 'b';

const TIMESTAMP_DIGITS = 20;
const SEQ_DIGITS = 36;

export function encodeStreamToken(direction: Direction, position: Position): string {
  const timestamp = String(Math.max(0, Math.floor(position.timestamp))).padStart(TIMESTAMP_DIGITS, '0');
  const seq = String(Math.max(0, Math.floor(position.seq))).padStart(SEQ_DIGITS, '0');
  return `${direction}/${timestamp}${seq}`;
}

export function decodeStreamToken(token: string): { direction: Direction; position: Position } {
  const match = /^([fb])\/(\d{20})(\d{36})$/.exec(token);
  if (!match) throw invalidToken();
  return { direction: match[1] as Direction, position: { timestamp: Number(match[2]), seq: Number(match[3]) } };
}

export function encodePageToken(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Decodes a token made by encodePageToken and checks it with `isValid`. */
export function decodePageToken<T>(token: string, isValid: (value: any) => boolean): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  if (value === null || typeof value !== 'object' || !isValid(value)) throw invalidToken();
  return value as T;
}

function invalidToken() {
  return new InvalidParameterException('The specified nextToken is invalid.');
}
