// The checks of `npm run typecheck` hold the architecture (docs/architecture.md): these tests show each one failing
// on a violation written on purpose, and passing on the same files without it, so a rule that silently stopped
// matching (a renamed folder, a changed selector) is noticed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway project with the real dependency-cruiser config and the given source files. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-layers-'));
  made.push(dir);
  copyFileSync(path.join(root, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
  copyFileSync(path.join(root, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  for (const folder of ['src', 'web']) mkdirSync(path.join(dir, folder));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

function cruise(dir: string): { status: number | null; output: string } {
  const bin = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const r = spawnSync(
    process.execPath,
    [bin, 'src', 'web', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('dependency-cruiser: the layer rules', () => {
  const base = {
    'src/core/money.ts': 'export const cents = (n: number): number => n * 100;\n',
    'src/db/offers.ts': "import { cents } from '../core/money.js';\nexport const price = cents(1);\n",
  };

  it('passes when every arrow points down the layers', () => {
    const r = cruise(project(base));
    expect(r.output).toContain('no dependency violations');
    expect(r.status).toBe(0);
  });

  it('fails when the pure core imports the database layer', () => {
    const r = cruise(
      project({
        ...base,
        'src/core/money.ts':
          "import { price } from '../db/offers.js';\nexport const cents = (n: number): number => n * price;\n",
      }),
    );
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('core-imports-only-itself');
  });

  it('fails on an import cycle, type-only imports included', () => {
    const r = cruise(
      project({
        'src/app/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
        'src/app/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
      }),
    );
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('no-cycles');
  });

  it('fails when the tracking engine imports a use case', () => {
    const r = cruise(
      project({
        'src/app/ingest.ts': 'export const ingest = (): number => 1;\n',
        'src/tracking/click-buffer.ts': "import { ingest } from '../app/ingest.js';\nexport const flush = ingest;\n",
      }),
    );
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('tracking-imports-only-core-db-config');
  });

  it('fails when the web imports a server module, or the contract for more than its types', () => {
    const r = cruise(
      project({
        'src/contract/offers.ts':
          'export const OfferSchema = { type: "object" };\nexport type Offer = { id: string };\n',
        'src/db/offers.ts': 'export const findOffer = (): null => null;\n',
        'web/app/page.ts':
          "import { findOffer } from '../../src/db/offers.js';\nimport { OfferSchema } from '../../src/contract/offers.js';\nexport const x = [findOffer, OfferSchema];\n",
        'web/app/ok.ts': "import type { Offer } from '../../src/contract/offers.js';\nexport const y: Offer[] = [];\n",
      }),
    );
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('web-imports-only-the-contract-types-and-pure-core');
    expect(r.output).toContain('web-imports-the-contract-as-types-only');
    expect(r.output).not.toContain('web/app/ok.ts');
  });
});

describe('ESLint: only src/db/dialect/ branches on the database', () => {
  // The type-aware rules need the file in a TypeScript project; this rule does not, so they are left out here.
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false } },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
        '@typescript-eslint/await-thenable': 'off',
      },
    },
  });
  const source =
    "export function likeOf(store: { kind: string }): string {\n  return store.kind === 'postgres' ? 'ilike' : 'like';\n}\n";

  it('refuses a comparison with a dialect name outside the dialect', async () => {
    const [result] = await eslint.lintText(source, { filePath: path.join(root, 'src/app/somewhere.ts') });
    expect(result!.messages.map((m) => m.ruleId)).toContain('no-restricted-syntax');
    expect(result!.messages[0]!.message).toContain('src/db/dialect/');
  });

  it('allows it inside src/db/dialect/', async () => {
    const [result] = await eslint.lintText(source, { filePath: path.join(root, 'src/db/dialect/somewhere.ts') });
    expect(result!.messages).toEqual([]);
  });
});
