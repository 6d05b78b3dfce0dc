import type { Store } from '../../store/db.ts';
import type { ImportedArticle } from '../../domain/types.ts';
import { lintArticle, dismissFinding, type LintFinding } from '../../newsroom/lint.ts';

// The editorial checks (src/newsroom/lint.ts) as the editor shows them.

export type Finding = Pick<LintFinding, 'rule' | 'message' | 'excerpt' | 'suggestion' | 'line'>;

/** The findings for an article (stored under `slug`, or about to be), without those dismissed for it. */
export async function checkArticle(store: Store, article: ImportedArticle, opts: { slug?: string; baseUrl?: string } = {}): Promise<Finding[] | null> {
  return lintArticle(store, article, opts);
}

export async function dismissCheck(store: Store, slug: string, f: { rule: string; excerpt: string }, userId: number): Promise<boolean> {
  await dismissFinding(store, slug, f, userId);
  return true;
}
