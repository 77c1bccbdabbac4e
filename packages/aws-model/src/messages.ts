/**
 * AWS's validation messages: "1 validation error detected: Value 'x' at 'path' failed to satisfy
 * constraint: Member must …", several joined by "; " under "N validation errors detected". Values are
 * shown as AWS's Java front end prints them, cut at 100 characters so a huge input cannot make a huge answer.
 */
export const MAX_VALUE_CHARS = 100;

export function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return `'${bounded(javaString(value, MAX_VALUE_CHARS + 1))}'`;
}

/** At least `budget` characters of the value's text (when it has that many), without rendering all of a huge list. */
function javaString(value: unknown, budget: number): string {
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length && text.length <= budget; i++) {
      text += (i > 0 ? ', ' : '') + javaString(value[i], budget - text.length);
    }
    return `${text}]`;
  }
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function bounded(text: string): string {
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

export function violation(path: string, value: unknown, constraint: string): string {
  return `Value ${valueText(value)} at '${path || 'input'}' failed to satisfy constraint: ${constraint}`;
}

export function validationMessage(problems: readonly string[]): string {
  const count = problems.length === 1 ? '1 validation error' : `${problems.length} validation errors`;
  return `${count} detected: ${problems.join('; ')}`;
}
