// Dashboard users and their sign-in: login, the signed-in user, password change, setup links; the user list.
import { Type, type Static } from '@sinclair/typebox';

const RoleUnion = Type.Union([Type.Literal('owner'), Type.Literal('manager'), Type.Literal('viewer')]);
export type Role = Static<typeof RoleUnion>;

export const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: RoleUnion,
  mustChangePassword: Type.Boolean({
    description: 'Signed in with a one-time password: ask for a new one before anything else.',
  }),
});
export type User = Static<typeof UserSchema>;

const WorkspaceName = Type.Object({ id: Type.String(), name: Type.String() });
const WorkspaceRef = Type.Object({
  id: Type.String(),
  name: Type.String(),
  timezone: Type.String({ description: 'The IANA zone the dashboard shows every date and time in.' }),
});
export const SignedInSchema = Type.Object({ user: UserSchema, workspace: WorkspaceRef });
export type SignedIn = Static<typeof SignedInSchema>;

/** The problems a sign-in route may answer, besides the admin API's (403 a CSRF failure, 415, 429 throttled). */
export const authProblems = {
  400: Type.Ref('Problem'),
  401: Type.Ref('Problem'),
  403: Type.Ref('Problem'),
  415: Type.Ref('Problem'),
  429: Type.Ref('Problem'),
};

const Token = Type.String({ minLength: 1, maxLength: 200 });
const Password = Type.String({ minLength: 1, maxLength: 1000 });

export const LoginSchema = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Password },
  { additionalProperties: false },
);
export type Login = Static<typeof LoginSchema>;
export const SignedOutSchema = Type.Object({ signedOut: Type.Boolean() });
export const PasswordChangeSchema = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);
export type PasswordChange = Static<typeof PasswordChangeSchema>;
export const PasswordChangedSchema = Type.Object({ user: UserSchema });
export const SetupQuerySchema = Type.Object({ token: Token });
export const SetupInfoSchema = Type.Object({ email: Type.String(), name: Type.String(), workspace: WorkspaceName });
export type SetupInfo = Static<typeof SetupInfoSchema>;
export const SetupSchema = Type.Object({ token: Token, password: Password }, { additionalProperties: false });
export type Setup = Static<typeof SetupSchema>;

// The workspace's users (owners only).
const UserRole = Type.Union([Type.Literal('owner'), Type.Literal('manager'), Type.Literal('viewer')], {
  description: 'owner: everything; manager: everything except users and API keys; viewer: read only',
});
export const UserIdSchema = Type.Object({
  id: Type.String({ pattern: '^usr_[0-9a-z]{26}$', description: 'Id starting with usr_' }),
});

export const UserItemSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: UserRole,
  mustChangePassword: Type.Boolean(),
  invited: Type.Boolean({ description: 'True until the user has set a password from their setup link.' }),
  createdAt: Type.String({ format: 'date-time' }),
  lastLoginAt: Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time' }),
});
export type UserItem = Static<typeof UserItemSchema>;

const setupLink = {
  setupUrl: Type.String({ description: 'Single use, valid 72 hours: /app/setup?token=…' }),
  expiresAt: Type.String({ format: 'date-time' }),
};
export const SetupLinkSchema = Type.Object(setupLink);
export type SetupLink = Static<typeof SetupLinkSchema>;

export const UserCreateSchema = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: UserRole,
  },
  { additionalProperties: false },
);
export type UserCreate = Static<typeof UserCreateSchema>;
export const UserCreatedSchema = Type.Object({ user: UserItemSchema, ...setupLink });
export type UserCreated = Static<typeof UserCreatedSchema>;

export const UserUpdateSchema = Type.Object(
  { role: Type.Optional(UserRole), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false, minProperties: 1 },
);
export type UserUpdate = Static<typeof UserUpdateSchema>;
export const UserDeletedSchema = Type.Object({ deleted: Type.Boolean() });
export const UserListSchema = Type.Object({ data: Type.Array(UserItemSchema) });
