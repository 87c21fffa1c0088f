// The tracking setup page's examples, run for real: each signed-postback program (bash with curl and openssl, Node,
// PHP, Python), exactly as tracking-snippets.ts writes it for the page, is executed against a listening Touchpoint
// and must get its order recorded and credited; with a wrong secret the same program must fail and record nothing.
// The built postback URL, the pixel and the TUNE and Everflow drop-in URLs go over real HTTP too.
// A missing interpreter fails the test in CI (env CI) and skips it elsewhere, saying which one.
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SIGNED_LANGUAGES,
  everflowUrl,
  pixelTag,
  postbackUrl,
  signedExample,
  tuneUrl,
  type SignedLanguage,
  type SnippetContext,
} from '../web/app/settings/tracking-snippets.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';
import { listen } from './helpers/browser.js';
import { DIALECTS, tempDir } from './helpers/stores.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/** How each example is run, and what must be installed for it. */
const RUNNERS: Record<SignedLanguage, { needs: string[]; run: (file: string) => [string, string[]] }> = {
  curl: { needs: ['bash', 'curl', 'openssl'], run: (f) => ['bash', [f]] },
  node: { needs: [], run: (f) => [process.execPath, [f]] },
  php: { needs: ['php'], run: (f) => ['php', [f]] },
  python: { needs: ['python3'], run: (f) => ['python3', [f]] },
};

const installed = (cmd: string) => !spawnSync('sh', ['-c', `command -v ${cmd}`]).status;
const missing = (lang: SignedLanguage) => RUNNERS[lang].needs.filter((c) => !installed(c));

function runFile(lang: SignedLanguage, file: string): Promise<{ code: number; out: string }> {
  const [cmd, args] = RUNNERS[lang].run(file);
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, out: stdout + stderr }),
    );
  });
}

describe.each(DIALECTS)('the tracking setup examples against Touchpoint on %s', (kind) => {
  let t: TestApp;
  let ctx: SnippetContext;
  let offerId: string;
  let anna: Creator;
  let dir: string;

  const conversionOf = (orderId: string) =>
    t.built.ctx.store.db
      .selectFrom('conversions')
      .select(['id', 'amount_minor', 'is_test', 'currency', 'status', 'decision'])
      .where('order_id', '=', orderId)
      .executeTakeFirst();
  const commissionsOf = async (orderId: string) => {
    const c = await conversionOf(orderId);
    if (!c) return [];
    return t.built.ctx.store.db
      .selectFrom('commissions')
      .select(['member_id'])
      .where('conversion_id', '=', c.id)
      .execute();
  };
  const click = async () => {
    const res = await fetch(`${ctx.base}/${anna.slug}`, { redirect: 'manual', headers: { 'user-agent': UA } });
    return new URL(res.headers.get('location')!).searchParams.get('tp_click')!;
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    const base = await listen(t);
    const ws = (await t.api('GET', '/workspace')).data;
    ctx = { base, secret: ws.postbackSecret, workspaceId: t.workspaceId };
    offerId = (
      await t.api('POST', '/offers', {
        name: 'Serum',
        destinationUrl: 'https://shop.example.com/serum?transaction_id={transaction_id}',
        currency: 'EUR',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data.id;
    [anna] = (await addCreators(t, offerId, ['Anna'])) as [Creator];
    dir = tempDir('tp-examples-');
  });
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const { value: lang, file } of SIGNED_LANGUAGES) {
    const absent = missing(lang);
    if (absent.length && !process.env.CI)
      console.warn(`tracking setup examples: ${lang} skipped, not installed here: ${absent.join(', ')}`);
    it.skipIf(absent.length > 0 && !process.env.CI)(
      `${lang}: the signed example records and credits its order`,
      async () => {
        expect(absent, `${lang} needs ${absent.join(', ')}`).toEqual([]);
        // An order id with quotes, a dollar and a backslash: each language's literal must carry it unchanged.
        const order = `SIGNED-${kind}-${lang}-o'neil "x" $HOME \\ ü`;
        const sale = { offer: offerId, code: anna.code, amount: '59.90', currency: 'EUR', order, test: true };

        const wrong = path.join(dir, `wrong-${file}`);
        fs.writeFileSync(wrong, signedExample(lang, { ...ctx, secret: 'not-the-secret' }, sale));
        const refused = await runFile(lang, wrong);
        expect(refused.code, refused.out).not.toBe(0);
        expect(refused.out).toContain('signature_mismatch');
        expect(await conversionOf(order)).toBeUndefined();

        const good = path.join(dir, file);
        fs.writeFileSync(good, signedExample(lang, ctx, sale));
        const ran = await runFile(lang, good);
        expect(ran.code, ran.out).toBe(0);
        expect(ran.out).toContain('"credited":true');
        // A test order pays nothing, so its credit is read from the decision rather than from commissions.
        const recorded = await conversionOf(order);
        expect(recorded).toMatchObject({ amount_minor: 5990, is_test: 1, currency: 'EUR', status: 'credited' });
        expect(recorded!.decision).toContain(anna.id);
      },
      60_000,
    );
  }

  it('the built postback URL, sent as it is, records a test order credited by click id', async () => {
    const order = `BUILT-${kind}`;
    const url = postbackUrl(ctx, {
      offer: offerId,
      click: await click(),
      amount: '12.50',
      currency: 'EUR',
      order,
      test: true,
    });
    const res = await fetch(url);
    const body = (await res.json()) as { credited: boolean; test: boolean };
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ credited: true, test: true });
    expect(await conversionOf(order)).toMatchObject({ amount_minor: 1250, is_test: 1 });
  });

  it('the pixel as written in the img tag records its order', async () => {
    const order = `PIXEL-${kind}`;
    const img = pixelTag(ctx.base, {
      offer: offerId,
      code: anna.code,
      amount: '8.00',
      currency: 'EUR',
      order,
      test: true,
    });
    const src = /src="([^"]+)"/.exec(img)![1]!.replace(/&amp;/g, '&');
    const res = await fetch(src);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(await conversionOf(order)).toMatchObject({ amount_minor: 800, is_test: 1 });
  });

  it('the TUNE and Everflow URLs, with their placeholders filled in as the network would, record their orders', async () => {
    const fill = (template: string, values: Record<string, string>) =>
      template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(values[k] ?? ''));

    const tuneOrder = `TUNE-${kind}`;
    const tune = await fetch(
      fill(tuneUrl(ctx, offerId), { transaction_id: await click(), amount: '20.00', order_id: tuneOrder }),
    );
    expect(await tune.text()).toBe('success=true;');
    expect(await conversionOf(tuneOrder)).toMatchObject({ amount_minor: 2000 });

    const everflowOrder = `EF-${kind}`;
    const everflow = await fetch(
      fill(everflowUrl(ctx, offerId, 'EUR'), {
        transaction_id: await click(),
        order_id: everflowOrder,
        sale_amount: '30.00',
        coupon_code: anna.code,
      }),
    );
    expect(everflow.status).toBe(200);
    expect(await conversionOf(everflowOrder)).toMatchObject({ amount_minor: 3000 });
    expect((await commissionsOf(everflowOrder)).map((c) => c.member_id)).toEqual([anna.id]);

    const refused = await fetch(
      fill(tuneUrl({ ...ctx, secret: 'not-the-secret' }, offerId), {
        transaction_id: await click(),
        amount: '1.00',
        order_id: 'TUNE-BAD',
      }),
    );
    expect(await refused.text()).toBe('success=false; err_msg=Invalid security token;');
  });
});
