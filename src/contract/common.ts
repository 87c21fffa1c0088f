// What every resource of the API shares: nullable fields, ids, dates, the Problem body, pages.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * `type: [t, 'null']` rather than `anyOf: [t, null]`: with coerceTypes, Ajv tries the anyOf branches in order and the
 * first one coerces null into 0 or "" (a member's `reach: null` was stored as 0, an offer's `imageUrl: null` as "").
 * With a type array Ajv only coerces a value that matches none of the types.
 */
export const Nullable = <T extends TSchema & { type: string }>(t: T) =>
  Type.Unsafe<Static<T> | null>({ ...(JSON.parse(JSON.stringify(t)) as object), type: [t.type, 'null'] });

/** A string or null, as a type array (see Nullable), with an optional description. */
export const NullableString = (description?: string) =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], ...(description ? { description } : {}) });

export const DateTime = Type.String({ format: 'date-time' });

/** A local date of a report range. */
export const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A local date, YYYY-MM-DD' });

export const Currency = Type.String({ pattern: '^[A-Z]{3}$' });

const Id = (prefix: string, description?: string) =>
  Type.String({
    pattern: `^${prefix}_[0-9a-z]{26}$`,
    description: description ?? `Id starting with ${prefix}_`,
    examples: [`${prefix}_01kaxk7w9v3f4e8h2m6n5p0qrs`],
  });

export const ids = {
  offer: Id('off'),
  member: Id('mem'),
  link: Id('lnk'),
  code: Id('cod'),
  payoutOption: Id('pay'),
  apiKey: Id('key'),
};

export const ProblemSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({
        description: 'Stable machine-readable error code, e.g. validation_failed, not_found, code_taken.',
      }),
      message: Type.String(),
      details: Type.Optional(
        Type.Array(
          Type.Object({
            path: Type.Optional(Type.String({ description: 'Field path such as payoutOptions.0.value' })),
            line: Type.Optional(Type.Integer({ description: 'Line of an imported file (header = 1)' })),
            code: Type.Optional(Type.String()),
            message: Type.String(),
          }),
        ),
      ),
    }),
  },
  { $id: 'Problem' },
);
export type Problem = Static<typeof ProblemSchema>;

export const errorResponses = {
  400: Type.Ref('Problem'),
  401: Type.Ref('Problem'),
  404: Type.Ref('Problem'),
  409: Type.Ref('Problem'),
};

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size (1-200).' }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page.' })),
};

/** The page parameters alone, for a list without filters. */
export const PageQuerySchema = Type.Object(PageQuery);

export const PageSchema = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: Nullable(Type.String()) });
/** One page of a list; `nextCursor` asks for the next one. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export const IdParam = <T extends TSchema>(schema: T) => Type.Object({ id: schema });

/**
 * A `$ref` to a shared schema (registered by its $id) that keeps the schema's static type: Type.Ref alone is `unknown`
 * since TypeBox 0.34. The JSON is the same `{ "$ref": "Offer" }`.
 */
export const RefTo = <T extends TSchema & { $id?: string }>(schema: T) => Type.Unsafe<Static<T>>(Type.Ref(schema.$id!));
