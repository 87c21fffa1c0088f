// Field checks for the bodies platforms send (Shopify, WooCommerce): a body is acted on only when every field the
// handler reads has the type the platform documents, so a signed but odd body is refused with the field at fault.
// Pure.

export type Check = (v: unknown) => boolean;

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const isString: Check = (v) => typeof v === 'string';

export const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || v === null || check(v);

export const listOf =
  (item: Record<string, Check>): Check =>
  (v) =>
    Array.isArray(v) && v.every((x) => isObject(x) && fieldsProblem(x, item) === null);

/** The first field that does not pass its check, as its path; null when all pass. */
export function fieldsProblem(value: Record<string, unknown>, fields: Record<string, Check>): string | null {
  for (const [name, check] of Object.entries(fields)) if (!check(value[name])) return name;
  return null;
}
