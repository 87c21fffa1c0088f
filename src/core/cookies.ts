// The one reading of a request's Cookie header, for the session cookies (http/) and the click cookie (tracking/).
// RFC 6265 §5.4: pairs are separated by ";", the name is what comes before the first "="; a pair without "=" or
// with an empty name is skipped; whitespace around names and values is not part of them.

/** Every cookie of a Cookie header, by name; the first of two same-named cookies wins, as a browser sends the more specific first. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** One cookie's value, or undefined when the header does not carry it. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  return parseCookies(header).get(name);
}
