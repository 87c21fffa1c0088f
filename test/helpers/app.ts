// An in-process Touchpoint on a real database, driven over Fastify's inject (real routing, parsing and serialization).
import type { LightMyRequestResponse } from 'fastify';
import { createWorkspace } from '../../src/app/workspaces.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { DialectKind } from '../../src/db/dialect/index.js';
import { buildApp, type BuiltApp } from '../../src/http/app.js';
import { freshStore, type TestStore } from './stores.js';
import { jsonOrNull } from './json.js';

export interface TestApp {
  built: BuiltApp;
  db: TestStore;
  config: Config;
  workspaceId: string;
  apiKey: string;
  /** JSON request to the admin API with this workspace's key. */
  api(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<LightMyRequestResponse & { body: string; data: any }>;
  /** A second workspace with its own key, for isolation tests. */
  newWorkspace(name?: string): Promise<{ workspaceId: string; apiKey: string }>;
  close(): Promise<void>;
}

/** The response with its JSON body parsed into `data` (null when the body is not JSON). */
export function withData<R extends { body: string }>(res: R): R & { data: any } {
  return Object.assign(res, { data: jsonOrNull(res.body) });
}

export async function startTestApp(
  kind: DialectKind,
  overrides: Partial<Config> = {},
  clock?: () => number,
): Promise<TestApp> {
  const db = await freshStore(kind);
  const config = loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: db.dataDir }, { clickFlushMs: 50, ...overrides });
  const built = await buildApp(config, { store: db.store, logger: false, clock });
  const newWorkspace = async (name = 'Acme') => {
    const r = await createWorkspace(built.ctx, { name });
    if (!r.ok) throw new Error(r.problem.message);
    return { workspaceId: r.value.workspace.id, apiKey: r.value.apiKey };
  };
  const first = await newWorkspace();
  const api: TestApp['api'] = async (method, path, body, key = first.apiKey) => {
    const res = await built.app.inject({
      method: method as never,
      url: `/api/v1${path}`,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return withData(res);
  };
  return {
    built,
    db,
    config,
    ...first,
    api,
    newWorkspace,
    async close() {
      await built.close();
      await db.cleanup();
    },
  };
}

export const samplePercentOffer = {
  name: 'Spring sale',
  destinationUrl: 'https://shop.example.com/spring',
  payoutOptions: [
    { title: 'Standard', type: 'percent', value: '10', default: true },
    { title: 'VIP', type: 'percent', value: '15', tiers: [{ fromConversion: 50, value: '20' }] },
  ],
};

export interface Creator {
  id: string;
  slug: string;
  code: string;
}

/** Members added to the offer, each with a link and a personalized code. */
export async function addCreators(
  t: TestApp,
  offerId: string,
  names: string[],
  codePattern = '{NAME}{RAND4}',
  key?: string,
): Promise<Creator[]> {
  const out: Creator[] = [];
  for (const name of names) {
    const m = await t.api('POST', '/members', { name }, key);
    const added = await t.api(
      'POST',
      `/offers/${offerId}/members`,
      { members: [{ memberId: m.data.id }], generateLinks: true, generateCodes: true, codePattern },
      key,
    );
    out.push({ id: m.data.id, slug: added.data.members[0].links[0].slug, code: added.data.members[0].codes[0].code });
  }
  return out;
}
