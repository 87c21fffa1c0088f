// JSON whose integer identities survive parsing. A JavaScript number holds integers exactly only up to 2^53, and
// Shopify order ids (and a postback's numeric order) go beyond it: two orders ending …508 and …509 would be one.

/** Integer literals of 16 digits or more: beyond them a number may not hold the value that was sent. */
const LONG_INTEGER = /^-?[1-9]\d{15,}$/;
const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * JSON.parse, except that integer literals too long for a double are kept as their digits (a string). Node 20's
 * JSON.parse gives a reviver no source text, so long integers are quoted before parsing; strings are matched whole,
 * so digits inside them are never touched. The text is parsed as sent first: quoting never turns invalid JSON into
 * valid JSON. Returns undefined for invalid JSON.
 */
export function parseJsonExact(text: string): unknown {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  return JSON.parse(text.replace(TOKEN, (token) => (LONG_INTEGER.test(token) ? `"${token}"` : token)));
}
