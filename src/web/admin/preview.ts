import { renderMarkdown } from '../../domain/render.ts';
import { linkCitationsInHtml, citePath } from '../../domain/citations.ts';

// The editor's preview of a body: the same rendering and citation links a save produces, with a
// rule where the teaser ends (what readers without access see stops there).

const TEASER_END = '<p class="teaser-end">Teaser ends here: readers without access see only the text above.</p>\n';

export function previewHtml(markdown: string, publications: Set<string>): { html: string; words: number } {
  const r = renderMarkdown(markdown.slice(0, 400_000));
  const link = (h: string) => linkCitationsInHtml(h, (c) => (publications.has(c.publication.toUpperCase()) ? citePath(c) : null));
  const body = link(r.bodyHtml);
  const teaser = link(r.teaserHtml);
  if (!r.text.trim()) return { html: '<p class="meta">Nothing to preview yet.</p>', words: 0 };
  const html = teaser && body.startsWith(teaser) && body.length > teaser.length ? teaser + TEASER_END + body.slice(teaser.length) : body;
  return { html, words: r.wordCount };
}
