import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// Real `masthead serve` processes and a real nginx in front of them, running the shipped
// ops/nginx/masthead.conf with its ports and paths swapped for test ones.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/masthead.mjs');
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p)) ?? null;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(url: string, timeoutMs: number, child?: Instance): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (child && child.exitCode() !== null) throw new Error(`${child.name} exited with ${child.exitCode()}:\n${child.output()}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms: ${last}${child ? `\n${child.output()}` : ''}`);
}

export interface Instance {
  name: string;
  port: number;
  url: string;
  proc: ChildProcess;
  exitCode(): number | null;
  exited: Promise<number | null>;
  output(): string;
}

export function startInstance(name: string, port: number, env: Record<string, string>): Instance {
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', TRUST_PROXY: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  let code: number | null = null;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (c, sig) => {
    code = c ?? (sig ? 128 : -1);
    resolve(code);
  }));
  return { name, port, url: `http://127.0.0.1:${port}`, proc, exitCode: () => code, exited, output: () => out.slice(-4000) };
}

export interface Nginx {
  port: number;
  url: string;
  proc: ChildProcess;
  dir: string;
  log(): string;
}

/** nginx in the foreground with ops/nginx/masthead.conf, its ports and paths swapped for test ones. */
export async function startNginx(port: number, upstreams: number[], opts: { tls?: { cert: string; key: string } } = {}): Promise<Nginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-nginx-'));
  fs.chmodSync(dir, 0o755);
  for (const d of ['logs', 'tmp', 'conf.d']) fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
  let site = fs.readFileSync(path.join(ROOT, 'ops/nginx/masthead.conf'), 'utf8');
  const swap = (from: RegExp, to: string) => {
    assert.match(site, from, `ops/nginx/masthead.conf no longer has ${from}`);
    site = site.replace(from, to);
  };
  swap(/server 127\.0\.0\.1:3001 /, `server 127.0.0.1:${upstreams[0]} `);
  swap(/server 127\.0\.0\.1:3002 /, `server 127.0.0.1:${upstreams[1]} `);
  if (opts.tls) {
    // TLS as the file's comments say to set it up: its own listen and certificate lines, uncommented.
    swap(/\n\s*listen 80;/, '');
    swap(/#\s+listen 443 ssl http2;/, `listen 127.0.0.1:${port} ssl http2;`);
    swap(/#\s+ssl_certificate\s+\S+;/, `ssl_certificate ${opts.tls.cert};`);
    swap(/#\s+ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${opts.tls.key};`);
  } else swap(/listen 80;/, `listen 127.0.0.1:${port};`);
  swap(/access_log \/var\/log\/nginx\/masthead\.access\.log/, `access_log ${dir}/logs/access.log`);
  fs.writeFileSync(path.join(dir, 'conf.d/masthead.conf'), site);
  const temp = (name: string) => `${name}_temp_path ${dir}/tmp/${name};`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}
  # As Debian's /etc/nginx/nginx.conf has it (the site's file must turn it off for itself).
  gzip on;
  # For the test only: which instance answered.
  add_header X-Upstream $upstream_addr always;
  include ${dir}/conf.d/masthead.conf;
}
`);
  const check = spawnSync(NGINX!, ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
  assert.equal(check.status, 0, `nginx -t: ${check.stderr}`);
  const proc = spawn(NGINX!, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const log = () => {
    try {
      return fs.readFileSync(path.join(dir, 'logs/error.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  // /healthz answers from either instance once nginx listens.
  if (opts.tls) {
    const ca = fs.readFileSync(opts.tls.cert);
    const until = Date.now() + 10_000;
    for (;;) {
      const ok = await httpsRequest(`${url}/healthz`, { ca }).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > until) throw new Error(`nginx did not answer over TLS within 10 s:\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } else await waitFor(`${url}/healthz`, 10_000);
  return { port, url, proc, dir, log };
}


export interface HttpsAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTPS request trusting `ca` (fetch cannot be given a CA of its own). */
export function httpsRequest(url: string, opts: { ca: Buffer; method?: string; headers?: Record<string, string>; body?: string }): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? 'GET', headers: opts.headers, ca: opts.ca, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(opts.body);
  });
}
