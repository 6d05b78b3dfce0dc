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
