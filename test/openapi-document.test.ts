// The admin API's OpenAPI document is the contract with every integration: it changes only on purpose. The committed
// copy (docs/openapi.json) is what reviewers diff; regenerate it with `UPDATE_OPENAPI=1 npx vitest run
// test/openapi-document.test.ts` when a change to the API is intended, and say so in the commit.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';

const committed = new URL('../docs/openapi.json', import.meta.url);

describe('the OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t.close());

  it('is the committed one, byte for byte', async () => {
    const res = await t.api('GET', '/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = `${JSON.stringify(JSON.parse(res.body), null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(committed, doc);
    expect(doc).toBe(readFileSync(committed, 'utf8'));
  });
});
