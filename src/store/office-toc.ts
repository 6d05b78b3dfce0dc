// The table of contents of a print issue as the office checks it: which pages each assigned
// article takes, and what is wrong with the whole: articles whose pages overlap, pages between 1
// and the page count that no article covers, articles past the last page or without a page.
// Pure: no I/O.

export interface TocEntry {
  id: number;
  title: string;
  pageFirst: number | null;
  pageLast: number | null;
  status: 'draft' | 'scheduled' | 'published';
  publishedAt: string | null;
}

export type TocWarning =
  | { kind: 'overlap'; pages: [number, number]; a: { id: number; title: string }; b: { id: number; title: string }; message: string }
  | { kind: 'gap'; pages: [number, number]; message: string }
  | { kind: 'beyond'; article: { id: number; title: string }; message: string }
  | { kind: 'no-page'; article: { id: number; title: string }; message: string }
  | { kind: 'no-page-count'; message: string };

export function pageRange(first: number, last: number): string {
  return first === last ? `page ${first}` : `pages ${first}–${last}`;
}

/** The pages an entry takes (a missing last page is the first), or null without a first page. */
export function entryPages(e: Pick<TocEntry, 'pageFirst' | 'pageLast'>): [number, number] | null {
  if (e.pageFirst == null) return null;
  const last = e.pageLast != null && e.pageLast >= e.pageFirst ? e.pageLast : e.pageFirst;
  return [e.pageFirst, last];
}

/** Warnings in page order: overlaps, gaps, articles past the end, articles without a page. */
export function tocWarnings(entries: TocEntry[], pageCount: number | null): TocWarning[] {
  const out: TocWarning[] = [];
  const placed = entries
    .map((e) => ({ e, pages: entryPages(e) }))
    .filter((x): x is { e: TocEntry; pages: [number, number] } => x.pages !== null)
    .sort((x, y) => x.pages[0] - y.pages[0] || x.pages[1] - y.pages[1] || x.e.id - y.e.id);

  const positional: { at: number; w: TocWarning }[] = [];
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length && placed[j].pages[0] <= placed[i].pages[1]; j++) {
      const from = placed[j].pages[0];
      const to = Math.min(placed[i].pages[1], placed[j].pages[1]);
      const a = { id: placed[i].e.id, title: placed[i].e.title };
      const b = { id: placed[j].e.id, title: placed[j].e.title };
      positional.push({
        at: from,
        w: { kind: 'overlap', pages: [from, to], a, b, message: `“${a.title}” (${pageRange(...placed[i].pages)}) and “${b.title}” (${pageRange(...placed[j].pages)}) both take ${pageRange(from, to)}.` },
      });
    }
  }

  if (pageCount !== null && pageCount > 0) {
    const covered = new Uint8Array(pageCount + 2);
    for (const { pages } of placed) for (let p = Math.max(1, pages[0]); p <= Math.min(pageCount, pages[1]); p++) covered[p] = 1;
    for (let p = 1; p <= pageCount; p++) {
      if (covered[p]) continue;
      let q = p;
      while (q + 1 <= pageCount && !covered[q + 1]) q++;
      positional.push({ at: p, w: { kind: 'gap', pages: [p, q], message: `No article is on ${pageRange(p, q)}.` } });
      p = q;
    }
    for (const { e, pages } of placed) {
      if (pages[1] > pageCount) {
        positional.push({ at: pages[0], w: { kind: 'beyond', article: { id: e.id, title: e.title }, message: `“${e.title}” is on ${pageRange(...pages)}, past the issue’s last page (${pageCount}).` } });
      }
    }
  }
  positional.sort((x, y) => x.at - y.at);
  out.push(...positional.map((p) => p.w));

  for (const e of entries) {
    if (entryPages(e) === null) out.push({ kind: 'no-page', article: { id: e.id, title: e.title }, message: `“${e.title}” is in this issue but has no page.` });
  }
  if (pageCount === null || pageCount <= 0) {
    out.push({ kind: 'no-page-count', message: 'The issue has no page count, so gaps between articles cannot be checked. Set the page count.' });
  }
  return out;
}
