/** A response body's JSON, or null when it is not JSON (an HTML error page, an empty body, a CSV). */
export function jsonOrNull(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
