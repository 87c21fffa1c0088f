// The demo workspace a new user sees first: two offers, three creators, their links and codes.
import type { AppContext } from './context.js';
import { createCode } from './codes.js';
import { createMember, type MemberView } from './members.js';
import { addMembersToOffer } from './offer-members.js';
import { createOffer } from './offers.js';
import { createFirstOwner } from './users.js';
import { createWorkspace } from './workspaces.js';

export interface DemoSummary {
  workspaceId: string;
  apiKey: string;
  postbackSecret: string;
  /** The dashboard's owner login (one-time password), or null when that email already signs in elsewhere. */
  owner: { email: string; password: string } | null;
  offers: {
    id: string;
    name: string;
    payout: string;
    genericCode: string | null;
    members: { memberId: string; name: string; link: string; code: string }[];
  }[];
}

function must<T>(r: { ok: true; value: T } | { ok: false; problem: { message: string } }): T {
  if (!r.ok) throw new Error(`demo seed failed: ${r.problem.message}`);
  return r.value;
}

export async function seedDemo(ctx: AppContext, opts: { ownerEmail?: string } = {}): Promise<DemoSummary> {
  const ws = must(await createWorkspace(ctx, { name: 'Demo Brand', currency: 'USD', timezone: 'America/New_York' }));
  const owner = opts.ownerEmail ? await createFirstOwner(ctx, ws.workspace.id, opts.ownerEmail) : null;
  const actor = { workspaceId: ws.workspace.id, actor: 'system:demo' };
  const serum = must(
    await createOffer(ctx, actor, {
      name: 'Glow Serum launch',
      description: 'Spring launch of the Glow Serum; creators earn on every sale.',
      destinationUrl: 'https://shop.example.com/products/glow-serum',
      conversionType: 'sale',
      attributionRule: 'code_first',
      codeAppend: { mode: 'query', param: 'discount' },
      payoutOptions: [
        {
          title: 'Standard 10%',
          type: 'percent',
          value: '10',
          default: true,
          tiers: [{ fromConversion: 50, value: '15' }],
        },
        { title: 'VIP 20%', type: 'percent', value: '20' },
      ],
    }),
  );
  const newsletter = must(
    await createOffer(ctx, actor, {
      name: 'Newsletter sign-ups',
      description: 'A fixed bounty for each confirmed newsletter sign-up.',
      destinationUrl: 'https://shop.example.com/newsletter',
      conversionType: 'email_signup',
      trackingMethods: ['link'],
      payoutOptions: [{ title: '$2 per sign-up', type: 'fixed', value: '2.00', default: true }],
    }),
  );
  const people = [
    {
      name: 'Marie Kim',
      email: 'marie@example.com',
      instagram: 'marie.k',
      reach: 48_000,
      project: 'Spring 2026',
      tags: ['beauty'],
    },
    {
      name: 'Jamal Reed',
      email: 'jamal@example.com',
      tiktok: 'jamalreed',
      reach: 210_000,
      project: 'Spring 2026',
      tags: ['lifestyle'],
    },
    {
      name: 'Sofia Alvarez',
      email: 'sofia@example.com',
      youtube: 'sofiaalvarez',
      reach: 95_000,
      project: 'Spring 2026',
      tags: ['beauty', 'video'],
    },
  ];
  const members: MemberView[] = [];
  for (const p of people) members.push(must(await createMember(ctx, actor, p)));
  const vip = serum.payoutOptions.find((p) => !p.default)!;
  const serumAdded = must(
    await addMembersToOffer(ctx, actor, serum.id, {
      members: members.map((m, i) => ({ memberId: m.id, ...(i === 1 ? { payoutOptionId: vip.id } : {}) })),
      generateLinks: true,
      generateCodes: true,
      codePattern: '{NAME}10',
    }),
  );
  const generic = must(await createCode(ctx, actor, { offerId: serum.id, code: 'GLOW20' }));
  const newsletterAdded = must(
    await addMembersToOffer(ctx, actor, newsletter.id, {
      members: members.map((m) => ({ memberId: m.id })),
      generateLinks: true,
    }),
  );
  const describe = (added: typeof serumAdded) =>
    added.members.map((a) => ({
      memberId: a.memberId,
      name: members.find((m) => m.id === a.memberId)!.name,
      link: a.links[0]?.url ?? '',
      code: a.codes[0]?.code ?? '',
    }));
  return {
    workspaceId: ws.workspace.id,
    apiKey: ws.apiKey,
    postbackSecret: ws.workspace.postbackSecret,
    owner: owner && { email: owner.email, password: owner.password },
    offers: [
      {
        id: serum.id,
        name: serum.name,
        payout: '10% of each sale (VIP 20%)',
        genericCode: generic.code,
        members: describe(serumAdded),
      },
      {
        id: newsletter.id,
        name: newsletter.name,
        payout: '$2.00 per sign-up',
        genericCode: null,
        members: describe(newsletterAdded),
      },
    ],
  };
}
