import { InvalidNextToken } from './errors';

/**
 * One page of `items` (already in a stable order) and the token for the next: an opaque offset, refused
 * when it was not one of ours.
 */
export function page<T>(items: readonly T[], maxResults: number, nextToken: string | undefined) {
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = /^ssm:(\d+)$/.exec(Buffer.from(nextToken, 'base64').toString('utf8'));
    if (!decoded) throw new InvalidNextToken('The specified token is not valid.');
    start = Number(decoded[1]);
  }
  const end = start + maxResults;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(`ssm:${end}`).toString('base64') : undefined,
  };
}
