import { InvalidInput } from './errors';

/** One page of `items` from an opaque `NextToken` (the offset, base64url), at most `max` long. */
export function page<T>(
  items: readonly T[],
  nextToken: string | undefined,
  maxResults: number | undefined,
  defaultMax = 100,
): { items: T[]; NextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw new InvalidInput('The NextToken is not valid.');
    start = decoded;
  }
  const max = maxResults ?? defaultMax;
  const slice = items.slice(start, start + max);
  const end = start + slice.length;
  return end < items.length
    ? { items: slice, NextToken: Buffer.from(String(end), 'utf8').toString('base64url') }
    : { items: slice };
}
