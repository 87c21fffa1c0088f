// Leak detection end to end (SPEC §5): orders arrive through /postback, the job judges each code's last 24 h against its
// own history, raises alerts with their evidence, and the alert actions change what later orders with the code earn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLeakDetection } from '../src/app/leak-alerts.js';
import { CODE_ALPHABET } from '../src/core/codes.js';
import { addDays, bucketStart, dayKey } from '../src/core/time-buckets.js';
import { openPostgres, openSqlite } from '../src/db/dialect/index.js';
import { DIALECTS } from './helpers/stores.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const TZ = 'America/New_York';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(DIALECTS)('leak alerts on %s', (kind) => {
  let t: TestApp;
  // Noon in New York; the 28-day baseline spans the switch to summer time (2025-03-09).
  let now = Date.parse('2025-03-20T16:00:00Z');
  let secret: string;
  let offerId: string;
  let anna: Creator,
    ben: Creator,
    cleo: Creator,
    dana: Creator,
    eve: Creator,
    finn: Creator,
    gina: Creator,
    hugo: Creator;
  let genericCode: string;
  let order = 0;

  const today = () => dayKey(now, TZ);
  /** The 28 baseline dates, oldest first, as core/leak-detection places them. */
  const baselineDays = () => {
    const to = addDays(dayKey(now - DAY, TZ), -1);
    return Array.from({ length: 28 }, (_, i) => addDays(to, i - 27));
  };
  const postback = async (params: Record<string, string>) => {
    const res = await t.built.app.inject({
      url: `/postback?${new URLSearchParams({ secret, order: `L-${kind}-${++order}`, amount: '40.00', ...params })}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  /** `count` orders with the code on the local date, at its noon minus a minute each (all inside the date). */
  const ordersOn = async (code: string, day: string, count: number, extra: Record<string, string> = {}) => {
    const noon = bucketStart(day, TZ) + 12 * HOUR;
    const times = Array.from({ length: count }, (_, j) => noon - j * 60_000).filter((ms) => ms <= now);
    for (let i = 0; i < times.length; i += 25) {
      await Promise.all(
        times.slice(i, i + 25).map((ms) => postback({ code, time: new Date(ms).toISOString(), ...extra })),
      );
    }
  };
  const click = async (slug: string, referer?: string) => {
    const res = await t.built.app.inject({
      url: `/${slug}`,
      headers: { 'user-agent': UA, ...(referer ? { referer } : {}) },
    });
    // Written before the order arrives, as a click minutes or days before a purchase would be.
    await t.built.tracking.flush();
    return new URL(res.headers.location as string).searchParams.get('tp_click')!;
  };
  /** The job as the dashboard runs it, once every click made so far is written (clicks are buffered). */
  const detect = async () => {
    await t.built.tracking.flush();
    const res = await t.api('POST', '/alerts/run', {});
    expect(res.statusCode, res.body).toBe(200);
    return res.data;
  };
  const alertsOf = async (codeId: string) =>
    (await t.api('GET', `/alerts?codeId=${codeId}&limit=200`)).data.data as any[];
  /** Every rule shown on the code's cards, as stored alerts (id, rule, status, counts). */
  const rulesOf = async (codeId: string) =>
    (await alertsOf(codeId)).flatMap((card) => card.rules.map((r: any) => ({ ...r, id: r.alertId })));
  const codeIdOf = async (code: string) => (await t.api('GET', `/codes?code=${code}`)).data.data[0].id as string;
  const auditOf = (entityId: string) =>
    t.built.ctx.store.db
      .selectFrom('audit_log')
      .select(['action', 'actor'])
      .where('entity_id', '=', entityId)
      .orderBy('id')
      .execute();
  const alertRows = () =>
    t.built.ctx.store.db.selectFrom('leak_alerts').select(['code_id', 'rule', 'status']).execute();
  const raisedMessages = async () =>
    Number(
      (
        await t.built.ctx.store.db
          .selectFrom('webhook_messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('event_type', '=', 'alert.raised')
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    expect((await t.api('PATCH', '/workspace', { timezone: TZ })).statusCode).toBe(200);
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = await t.api('POST', '/offers', {
      name: 'Serum',
      destinationUrl: 'https://shop.example.com/serum',
      attributionRule: 'code_first',
      holdDays: 30,
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    offerId = offer.data.id;
    [anna, ben, cleo, dana, eve, finn, gina, hugo] = (await addCreators(t, offerId, [
      'Anna Leak',
      'Ben',
      'Cleo',
      'Dana',
      'Eve',
      'Finn',
      'Gina',
      'Hugo',
    ])) as [Creator, Creator, Creator, Creator, Creator, Creator, Creator, Creator];
    genericCode = (await t.api('POST', '/codes', { offerId, code: 'SPRING15' })).data.code;
    expect(
      (await t.api('POST', '/webhook-endpoints', { url: 'https://hooks.example.com/tp', events: ['alert.raised'] }))
        .statusCode,
    ).toBe(201);
  }, 60_000);
  afterAll(() => t.close());

  it('flags a seeded leak with the numbers that triggered it', async () => {
    const days = baselineDays();
    const yesterday = addDays(today(), -1);
    // Anna: 2–3 orders a day for four weeks, then a coupon site posts her code.
    for (const [i, day] of days.entries()) await ordersOn(anna.code, day, 2 + (i % 2));
    await ordersOn(anna.code, yesterday, 3); // before the last 24 h: in the series, not in the count
    const leakTimes = Array.from({ length: 50 }, (_, j) => now - 20 * HOUR + j * 20 * 60_000);
    await Promise.all(
      leakTimes.map((ms) => postback({ code: anna.code.toLowerCase(), time: new Date(ms).toISOString() })),
    );
    // Orders with clicks: 3 from Anna's own link, 4 from Ben's link posted on a deal site; the code wins every one of them.
    for (let i = 0; i < 3; i++)
      await postback({ code: anna.code, click: await click(anna.slug, 'https://www.instagram.com/annaleak') });
    for (let i = 0; i < 4; i++)
      await postback({ code: anna.code, click: await click(ben.slug, 'https://couponfollow.example/deals') });
    // Rehearsals never count.
    for (let i = 0; i < 5; i++) await postback({ code: anna.code, test: '1' });

    expect(await detect()).toMatchObject({ raised: 2, codesAlerted: 1 });

    const annaCodeId = await codeIdOf(anna.code);
    // Both rules fired for one leaked code: one alert, listing each rule with its own numbers.
    const listed = await alertsOf(annaCodeId);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ status: 'open', code: anna.code, memberId: anna.id, offerId });
    expect(listed[0].rules.map((r: any) => `${r.rule}:${r.status}`)).toEqual(['spike:open', 'no_click:open']);
    expect(listed[0]).not.toHaveProperty('evidence');
    expect(listed[0].rules[0]).not.toHaveProperty('evidence');
    const spikeId = listed[0].rules.find((r: any) => r.rule === 'spike').alertId;
    const noClickId = listed[0].rules.find((r: any) => r.rule === 'no_click').alertId;

    const spike = (await t.api('GET', `/alerts/${spikeId}`)).data;
    // The same card through either rule's id, each rule with its evidence.
    expect(spike.rules.map((r: any) => r.rule)).toEqual(['spike', 'no_click']);
    expect(spike.rules[1]).toMatchObject({ alertId: noClickId, evidence: { noClickShare: spike.noClickShare } });
    expect((await t.api('GET', `/alerts/${noClickId}`)).data.rules.map((r: any) => r.alertId)).toEqual([
      spikeId,
      noClickId,
    ]);
    const last24h = 50 + 3 + 4;
    expect(spike).toMatchObject({
      rule: 'spike',
      last24h,
      baselineMedian: 2.5,
      noClickShare: Number(((last24h - 3) / last24h).toFixed(4)),
    });
    const e = spike.evidence;
    expect(e).toMatchObject({
      baselineFrom: days[0],
      baselineTo: days[27],
      baselineMedian: 2.5,
      last24h,
      ordersLast24h: last24h,
      floor: 20,
      k: 5,
    });
    const expectedSeries = days.map((day, i) => ({ day, count: 2 + (i % 2) }));
    // The leak started 20 h ago: split between yesterday and today in New York, as the orders' local dates say.
    const leakOn = (day: string) => leakTimes.filter((ms) => dayKey(ms, TZ) === day).length;
    expectedSeries.push({ day: yesterday, count: 3 + leakOn(yesterday) }, { day: today(), count: leakOn(today()) + 7 });
    expect(e.series).toEqual(expectedSeries);
    expect(e.topReferrers).toEqual([
      { host: 'couponfollow.example', count: 4 },
      { host: 'www.instagram.com', count: 3 },
    ]);
    expect(await raisedMessages()).toBe(2);
    expect((await auditOf(spike.id)).map((a) => a.action)).toEqual(['raised']);
  }, 60_000);

  it('leaves steady growth, small bumps and bumps within k× the median alone', async () => {
    const days = [...baselineDays(), addDays(today(), -1)];
    // Cleo grows 10 % a day: 32 orders today is far above the floor but within 5× her median. A quarter of today's
    // orders came through her link, so the no-click rule has nothing to say either.
    for (const [i, day] of days.entries()) await ordersOn(cleo.code, day, Math.round(2 * 1.1 ** i));
    await ordersOn(cleo.code, today(), Math.round(2 * 1.1 ** 29) - 8);
    for (let i = 0; i < 8; i++) await postback({ code: cleo.code, click: await click(cleo.slug) });
    // Dana: one order a day, then 15 in a day (a third through her link): 15× her median, under the floor.
    for (const day of days) await ordersOn(dana.code, day, 1);
    await ordersOn(dana.code, today(), 10);
    for (let i = 0; i < 5; i++) await postback({ code: dana.code, click: await click(dana.slug) });
    // Eve: 6 a day, then 28: over the floor, under 5× the median. Her own clicks bring every order of the day.
    for (const day of baselineDays()) await ordersOn(eve.code, day, 6);
    for (let i = 0; i < 28; i++) await postback({ code: eve.code, click: await click(eve.slug) });

    const run = { data: await detect() };
    expect(run.data.codesChecked).toBeGreaterThanOrEqual(4); // Anna, Cleo, Dana and Eve were judged
    expect(run.data.raised).toBe(0);
    for (const c of [cleo, dana, eve]) expect(await alertsOf(await codeIdOf(c.code))).toEqual([]);
  }, 120_000); // ~600 orders through /postback

  it('raises the no-click rule for a personalized code used mostly without its member’s clicks', async () => {
    // Finn: 12 orders today, only 2 through his link. Gina: 12, 4 through hers (a third). The generic code: 15, no clicks.
    for (let i = 0; i < 2; i++) await postback({ code: finn.code, click: await click(finn.slug) });
    await ordersOn(finn.code, today(), 10);
    for (let i = 0; i < 4; i++) await postback({ code: gina.code, click: await click(gina.slug) });
    await ordersOn(gina.code, today(), 8);
    await ordersOn(genericCode, today(), 15);

    await detect();
    const finnAlerts = await rulesOf(await codeIdOf(finn.code));
    expect(finnAlerts).toEqual([
      expect.objectContaining({
        rule: 'no_click',
        status: 'open',
        last24h: 12,
        noClickShare: 0.8333,
        baselineMedian: 0,
      }),
    ]);
    expect(await alertsOf(await codeIdOf(gina.code))).toEqual([]);
    expect(await alertsOf(await codeIdOf(genericCode))).toEqual([]);
    const open = (await t.api('GET', `/alerts?status=open&offerId=${offerId}`)).data.data.map(
      (a: any) => `${a.code}:${a.rules.map((r: any) => r.rule).join('+')}`,
    );
    // One alert per code: Anna's lists both rules.
    expect(open.sort()).toEqual([`${anna.code}:spike+no_click`, `${finn.code}:no_click`].sort());
    expect((await t.api('GET', '/alerts?status=resolved')).data.data).toEqual([]);
  }, 60_000);

  it('keeps one alert per code and rule however often and however concurrently the job runs', async () => {
    // Hugo's code appears on a deal site: 25 orders today, none through his link. Both rules will fire.
    await ordersOn(hugo.code, today(), 25);
    const hugoCodeId = await codeIdOf(hugo.code);
    const before = await alertRows();
    const messages = await raisedMessages();
    // Two more "instances": their own connections to the same database, each running the job twice at once.
    await t.built.tracking.flush();
    const others = [0, 1].map(() => (kind === 'postgres' ? openPostgres(t.db.url, 3) : openSqlite(t.db.url)));
    try {
      const contexts = [t.built.ctx, ...others.map((store) => ({ ...t.built.ctx, store }))];
      const runs = await Promise.all([...contexts, ...contexts].map((ctx) => runLeakDetection(ctx)));
      expect(runs.reduce((n, r) => n + r.raised, 0)).toBe(2);
    } finally {
      for (const s of others) await s.close();
    }
    expect((await rulesOf(hugoCodeId)).map((a) => a.rule).sort()).toEqual(['no_click', 'spike']);
    const after = await alertRows();
    expect(after.length).toBe(before.length + 2);
    expect(new Set(after.map((a) => `${a.code_id}|${a.rule}`)).size).toBe(after.length);
    expect(await raisedMessages()).toBe(messages + 2);

    // Again, with more orders: the open alerts take the new count rather than getting twins.
    await postback({ code: hugo.code });
    await runLeakDetection(t.built.ctx);
    expect((await rulesOf(hugoCodeId)).map((a) => a.last24h)).toEqual([26, 26]);
    expect((await alertRows()).length).toBe(after.length);
    expect(await raisedMessages()).toBe(messages + 2);
  }, 60_000);

  it('acknowledges once, stays quiet for the same spike and comes back when the count doubles', async () => {
    const finnCodeId = await codeIdOf(finn.code);
    const [alert] = await rulesOf(finnCodeId);
    const acked = await t.api('POST', `/alerts/${alert.id}/acknowledge`);
    expect(acked.statusCode, acked.body).toBe(200);
    expect(acked.data).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.stringMatching(/^api_key:/) });
    const again = await t.api('POST', `/alerts/${alert.id}/acknowledge`, {});
    expect(again.data).toEqual(acked.data);
    expect((await auditOf(alert.id)).map((a) => a.action)).toEqual(['raised', 'acknowledged']);

    now += 60_000;
    await postback({ code: finn.code });
    await detect();
    expect(await rulesOf(finnCodeId)).toEqual([
      expect.objectContaining({ id: alert.id, status: 'acknowledged', last24h: 13 }),
    ]);

    // 24 orders in 24 h: twice what was acknowledged. The same alert opens again; the spike rule fires too (median 0).
    const messages = await raisedMessages();
    await ordersOn(finn.code, today(), 11);
    await detect();
    const reopened = (await t.api('GET', `/alerts/${alert.id}`)).data;
    expect(reopened).toMatchObject({ status: 'open', last24h: 24, acknowledgedAt: null });
    expect((await rulesOf(finnCodeId)).map((a) => a.rule).sort()).toEqual(['no_click', 'spike']);
    expect(await alertsOf(finnCodeId)).toHaveLength(1);
    expect(await raisedMessages()).toBe(messages + 2);
  }, 60_000);

  it('disables the code: later orders with it are kept as code_disabled and earn nothing, and the alert does not come back', async () => {
    const annaCodeId = await codeIdOf(anna.code);
    const before = await postback({ code: anna.code });
    expect(before).toMatchObject({
      credited: true,
      commissions: [expect.objectContaining({ memberId: anna.id, amount: '4.00' })],
    });

    const spike = (await rulesOf(annaCodeId)).find((a) => a.rule === 'spike');
    const res = await t.api('POST', `/alerts/${spike.id}/disable-code`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.data).toMatchObject({
      status: 'resolved',
      resolution: 'code_disabled',
      resolvedBy: expect.stringMatching(/^api_key:/),
    });
    // Both rules' alerts of the code are settled by the one action.
    expect((await rulesOf(annaCodeId)).map((a) => a.status)).toEqual(['resolved', 'resolved']);
    expect(await alertsOf(annaCodeId)).toHaveLength(1);
    expect((await t.api('GET', `/codes/${annaCodeId}`)).data.status).toBe('disabled');
    expect((await t.api('POST', `/alerts/${spike.id}/disable-code`)).data).toEqual(res.data);
    expect((await auditOf(annaCodeId)).filter((a) => a.action === 'disabled')).toHaveLength(1);

    const after = await postback({ code: anna.code });
    expect(after).toMatchObject({ credited: false, commissions: [] });
    expect(after.reasons).toContain('code_disabled');
    const conversion = (await t.api('GET', `/conversions/${after.conversionId}`)).data;
    expect(conversion.commissions ?? []).toEqual([]);

    // The coupon site still sends orders with it, at the same rate: the same episode, no new alert.
    await detect();
    expect((await rulesOf(annaCodeId)).length).toBe(2);
  }, 60_000);

  it('rotates the code once: a new code in the member’s style, the old one dead, the member told once', async () => {
    const notices: unknown[] = [];
    const wired = t.built.ctx.notify;
    t.built.ctx.notify = { codeRotated: async (n) => void notices.push(n) };
    try {
      const annaCodeId = await codeIdOf(anna.code);
      const alerts = await rulesOf(annaCodeId);
      const spike = alerts.find((a) => a.rule === 'spike');
      const noClick = alerts.find((a) => a.rule === 'no_click');
      const res = await t.api('POST', `/alerts/${spike.id}/rotate-code`);
      expect(res.statusCode, res.body).toBe(200);
      const newCode: string = res.data.newCode;
      // Anna's code was "{NAME}{RAND4}": ANNA and four random characters; so is the new one.
      expect(newCode).toMatch(new RegExp(`^ANNA[${CODE_ALPHABET}]{4}$`));
      expect(newCode).not.toBe(anna.code);
      expect(res.data).toMatchObject({
        status: 'resolved',
        resolution: 'code_rotated',
        newCodeId: expect.stringMatching(/^cod_/),
      });

      // Twice, and through the other alert of the same code: still one new code, one notice.
      expect((await t.api('POST', `/alerts/${spike.id}/rotate-code`, {})).data).toEqual(res.data);
      expect((await t.api('POST', `/alerts/${noClick.id}/rotate-code`)).data).toMatchObject({
        newCodeId: res.data.newCodeId,
        newCode,
      });
      const codes = (await t.api('GET', `/codes?memberId=${anna.id}&offerId=${offerId}`)).data.data;
      expect(codes.map((c: any) => `${c.code}:${c.status}`).sort()).toEqual(
        [`${anna.code}:disabled`, `${newCode}:active`].sort(),
      );
      expect(notices).toEqual([
        { workspaceId: t.workspaceId, memberId: anna.id, offerId, oldCode: anna.code, newCode },
      ]);

      const withNew = await postback({ code: newCode.toLowerCase() });
      expect(withNew).toMatchObject({
        credited: true,
        commissions: [expect.objectContaining({ memberId: anna.id, amount: '4.00' })],
      });
      const withOld = await postback({ code: anna.code });
      expect(withOld).toMatchObject({ credited: false, commissions: [] });
      expect(withOld.reasons).toContain('code_disabled');

      // A chosen code: refused when it is the leaked one or taken, and nothing changes; accepted otherwise.
      const [finnNoClick] = (await rulesOf(await codeIdOf(finn.code))).filter((a) => a.rule === 'no_click');
      const same = await t.api('POST', `/alerts/${finnNoClick.id}/rotate-code`, { code: finn.code.toLowerCase() });
      expect(same.statusCode).toBe(400);
      expect(same.data.error.details[0].code).toBe('code_unchanged');
      const taken = await t.api('POST', `/alerts/${finnNoClick.id}/rotate-code`, { code: gina.code });
      expect(taken.statusCode).toBe(409);
      expect(taken.data.error.code).toBe('code_taken');
      expect((await t.api('GET', `/codes/${await codeIdOf(finn.code)}`)).data.status).toBe('active');
      const chosen = await t.api('POST', `/alerts/${finnNoClick.id}/rotate-code`, { code: 'finn-fresh' });
      expect(chosen.data).toMatchObject({ newCode: 'FINN-FRESH', resolution: 'code_rotated' });
      expect(notices).toHaveLength(2);
      expect((await postback({ code: 'FINN-FRESH' })).commissions).toEqual([
        expect.objectContaining({ memberId: finn.id }),
      ]);
    } finally {
      t.built.ctx.notify = wired;
    }
  }, 60_000);

  it('acknowledges every rule of the code at once, and resolves them as subsided once the code has been quiet for a day', async () => {
    const rules = await rulesOf(await codeIdOf(hugo.code));
    const spike = rules.find((a) => a.rule === 'spike');
    const noClick = rules.find((a) => a.rule === 'no_click');
    const acked = await t.api('POST', `/alerts/${spike.id}/acknowledge`);
    expect(acked.data.rules.map((r: any) => `${r.rule}:${r.status}`)).toEqual([
      'spike:acknowledged',
      'no_click:acknowledged',
    ]);
    expect(acked.data.status).toBe('acknowledged');
    now += DAY / 2;
    expect((await detect()).subsided).toBe(0); // Hugo's orders are still within 24 h
    now += 2 * DAY;
    expect((await detect()).subsided).toBe(2);
    expect((await t.api('GET', `/alerts/${spike.id}`)).data).toMatchObject({
      status: 'resolved',
      resolution: 'subsided',
      resolvedBy: 'system:leak_detection',
    });
    // One resolved card for the code: both rules were settled by the same run.
    expect((await alertsOf(await codeIdOf(hugo.code))).map((a) => a.rules.length)).toEqual([2]);
    expect((await auditOf(spike.id)).map((a) => a.action)).toEqual(['raised', 'acknowledged', 'subsided']);
    expect((await auditOf(noClick.id)).map((a) => a.action)).toEqual(['raised', 'acknowledged', 'subsided']);
  }, 60_000);

  it('keeps alerts to their workspace: another brand neither sees nor acts on them (404)', async () => {
    const other = await t.newWorkspace('Other brand');
    const asB = (method: string, path: string, body?: unknown) => t.api(method, path, body, other.apiKey);
    const all = (await t.api('GET', '/alerts?limit=200')).data.data as any[];
    const target = all.find((a) => a.status === 'open') ?? all[0];
    const before = (await t.api('GET', `/alerts/${target.id}`)).data;

    expect((await asB('GET', '/alerts')).data.data).toEqual([]);
    expect((await asB('GET', `/alerts?codeId=${target.codeId}`)).data.data).toEqual([]);
    for (const [method, path] of [
      ['GET', ''],
      ['POST', '/acknowledge'],
      ['POST', '/disable-code'],
      ['POST', '/rotate-code'],
    ] as const) {
      const res = await asB(method, `/alerts/${target.id}${path}`);
      expect(res.statusCode, `${method} ${path}`).toBe(404);
      expect(res.data.error.code).toBe('not_found');
    }
    expect((await asB('POST', '/alerts/run')).data).toMatchObject({ codesChecked: 0, raised: 0 });
    expect((await t.api('GET', `/alerts/${target.id}`)).data).toEqual(before);
  }, 60_000);
});
