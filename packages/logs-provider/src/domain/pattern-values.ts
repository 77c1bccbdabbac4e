/** Comparisons shared by JSON and space-delimited filter patterns. */

/** A filter pattern that does not parse; the handler answers it as InvalidParameterException. */
export class FilterPatternError extends Error {}

export type Operator = '=' | '!=' | '<' | '>' | '<=' | '>=';

/** A literal on the right of a comparison: a quoted string, or a bare word that may be a number. */
export interface PatternValue {
  readonly text: string;
  readonly quoted: boolean;
}

function wildcardRegex(text: string): RegExp {
  const escaped = text.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** Whether `actual` (a field's value) satisfies `operator value`. */
export function compareValue(actual: unknown, operator: Operator, value: PatternValue): boolean {
  if (actual === undefined || actual === null || typeof actual === 'object') return false;
  const patternNumber = value.quoted ? undefined : asNumber(value.text);
  if (operator === '=' || operator === '!=') {
    let equal: boolean;
    if (patternNumber !== undefined && asNumber(actual) !== undefined) equal = asNumber(actual) === patternNumber;
    else
      equal = value.text.includes('*') ? wildcardRegex(value.text).test(String(actual)) : String(actual) === value.text;
    return operator === '=' ? equal : !equal;
  }
  const left = asNumber(actual);
  if (left === undefined || patternNumber === undefined) return false;
  switch (operator) {
    case '<':
      return left < patternNumber;
    case '>':
      return left > patternNumber;
    case '<=':
      return left <= patternNumber;
    case '>=':
      return left >= patternNumber;
  }
}

/** A tiny lexer for the inside of `{ … }` and `[ … ]` patterns. */
export class PatternLexer {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly fail: (message: string) => Error,
  ) {}

  get done(): boolean {
    this.skipSpace();
    return this.i >= this.text.length;
  }

  peek(...options: string[]): string | undefined {
    this.skipSpace();
    return options.find((o) => this.text.startsWith(o, this.i) && !this.continuesWord(o));
  }

  accept(...options: string[]): string | undefined {
    const found = this.peek(...options);
    if (found !== undefined) this.i += found.length;
    return found;
  }

  expect(option: string): void {
    if (this.accept(option) === undefined) throw this.fail(`expected '${option}' at position ${this.i + 1}`);
  }

  operator(): Operator {
    const op = this.accept('!=', '<=', '>=', '=', '<', '>');
    if (!op) throw this.fail(`expected a comparison operator at position ${this.i + 1}`);
    return op as Operator;
  }

  /** A quoted string, or a bare word ending at a space or one of `stops`. */
  value(stops: string): PatternValue {
    this.skipSpace();
    if (this.text[this.i] === '"') {
      let text = '';
      this.i++;
      while (this.i < this.text.length && this.text[this.i] !== '"') {
        if (this.text[this.i] === '\\' && this.i + 1 < this.text.length) this.i++;
        text += this.text[this.i++];
      }
      if (this.text[this.i] !== '"') throw this.fail('a quoted value is not closed');
      this.i++;
      return { text, quoted: true };
    }
    const start = this.i;
    while (this.i < this.text.length && !/\s/.test(this.text[this.i]!) && !stops.includes(this.text[this.i]!)) this.i++;
    if (this.i === start) throw this.fail(`expected a value at position ${start + 1}`);
    return { text: this.text.slice(start, this.i), quoted: false };
  }

  /** Characters matching `allowed`, at least one. */
  word(allowed: RegExp, what: string): string {
    this.skipSpace();
    const start = this.i;
    while (this.i < this.text.length && allowed.test(this.text[this.i]!)) this.i++;
    if (this.i === start) throw this.fail(`expected ${what} at position ${start + 1}`);
    return this.text.slice(start, this.i);
  }

  private continuesWord(option: string): boolean {
    return /^[A-Z]+$/.test(option) && /[A-Za-z0-9_]/.test(this.text[this.i + option.length] ?? '');
  }

  private skipSpace(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++;
  }
}
