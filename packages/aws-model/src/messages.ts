import { PREVIEW_CHARS, previewJson, truncateText } from '@localcloud/gateway';

/**
 * AWS's validation messages: "1 validation error detected: Value 'x' at 'path' failed to satisfy
 * constraint: Member must …", several joined by "; " under "N validation errors detected". Values are
 * shown as AWS's Java front end prints them, cut at 100 characters so a huge input cannot make a huge answer.
 */
export const MAX_VALUE_CHARS = PREVIEW_CHARS;
/** How many violations a message spells out; the count still says how many there are. */
export const MAX_LISTED_PROBLEMS = 10;
/** Violations are listed while the message stays under this many characters (each quotes a bounded value). */
export const MAX_LISTED_CHARS = 1500;

export function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return `'${typeof value === 'string' ? truncateText(value) : Array.isArray(value) ? javaList(value) : previewJson(value)}'`;
}

/** A list as AWS's Java front end prints it (`[a, b]`), bounded however long or deeply nested it is. */
function javaList(value: readonly unknown[]): string {
  if (value.some((item) => typeof item === 'object' && item !== null)) return previewJson(value);
  let text = '[';
  for (let i = 0; i < value.length && text.length <= MAX_VALUE_CHARS; i++)
    text += (i > 0 ? ', ' : '') + String(value[i]);
  return truncateText(`${text}]`);
}

export function violation(path: string, value: unknown, constraint: string): string {
  return `Value ${valueText(value)} at '${path || 'input'}' failed to satisfy constraint: ${constraint}`;
}

/** The same for a member the model marks sensitive: its value is left out of the message. */
export function sensitiveViolation(path: string, constraint: string): string {
  return `Value at '${path || 'input'}' failed to satisfy constraint: ${constraint}`;
}

export function validationMessage(problems: readonly string[]): string {
  const count = problems.length === 1 ? '1 validation error' : `${problems.length} validation errors`;
  // Thousands of bad list items are named by the first few: the message stays readable and bounded.
  // Ten violations of long paths and values can still add up: stop listing before the text gets long.
  let listed = problems[0] ?? '';
  let shown = problems.length > 0 ? 1 : 0;
  while (
    shown < Math.min(problems.length, MAX_LISTED_PROBLEMS) &&
    listed.length + problems[shown]!.length <= MAX_LISTED_CHARS
  ) {
    listed += `; ${problems[shown]}`;
    shown++;
  }
  const more = problems.length > shown ? `; and ${problems.length - shown} more` : '';
  return `${count} detected: ${truncateText(listed, MAX_LISTED_CHARS)}${more}`;
}
