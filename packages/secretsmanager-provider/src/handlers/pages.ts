import { InvalidNextTokenException } from '../errors';

/**
 * One page of a list, and the token of the next: the position in the list, which the caller hands back
 * unchanged. A token that does not decode is refused as AWS does.
 */
export function pageOf<T>(items: readonly T[], limit: number, token: string | undefined) {
  let start = 0;
  if (token !== undefined) {
    const decoded = /^\d{1,9}$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!decoded) throw new InvalidNextTokenException('The NextToken value is invalid.');
    start = Number(decoded[0]);
  }
  const end = start + limit;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}
