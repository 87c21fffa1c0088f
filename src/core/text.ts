// What no stored text may carry: NUL, which PostgreSQL's text cannot hold (SQLite's can, so the two would differ),
// and an unpaired UTF-16 surrogate, which is not a character and is written as U+FFFD (stored text unlike what was sent).

const CONTROL = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');

/** What a refusal says, in the admin API and on the tracking surface alike. */
export const CONTROL_CHARACTER_MESSAGE = 'Text cannot contain NUL (U+0000) or an unpaired surrogate.';

export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/** The text with each such character replaced by U+FFFD, for keeping a refused input where it can be read. */
export function withoutControlCharacters(text: string): string {
  return text.replace(CONTROL_ALL, '\uFFFD');
}

const LABEL_UNFIT = new RegExp(`[\\u0001-\\u001f\\u007f]|${CONTROL.source}`, 'g');

/**
 * A short label from a URL (a sub-id) as stored: without what no stored text may carry, nor the other C0 controls and
 * DEL, which mean nothing in a placement name and would break a CSV row or a log line. Removed, not refused: the
 * click is the visitor's, and its redirect never fails.
 */
export function labelText(text: string): string {
  return text.replace(LABEL_UNFIT, '');
}
