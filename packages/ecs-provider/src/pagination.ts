import { InvalidParameterException } from './errors';

/** What a paginated ECS list request carries. */
export interface PageRequest {
  readonly maxResults?: number;
  readonly nextToken?: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

interface Cursor {
  /** The listing the token belongs to: a token of one listing is refused by another. */
  readonly l: string;
  /** Key of the last item returned. */
  readonly k: string;
  /** Its position, used when that item is gone by the time the next page is asked for. */
  readonly o: number;
}

/**
 * Cuts one page out of an already ordered list. The token is opaque to clients (base64 of the last key
 * returned), so a page continues after the last item seen even when items were added or removed meanwhile.
 */
export function paginate<T>(
  listing: string,
  items: readonly T[],
  keyOf: (item: T) => string,
  request: PageRequest,
  limits: { readonly defaultSize: number; readonly maxSize: number },
): Page<T> {
  const size = request.maxResults ?? limits.defaultSize;
  if (!Number.isInteger(size) || size < 1 || size > limits.maxSize) {
    throw new InvalidParameterException(`maxResults must be an integer between 1 and ${limits.maxSize}.`);
  }
  let start = 0;
  if (request.nextToken !== undefined) {
    const cursor = decodeCursor(request.nextToken, listing);
    const index = items.findIndex((item) => keyOf(item) === cursor.k);
    start = index >= 0 ? index + 1 : Math.min(cursor.o + 1, items.length);
  }
  const page = items.slice(start, start + size);
  if (start + size >= items.length || page.length === 0) return { items: page };
  const last = page[page.length - 1]!;
  return { items: page, nextToken: encodeCursor({ l: listing, k: keyOf(last), o: start + page.length - 1 }) };
}

/**
 * One page of a listing kept in order by an index: `from(after)` yields the items strictly after the
 * cursor key `after` (from the first when undefined), in order, and is read only as far as the page
 * needs, so a page costs its own size however long the listing. `cursorOf(item)` is the key a next page
 * resumes after; it must place the item in the order even once the item is gone.
 */
export function paginateFrom<T>(
  listing: string,
  request: PageRequest,
  limits: { readonly defaultSize: number; readonly maxSize: number },
  cursorOf: (item: T) => string,
  from: (after: string | undefined) => Iterable<T>,
): Page<T> {
  const size = pageSize(request, limits);
  const after = cursorAfter(listing, request);
  const items: T[] = [];
  for (const item of from(after)) {
    if (items.length === size) {
      return { items, nextToken: nextTokenAfter(listing, cursorOf(items[items.length - 1]!)) };
    }
    items.push(item);
  }
  return { items };
}

/** The page size a request asks for (`maxResults`, or the default), refused outside 1 to `maxSize`. */
export function pageSize(
  request: PageRequest,
  limits: { readonly defaultSize: number; readonly maxSize: number },
): number {
  const size = request.maxResults ?? limits.defaultSize;
  if (!Number.isInteger(size) || size < 1 || size > limits.maxSize) {
    throw new InvalidParameterException(`maxResults must be an integer between 1 and ${limits.maxSize}.`);
  }
  return size;
}

/** The cursor key a request's `nextToken` resumes after (undefined without one); refuses another listing's token. */
export function cursorAfter(listing: string, request: PageRequest): string | undefined {
  return request.nextToken !== undefined ? decodeCursor(request.nextToken, listing).k : undefined;
}

/** The `nextToken` of a page of `listing` whose last item has the cursor key `key` (as paginateFrom makes it). */
export function nextTokenAfter(listing: string, key: string): string {
  return encodeCursor({ l: listing, k: key, o: 0 });
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(token: string, listing: string): Cursor {
  let cursor: Partial<Cursor> | undefined;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    cursor = undefined;
  }
  if (
    !cursor ||
    typeof cursor !== 'object' ||
    cursor.l !== listing ||
    typeof cursor.k !== 'string' ||
    !Number.isInteger(cursor.o) ||
    (cursor.o as number) < 0
  ) {
    throw new InvalidParameterException('Invalid nextToken: it was not returned by a previous call of this operation.');
  }
  return cursor as Cursor;
}
