// Fastify's Ajv plugins: every validator also refuses non-finite numbers and non-text strings anywhere in the data.
// The schemas themselves are the API contract (src/contract).
import { CONTROL_CHARACTER_MESSAGE, hasControlCharacter } from '../core/text.js';

/** What an Ajv validator function is to Fastify: called with the data (and, for a root value, where it sits). */
interface Validator {
  (data: unknown, ctx?: unknown): boolean | Promise<unknown>;
  errors?: unknown[] | null;
  [property: string]: unknown;
}

/** Where in a value a rule finds what it refuses (a JSON pointer), or null. */
type Finder = (value: unknown) => string | null;

/** Wraps every validator Ajv compiles so that it also refuses, anywhere in the data it has accepted, what `find` finds. */
function refusingEverywhere(find: Finder, keyword: string, message: string) {
  return function plugin<A extends object>(ajv: A): A {
    const target = ajv as unknown as { compile: (...args: unknown[]) => Validator };
    const compile = target.compile.bind(ajv);
    target.compile = (...args) => refusing(compile(...args), find, keyword, message);
    return ajv;
  };
}

/**
 * Ajv coerces "Infinity" and "1e309" into ±Infinity (JSON.parse does the same with 1e309), and its number keywords
 * (minimum, maximum, multipleOf) only look at finite numbers: a non-finite number passed every bound and broke whatever
 * stored or computed with it. Fastify's Ajv plugin hook: every validator compiled for a request also refuses a
 * non-finite number anywhere in the data it has accepted, whatever the schema says of that field.
 */
export const finiteNumbersOnly = refusingEverywhere(
  (v) => firstPath(v, (x) => typeof x === 'number' && !Number.isFinite(x)),
  'finite',
  'must be a finite number',
);

/**
 * PostgreSQL's text cannot hold NUL (U+0000): a name, an email or a search with one answered 500 there and was stored on
 * SQLite. An unpaired surrogate is not text either: it is written as U+FFFD, so what is stored differs from what was
 * sent. The sibling of finiteNumbersOnly: every validator refuses such a string (or object key) anywhere in its data.
 */
export const textOnly = refusingEverywhere(
  (v) => firstPath(v, (x) => typeof x === 'string' && hasControlCharacter(x), true),
  'control_character',
  CONTROL_CHARACTER_MESSAGE,
);

interface ValidationContext {
  parentData: Record<string, unknown>;
  parentDataProperty: string;
}

function refusing(validate: Validator, find: Finder, keyword: string, message: string): Validator {
  const guarded = ((data: unknown, ctx?: unknown) => {
    const valid = validate(data, ctx);
    guarded.errors = validate.errors;
    if (valid !== true) return valid;
    // Coercion may have replaced the root value (a query string's), which Ajv writes back into its parent.
    const parent = ctx as ValidationContext | undefined;
    const path = find(parent?.parentData ? parent.parentData[parent.parentDataProperty] : data);
    if (path === null) return true;
    guarded.errors = [{ instancePath: path, schemaPath: `#/${keyword}`, keyword, params: {}, message }];
    return false;
  }) as Validator;
  // Fastify reads schemaEnv to pass a root value's parent (so that coercing it sticks).
  for (const key of ['schema', 'schemaEnv', 'source', 'evaluated']) if (key in validate) guarded[key] = validate[key];
  return guarded;
}

/**
 * The JSON pointer of the first value (or, with `keys`, object key) that `bad` refuses, or null; iterative, for
 * deeply nested bodies.
 */
function firstPath(value: unknown, bad: (v: unknown) => boolean, keys = false): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (bad(v)) return path;
    if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
      for (const [k, child] of Object.entries(v)) {
        if (keys && bad(k)) return `${path}/${k}`;
        stack.push([child, `${path}/${k}`]);
      }
    }
  }
  return null;
}
