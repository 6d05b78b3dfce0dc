// Ranking tiers for words that are in much of the archive (see rank() in index.ts): from the
// title and lead stems stored with each document (space-separated, padded with a space), the
// same on both engines. A word or phrase is looked up as " stem " in " title stems ". The
// engines compute where each word is in SQL (tierPlan) so the stems never leave the database;
// tier() here is the same rule straight from the stems, which the tests hold the engines to.
import type { ParsedQuery, Unit } from './query.ts';

/** The needle of a unit: " stem " / " two stems " / " prefix". */
export function needle(u: Unit): string {
  return u.kind === 'prefix' ? ` ${u.prefix}` : ` ${u.stems.join(' ')} `;
}

/** Where a needle is: 2 in the title, 1 in the lead only, 0 in neither. */
type Place = 0 | 1 | 2;

/**
 * The tier in two steps, each needle looked up at most twice per document: SQL computes one
 * number holding where each distinct needle of the query is (2 bits each: `placesSql`), and
 * `fromPlaces` turns it into the tier by the rule below. (Testing the tier's conditions directly
 * in SQL looked the same needle up in the lead, some 560 characters, up to three times: 4 µs a
 * document, most of a two-word search on SQLite.)
 */
export interface TierPlan {
  /** SQL for the number; `has(column)` renders one substring test with the next parameter. */
  expr: string;
  /** The needles, in order of the tests. */
  params: string[];
  /** The tier from the number. */
  fromPlaces: (places: number) => number;
}

export function tierPlan(parsed: ParsedQuery, has: (col: 'title_terms' | 'lead_terms') => string): TierPlan | null {
  const clauses = parsed.clauses.filter((c) => !c.negated).map((c) => c.any.map(needle));
  if (!clauses.length) return null;
  const needles = [...new Set(clauses.flat())];
  // 2 bits a needle: at most 24 units (MAX_UNITS) stay below 2^53, exact in JS and in both databases.
  const weight = (i: number) => 4 ** i;
  const params: string[] = [];
  const parts = needles.map((n, i) => {
    params.push(n, n);
    return `(case when ${has('title_terms')} then ${2 * weight(i)} when ${has('lead_terms')} then ${weight(i)} else 0 end)`;
  });
  const index = new Map(needles.map((n, i) => [n, i]));
  const byClause = clauses.map((c) => c.map((n) => index.get(n)!));
  return {
    expr: parts.join(' + '),
    params,
    fromPlaces: (places) => {
      const at = (i: number) => Math.floor(places / weight(i)) % 4 as Place;
      return tierOf(byClause.map((c) => c.map(at)));
    },
  };
}

/** The rule, from where each unit of each positive clause is. */
function tierOf(clauses: Place[][]): number {
  if (clauses.every((c) => c.some((p) => p === 2))) return 3;
  if (clauses.every((c) => c.some((p) => p > 0))) return 2;
  if (clauses.some((c) => c.some((p) => p > 0))) return 1;
  return 0;
}

/** 3: every required word in the title; 2: each in the title or the lead; 1: some word there; 0: none. */
export function tier(parsed: ParsedQuery, titleTerms: string, leadTerms: string): number {
  const title = ` ${titleTerms} `;
  const lead = ` ${leadTerms} `;
  const place = (u: Unit): Place => (title.includes(needle(u)) ? 2 : lead.includes(needle(u)) ? 1 : 0);
  return tierOf(parsed.clauses.filter((c) => !c.negated).map((c) => c.any.map(place)));
}
