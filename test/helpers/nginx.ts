// Debian's nginx, started by a test as an unprivileged process with its own prefix: a brand's reverse proxy in front
// of Touchpoint (first-party links) or a load balancer in front of several instances. The caller writes the `http {}`
// block's servers; everything nginx writes (pid, logs, temp files) stays in a temporary directory.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './server.js';

export const NGINX = '/usr/sbin/nginx';

const inCi = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);

/** true when nginx is absent and this is not CI: the caller's `describe.skipIf(noNginx)` skips; in CI it fails. */
export const noNginx = !fs.existsSync(NGINX) && !inCi;

if (noNginx) console.warn(`nginx not found at ${NGINX}; proxy tests skipped — apt-get install nginx`);

export interface Nginx {
  port: number;
  dir: string;
  /** nginx's error log so far (for a failing assertion's message). */
  errors(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx listening on a free loopback port. `servers(port)` returns the `server {}` blocks (and any `upstream {}`)
 * of the http context; they should `listen 127.0.0.1:${port}`.
 */
export async function startNginx(servers: (port: number) => string): Promise<Nginx> {
  if (!fs.existsSync(NGINX)) {
    throw new Error(`nginx is not installed at ${NGINX}; install Debian's package: apt-get install -y nginx`);
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-nginx-'));
  for (const sub of ['client', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, sub));
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
${servers(port)}
}
`,
  );
  const check = spawnSync(NGINX, ['-t', '-q', '-p', dir, '-c', conf], { encoding: 'utf8' });
  if (check.status !== 0)
    throw new Error(`nginx rejected its configuration:\n${check.stderr}\n${fs.readFileSync(conf, 'utf8')}`);
  const child = spawn(NGINX, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errors = () => {
    const log = path.join(dir, 'error.log');
    return stderr + (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
  };
  // Ready when the port answers a connection.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start:\n${errors()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    dir,
    errors,
    async stop() {
      // QUIT is nginx's graceful stop: it finishes the requests in flight.
      child.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
