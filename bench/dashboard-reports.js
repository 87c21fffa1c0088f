// Dashboard Reports page benchmark: the page in Chromium on a generated workspace (default 1 M clicks, 50 k orders,
// 2,000 creators, 90 days), grouped by member, code and link over 90 days. It times the load (address to first row
// drawn), a sort by Sales with the default 100 rows drawn, then — the baseline, in the same run — "Show all" (every
// row drawn) and the same sort with every row drawn, so the cost of drawing everything is a ratio. The API's own time
// for the same report is printed beside it. Medians over the runs.
// Usage: npm run bench:dashboard [-- --clicks 1000000 --conversions 50000 --members 2000 --days 90 --runs 5]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { freePort, median, startChild, stopChild, waitForHttp } from './lib.js';

const { values: args } = parseArgs({
  options: {
    clicks: { type: 'string', default: '1000000' },
    conversions: { type: 'string', default: '50000' },
    members: { type: 'string', default: '2000' },
    days: { type: 'string', default: '90' },
    runs: { type: 'string', default: '5' },
  },
});
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'bench password 1234';
const runs = Number(args.runs);

if (!fs.existsSync(CHROMIUM))
  throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get update && apt-get install -y chromium`);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-dashboard-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', BASE_URL: base, LOG_LEVEL: 'warn' };
const server = startChild(process.execPath, [CLI, 'serve'], env);
let browser;
try {
  await waitForHttp(`${base}/healthz`, 60_000);
  // The first start made the demo workspace and its owner; the data set goes into that workspace so the owner sees it.
  const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo.json'), 'utf8'));
  console.log(
    `Generating ${args.clicks} clicks, ${args.conversions} orders, ${args.members} members over ${args.days} days…`,
  );
  const gen = spawnSync(
    process.execPath,
    [
      CLI,
      'generate',
      '--clicks',
      args.clicks,
      '--conversions',
      args.conversions,
      '--members',
      args.members,
      '--days',
      args.days,
      '--workspace',
      demo.workspaceId,
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (gen.status !== 0) throw new Error(`generate failed (${gen.status})`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${base}/app/login`);
  await page.getByLabel('Email').fill(demo.owner.email);
  await page.getByLabel('Password').fill(demo.owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('One-time password').fill(demo.owner.password);
  await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat the new password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.getByRole('heading', { name: 'Offers', exact: true }).waitFor();

  // Timed inside the page: from the click to the frame after React's commit, so it is the drawing, not Playwright.
  const clickAndDraw = (selector, text) =>
    page.evaluate(
      async ([sel, t]) => {
        const button = [...document.querySelectorAll(sel)].find((b) => b.textContent.trim().startsWith(t));
        if (!button) throw new Error(`no button "${t}"`);
        const t0 = performance.now();
        button.click();
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        return performance.now() - t0;
      },
      [selector, text],
    );
  const rowCount = () => page.locator('table.report-table tbody tr').count();

  const from = new Date(Date.now() - (Number(args.days) - 1) * 86_400_000).toISOString().slice(0, 10);
  const results = [];
  for (const group of ['member', 'code', 'link']) {
    const t = { load: [], sort: [], showAll: [], sortAll: [], api: [] };
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const a0 = performance.now();
      const res = await fetch(`${base}/api/v1/reports?groupBy=${group}&from=${from}`, {
        headers: { authorization: `Bearer ${demo.apiKey}` },
      });
      rows = (await res.json()).rows.length;
      t.api.push(performance.now() - a0);

      const l0 = performance.now();
      await page.goto(`${base}/app/reports?groupBy=${group}&from=${from}`);
      await page.locator('table.report-table tbody tr').first().waitFor({ timeout: 120_000 });
      t.load.push(performance.now() - l0);
      if ((await rowCount()) !== Math.min(rows, 100))
        throw new Error(`expected ${Math.min(rows, 100)} rows drawn, found ${await rowCount()}`);
      // The filters' member and offer lists and the chart arrive after the first rows: let them land before a sort is timed.
      await page.waitForLoadState('networkidle');
      await page.locator('.recharts-wrapper').first().waitFor();
      t.sort.push(await clickAndDraw('table.report-table thead button', 'Sales'));
      if (rows > 100) {
        t.showAll.push(await clickAndDraw('.more button', 'Show all'));
        if ((await rowCount()) !== rows) throw new Error(`"Show all" drew ${await rowCount()} of ${rows} rows`);
        t.sortAll.push(await clickAndDraw('table.report-table thead button', 'Sales'));
      }
    }
    results.push({
      group,
      rows,
      ...Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.length ? median(v) : null])),
    });
  }

  const f = (ms) => (ms === null ? '—' : `${ms.toFixed(0)} ms`);
  console.log(
    `\nReports page, Chromium 1280 px, ${args.clicks} clicks, ${args.members} members, ${args.days} days; medians of ${runs} runs`,
  );
  console.log(
    '| grouping | rows | API | load (first 100 rows) | sort, 100 drawn | "Show all" | sort, all drawn | sort all ÷ sort 100 |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const ratio = r.sortAll === null ? '—' : `${(r.sortAll / r.sort).toFixed(1)}×`;
    console.log(
      `| ${r.group} | ${r.rows.toLocaleString('en-US')} | ${f(r.api)} | ${f(r.load)} | ${f(r.sort)} | ${f(r.showAll)} | ${f(r.sortAll)} | ${ratio} |`,
    );
  }
} finally {
  await browser?.close();
  await stopChild(server, 'SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
