// The real server process: first start on an empty data directory, clicks over real HTTP, and a graceful
// SIGTERM that writes every served click before exit.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPostgres, openSqlite, type Store } from '../src/db/dialect/index.js';
import { freePort, spawnServer } from './helpers/server.js';
import { createPgDatabase, DIALECTS, tempDir } from './helpers/stores.js';

const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

async function clickMany(url: string, n: number): Promise<number> {
  let redirects = 0;
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, () =>
        fetch(url, { redirect: 'manual', headers: { 'user-agent': UA } }),
      ),
    );
    redirects += batch.filter(
      (r) => r.status === 302 && new URL(r.headers.get('location')!).searchParams.has('tp_click'),
    ).length;
  }
  return redirects;
}

async function countClicks(store: Store): Promise<number> {
  const r = await store.db
    .selectFrom('clicks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe.each(DIALECTS)('the server process on %s', (kind) => {
  it('starts on an empty database, serves the API and links, and writes every click on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const database = kind === 'postgres' ? await createPgDatabase() : null;
    const baseUrl = `http://127.0.0.1:${port}`;
    const { child, ready, output } = spawnServer(port, {
      CLICK_FLUSH_MS: '1000',
      DATA_DIR: dataDir,
      DATABASE_URL: database?.url ?? '',
    });
    try {
      const printed = await ready;
      const apiKey = /API key:\s+(tpk_\w+)/.exec(printed)?.[1];
      expect(apiKey, printed).toBeTruthy();
      const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
      let link: string;
      if (kind === 'sqlite') {
        // The embedded default seeds the demo and prints a link to click.
        link = /Click a link: (\S+)/.exec(printed)![1]!;
        const offers = (await (await fetch(`${baseUrl}/api/v1/offers`, { headers: auth })).json()) as {
          data: { name: string }[];
        };
        expect(offers.data.map((o) => o.name).sort()).toEqual(['Glow Serum launch', 'Newsletter sign-ups']);
      } else {
        expect(printed).toContain('created an empty workspace');
        const offer = (await (
          await fetch(`${baseUrl}/api/v1/offers`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({
              name: 'O',
              destinationUrl: 'https://shop.example.com/',
              payoutOptions: [{ title: 'P', type: 'percent', value: '10' }],
            }),
          })
        ).json()) as { id: string };
        const created = (await (
          await fetch(`${baseUrl}/api/v1/links`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ offerId: offer.id }),
          })
        ).json()) as { url: string };
        link = created.url;
      }
      expect(link.startsWith(baseUrl)).toBe(true);
      const served = await clickMany(link, 500);
      expect(served).toBe(500);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited, output()).toBe(0);

      const store = database ? openPostgres(database.url, 1) : openSqlite(path.join(dataDir, 'touchpoint.sqlite'));
      try {
        expect(await countClicks(store)).toBe(500);
      } finally {
        await store.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database?.drop();
    }
  });
});
