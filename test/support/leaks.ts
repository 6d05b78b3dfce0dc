// Finding premium text where it must not be. A "fragment" is a run of eight words from a gated
// paragraph (one past the teaser); a response leaks if any fragment appears in it once tags are
// stripped, entities and JSON escapes decoded and white space folded.

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', rsquo: '’', lsquo: '‘', ldquo: '“', rdquo: '”', mdash: '—', ndash: '–' };

export function normalizeForLeakCheck(s: string): string {
  return s
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\"/g, '"')
    .replace(/\\n/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') return String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

export function gatedFragments(bodyText: string, teaserText: string): string[] {
  const teaser = normalizeForLeakCheck(teaserText);
  const paragraphs = bodyText.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  const out: string[] = [];
  for (const p of paragraphs) {
    const norm = normalizeForLeakCheck(p);
    if (teaser.includes(norm)) continue;
    const words = norm.split(' ').filter(Boolean);
    if (words.length < 8) continue;
    // Beginning, middle and end of each gated paragraph.
    for (const start of new Set([0, Math.max(0, Math.floor(words.length / 2) - 4), words.length - 8])) {
      const frag = words.slice(start, start + 8).join(' ');
      if (!teaser.includes(frag)) out.push(frag);
    }
  }
  return out;
}

export function findLeak(response: string, fragments: string[]): string | null {
  const norm = normalizeForLeakCheck(response);
  return fragments.find((f) => norm.includes(f)) ?? null;
}

export interface PremiumArticle {
  id: number;
  slug: string;
  /** Gated fragments: text a viewer without access must never receive. */
  fragments: string[];
}

/** Every visible premium article with gated text, newest first. */
export async function premiumArticles(db: import('kysely').Kysely<import('../../src/store/schema.ts').DB>): Promise<PremiumArticle[]> {
  const { getArticle } = await import('../../src/store/articles.ts');
  const rows = await db.selectFrom('articles').select('slug').where('access', '=', 'premium').orderBy('published_at', 'desc').execute();
  const out: PremiumArticle[] = [];
  for (const r of rows) {
    const a = await getArticle(db, r.slug);
    if (!a) continue;
    const fragments = gatedFragments(a.bodyText, a.teaserText);
    if (fragments.length) out.push({ id: a.id, slug: a.slug, fragments });
  }
  return out;
}
