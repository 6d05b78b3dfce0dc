// A worker thread that turns article texts into index text while the main thread writes the
// previous batch (used by the bulk rebuild). It also counts document frequencies for the lexicon.
import { Worker, parentPort, workerData, isMainThread } from 'node:worker_threads';
import { indexText, countTerms, type TermCounts } from './tokenize.ts';

const WORKER_KEY = 'mastheadSearchTokenizer';
const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.tsxUrl && workerData.moduleUrl.endsWith('.ts')) (await import(workerData.tsxUrl)).register();
  await import(workerData.moduleUrl);
})().catch((err) => parentPort.postMessage({ error: String((err && err.stack) || err) }));
`;

export type TextTriple = [title: string, lead: string, body: string];
type Request = { id: number; items: TextTriple[] } | { id: number; vocabulary: true };
type Reply = { id: number; docs?: TextTriple[]; vocabulary?: [string, string, number][]; error?: string };

if (!isMainThread && workerData?.[WORKER_KEY] && parentPort) {
  const port = parentPort;
  const counts: TermCounts = new Map();
  port.on('message', (m: Request) => {
    try {
      if ('vocabulary' in m) {
        port.postMessage({ id: m.id, vocabulary: [...counts].map(([t, c]) => [t, c.word, c.df]) } satisfies Reply);
        return;
      }
      const docs: TextTriple[] = m.items.map(([title, lead, body]) => {
        const v = new Map<string, string>();
        const out: TextTriple = [indexText(title, v), indexText(lead, v), indexText(body, v)];
        countTerms(counts, v);
        return out;
      });
      port.postMessage({ id: m.id, docs } satisfies Reply);
    } catch (err) {
      port.postMessage({ id: m.id, error: String((err as Error).stack ?? err) } satisfies Reply);
    }
  });
}

export class Tokenizers {
  private workers: Worker[] = [];
  private next = 0;
  private seq = 0;
  private pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  constructor(count: number) {
    let tsxUrl: string | null = null;
    try { tsxUrl = import.meta.resolve('tsx/esm/api'); } catch { tsxUrl = null; }
    for (let i = 0; i < count; i++) {
      const w = new Worker(BOOT, { eval: true, workerData: { moduleUrl: import.meta.url, tsxUrl, [WORKER_KEY]: true } });
      w.on('message', (r: Reply & { error?: string }) => {
        const p = this.pending.get(r.id);
        if (!p) return;
        this.pending.delete(r.id);
        if (r.error) p.reject(new Error(`search tokenizer: ${r.error}`));
        else p.resolve(r);
      });
      w.on('error', (err) => { for (const p of this.pending.values()) p.reject(err); this.pending.clear(); });
      this.workers.push(w);
    }
  }

  private ask(w: Worker, msg: Omit<Request, 'id'>): Promise<Reply> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ ...msg, id });
    });
  }

  async tokenize(items: TextTriple[]): Promise<TextTriple[]> {
    const w = this.workers[this.next++ % this.workers.length];
    return (await this.ask(w, { items })).docs!;
  }

  /** Document frequencies over everything tokenized, merged across workers. */
  async vocabulary(): Promise<TermCounts> {
    const merged: TermCounts = new Map();
    for (const w of this.workers) {
      for (const [t, word, df] of (await this.ask(w, { vocabulary: true })).vocabulary!) {
        const c = merged.get(t);
        if (c) c.df += df;
        else merged.set(t, { word, df });
      }
    }
    return merged;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
