// Request and response schemas of the admin API; they validate input, serialize output and make the OpenAPI document.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_REACH } from '../app/members.js';
import { CONTROL_CHARACTER_MESSAGE, hasControlCharacter } from '../core/text.js';

/**
 * `type: [t, 'null']` rather than `anyOf: [t, null]`: with coerceTypes, Ajv tries the anyOf branches in order and the
 * first one coerces null into 0 or "" (a member's `reach: null` was stored as 0, an offer's `imageUrl: null` as "").
 * With a type array Ajv only coerces a value that matches none of the types.
 */
const Nullable = <T extends TSchema & { type: string }>(t: T) =>
  Type.Unsafe<Static<T> | null>({ ...(JSON.parse(JSON.stringify(t)) as object), type: [t.type, 'null'] });
const DateTime = Type.String({ format: 'date-time' });
const Id = (prefix: string, description?: string) =>
  Type.String({ pattern: `^${prefix}_[0-9a-z]{26}$`, description: description ?? `Id starting with ${prefix}_`, examples: [`${prefix}_01kaxk7w9v3f4e8h2m6n5p0qrs`] });

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
      code: Type.String({ description: 'Stable machine-readable error code, e.g. validation_failed, not_found, code_taken.' }),
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

export const errorResponses = {
  400: Type.Ref('Problem'),
  401: Type.Ref('Problem'),
  404: Type.Ref('Problem'),
  409: Type.Ref('Problem'),
};

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
export const finiteNumbersOnly = refusingEverywhere((v) => firstPath(v, (x) => typeof x === 'number' && !Number.isFinite(x)), 'finite', 'must be a finite number');

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

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size (1-200).' }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page.' })),
};

export const Page = <T extends TSchema>(item: T) => Type.Object({ data: Type.Array(item), nextCursor: Nullable(Type.String()) });

const Percent = Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,2})?$', description: 'Percent as a decimal string, e.g. "12.5"' });

export const PayoutTier = Type.Object(
  {
    fromConversion: Type.Integer({ minimum: 2, maximum: 1_000_000, description: 'Applies from this approved conversion of the calendar month on.' }),
    value: Type.String({ maxLength: 20 }),
  },
  { additionalProperties: false },
);

export const PayoutOptionInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 100 }),
    type: Type.Union([Type.Literal('percent'), Type.Literal('fixed')], { description: 'percent: commission per sale; fixed: amount per conversion' }),
    value: Type.String({ maxLength: 20, description: 'Percent ("10") or amount in the offer currency ("5.00")' }),
    tiers: Type.Optional(Type.Array(PayoutTier, { maxItems: 20 })),
    default: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PayoutOption = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    type: Type.Union([Type.Literal('percent'), Type.Literal('fixed')]),
    value: Type.String(),
    tiers: Type.Array(Type.Object({ fromConversion: Type.Integer(), value: Type.String() })),
    default: Type.Boolean(),
  },
  { $id: 'PayoutOption' },
);

const ConversionType = Type.Union([Type.Literal('sale'), Type.Literal('lead'), Type.Literal('email_signup'), Type.Literal('download')]);
const AttributionRule = Type.Union([Type.Literal('code_first'), Type.Literal('click_first'), Type.Literal('split')], {
  description: 'When a link click and a code of different members both count: code_first (code wins), click_first, or split.',
});
const TrackingMethods = Type.Array(Type.Union([Type.Literal('link'), Type.Literal('code')]), { maxItems: 2 });
const DeepLinks = Type.Object(
  {
    allowCreators: Type.Boolean({ description: 'Creators may build deep links in their portal.' }),
    extraDomains: Type.Array(Type.String({ maxLength: 253 }), { maxItems: 50, description: 'Besides the destination host: exact hosts or *.example.com' }),
  },
  { additionalProperties: false },
);
const CodeAppend = Type.Object(
  {
    mode: Type.Union([Type.Literal('none'), Type.Literal('query'), Type.Literal('shopify')], {
      description: "Append the member's code to the destination: as ?param=CODE, or Shopify's /discount/CODE?redirect= form.",
    }),
    param: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
);
const Utm = Type.Record(Type.String(), Type.String({ maxLength: 500 }), {
  description: 'Query parameters added to the destination: static text or {creator_name}, {creator_ig_username}, {creator_tiktok_username}, {member_id}, {project_name}, {link_offer_name}.',
});

const offerSettings = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ maxLength: 5000 }),
  imageUrl: Nullable(Type.String({ maxLength: 2000 })),
  destinationUrl: Type.String({ minLength: 1, maxLength: 2000, description: 'May carry {click_id}, {transaction_id}, {member_id}, {aff_id}, {offer_id}.' }),
  conversionType: ConversionType,
  trackingMethods: TrackingMethods,
  attributionRule: AttributionRule,
  splitCodeShare: Percent,
  cookieWindowDays: Type.Integer({ minimum: 1, maximum: 365 }),
  holdDays: Type.Integer({ minimum: 0, maximum: 365 }),
  endsAt: Nullable(DateTime),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  utm: Utm,
  deepLinks: DeepLinks,
  codeAppend: CodeAppend,
  browserCodeCredit: Type.Boolean({ description: 'SPEC §4: a promo code reported by the browser (pixel, t.js) without a recorded click credits its member. Default false: such an order is held as unverified for review.' }),
  browserAmountLimit: Nullable(Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,4})?$', description: 'A browser-reported amount above this (offer currency) is held for review; null: no limit.' })),
};

export const OfferCreate = Type.Object(
  {
    ...Object.fromEntries(Object.entries(offerSettings).map(([k, v]) => [k, Type.Optional(v)])),
    name: offerSettings.name,
    destinationUrl: offerSettings.destinationUrl,
    payoutOptions: Type.Array(PayoutOptionInput, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);

export const OfferUpdate = Type.Partial(Type.Object(offerSettings), { additionalProperties: false, minProperties: 1 });

export const Offer = Type.Object(
  {
    id: Type.String(),
    ...offerSettings,
    status: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('archived')]),
    payoutOptions: Type.Array(Type.Ref('PayoutOption')),
    clicks: Type.Optional(Type.Integer({ description: "Tracked, non-bot clicks on the offer's links" })),
    uniqueClicks: Type.Optional(Type.Integer()),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Offer' },
);

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

export const MemberCreate = Type.Object(
  { ...Object.fromEntries(Object.entries(memberFields).map(([k, v]) => [k, Type.Optional(v)])), name: memberFields.name },
  { additionalProperties: false },
);
export const MemberUpdate = Type.Partial(Type.Object(memberFields), { additionalProperties: false, minProperties: 1 });
export const Member = Type.Object({ id: Type.String(), ...memberFields, createdAt: DateTime, updatedAt: DateTime }, { $id: 'Member' });

export const Link = Type.Object(
  {
    id: Type.String(),
    offerId: Type.String(),
    memberId: Nullable(Type.String()),
    slug: Type.String(),
    url: Type.String({ description: 'The full tracking URL to share.' }),
    deepLinkUrl: Nullable(Type.String()),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    createdAt: DateTime,
    clicks: Type.Optional(Type.Integer({ description: 'Tracked, non-bot clicks' })),
    uniqueClicks: Type.Optional(Type.Integer()),
  },
  { $id: 'Link' },
);

export const LinkCreate = Type.Object(
  {
    offerId: ids.offer,
    memberId: Type.Optional(Nullable(ids.member)),
    deepLinkUrl: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    slug: Type.Optional(Type.String({ maxLength: 64, description: 'Vanity slug; random when omitted.' })),
  },
  { additionalProperties: false },
);

export const Code = Type.Object(
  {
    id: Type.String(),
    offerId: Type.String(),
    memberId: Nullable(Type.String()),
    code: Type.String(),
    kind: Type.Union([Type.Literal('generic'), Type.Literal('personalized')]),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    createdAt: DateTime,
  },
  { $id: 'Code' },
);

export const CodeCreate = Type.Object(
  {
    offerId: ids.offer,
    code: Type.String({ minLength: 1, maxLength: 64 }),
    memberId: Type.Optional(Nullable(ids.member)),
  },
  { additionalProperties: false },
);

export const CodeGenerate = Type.Object(
  {
    pattern: Type.String({ minLength: 1, maxLength: 64, default: '{NAME}{RAND4}', description: 'e.g. {NAME}{RAND4} -> MARIE7K3Q' }),
    memberIds: Type.Optional(Type.Array(ids.member, { minItems: 1, maxItems: 10_000 })),
  },
  { additionalProperties: false },
);

export const AddMembers = Type.Object(
  {
    members: Type.Array(
      Type.Object(
        {
          memberId: ids.member,
          payoutOptionId: Type.Optional(ids.payoutOption),
          deepLinkUrl: Type.Optional(Type.String({ maxLength: 2000 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 5_000 },
    ),
    generateLinks: Type.Optional(Type.Boolean({ default: true })),
    generateCodes: Type.Optional(Type.Boolean({ default: false })),
    codePattern: Type.Optional(Type.String({ maxLength: 64, description: 'Default {NAME}{RAND4}' })),
  },
  { additionalProperties: false },
);

export const AddMembersResult = Type.Object({
  added: Type.Integer(),
  updated: Type.Integer(),
  members: Type.Array(
    Type.Object({ memberId: Type.String(), payoutOptionId: Type.String(), links: Type.Array(Type.Ref('Link')), codes: Type.Array(Type.Ref('Code')) }),
  ),
});

export const OfferMember = Type.Object({
  member: Type.Ref('Member'),
  payoutOptionId: Type.String(),
  links: Type.Array(Type.Ref('Link')),
  codes: Type.Array(Type.Ref('Code')),
});

export const Workspace = Type.Object({
  id: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  currency: Type.String(),
  postbackSecret: Type.Union([Type.String(), Type.Null()], { description: 'Shared secret for server postbacks; null for viewers, who never see secrets.' }),
  shopifyConnected: Type.Boolean({ description: "Whether Shopify's webhook signing secret is set." }),
  shopifyWebhookUrl: Type.String({ description: 'Where to point Shopify order, refund and cancellation webhooks.' }),
  createdAt: DateTime,
});

export const WorkspaceUpdate = Type.Partial(
  Type.Object({
    name: Type.String({ minLength: 1, maxLength: 200 }),
    timezone: Type.String({ maxLength: 64 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    shopifyWebhookSecret: Type.Union([Type.String({ maxLength: 200 }), Type.Null()], { description: "Shopify's webhook signing secret (write-only); null disconnects." }),
  }),
  { additionalProperties: false, minProperties: 1 },
);

export const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the key, to recognise it.' }),
  createdAt: DateTime,
  lastUsedAt: Nullable(DateTime),
  revokedAt: Nullable(DateTime),
});

export const ImportResult = Type.Object({ created: Type.Integer(), updated: Type.Integer() });
export const RosterImportResult = Type.Object({ assigned: Type.Integer(), unchanged: Type.Integer() });

export const IdParam = <T extends TSchema>(schema: T) => Type.Object({ id: schema });

export const sharedSchemas = [ProblemSchema, PayoutOption, Offer, Member, Link, Code];
