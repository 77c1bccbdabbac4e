/**
 * JSON filter patterns: `{ $.level = "error" }`, `{ $.latency > 500 && $.path = "/api/*" }`,
 * `{ ($.a = 1) || ($.b IS TRUE) }`, `{ $.user IS NULL }`, `{ $.trace NOT EXISTS }`, `{ $.items[0].id = 7 }`.
 * An event that is not a JSON object never matches.
 */
import { FilterPatternError, PatternLexer, compareValue, type Operator, type PatternValue } from './pattern-values';

type Path = readonly (string | number)[];

type Node =
  | { readonly kind: 'and' | 'or'; readonly left: Node; readonly right: Node }
  | { readonly kind: 'compare'; readonly path: Path; readonly operator: Operator; readonly value: PatternValue }
  | { readonly kind: 'is'; readonly path: Path; readonly expected: true | false | null }
  | { readonly kind: 'exists'; readonly path: Path; readonly exists: boolean };

export function compileJsonPattern(text: string): (message: string) => boolean {
  const fail = (message: string) => new FilterPatternError(`Invalid JSON filter pattern '${text}': ${message}.`);
  if (!text.endsWith('}')) throw fail("it must end with '}'");
  const lexer = new PatternLexer(text.slice(1, -1), fail);
  const root = parseOr(lexer);
  if (!lexer.done) throw fail('unexpected text after the expression');
  return (message) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return false;
    }
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && evaluate(root, parsed);
  };
}

function parseOr(lexer: PatternLexer): Node {
  let node = parseAnd(lexer);
  while (lexer.accept('||')) node = { kind: 'or', left: node, right: parseAnd(lexer) };
  return node;
}

function parseAnd(lexer: PatternLexer): Node {
  let node = parseUnary(lexer);
  while (lexer.accept('&&')) node = { kind: 'and', left: node, right: parseUnary(lexer) };
  return node;
}

function parseUnary(lexer: PatternLexer): Node {
  if (lexer.accept('(')) {
    const node = parseOr(lexer);
    lexer.expect(')');
    return node;
  }
  const path = parsePath(lexer);
  if (lexer.accept('IS')) {
    const word = lexer.accept('TRUE', 'FALSE', 'NULL');
    if (!word) throw new FilterPatternError('IS must be followed by TRUE, FALSE or NULL.');
    return { kind: 'is', path, expected: word === 'TRUE' ? true : word === 'FALSE' ? false : null };
  }
  if (lexer.accept('NOT')) {
    lexer.expect('EXISTS');
    return { kind: 'exists', path, exists: false };
  }
  if (lexer.accept('EXISTS')) return { kind: 'exists', path, exists: true };
  return { kind: 'compare', path, operator: lexer.operator(), value: lexer.value(')&|') };
}

function parsePath(lexer: PatternLexer): Path {
  lexer.expect('$');
  const path: (string | number)[] = [];
  for (;;) {
    if (lexer.accept('.')) path.push(lexer.word(/[A-Za-z0-9_$@-]/, 'a field name'));
    else if (lexer.accept('[')) {
      path.push(Number(lexer.word(/[0-9]/, 'an array index')));
      lexer.expect(']');
    } else break;
  }
  if (path.length === 0) throw new FilterPatternError('A JSON selector names a field, e.g. $.level.');
  return path;
}

const MISSING = Symbol('missing');

function select(document: unknown, path: Path): unknown {
  let current: unknown = document;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return MISSING;
    const container = current as Record<string | number, unknown>;
    if (!Object.prototype.hasOwnProperty.call(container, step)) return MISSING;
    current = container[step];
  }
  return current;
}

function evaluate(node: Node, document: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, document) && evaluate(node.right, document);
    case 'or':
      return evaluate(node.left, document) || evaluate(node.right, document);
    case 'is':
      return select(document, node.path) === node.expected;
    case 'exists':
      return (select(document, node.path) !== MISSING) === node.exists;
    case 'compare': {
      const value = select(document, node.path);
      return value !== MISSING && compareValue(value, node.operator, node.value);
    }
  }
}
