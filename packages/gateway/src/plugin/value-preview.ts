/** How much of a request value an error message quotes: enough to recognise it, never the whole body. */
export const PREVIEW_CHARS = 100;

type Piece = { readonly text: string } | { readonly value: unknown };

/**
 * A value as JSON text for an error message, cut at `maxChars` (with `…`). Iterative and bounded: a
 * deeply nested or huge input value costs at most about `maxChars` of work per level it is shown at,
 * and never the call stack that `JSON.stringify` would need.
 */
export function previewJson(value: unknown, maxChars = PREVIEW_CHARS): string {
  let out = '';
  const pending: Piece[] = [{ value }];
  while (pending.length > 0 && out.length <= maxChars) {
    const piece = pending.pop()!;
    if ('text' in piece) {
      out += piece.text;
      continue;
    }
    const v = piece.value;
    if (Array.isArray(v)) {
      // Each item shows at least one character, so items past maxChars could never be shown.
      const items = v.slice(0, maxChars + 1);
      pending.push({ text: ']' });
      for (let i = items.length - 1; i >= 0; i--) {
        pending.push({ value: items[i] });
        if (i > 0) pending.push({ text: ',' });
      }
      out += '[';
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v).slice(0, maxChars + 1);
      pending.push({ text: '}' });
      for (let i = entries.length - 1; i >= 0; i--) {
        pending.push({ value: entries[i]![1] });
        pending.push({ text: `${JSON.stringify(cut(entries[i]![0], maxChars))}:` });
        if (i > 0) pending.push({ text: ',' });
      }
      out += '{';
    } else {
      out += typeof v === 'string' ? JSON.stringify(cut(v, maxChars)) : (JSON.stringify(v) ?? 'null');
    }
  }
  return truncateText(out, maxChars);
}

/**
 * How much of a request value an error message quotes: every real name and ARN whole (a target group's or a
 * task set's ARN is over 100 characters), while a message quoting two or three values stays under 2 KB.
 */
export const QUOTED_CHARS = 512;

/** A request value (a name, an ARN, a reference) as an error message quotes it: its start when over-long. */
export function quoted(text: string): string {
  return truncateText(text, QUOTED_CHARS);
}

/** Text cut at `maxChars`, with `…` when something was cut. */
export function truncateText(text: string, maxChars = PREVIEW_CHARS): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

function cut(text: string, maxChars: number): string {
  return text.length > maxChars + 1 ? text.slice(0, maxChars + 1) : text;
}
