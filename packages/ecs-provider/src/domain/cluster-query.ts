import { truncateText } from '@localcloud/gateway';
import { InvalidParameterException } from '../errors';

/*
 * ECS's cluster query language, as `memberOf` placement constraints and ListContainerInstances' `filter`
 * use it: `attribute:<name>` (and `ec2InstanceId`, `agentConnected`, `runningTasksCount`, `task:group`)
 * compared with `==`, `!=`, `>`, `>=`, `<`, `<=`, `=~` (a regular expression), `in [a, b]`,
 * `not in [a, b]`, `exists`, `!exists`; joined by `and`/`&&`, `or`/`||`, `not`/`!` and parentheses.
 */

/** What an expression is evaluated against: one container instance. */
export interface InstanceFacts {
  /** Attribute name → value (`undefined` for an attribute without a value). */
  readonly attributes: ReadonlyMap<string, string | undefined>;
  readonly ec2InstanceId?: string;
  readonly agentConnected: boolean;
  readonly runningTasksCount: number;
  /** Groups of the tasks on the instance that are not stopped (`task:group`). */
  readonly taskGroups: readonly string[];
}

export type ClusterQuery = (facts: InstanceFacts) => boolean;

type Token = string;

const OPERATORS = ['==', '!=', '>=', '<=', '>', '<', '=~'];

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(\(|\)|\[|\]|,|==|!=|>=|<=|=~|>|<|&&|\|\||!exists\b|![^=\s]|[^\s()[\],=!<>]+|!)/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    re.lastIndex = index;
    const match = re.exec(expression);
    if (!match) throw invalid(expression, `unexpected '${expression.slice(index).trim().slice(0, 20)}'`);
    const token = match[1]!;
    if (token.length === 2 && token.startsWith('!') && token !== '!=') {
      // `!x`: a negation; what follows it is read next.
      tokens.push('!');
      index = match.index + match[0].length - 1;
      continue;
    }
    tokens.push(token);
    index = re.lastIndex;
  }
  return tokens;
}

/** Parses an expression once; the result evaluates it for any instance. InvalidParameterException if it is not one. */
export function parseClusterQuery(expression: string): ClusterQuery {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const expect = (token: string) => {
    if (next() !== token) throw invalid(expression, `expected '${token}'`);
  };

  const parseOr = (): ClusterQuery => {
    let left = parseAnd();
    while (peek() === 'or' || peek() === '||') {
      next();
      const a = left;
      const b = parseAnd();
      left = (f) => a(f) || b(f);
    }
    return left;
  };
  const parseAnd = (): ClusterQuery => {
    let left = parseNot();
    while (peek() === 'and' || peek() === '&&') {
      next();
      const a = left;
      const b = parseNot();
      left = (f) => a(f) && b(f);
    }
    return left;
  };
  const parseNot = (): ClusterQuery => {
    if (peek() === 'not' || peek() === '!') {
      next();
      const inner = parseNot();
      return (f) => !inner(f);
    }
    if (peek() === '(') {
      next();
      const inner = parseOr();
      expect(')');
      return inner;
    }
    return parseComparison();
  };
  const parseList = (): string[] => {
    expect('[');
    const values: string[] = [];
    while (peek() !== ']') {
      const value = next();
      if (value === undefined) throw invalid(expression, "expected ']'");
      values.push(value);
      if (peek() === ',') next();
    }
    next();
    return values;
  };
  const parseComparison = (): ClusterQuery => {
    const subject = next();
    if (subject === undefined) throw invalid(expression, 'expected an attribute');
    const values = subjectValues(subject, expression);
    const op = next();
    if (op === 'exists') return (f) => values(f) !== undefined;
    if (op === '!exists') return (f) => values(f) === undefined;
    if (op === 'in' || (op === 'not' && peek() === 'in')) {
      if (op === 'not') next();
      const list = parseList();
      const within = (f: InstanceFacts) => (values(f) ?? []).some((v) => list.includes(v));
      return op === 'in' ? within : (f) => !within(f);
    }
    if (op === undefined || !OPERATORS.includes(op))
      throw invalid(expression, `expected an operator after '${subject}'`);
    const operand = next();
    if (operand === undefined) throw invalid(expression, `expected a value after '${op}'`);
    if (op === '=~') {
      let pattern: RegExp;
      try {
        pattern = new RegExp(`^(?:${operand})$`);
      } catch {
        throw invalid(expression, `'${operand}' is not a regular expression`);
      }
      return (f) => (values(f) ?? []).some((v) => pattern.test(v));
    }
    if (op === '!=') return (f) => !(values(f) ?? []).includes(operand);
    if (op === '==') return (f) => (values(f) ?? []).includes(operand);
    return (f) => (values(f) ?? []).some((v) => compare(v, operand, op));
  };

  const query = parseOr();
  if (position !== tokens.length) throw invalid(expression, `unexpected '${tokens[position]}'`);
  return query;
}

/** The values an instance has for a subject; undefined when it has none (`!exists`). */
function subjectValues(subject: string, expression: string): (f: InstanceFacts) => string[] | undefined {
  if (subject.startsWith('attribute:')) {
    const name = subject.slice('attribute:'.length);
    if (!name) throw invalid(expression, 'attribute: needs a name');
    return (f) => (f.attributes.has(name) ? [f.attributes.get(name) ?? ''] : undefined);
  }
  switch (subject) {
    case 'ec2InstanceId':
      return (f) => (f.ec2InstanceId ? [f.ec2InstanceId] : undefined);
    case 'agentConnected':
      return (f) => [String(f.agentConnected)];
    case 'runningTasksCount':
      return (f) => [String(f.runningTasksCount)];
    case 'task:group':
      return (f) => (f.taskGroups.length ? [...f.taskGroups] : undefined);
    default:
      throw invalid(
        expression,
        `'${subject}' is not something localcloud can evaluate (attribute:<name>, ec2InstanceId, agentConnected, runningTasksCount, task:group)`,
      );
  }
}

function compare(value: string, operand: string, op: string): boolean {
  const numeric = /^-?\d+(\.\d+)?$/;
  const [a, b] = numeric.test(value) && numeric.test(operand) ? [Number(value), Number(operand)] : [value, operand];
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    default:
      return a <= b;
  }
}

/** Quotes the expression and the offending token bounded: both come from the request, at any length. */
function invalid(expression: string, why: string): Error {
  return new InvalidParameterException(
    `Invalid cluster query expression '${truncateText(expression)}': ${truncateText(why, 200)}.`,
  );
}
