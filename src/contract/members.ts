// Members (creators): create, edit, list, import.
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, PageQuery } from './common.js';

/** More followers than people on Earth is a typo (or an attempt to break report sums), not a reach. */
export const MAX_REACH = 10_000_000_000;

const memberFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  email: Nullable(Type.String({ maxLength: 320 })),
  instagram: Nullable(Type.String({ maxLength: 200 })),
  tiktok: Nullable(Type.String({ maxLength: 200 })),
  youtube: Nullable(Type.String({ maxLength: 200 })),
  reach: Nullable(Type.Integer({ minimum: 0, maximum: MAX_REACH, description: 'Followers' })),
  project: Nullable(Type.String({ maxLength: 200 })),
  tags: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 }),
  externalId: Nullable(Type.String({ maxLength: 200 })),
};

export const MemberCreateSchema = Type.Object(
  {
    ...Object.fromEntries(Object.entries(memberFields).map(([k, v]) => [k, Type.Optional(v)])),
    name: memberFields.name,
  },
  { additionalProperties: false },
);
export type MemberCreate = Static<typeof MemberCreateSchema>;

export const MemberUpdateSchema = Type.Partial(Type.Object(memberFields), {
  additionalProperties: false,
  minProperties: 1,
});
export type MemberUpdate = Static<typeof MemberUpdateSchema>;

export const MemberSchema = Type.Object(
  { id: Type.String(), ...memberFields, createdAt: DateTime, updatedAt: DateTime },
  { $id: 'Member' },
);
export type Member = Static<typeof MemberSchema>;

export const MemberListQuerySchema = Type.Object({
  ...PageQuery,
  q: Type.Optional(
    Type.String({ maxLength: 200, description: 'Matches name, email or a social handle (case-insensitive).' }),
  ),
  tag: Type.Optional(Type.String({ maxLength: 100 })),
  project: Type.Optional(Type.String({ maxLength: 200 })),
});

export const MemberDeletedSchema = Type.Object({ deleted: Type.Boolean() });

export const ImportResultSchema = Type.Object({ created: Type.Integer(), updated: Type.Integer() });
export type ImportResult = Static<typeof ImportResultSchema>;
