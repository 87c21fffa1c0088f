// `npm start` builds only when what the build reads has changed since the last build: a restart takes seconds, and a
// pulled change or an edited file is never served stale. What was built is remembered as a hash of the inputs'
// contents (not their times: a fresh clone or a checkout touches every file) in dist/.build-inputs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const stamp = path.join(root, 'dist', '.build-inputs');
const INPUT_DIRS = ['src', 'web'];
const INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else if (entry.isFile() && !entry.name.endsWith('.test.ts')) yield full;
  }
}

function inputsHash() {
  const hash = createHash('sha256');
  const files = [
    ...INPUT_DIRS.flatMap((d) => [...filesUnder(path.join(root, d))]),
    ...INPUT_FILES.map((f) => path.join(root, f)).filter((f) => existsSync(f)),
  ].sort();
  for (const file of files) hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

const wanted = inputsHash();
const built = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : null;
const outputs = ['dist/src/cli/main.js', 'dist/web/app/index.html', 'dist/web/portal/index.html'];
if (built === wanted && outputs.every((f) => existsSync(path.join(root, f)))) {
  console.error('Build is current (sources unchanged since the last build).');
} else {
  console.error(built ? 'Sources changed since the last build: building…' : 'Building the server and the web apps…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(stamp, `${wanted}\n`);
}
