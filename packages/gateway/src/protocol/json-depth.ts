/**
 * The deepest nesting of arrays and objects an AWS JSON request body may have. The deepest shape of
 * ECS's and Logs' models is under 10 levels; free-form documents (ECS's `hookDetails`) are the only
 * reason to allow more. A bound keeps every recursive consumer of the input (schema validators,
 * message formatting, persistence) far from the stack limit.
 */
export const MAX_JSON_DEPTH = 100;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether JSON text nests arrays and objects deeper than `max`, decided by one pass over the text
 * (brackets inside strings do not count), so a hostile body is refused before it is parsed.
 */
export function exceedsJsonDepth(text: string, max: number): boolean {
  if (!hasMoreOpenings(text, max)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether the text has more than `max` of `{` and `[` in all (in strings or not): without that many it
 * cannot nest deeper, and counting them is a few native searches where the scan above steps through
 * every character (~2 µs of a 350-byte RegisterTaskDefinition body, half the cost of its JSON.parse).
 */
function hasMoreOpenings(text: string, max: number): boolean {
  let count = 0;
  for (const opening of ['{', '[']) {
    for (let at = text.indexOf(opening); at >= 0; at = text.indexOf(opening, at + 1)) {
      if (++count > max) return true;
    }
  }
  return false;
}
