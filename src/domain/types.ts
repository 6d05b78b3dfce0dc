// Types shared across the domain. No I/O here.

export type Access = 'free' | 'premium';
export type ArticleStatus = 'draft' | 'scheduled' | 'published';

export interface Source {
  name: string;
  url: string | null;
}

export interface IssueRef {
  year: number;
  /** 1–12 */
  month: number;
}

/** One print citation such as "PLN, Mar. 2025, p.45" or "CLN, Jan. 2024, pp.22-23". */
export interface PrintCitation {
  /** The citation as written in the text, without "See:" and the closing period, e.g. "PLN, Mar. 2025, p.45". */
  text: string;
  /** Publication abbreviation, e.g. "PLN". */
  publication: string;
  year: number;
  /** 1–12 */
  month: number;
  pageFirst: number;
  pageLast: number;
}

/**
 * An article as parsed from an import file, before it touches the database.
 * The body is always Markdown source (the plain-text importer converts its paragraphs).
 */
export interface ImportedArticle {
  slug: string;
  title: string;
  dek: string | null;
  /** Markdown. May contain the teaser marker `<!--more-->` on a line of its own. */
  bodyMarkdown: string;
  authors: string[];
  topics: string[];
  /** US states (full names, e.g. "Texas") or countries (e.g. "El Salvador"). */
  places: string[];
  sources: Source[];
  /** null: keep the existing value on re-import, or the default for a new article. */
  access: Access | null;
  status: ArticleStatus | null;
  /** ISO 8601 date or date-time, or null. */
  publishedAt: string | null;
  issue: IssueRef | null;
  pageFirst: number | null;
  pageLast: number | null;
}

/** A problem in an input file that a person can act on. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }

  /** "file.md:12: message" — the form editors and CI logs understand. */
  describe(): string {
    const where = [this.file, this.line].filter((x) => x !== undefined && x !== '').join(':');
    return where ? `${where}: ${this.message}` : this.message;
  }
}
