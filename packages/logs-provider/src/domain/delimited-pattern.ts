/**
 * Space-delimited filter patterns: `[ip, user, username, timestamp, request = "*.html*", status = 4*, bytes]`.
 * Fields bind in order to the event's space-separated words, where text in `[…]` or `"…"` is one word
 * (without its brackets or quotes); `...` binds any number of words. A field may carry conditions joined
 * with `&&` and `||` (`status = 404 || status = 410`); the event matches when the words bind and every
 * field's conditions hold.
 */
import { FilterPatternError, PatternLexer, compareValue, type Operator, type PatternValue } from './pattern-values';

type Condition =
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'compare'; readonly field: string; readonly operator: Operator; readonly value: PatternValue };

type Field =
  { readonly kind: 'ellipsis' } | { readonly kind: 'named'; readonly name: string; readonly condition?: Condition };

export function compileDelimitedPattern(text: string): (message: string) => boolean {
  const fail = (message: string) =>
    new FilterPatternError(`Invalid space-delimited filter pattern '${text}': ${message}.`);
  if (!text.endsWith(']')) throw fail("it must end with ']'");
  const lexer = new PatternLexer(text.slice(1, -1), fail);
  const fields: Field[] = [];
  while (!lexer.done) {
    if (lexer.accept('...')) fields.push({ kind: 'ellipsis' });
    else {
      const name = lexer.word(/[A-Za-z0-9_$@.-]/, 'a field name');
      const condition = lexer.peek(',') === undefined && !lexer.done ? parseOr(lexer, name) : undefined;
      fields.push({ kind: 'named', name, condition });
    }
    if (!lexer.done) lexer.expect(',');
  }
  return (message) => bind(fields, words(message), 0, 0, new Map());
}

function parseOr(lexer: PatternLexer, field: string): Condition {
  let node = parseAnd(lexer, field);
  while (lexer.accept('||')) node = { kind: 'or', left: node, right: parseAnd(lexer, field) };
  return node;
}

function parseAnd(lexer: PatternLexer, field: string): Condition {
  let node = parseCompare(lexer, field);
  while (lexer.accept('&&')) node = { kind: 'and', left: node, right: parseCompare(lexer, field) };
  return node;
}

/** `= 404` compares the field itself; `status = 404` after `&&`/`||` names a field. */
function parseCompare(lexer: PatternLexer, field: string): Condition {
  const named =
    lexer.peek('!=', '<=', '>=', '=', '<', '>') === undefined ? lexer.word(/[A-Za-z0-9_$@.-]/, 'a field name') : field;
  return { kind: 'compare', field: named, operator: lexer.operator(), value: lexer.value(',&|') };
}

/** The event's words: space-separated, with `[…]` and `"…"` kept whole. */
export function words(message: string): string[] {
  const result: string[] = [];
  let i = 0;
  while (i < message.length) {
    if (message[i] === ' ' || message[i] === '\t') {
      i++;
      continue;
    }
    const close = message[i] === '[' ? ']' : message[i] === '"' ? '"' : undefined;
    if (close) {
      const end = message.indexOf(close, i + 1);
      if (end >= 0) {
        result.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    let end = i;
    while (end < message.length && message[end] !== ' ' && message[end] !== '\t') end++;
    result.push(message.slice(i, end));
    i = end;
  }
  return result;
}

function bind(
  fields: readonly Field[],
  values: readonly string[],
  f: number,
  w: number,
  bound: Map<string, string>,
): boolean {
  if (f === fields.length) return w === values.length && fields.every((field) => holds(field, bound));
  const field = fields[f]!;
  if (field.kind === 'ellipsis') {
    for (let next = values.length; next >= w; next--) if (bind(fields, values, f + 1, next, bound)) return true;
    return false;
  }
  if (w >= values.length) return false;
  bound.set(field.name, values[w]!);
  return bind(fields, values, f + 1, w + 1, bound);
}

function holds(field: Field, bound: ReadonlyMap<string, string>): boolean {
  return field.kind === 'ellipsis' || field.condition === undefined || evaluate(field.condition, bound);
}

function evaluate(node: Condition, bound: ReadonlyMap<string, string>): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, bound) && evaluate(node.right, bound);
    case 'or':
      return evaluate(node.left, bound) || evaluate(node.right, bound);
    case 'compare':
      return compareValue(bound.get(node.field), node.operator, node.value);
  }
}
