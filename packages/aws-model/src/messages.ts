import { PREVIEW_CHARS, previewJson, truncateText } from '@localcloud/gateway';

/**
 * AWS's validation messages: "1 validation error detected: Value 'x' at 'path' failed to satisfy
 * constraint: Member must …", several joined by "; " under "N validation errors detected". Values are
 * shown as AWS's Java front end prints them, cut at 100 characters so a huge input cannot make a huge answer.
 */
export const MAX_VALUE_CHARS = PREVIEW_CHARS;
/** How many violations a message spells out; the count still says how many there are. */
export const MAX_LISTED_PROBLEMS = 10;

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
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
  const more = problems.length > MAX_LISTED_PROBLEMS ? `; and ${problems.length - MAX_LISTED_PROBLEMS} more` : '';
  return `${count} detected: ${listed}${more}`;
}
