import type { ArticleView } from '../present/article.ts';
import { PAGE, STYLES, Typesetter, licenseLine, setArticle, type Licensee, type PdfSite } from './article-pdf.ts';

// The mail-ready packet: one PDF with an article and the articles it cites, each starting on a
// new page, for families to print and mail to someone inside (who often cannot go online to
// look a citation up). Page 1 lists what the packet holds and where each article starts.

export interface PacketItem {
  title: string;
  citation: string | null;
}

/** The slugs of the articles an article cites (resolved citations), in order, without repeats or itself. */
export function citedSlugs(view: ArticleView): string[] {
  const out: string[] = [];
  for (const c of view.citations) {
    const slug = c.cited?.slug;
    if (slug && slug !== view.slug && !out.includes(slug)) out.push(slug);
  }
  return out;
}

/**
 * `views[0]` is the article, the rest the articles it cites, all from presentArticle for the
 * reader (each must be readable in full). `omitted` lists cited articles left out (not
 * readable by this reader, or no longer published), so the packet says so.
 */
export async function renderPacket(
  views: ArticleView[],
  site: PdfSite,
  licensee: Licensee | null,
  now: Date = new Date(),
  opts: { omitted?: PacketItem[] } = {},
): Promise<Uint8Array> {
  if (!views.length) throw new Error('a packet needs at least one article');
  const main = views[0];
  const ts = new Typesetter(site, licenseLine(licensee, site, now));
  const omitted = opts.omitted ?? [];
  const markers: number[] = [];
  ts.newPage({ footer: main.citation ?? site.name, runningHead: null });
  if (views.length > 1 || omitted.length) {
    ts.paragraph(`${site.name.toUpperCase()}  ·  MAIL PACKET`, STYLES.masthead);
    ts.rule();
    const cited = views.length - 1;
    ts.paragraph(
      `This packet holds an article and ${cited === 1 ? 'the article it cites' : `the ${cited} articles it cites`}, each starting on a new page.`,
      STYLES.small,
    );
    ts.space(4);
    views.forEach((v, i) => {
      const label = `${i + 1}. ${v.title}${v.citation ? ` (${v.citation})` : ''}`;
      const at = ts.paragraph(label, { ...STYLES.small, indent: 12, hanging: 10, rightIndent: 48 });
      if (at) ts.late(at.pageIndex, (pageOf) => Typesetter.text(`page ${pageOf(markers[i])}`, 'roman', 10, PAGE.width - PAGE.right, at.baseline, { align: 'right' }));
    });
    if (omitted.length) {
      ts.paragraph('Also cited, not included:', { ...STYLES.small, spaceBefore: 4 });
      for (const o of omitted) ts.paragraph(`${o.title}${o.citation ? ` (${o.citation})` : ''}`, { ...STYLES.small, indent: 12, hanging: 10 });
    }
    ts.space(10);
  }
  views.forEach((v, i) => {
    markers[i] = setArticle(ts, v, site, { samePage: i === 0 });
  });
  return ts.finish({
    title: views.length > 1 ? `${main.title} (with ${views.length - 1} cited article${views.length > 2 ? 's' : ''})` : main.title,
    author: main.authors.map((a) => a.name).join(', ') || undefined,
    subject: main.citation ? `${site.name}, ${main.citation}` : site.name,
    keywords: main.topics.map((t) => t.name),
    now,
  });
}
