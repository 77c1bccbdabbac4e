/**
 * CloudWatch Logs filter patterns for unstructured events, compiled once per request into a predicate:
 *
 * - empty (or only spaces): every event;
 * - terms: `ERROR Exception` — every term appears (case-sensitive substring);
 * - quoted phrases: `"Failed to start"` — the exact text, spaces and symbols included (`\"` escapes a quote);
 * - alternatives: `?ERROR ?WARN` — any of them; a term after a `?` term joins its alternative, so
 *   `?ERROR db ?WARN cache` is (ERROR and db) or (WARN and cache);
 * - exclusions: `ERROR -Retrying` — ERROR but not Retrying;
 * - a regular expression: `%time(out|d out)%`;
 * - JSON patterns `{ … }` and space-delimited patterns `[ … ]`: see json-pattern.ts and delimited-pattern.ts.
 */
import { compileJsonPattern } from './json-pattern';
import { compileDelimitedPattern } from './delimited-pattern';
import { FilterPatternError } from './pattern-values';

export { FilterPatternError };
export type EventMatcher = (message: string) => boolean;

const matchAll: EventMatcher = () => true;

export function compileFilterPattern(pattern: string | undefined): EventMatcher {
  const text = (pattern ?? '').trim();
  if (text === '' || text === '""') return matchAll;
  if (text.startsWith('{')) return compileJsonPattern(text);
  if (text.startsWith('[')) return compileDelimitedPattern(text);
  if (text.length >= 2 && text.startsWith('%') && text.endsWith('%')) return compileRegex(text.slice(1, -1));
  return compileTerms(text);
}

interface Term {
  readonly text: string;
  readonly exclude: boolean;
  readonly alternative: boolean;
}

function compileTerms(text: string): EventMatcher {
  const terms = tokenize(text);
  // Groups of terms that must all hold; the event matches when any group does.
  const groups: Term[][] = [];
  for (const term of terms) {
    if (term.alternative || groups.length === 0) groups.push([term]);
    else groups[groups.length - 1]!.push(term);
  }
  return (message) =>
    groups.some((group) =>
      group.every((term) => (term.text === '' ? true : message.includes(term.text) !== term.exclude)),
    );
}

export function tokenize(text: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    let alternative = false;
    let exclude = false;
    if (text[i] === '?') {
      alternative = true;
      i++;
    } else if (text[i] === '-' && i + 1 < text.length && !/\s/.test(text[i + 1]!)) {
      exclude = true;
      i++;
    }
    let term = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '\\' && i + 1 < text.length) {
          term += text[i + 1];
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          term += c;
          i++;
        }
      }
      if (!closed) throw new FilterPatternError(`Invalid filter pattern: a quoted term is not closed in '${text}'.`);
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) term += text[i++];
    }
    terms.push({ text: term, exclude, alternative });
  }
  return terms;
}

function compileRegex(source: string): EventMatcher {
  let regex: RegExp;
  try {
    regex = new RegExp(source);
  } catch (error) {
    throw new FilterPatternError(`Invalid regular expression in filter pattern: ${(error as Error).message}`);
  }
  return (message) => regex.test(message);
}
