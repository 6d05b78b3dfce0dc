// The date check: a date whose year does not fit the story.
//
// The seed says Dropsite News "reported" a clue "on March 30, 2015" about events of March 2025:
// a typo for 2025. The same article says "the 1798 Alien Enemies Act", "his 2019 election",
// "since 2022" and "37,000 in 2020": history, written as bare years. So:
//
//   1. Only dates with a month are candidates ("March 30, 2015", "30 March 2015", "Mar. 2015",
//      "2015-03-30"). Bare years are how history is written and are never checked, nor are
//      dates inside "[See: …]" brackets or parentheses (case citations such as "(N.D. Tex.
//      Mar. 30, 2015)" or "(2016)").
//   2. The story's years are the publication date's year, the print issue's year, and the
//      year most of the article's other dates fall in. A candidate within one year of any of
//      them is fine.
//   3. A candidate further away is flagged when its sentence gives it the weight of news
//      rather than history. Evidence is scored:
//        +2  a verb of news reporting ("reported", "revealed", "disclosed", "published")
//        +1  a verb of saying ("said", "told", "announced", "according to"), if no report verb
//        +1  one of the article's own sources is named in the sentence
//        +1  the story's year is written in this or the previous sentence (the date sits
//            among the events of the story)
//        +1  the year is one keystroke from the story's year (one digit but the last differs,
//            or two neighbouring digits are swapped: 2015/2025, 2052/2025)
//        -2  words that mark history ("since", "ago", "back in", "previously", "enacted" …)
//        -2  for a date after the story: words that mark plans ("scheduled", "will", "set for" …)
//      and a score of 3 or more is a finding when the year is one keystroke off, 4 or more
//      when it is not (history told with "reported" two years back is common). The seed's
//      sentence scores 5.
//
// Pure: no I/O.

import { findCitations } from '../domain/citations.ts';
import type { Field, Span } from './lint-text.ts';
import { excerptAround, lineOf, maskSeeBrackets, sentenceAt, sentences } from './lint-text.ts';

export interface DateFinding {
  rule: 'date';
  message: string;
  excerpt: string;
  suggestion: string | null;
  replacement: string | null;
  line: number | null;
}

export interface DateMention {
  start: number;
  end: number;
  text: string;
  year: number;
  /** Offsets of the four year digits within the field. */
  yearStart: number;
  kind: 'full' | 'month-year' | 'iso';
}

const MONTH =
  '(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?)';
const FULL_RE = new RegExp(`\\b${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'g');
const DAY_FIRST_RE = new RegExp(`\\b\\d{1,2}\\s+${MONTH},?\\s+(\\d{4})\\b`, 'g');
const MONTH_YEAR_RE = new RegExp(`\\b${MONTH},?\\s+(\\d{4})\\b`, 'g');
const ISO_RE = /\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b/g;

const MIN_YEAR = 1700;
const MAX_YEAR = 2300;

/** Dates with a month in a text (prose), longest form first, no overlaps. */
export function findDateMentions(prose: string): DateMention[] {
  const out: DateMention[] = [];
  const taken = (s: number, e: number) => out.some((m) => s < m.end && e > m.start);
  const add = (re: RegExp, kind: DateMention['kind']) => {
    re.lastIndex = 0;
    for (const m of prose.matchAll(re)) {
      const yearText = m[1];
      const year = Number(yearText);
      if (year < MIN_YEAR || year > MAX_YEAR) continue;
      const start = m.index;
      const end = start + m[0].length;
      if (taken(start, end)) continue;
      const yearStart = kind === 'iso' ? start : end - 4;
      out.push({ start, end, text: m[0], year, yearStart, kind });
    }
  };
  add(FULL_RE, 'full');
  add(DAY_FIRST_RE, 'full');
  add(ISO_RE, 'iso');
  add(MONTH_YEAR_RE, 'month-year');
  return out.sort((a, b) => a.start - b.start);
}

const REPORT_RE = /\b(?:reported|reports|reporting|revealed|reveals|disclosed|discloses|published|broke the (?:news|story)|exposed)\b/i;
const SAY_RE = /\b(?:said|says|told|tells|announced|announces|wrote|writes|stated|states|confirmed|confirms|noted|posted|tweeted|according to|claimed)\b/i;
const HISTORY_RE = /\b(?:since|ago|back in|previously|earlier|formerly|originally|once|history|historic(?:al|ally)?|enacted|founded|established|was born|decades?|anniversary|prior to|at the time|first (?:opened|built)|dating back)\b/i;
const PLAN_RE = /\b(?:scheduled|will|set (?:for|to)|expected|expires?|deadline|planned|slated|upcoming|until|through|by the end of)\b/i;

/**
 * One digit other than the last differs (2015/2025), or two neighbouring digits are swapped
 * (2052/2025). A different last digit (2023/2025) is no sign of a typo: any two years of a
 * decade differ only there.
 */
export function oneKeystrokeApart(a: number, b: number): boolean {
  const x = String(a);
  const y = String(b);
  if (x.length !== y.length || x === y) return false;
  const diff: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff.push(i);
  if (diff.length === 1) return diff[0] !== x.length - 1;
  return diff.length === 2 && diff[1] === diff[0] + 1 && x[diff[0]] === y[diff[1]] && x[diff[1]] === y[diff[0]];
}

/** The year a story is set in from its print issue and publication date, if known. */
export function storyYears(info: { publishedAt: string | null; issueYear: number | null }): number[] {
  const out = new Set<number>();
  if (info.issueYear) out.add(info.issueYear);
  const m = /^(\d{4})-\d{2}/.exec(info.publishedAt ?? '');
  if (m) out.add(Number(m[1]));
  return [...out];
}

interface Located {
  field: Field;
  prose: string;
  mention: DateMention;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Is [start, end) inside parentheses (within the same paragraph)? Returns the span inside them. */
function enclosingParens(prose: string, start: number, end: number): Span | null {
  let depth = 0;
  let open = -1;
  for (let i = start - 1; i >= 0 && i >= start - 400; i--) {
    const c = prose[i];
    if (c === '\n' && prose[i - 1] === '\n') break;
    if (c === ')') depth++;
    else if (c === '(') {
      if (depth === 0) {
        open = i;
        break;
      }
      depth--;
    }
  }
  if (open === -1) return null;
  depth = 0;
  for (let i = end; i < prose.length && i < end + 400; i++) {
    const c = prose[i];
    if (c === '\n' && prose[i + 1] === '\n') break;
    if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return { start: open + 1, end: i };
      depth--;
    }
  }
  return null;
}

function joinReasons(xs: string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Dates whose year does not fit the story. `fields` are the title, dek and body;
 * `sources` the names of the article's sources.
 */
export function checkDates(fields: Field[], info: { publishedAt: string | null; issueYear: number | null; sources: string[] }): DateFinding[] {
  const fixed = storyYears(info);
  const located: Located[] = [];
  const yearCounts = new Map<number, number>();
  for (const field of fields) {
    const prose = maskSeeBrackets(field.prose);
    for (const mention of findDateMentions(prose)) {
      located.push({ field, prose, mention });
      yearCounts.set(mention.year, (yearCounts.get(mention.year) ?? 0) + 1);
    }
    if (field.name === 'body') {
      for (const g of findCitations(field.prose)) for (const c of g.citations) yearCounts.set(c.year, (yearCounts.get(c.year) ?? 0) + 1);
    }
  }
  const sentenceCache = new Map<Field, Span[]>();
  const findings: DateFinding[] = [];
  for (const { field, prose, mention } of located) {
    // The year most of the article's other dates fall in (latest on a tie).
    const counts = new Map(yearCounts);
    counts.set(mention.year, (counts.get(mention.year) ?? 1) - 1);
    let textYear: number | null = null;
    let best = 0;
    for (const [y, n] of counts) if (n > best || (n === best && n > 0 && textYear !== null && y > textYear)) [textYear, best] = [y, n];
    const refs = [...new Set([...fixed, ...(textYear !== null && best > 0 ? [textYear] : [])])];
    if (refs.length === 0) continue;
    const distance = (r: number) => Math.abs(mention.year - r);
    const nearest = refs.reduce((a, b) => (distance(b) < distance(a) || (distance(b) === distance(a) && oneKeystrokeApart(mention.year, b)) ? b : a));
    const gap = distance(nearest);
    if (gap <= 1) continue;

    // Case citations and other parentheticals are references, not the story's events.
    const parens = enclosingParens(prose, mention.start, mention.end);
    if (parens && !REPORT_RE.test(prose.slice(parens.start, parens.end))) continue;

    let list = sentenceCache.get(field);
    if (!list) sentenceCache.set(field, (list = sentences(prose)));
    const si = sentenceAt(list, mention.start);
    const sentence = si >= 0 ? list[si] : { start: 0, end: prose.length };
    // The sentence without the date itself.
    const text = prose.slice(sentence.start, mention.start) + ' ' + prose.slice(mention.end, sentence.end);

    let score = 0;
    const reasons: string[] = [];
    const report = REPORT_RE.exec(text);
    const say = report ? null : SAY_RE.exec(text);
    if (report) {
      score += 2;
      reasons.push(`it dates news ("${report[0]}")`);
    } else if (say) {
      score += 1;
      reasons.push(`it dates a statement ("${say[0]}")`);
    }
    const source = info.sources.find((s) => s.trim().length > 1 && new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(s.trim())}(?![\\p{L}\\p{N}])`, 'iu').test(text));
    if (source) {
      score += 1;
      reasons.push(`${source} is one of this article's sources`);
    }
    const prev = si > 0 ? list[si - 1] : null;
    const around = (prev ? prose.slice(prev.start, prev.end) + ' ' : '') + text;
    const storyYear = refs.find((r) => new RegExp(`\\b${r}\\b`).test(around));
    if (storyYear !== undefined) {
      score += 1;
      reasons.push(`it sits among events of ${storyYear}`);
    }
    const typo = refs.find((r) => oneKeystrokeApart(mention.year, r));
    if (typo !== undefined) {
      score += 1;
      reasons.push(`${mention.year} is one keystroke from ${typo}`);
    }
    if (HISTORY_RE.test(text)) score -= 2;
    if (mention.year > nearest && PLAN_RE.test(text)) score -= 2;
    // Without the sign of a typo, it takes more to call a date of history a mistake.
    if (score < (typo !== undefined ? 3 : 4)) continue;

    const target = typo ?? storyYear ?? nearest;
    const fixedDate = mention.text.slice(0, mention.yearStart - mention.start) + String(target) + mention.text.slice(mention.yearStart - mention.start + 4);
    const ex = excerptAround(field.text, mention.start, mention.end, 2, 3);
    // Within the sentence: the excerpt is about this date, not the end of the one before.
    if (ex.start < sentence.start && sentence.start <= mention.start) ex.start = sentence.start;
    if (ex.end > sentence.end && sentence.end >= mention.end) ex.end = sentence.end;
    const excerpt = field.text.slice(ex.start, ex.end);
    const replacement = excerpt.slice(0, mention.start - ex.start) + fixedDate + excerpt.slice(mention.end - ex.start);
    const where = field.name === 'body' ? '' : ` (in the ${field.name})`;
    const when = mention.year < nearest ? 'before' : 'after';
    findings.push({
      rule: 'date',
      message:
        `"${mention.text}"${where} is ${plural(gap, 'year')} ${when} this story (${nearest}), ` +
        `yet ${joinReasons(reasons)}: most likely a typo in the year. (Bare years of history, such as "since 2022", are not checked.)`,
      excerpt,
      suggestion: `Check the year: did you mean "${fixedDate}"?`,
      replacement,
      line: lineOf(field, mention.start),
    });
  }
  return findings;
}
