import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../support/serving.ts';

// The processes the crash test kills: `masthead serve` and `masthead import`, started exactly as
// an operator starts them (bin/masthead.mjs, the database from DATA_DIR / DATABASE_URL).

const BIN = path.resolve(import.meta.dirname, '../../bin/masthead.mjs');

export interface Child {
  proc: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  output(): string;
  /** SIGKILL, unless it has exited already; says whether the kill hit a running process. */
  kill(): Promise<boolean>;
}

const live = new Set<ChildProcess>();

/** Kills every child still running (a failed test must not leave servers behind). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => new Promise<void>((resolve) => {
    p.once('exit', () => resolve());
    if (!p.kill('SIGKILL')) resolve();
  })));
}

function track(proc: ChildProcess): Child {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 20_000) out = out.slice(-10_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let done = false;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => {
    done = true;
    resolve(code);
  }));
  return {
    proc,
    exited,
    output: () => out,
    async kill() {
      if (done) return false;
      const hit = proc.kill('SIGKILL');
      await exited;
      return hit;
    },
  };
}

export interface Server extends Child {
  origin: string;
}

/** `masthead serve` on a free port; resolves once /healthz answers. */
export async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = track(spawn(process.execPath, [BIN, 'serve', '--no-demo'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', BASE_URL: origin, TRUST_PROXY: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`masthead serve exited before it answered:\n${child.output()}`);
    if (Date.now() > deadline) {
      await child.kill();
      throw new Error(`masthead serve did not answer /healthz within 60 s:\n${child.output()}`);
    }
    try {
      const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 40));
  }
  return { ...child, origin };
}

/** `masthead import <dir>`. PGAPPNAME lets the test see the importer's transaction on PostgreSQL. */
export function startImport(env: Record<string, string>, dir: string): Child {
  return track(spawn(process.execPath, [BIN, 'import', dir], {
    env: { ...process.env, ...env, PGAPPNAME: 'masthead-crash-import' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
}

export const BATCH_PREFIX = 'crash-b';

/** The slug of article `i` of batch `k` (titles are chosen so that this is their slug). */
export function batchSlug(k: number, i: number): string {
  return `${BATCH_PREFIX}${k}-article-${i}`;
}

/**
 * A directory of `n` Markdown articles, each with a body of several paragraphs, a print citation
 * of the demo article on PLN Mar. 2025 p.45, two sources and a topic: one `masthead import`.
 */
export function writeBatch(root: string, k: number, n: number): string {
  const dir = path.join(root, `batch-${k}`);
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const body = [
      `Article ${i} of batch ${k}: the county agreed to inspect every cell block after the heat index inside reached dangerous levels for the third summer in a row.`,
      `Lawyers for the prisoners said the agreement follows an earlier ruling [See: PLN, Mar. 2025, p.45.] and sets deadlines the jail has missed before.`,
      ...Array.from({ length: 4 }, (_, p) => `Paragraph ${p + 3} records testimony, inspection reports and the cost of fans, ice and medical visits, batch ${k} item ${i}.`),
    ].join('\n\n');
    fs.writeFileSync(path.join(dir, `${String(i).padStart(4, '0')}.md`), `---
title: "Crash B${k} Article ${i}"
topics: [Prison Conditions]
sources:
  - Court records
  - name: Crash Ledger
    url: https://ledger.example/${k}/${i}
access: premium
status: published
published_at: 2025-02-${String((i % 27) + 1).padStart(2, '0')}
---
${body}
`);
  }
  return dir;
}
