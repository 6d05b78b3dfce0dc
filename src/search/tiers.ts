// Ranking tiers for words that are in much of the archive (see rank() in index.ts): from the
// title and lead stems stored with each document (space-separated, padded with a space), the
// same on both engines. A word or phrase is looked up as " stem " in " title stems ". The
// engines compute it in SQL (tierSql) so the stems never leave the database; tier() here is the
// same rule in JS, which the tests hold the SQL to.
import type { ParsedQuery, Unit } from './query.ts';

/** The needle of a unit: " stem " / " two stems " / " prefix". */
export function needle(u: Unit): string {
  return u.kind === 'prefix' ? ` ${u.prefix}` : ` ${u.stems.join(' ')} `;
}

/**
 * The tier as SQL over columns title_terms and lead_terms: `has(column, paramIndex)` renders one
 * substring test. Returns the expression and its parameters (needles), in order.
 */
export function tierSql(parsed: ParsedQuery, has: (col: 'title_terms' | 'lead_terms') => string): { expr: string; params: string[] } | null {
  const clauses = parsed.clauses.filter((c) => !c.negated).map((c) => c.any.map(needle));
  if (!clauses.length) return null;
  const params: string[] = [];
  const test = (col: 'title_terms' | 'lead_terms', n: string) => { params.push(n); return has(col); };
  const inTitle = (c: string[]) => `(${c.map((n) => test('title_terms', n)).join(' or ')})`;
  const inHead = (c: string[]) => `(${c.map((n) => `${test('title_terms', n)} or ${test('lead_terms', n)}`).join(' or ')})`;
  const allTitle = clauses.map(inTitle).join(' and ');
  const allHead = clauses.map(inHead).join(' and ');
  const any = clauses.flat().map((n) => `${test('title_terms', n)} or ${test('lead_terms', n)}`).join(' or ');
  return { expr: `case when ${allTitle} then 3 when ${allHead} then 2 when ${any} then 1 else 0 end`, params };
}

type Test = (padded: string) => boolean;

function unitTest(u: Unit): Test {
  // A prefix: any stem starting with it (its expansion is the archive's words that do).
  const n = needle(u);
  return (p) => p.includes(n);
}

/** A function giving the tier of one document for this query. */
export function tierer(parsed: ParsedQuery): (titleTerms: string, leadTerms: string) => number {
  const clauses = parsed.clauses.filter((c) => !c.negated).map((c) => c.any.map(unitTest));
  if (!clauses.length) return () => 0;
  const units = clauses.flat();
  return (titleTerms, leadTerms) => {
    const title = ` ${titleTerms} `;
    const lead = ` ${leadTerms} `;
    if (clauses.every((c) => c.some((u) => u(title)))) return 3;
    if (clauses.every((c) => c.some((u) => u(title) || u(lead)))) return 2;
    if (units.some((u) => u(title) || u(lead))) return 1;
    return 0;
  };
}

/** 3: every required word in the title; 2: each in the title or the lead; 1: some word there; 0: none. */
export function tier(parsed: ParsedQuery, titleTerms: string, leadTerms: string): number {
  return tierer(parsed)(titleTerms, leadTerms);
}
