import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchWebhooks, MAX_ATTEMPTS } from '../src/app/webhooks.js';
import { verifySignature } from '../src/core/signature.js';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp } from './helpers/app.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A brand's webhook receiver on loopback that answers with the statuses it is told to, in order. */
async function receiver(statuses: number[]) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hooks`, received, close: () => new Promise((r) => server.close(r)) };
}

describe.each(DIALECTS)('outgoing webhooks on %s', (kind) => {
  let t: TestApp;
  let now = Date.UTC(2026, 10, 3, 9);
  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
  });
  afterAll(() => t.close());

  async function approvedCommission() {
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = (
      await t.api('POST', '/offers', {
        name: 'O',
        destinationUrl: 'https://shop.example.com/',
        payoutOptions: [{ title: 'F', type: 'fixed', value: '4.00' }],
      })
    ).data;
    const member = (await t.api('POST', '/members', { name: 'Dee' })).data;
    const code = (
      await t.api('POST', `/offers/${offer.id}/members`, {
        members: [{ memberId: member.id }],
        generateCodes: true,
        generateLinks: false,
      })
    ).data.members[0].codes[0].code;
    const conversion = (
      await t.built.app.inject({
        url: `/postback?${new URLSearchParams({ secret, code, order: `W-${now}`, amount: '10.00' })}`,
      })
    ).json();
    const commissionId = (await t.api('GET', `/conversions/${conversion.conversionId}`)).data.commissions[0].id;
    return { commissionId };
  }

  it('signs each message, retries a failing receiver with backoff, and keeps a delivery log', async () => {
    const hook = await receiver([500, 503]);
    try {
      const endpoint = await t.api('POST', '/webhook-endpoints', {
        url: hook.url,
        events: ['commission.approved', 'commission.reversed'],
      });
      expect(endpoint.statusCode, endpoint.body).toBe(201);
      expect(endpoint.data.secret).toMatch(/^whsec_/);
      // An API key acts as an owner, who sees webhook secrets (SPEC §6); viewers never do (role-matrix.test.ts).
      const listed = (await t.api('GET', '/webhook-endpoints')).data.data as { id: string; secret?: string }[];
      expect(listed.find((e) => e.id === endpoint.data.id)!.secret).toBe(endpoint.data.secret);

      const { commissionId } = await approvedCommission();
      await t.api('POST', `/commissions/${commissionId}/approve`, { reason: 'Early, for a good creator' });
      expect(await dispatchWebhooks(t.built.ctx)).toBe(0); // 500
      expect(await dispatchWebhooks(t.built.ctx)).toBe(0); // not due yet: waits 30 s
      now += 30_000;
      expect(await dispatchWebhooks(t.built.ctx)).toBe(0); // 503
      now += 120_000;
      expect(await dispatchWebhooks(t.built.ctx)).toBe(1); // 200
      expect(hook.received).toHaveLength(3);
      const last = hook.received.at(-1)!;
      expect(last.headers['x-touchpoint-event']).toBe('commission.approved');
      expect(
        verifySignature(String(last.headers['x-touchpoint-signature']), endpoint.data.secret, last.body, now),
      ).toEqual({ ok: true });
      const message = JSON.parse(last.body);
      expect(message).toMatchObject({
        type: 'commission.approved',
        data: { id: commissionId, status: 'approved', amount: '4.00' },
      });
      expect(new Set(hook.received.map((r) => r.headers['x-touchpoint-delivery'])).size).toBe(1);

      const log = (await t.api('GET', `/webhook-endpoints/${endpoint.data.id}/messages`)).data.data;
      expect(log).toEqual([
        expect.objectContaining({
          eventType: 'commission.approved',
          status: 'delivered',
          attempts: 3,
          lastStatus: 200,
          lastError: null,
        }),
      ]);

      await t.api('POST', `/commissions/${commissionId}/reverse`, { reason: 'Returned' });
      expect(await dispatchWebhooks(t.built.ctx)).toBe(1);
      expect(JSON.parse(hook.received.at(-1)!.body)).toMatchObject({
        type: 'commission.reversed',
        data: { id: commissionId, status: 'reversed', reason: 'Returned' },
      });
    } finally {
      await hook.close();
    }
  });

  it('gives up after the last attempt, shows why, and sends again on request', async () => {
    const hook = await receiver(Array(MAX_ATTEMPTS).fill(500));
    try {
      const endpoint = (await t.api('POST', '/webhook-endpoints', { url: hook.url, events: ['commission.approved'] }))
        .data;
      const { commissionId } = await approvedCommission();
      await t.api('POST', `/commissions/${commissionId}/approve`, { reason: 'ok' });
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        await dispatchWebhooks(t.built.ctx);
        now += 13 * 3_600_000;
      }
      const [failed] = (await t.api('GET', `/webhook-endpoints/${endpoint.id}/messages`)).data.data;
      expect(failed).toMatchObject({
        status: 'failed',
        attempts: MAX_ATTEMPTS,
        lastStatus: 500,
        lastError: 'HTTP 500',
      });
      expect((await t.api('POST', `/webhook-messages/${failed.id}/retry`)).data).toEqual({ queued: true });
      expect(await dispatchWebhooks(t.built.ctx)).toBe(1);
      expect((await t.api('GET', `/webhook-endpoints/${endpoint.id}/messages`)).data.data[0]).toMatchObject({
        status: 'delivered',
      });
      expect(
        (await t.api('POST', '/webhook-endpoints', { url: 'ftp://x', events: ['commission.approved'] })).statusCode,
      ).toBe(400);
      expect((await t.api('POST', '/webhook-endpoints', { url: hook.url, events: ['order.shipped'] })).statusCode).toBe(
        400,
      );
    } finally {
      await hook.close();
    }
  });

  it('announces each new conversion once, from the transaction that created it', async () => {
    const hook = await receiver([]);
    try {
      await t.api('POST', '/webhook-endpoints', { url: hook.url, events: ['conversion.created'] });
      await approvedCommission();
      expect(await dispatchWebhooks(t.built.ctx)).toBe(1);
      const message = JSON.parse(hook.received[0]!.body);
      expect(message).toMatchObject({
        type: 'conversion.created',
        data: {
          status: 'credited',
          amount: '10.00',
          currency: 'USD',
          commissions: [expect.objectContaining({ amount: '4.00' })],
        },
      });
      expect(await dispatchWebhooks(t.built.ctx)).toBe(0);
    } finally {
      await hook.close();
    }
  });
});
