// Tables of migration 0008_lint (src/store/migrations-lint.ts).

export interface LintDismissalTable {
  article_slug: string;
  rule: string;
  excerpt: string;
  user_id: number | null;
  created_at: string;
}

export interface LintTables {
  lint_dismissals: LintDismissalTable;
}
