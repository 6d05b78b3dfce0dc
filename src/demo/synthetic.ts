// `masthead demo --articles N`: a large synthetic archive for benchmarks (page speed, full-text
// search). Articles are legal-news prose from a seeded generator (same seed → same content), laid
// out in monthly print issues 1995-01 … 2024-12 of the first publication, with topics, states,
// sources, authors and print citations of earlier synthetic articles.
//
// Rows are written in bulk, bypassing saveArticles (which does a few queries per article): raw
// better-sqlite3 prepared statements on SQLite, unnest() inserts on PostgreSQL, one transaction
// per batch. Every column is filled the way saveArticles fills it for the same Markdown (the test
// checks this against renderMarkdown), so the archive looks exactly like an imported one.

import type pg from 'pg';
import { sql } from 'kysely';
import type { Store } from '../store/db.ts';
import { ensurePublication, publicationFromEnv } from '../store/publication.ts';
import { citePath, formatCitation, linkCitationsInHtml } from '../domain/citations.ts';
import { slugify } from '../domain/slug.ts';
import * as V from './vocabulary.ts';

export interface SyntheticOptions {
  articles: number;
  seed: number;
  onProgress?: (done: number) => void;
}

export const FIRST_YEAR = 1995;
export const LAST_YEAR = 2024;
const ISSUE_COUNT = (LAST_YEAR - FIRST_YEAR + 1) * 12;
const SQLITE_BATCH = 2500;
const PG_BATCH = 1000;
const MIN_WORDS = 150;
const MAX_WORDS = 2500;

// ---------------------------------------------------------------- randomness

/** mulberry32: a small, fast, seedable PRNG; next() is uniform in [0, 1). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    // Mix the seed so that nearby seeds (1, 2, 3) give unrelated streams.
    let h = (Math.floor(Math.abs(seed)) ^ 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    this.s = (h ^ (h >>> 16)) >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** Standard normal (Box–Muller). */
  gauss(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** Draws from a list with Zipf-like weights 1/(rank+1)^s: the first entries are by far the most common. */
type Sampler<T> = (r: Rng) => T;

function zipf<T>(items: readonly T[], s = 1): Sampler<T> {
  const list = [...new Set(items)];
  const cum = new Float64Array(list.length);
  let total = 0;
  for (let i = 0; i < list.length; i++) cum[i] = total += 1 / Math.pow(i + 1, s);
  return (r) => {
    const u = r.next() * total;
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return list[lo];
  };
}

/** k distinct draws from a sampler (k must not exceed the list size). */
function distinct<T>(r: Rng, sample: Sampler<T>, k: number): T[] {
  const out: T[] = [];
  for (let tries = 0; out.length < k && tries < 200; tries++) {
    const x = sample(r);
    if (!out.includes(x)) out.push(x);
  }
  return out;
}

// ---------------------------------------------------------------- prose

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

const Z = {
  topic: zipf(V.TOPICS, 0.7),
  state: zipf(V.STATES, 0.9),
  outlet: zipf(V.OUTLETS, 0.9),
  author: zipf(V.AUTHORS, 0.6),
  first: zipf(V.FIRST_NAMES, 0.9),
  surname: zipf(V.SURNAMES, 0.9),
  town: zipf(V.TOWNS, 0.9),
  facilityKind: zipf(V.FACILITY_KINDS, 1.1),
  actor: zipf(V.ACTORS, 1),
  thing: zipf(V.THINGS, 1),
  verb: zipf(V.VERBS, 1),
  say: zipf(V.SAY_VERBS, 1.1),
  adj: zipf(V.ADJECTIVES, 1),
  adv: zipf(V.ADVERBS, 1),
  role: zipf(V.ROLES, 0.9),
  doc: zipf(V.DOCUMENTS, 1),
  charge: zipf(V.CHARGES, 1),
  event: zipf(V.EVENTS, 1),
  damages: zipf(V.DAMAGES, 1),
  amendment: zipf(V.AMENDMENTS, 1.2),
  qopen: zipf(V.QUOTE_OPENERS, 0.8),
  qobj: zipf(V.QUOTE_OBJECTS, 0.8),
  numword: zipf(V.NUMBER_WORDS, 0.8),
  circuit: zipf(V.CIRCUITS, 1),
  tCourt: zipf(V.TITLE_COURTS, 1),
  tVerb: zipf(V.TITLE_VERBS, 1.2),
  tRemedy: zipf(V.TITLE_REMEDIES, 0.7),
  tClaim: zipf(V.TITLE_CLAIMS, 0.8),
  tIncident: zipf(V.TITLE_INCIDENTS, 0.8),
  tPolicy: zipf(V.TITLE_POLICIES, 0.7),
  tProblem: zipf(V.TITLE_PROBLEMS, 0.7),
  tReport: zipf(V.TITLE_REPORTS, 0.9),
  tCompany: zipf(V.TITLE_COMPANIES, 0.8),
  tVictim: zipf(V.TITLE_VICTIMS, 0.8),
  tRelative: zipf(V.TITLE_VICTIMS.filter((v) => v !== 'Family' && v !== 'Estate'), 0.8),
  tFacility: zipf(V.TITLE_FACILITIES, 1),
  facilityRef: zipf(V.FACILITY_REFERENCES, 1),
  verdict: zipf(V.VERDICT_ADJECTIVES, 1),
};

/** The people and places one article is about; sentences keep coming back to them. */
interface Cast {
  r: Rng;
  state: string;
  year: number;
  plaintiff: string;
  plaintiffSurname: string;
  facility: string;
  county: string;
  judge: string;
  attorney: string;
  official: string;
}

function personName(r: Rng): string {
  return `${Z.first(r)} ${Z.surname(r)}`;
}

function facilityName(r: Rng): string {
  const kind = Z.facilityKind(r);
  const town = Z.town(r);
  if (kind === 'County Jail' || kind === 'Regional Jail') return `${town} ${kind}`;
  if (r.chance(0.15)) return `${Z.surname(r)} ${kind}`;
  return `${town} ${kind}`;
}

function amount(r: Rng): string {
  if (r.chance(0.55)) return `$${r.int(1, 9)}.${r.int(1, 9)} million`;
  return `$${r.int(15, 950)},000`;
}

function titleAmount(r: Rng): string {
  return amount(r).replace('million', 'Million');
}

function pp(c: Cast): string {
  const r = c.r;
  switch (r.int(0, 13)) {
    case 0: return ` in ${c.year - r.int(0, 6)}`;
    case 1: return ` at the ${fac(c)}`;
    case 2: return ` after ${Z.event(r)}`;
    case 3: return ` in federal court`;
    case 4: return ` for ${Z.numword(r)} years`;
    case 5: return ` despite repeated warnings`;
    case 6: return ` under the ${Z.amendment(r)}`;
    case 7: return ` in ${V.MONTH_NAMES[r.int(0, 11)]}`;
    case 8: return ` in ${c.state}`;
    case 9: return ` without explanation`;
    case 10: return ` during ${Z.event(r)}`;
    default: return '';
  }
}

function person(c: Cast): string {
  const r = c.r;
  const k = r.int(0, 5);
  return k === 0 ? c.plaintiff : k === 1 ? c.attorney : k === 2 ? c.official : personName(r);
}

/** The facility by name, or a short reference to it once the reader knows it. */
const fac = (c: Cast) => (c.r.chance(0.45) ? c.facility : Z.facilityRef(c.r));
const actor = (c: Cast) => (c.r.chance(0.08) ? `the ${fac(c)}` : Z.actor(c.r));
const twoAdjectives = (c: Cast) => {
  const a = Z.adj(c.r);
  let b = Z.adj(c.r);
  if (b === a) b = a === 'dangerous' ? 'unsanitary' : 'dangerous';
  return `${a} and ${b}`;
};
const thing = (c: Cast) => (c.r.chance(0.2) ? `${Z.thing(c.r).replace(/^the /, 'the ' + Z.adj(c.r) + ' ')}` : Z.thing(c.r));

/** One sentence of the body, with a final period (or quote). */
function sentence(c: Cast): string {
  const r = c.r;
  switch (r.int(0, 23)) {
    case 0: case 1: case 2:
      return `${cap(actor(c))} ${Z.verb(r)} ${thing(c)}${pp(c)}.`;
    case 3: case 4:
      return `${cap(actor(c))} ${Z.say(r)} that ${actor(c)} ${Z.verb(r)} ${thing(c)}${pp(c)}.`;
    case 5:
      return `According to ${Z.doc(r)}, ${actor(c)} ${Z.verb(r)} ${thing(c)}${pp(c)}.`;
    case 6:
      return `"${Z.qopen(r)} ${Z.qobj(r)}," said ${person(c)}, ${Z.role(r)}.`;
    case 7:
      return `${person(c)}, ${Z.role(r)}, ${Z.say(r)} that ${actor(c)} ${Z.adv(r)} ${Z.verb(r)} ${thing(c)}.`;
    case 8:
      return `In ${V.MONTH_NAMES[r.int(0, 11)]} ${c.year - r.int(0, 4)}, ${actor(c)} ${Z.verb(r)} ${thing(c)} at the ${fac(c)}.`;
    case 9:
      return `${c.plaintiff} was held at the ${c.facility} on ${Z.charge(r)} when ${actor(c)} ${Z.verb(r)} ${thing(c)}.`;
    case 10:
      return `The ${fac(c)} ${Z.adv(r)} ${Z.verb(r)} ${thing(c)}, according to ${Z.doc(r)}.`;
    case 11:
      return `${c.judge} ${Z.say(r)} that ${actor(c)} had shown deliberate indifference to ${thing(c)}.`;
    case 12:
      return `${cap(actor(c))} ${Z.verb(r)} ${thing(c)} in violation of the ${Z.amendment(r)}.`;
    case 13:
      return `${c.plaintiffSurname} ${Z.say(r)} that ${actor(c)} ${Z.verb(r)} ${thing(c)} and ${Z.verb(r)} ${thing(c)}.`;
    case 14:
      return `Conditions at the ${fac(c)} were ${twoAdjectives(c)}, ${Z.doc(r)} ${Z.say(r)}.`;
    case 15:
      return `${cap(actor(c))} did not respond to a request for comment.`;
    case 16:
      return `${cap(actor(c))} ${Z.adv(r)} ${Z.verb(r)} ${thing(c)} ${r.chance(0.5) ? 'after' : 'during'} ${Z.event(r)}.`;
    case 17:
      return `At least ${Z.numword(r)} other ${r.pick(['prisoners', 'detainees', 'people', 'women', 'men'])} ${r.pick(['died', 'were injured', 'filed similar claims', 'were hospitalized', 'filed grievances'])} at the ${fac(c)} between ${c.year - r.int(3, 9)} and ${c.year - r.int(0, 2)}.`;
    case 18:
      return `${person(c)} spent ${Z.numword(r)} ${r.pick(['days', 'weeks', 'months', 'years'])} in ${r.pick(['solitary confinement', 'a restraint chair', 'a holding cell', 'administrative segregation', 'a suicide smock', 'the infirmary'])}${pp(c)}.`;
    case 19:
      return `${cap(actor(c))} ${Z.verb(r)} ${thing(c)}, but ${actor(c)} ${Z.adv(r)} ${Z.verb(r)} ${thing(c)}.`;
    case 20:
      return `That decision was ${Z.verdict(r)}, ${person(c)} ${Z.say(r)}.`;
    case 21:
      return `${c.plaintiffSurname} was awarded ${amount(r)} in ${Z.damages(r)}.`;
    case 22:
      return `Under the terms of the agreement, ${actor(c)} ${Z.verb(r)} ${thing(c)} at the ${fac(c)} and in ${c.county} County.`;
    default:
      return `${cap(Z.adj(r))} ${r.pick(['problems', 'failures', 'abuses', 'delays', 'violations'])} at the ${fac(c)} were ${Z.verb(r)} by ${actor(c)}${pp(c)}.`;
  }
}

function lede(c: Cast): string {
  const r = c.r;
  switch (r.int(0, 5)) {
    case 0:
      return `A federal judge in ${c.state} has ${Z.verb(r)} ${thing(c)} brought by ${c.plaintiff}, who was held at the ${c.facility} for ${Z.numword(r)} ${r.pick(['months', 'years'])}.`;
    case 1:
      return `${c.plaintiff}, ${r.int(19, 74)}, was being held at the ${c.facility} on ${Z.charge(r)} when ${actor(c)} ${Z.verb(r)} ${thing(c)}.`;
    case 2:
      return `${cap(actor(c))} in ${c.state} ${Z.verb(r)} ${thing(c)} in ${V.MONTH_NAMES[r.int(0, 11)]} ${c.year}, ${r.pick(['ending a long legal fight', 'over the objections of advocates', 'after years of complaints', 'in a rare move', 'weeks after a death at the facility'])}.`;
    case 3:
      return `${c.county} County has agreed to pay ${amount(r)} to settle ${article(Z.adj(r))} lawsuit filed by ${c.plaintiff} over ${thing(c)} at the ${c.facility}.`;
    case 4:
      return `${cap(Z.numword(r))} years after ${c.plaintiff} was convicted of ${Z.charge(r)}, ${actor(c)} ${Z.verb(r)} ${thing(c)}.`;
    default:
      return `${cap(actor(c))} ${Z.say(r)} that ${actor(c)} at the ${c.facility} in ${c.state} ${Z.verb(r)} ${thing(c)}${pp(c)}.`;
  }
}

function closing(c: Cast): string {
  const r = c.r;
  switch (r.int(0, 3)) {
    case 0: return `The case is ${c.plaintiffSurname} v. ${c.county} County, ${r.pick(['U.S.D.C.', 'U.S. District Court', 'Superior Court', 'Circuit Court'])} Case No. ${r.int(1, 9)}:${String(r.int(0, 99)).padStart(2, '0')}-cv-${String(r.int(1, 99999)).padStart(5, '0')}.`;
    case 1: return `See: ${c.plaintiffSurname} v. ${Z.surname(r)}, ${Z.circuit(r)} Circuit Court of Appeals, Case No. ${r.int(10, 24)}-${r.int(1000, 99999)}.`;
    case 2: return `${cap(actor(c))} ${r.pick(['said it would appeal', 'declined to comment', 'did not return calls', 'said it would comply with the order', 'has until next month to respond'])}.`;
    default: return `${c.attorney}, who represents ${c.plaintiffSurname}, said the ${r.pick(['case', 'settlement', 'ruling', 'verdict'])} ${r.pick(['sends a message', 'is only a first step', 'came too late', 'should be a wake-up call'])}.`;
  }
}

function titleFor(c: Cast): string {
  const r = c.r;
  const s = c.state;
  switch (r.int(0, 14)) {
    case 0: case 1: return `${Z.tCourt(r)} ${Z.tVerb(r)} ${s} ${Z.tFacility(r)} to ${Z.tRemedy(r)}`;
    case 2: return `${s} ${Z.tFacility(r)} Settles ${Z.tClaim(r)} Suit for ${titleAmount(r)}`;
    case 3: return `Jury Awards ${titleAmount(r)} to ${Z.tVictim(r)} in ${s} Jail ${Z.tIncident(r)}`;
    case 4: return `${Z.circuit(r)} Circuit Revives ${Z.tClaim(r)} Claim Against ${s} ${Z.tFacility(r)}`;
    case 5: return `${s} Lawmakers ${r.pick(['Pass', 'Reject', 'Weigh', 'Approve', 'Stall'])} Bill to ${Z.tPolicy(r)}`;
    case 6: return `${Z.tReport(r)} Finds ${Z.tProblem(r)} at ${s} ${Z.tFacility(r)}`;
    case 7: return `${r.int(3, 60)} Prisoners Died in ${s} ${r.pick(['Jails', 'Prisons', 'Custody'])} in ${c.year}, ${Z.tReport(r)} Finds`;
    case 8: return `Exonerated ${s} ${r.pick(['Man', 'Woman'])} Freed After ${r.int(8, 41)} Years in Prison`;
    case 9: return `${c.facility} Guard ${r.pick(['Sentenced', 'Charged', 'Indicted', 'Convicted', 'Fired'])} for ${r.pick(['Sexual Abuse of Prisoner', 'Smuggling Drugs', 'Beating Shackled Prisoner', 'Falsifying Records', 'Accepting Bribes'])}`;
    case 10: return `${Z.tCourt(r)} Rules ${s} ${r.pick(['Solitary Policy', 'Phone Rates', 'Strip Search Policy', 'Mail Ban', 'Parole Process', 'Bail System'])} Unconstitutional`;
    case 11: return `${Z.tCompany(r)} to Pay ${titleAmount(r)} Over ${Z.tProblem(r)}`;
    case 12: return `Family of ${Z.tRelative(r)} Sues ${c.facility} Over ${Z.tIncident(r)}`;
    case 13: return `${Z.tCourt(r)} Blocks ${s} Plan to ${Z.tPolicy(r)}`;
    default: return `${r.pick(['ICE Detainees', 'Prisoners', 'Women Prisoners', 'Jail Detainees'])} in ${s} ${r.pick(['Protest', 'Sue Over', 'Describe', 'Strike Over'])} ${Z.tProblem(r)}`;
  }
}

// ---------------------------------------------------------------- one article

interface CitationDraft {
  /** Run index of the cited article. */
  target: number;
  text: string;
  year: number;
  month: number;
  pageFirst: number;
  pageLast: number;
}

interface Draft {
  title: string;
  dek: string | null;
  paragraphs: string[];
  words: number;
  access: 'free' | 'premium';
  topics: string[];
  states: string[];
  sources: string[];
  authors: string[];
  issueIndex: number;
  publishedAt: string;
  pageFirst: number;
  pageLast: number;
  citations: CitationDraft[];
}

function countWords(s: string): number {
  // Every token the generator emits contains a letter or digit, so this equals render.ts's count.
  let n = 1;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 32) n++;
  return n;
}

function makeCast(r: Rng, state: string, issueYear: number): Cast {
  const surname = Z.surname(r);
  return {
    r,
    state,
    year: issueYear - (r.chance(0.7) ? 0 : 1),
    plaintiff: `${Z.first(r)} ${surname}`,
    plaintiffSurname: surname,
    facility: facilityName(r),
    county: Z.town(r).replace(/ Parish$/, ''),
    judge: r.chance(0.6) ? `U.S. District Judge ${personName(r)}` : `Judge ${Z.surname(r)}`,
    attorney: personName(r),
    official: `${r.pick(['Sheriff', 'Warden', 'Commissioner', 'Director', 'Captain'])} ${Z.surname(r)}`,
  };
}

/** Title, dek, paragraphs and metadata of one article (pages and citations are added by the caller). */
function draftArticle(r: Rng, issueYear: number, issueMonth: number): Omit<Draft, 'issueIndex' | 'pageFirst' | 'pageLast' | 'citations'> {
  const states = distinct(r, Z.state, r.chance(0.8) ? 1 : 2);
  const c = makeCast(r, states[0], issueYear);
  const title = titleFor(c);
  const dek = r.chance(0.5) ? sentence(c) : null;

  const target = Math.min(MAX_WORDS - 60, Math.max(MIN_WORDS + 10, Math.round(Math.exp(Math.log(640) + 0.42 * r.gauss()))));
  const paragraphCount = Math.min(12, Math.max(4, Math.round(target / 80 + r.gauss())));
  const perParagraph = target / paragraphCount;
  const paragraphs: string[] = [];
  let words = 0;
  for (let p = 0; p < paragraphCount; p++) {
    let text = p === 0 ? lede(c) : p === paragraphCount - 1 && r.chance(0.6) ? closing(c) : sentence(c);
    let n = countWords(text);
    while (n < perParagraph - 6) {
      const s = sentence(c);
      const k = countWords(s);
      if (words + n + k > MAX_WORDS - 40) break;
      text += ' ' + s;
      n += k;
    }
    paragraphs.push(text);
    words += n;
  }
  while (words < MIN_WORDS) {
    const s = sentence(c);
    paragraphs[paragraphs.length - 1] += ' ' + s;
    words += countWords(s);
  }

  const day = r.int(1, new Date(Date.UTC(issueYear, issueMonth, 0)).getUTCDate());
  const publishedAt = new Date(Date.UTC(issueYear, issueMonth - 1, day, r.int(6, 20), r.int(0, 59))).toISOString();
  return {
    title,
    dek,
    paragraphs,
    words,
    access: r.chance(0.4) ? 'free' : 'premium',
    topics: distinct(r, Z.topic, r.int(1, 3)),
    states,
    sources: distinct(r, Z.outlet, r.int(1, 4)),
    authors: distinct(r, Z.author, r.chance(0.75) ? 1 : 2),
    publishedAt,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// ---------------------------------------------------------------- rows

interface IssueSlot {
  year: number;
  month: number;
  id: number | null;
  pageCount: number | null;
  /** Next free page: after the last page of every article already in the issue. */
  nextPage: number;
  /** Highest page used by this run, to size page_count. */
  lastPage: number;
  touched: boolean;
}

interface ArticleRow {
  id: number;
  slug: string;
  title: string;
  dek: string | null;
  body_markdown: string;
  body_html: string;
  body_text: string;
  teaser_html: string;
  teaser_text: string;
  word_count: number;
  access: 'free' | 'premium';
  published_at: string;
  issue_id: number;
  page_first: number;
  page_last: number;
}

function toRow(d: Draft, id: number, slug: string, issueId: number): ArticleRow {
  const html = d.paragraphs.map((p) => {
    const h = `<p>${escapeHtml(p)}</p>\n`;
    return p.includes('[See:') ? linkCitationsInHtml(h, (c) => citePath(c)) : h;
  });
  const text = d.paragraphs.join('\n\n');
  return {
    id,
    slug,
    title: d.title,
    dek: d.dek,
    body_markdown: text,
    body_html: html.join(''),
    body_text: text,
    teaser_html: html[0],
    teaser_text: d.paragraphs[0],
    word_count: d.words,
    access: d.access,
    published_at: d.publishedAt,
    issue_id: issueId,
    page_first: d.pageFirst,
    page_last: d.pageLast,
  };
}

function slugBase(title: string): string {
  // Leave room for the suffix within the 80 characters of a generated slug.
  const s = slugify(title);
  if (s.length <= 72) return s;
  const cut = s.slice(0, 72);
  const h = cut.lastIndexOf('-');
  return h > 0 ? cut.slice(0, h) : cut;
}

interface Ids {
  topics: Map<string, number>;
  places: Map<string, number>;
  authors: Map<string, number>;
}

interface LinkRows {
  topics: [number, number, number][];
  places: [number, number, number][];
  authors: [number, number, number][];
  sources: [number, number, string, string][];
  citations: [number, number, string, string, number, number, number, number, number][];
}

function linkRows(batch: Draft[], ids: number[], runIds: Float64Array, abbr: string, t: Ids): LinkRows {
  const out: LinkRows = { topics: [], places: [], authors: [], sources: [], citations: [] };
  batch.forEach((d, k) => {
    const id = ids[k];
    d.topics.forEach((x, i) => out.topics.push([id, t.topics.get(x)!, i]));
    d.states.forEach((x, i) => out.places.push([id, t.places.get(x)!, i]));
    d.authors.forEach((x, i) => out.authors.push([id, t.authors.get(x)!, i]));
    d.sources.forEach((x, i) => out.sources.push([id, i, x, slugify(x)]));
    d.citations.forEach((c, i) => out.citations.push([id, i, c.text, abbr, c.year, c.month, c.pageFirst, c.pageLast, runIds[c.target]]));
  });
  return out;
}

// ---------------------------------------------------------------- setup

async function ensureNamed(store: Store, table: 'topics' | 'authors' | 'places', names: readonly string[]): Promise<Map<string, number>> {
  return store.db.transaction().execute(async (trx) => {
    const bySlug = new Map((await trx.selectFrom(table).select(['id', 'slug']).execute()).map((x) => [x.slug, x.id]));
    const out = new Map<string, number>();
    for (const name of names) {
      const slug = slugify(name);
      let id = bySlug.get(slug);
      if (id === undefined) {
        const values = table === 'places' ? { slug, name, kind: 'state' as const } : { slug, name };
        id = (await trx.insertInto(table).values(values as any).returning('id').executeTakeFirstOrThrow()).id as number;
        bySlug.set(slug, id);
      }
      out.set(name, id);
    }
    return out;
  });
}

async function loadIssues(store: Store, publicationId: number): Promise<IssueSlot[]> {
  const slots: IssueSlot[] = [];
  for (let y = FIRST_YEAR; y <= LAST_YEAR; y++) {
    for (let m = 1; m <= 12; m++) slots.push({ year: y, month: m, id: null, pageCount: null, nextPage: 1, lastPage: 0, touched: false });
  }
  const rows = await store.db
    .selectFrom('issues')
    .leftJoin('articles', 'articles.issue_id', 'issues.id')
    .select(['issues.id', 'issues.year', 'issues.month', 'issues.page_count', sql<number | null>`max(coalesce(articles.page_last, articles.page_first))`.as('last')])
    .where('issues.publication_id', '=', publicationId)
    .where('issues.year', '>=', FIRST_YEAR)
    .where('issues.year', '<=', LAST_YEAR)
    .groupBy(['issues.id', 'issues.year', 'issues.month', 'issues.page_count'])
    .execute();
  for (const row of rows) {
    const slot = slots[(row.year - FIRST_YEAR) * 12 + row.month - 1];
    slot.id = row.id;
    slot.pageCount = row.page_count;
    slot.nextPage = Number(row.last ?? 0) + 1;
  }
  return slots;
}

// ---------------------------------------------------------------- writers

interface Writer {
  batchSize: number;
  /** Writes one batch atomically; fills runIds for the batch's run indexes. */
  write(batch: Draft[], firstRunIndex: number): Promise<void>;
}

interface WriterContext {
  store: Store;
  publicationId: number;
  abbr: string;
  slots: IssueSlot[];
  names: Ids;
  runIds: Float64Array;
  now: string;
}

function roundPages(n: number): number {
  return Math.max(4, Math.ceil(n / 4) * 4);
}

function sqliteWriter(ctx: WriterContext): Writer {
  const db = ctx.store.sqlite!;
  const insertIssue = db.prepare(
    `insert into issues (publication_id, year, month, volume, number, page_count, title, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (publication_id, year, month) do nothing`,
  );
  const findIssue = db.prepare('select id, page_count from issues where publication_id = ? and year = ? and month = ?');
  const growIssue = db.prepare('update issues set page_count = max(coalesce(page_count, 0), ?) where id = ?');
  const baseId = db.prepare(
    `select max(coalesce((select seq from sqlite_sequence where name = 'articles'), 0), coalesce((select max(id) from articles), 0)) as base`,
  );
  const slugTaken = db.prepare('select 1 from articles where slug = ?').pluck();
  const insertArticle = db.prepare(
    `insert into articles (id, publication_id, slug, title, dek, body_markdown, body_html, body_text, teaser_html, teaser_text,
       word_count, access, status, published_at, issue_id, page_first, page_last, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'published', ?, ?, ?, ?, ?, ?)`,
  );
  const insertTopic = db.prepare('insert into article_topics (article_id, topic_id, position) values (?, ?, ?)');
  const insertPlace = db.prepare('insert into article_places (article_id, place_id, position) values (?, ?, ?)');
  const insertAuthor = db.prepare('insert into article_authors (article_id, author_id, position) values (?, ?, ?)');
  const insertSource = db.prepare('insert into article_sources (article_id, position, name, slug, url) values (?, ?, ?, ?, null)');
  const insertCitation = db.prepare(
    `insert into citations (article_id, position, text, publication, year, month, page_first, page_last, cited_article_id)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  const tx = db.transaction((batch: Draft[], first: number) => {
    const touched = new Set<IssueSlot>();
    for (const d of batch) {
      const slot = ctx.slots[d.issueIndex];
      if (slot.id === null) {
        insertIssue.run(ctx.publicationId, slot.year, slot.month, slot.year - 1989, slot.month, null, d.title, ctx.now);
        const found = findIssue.get(ctx.publicationId, slot.year, slot.month) as { id: number; page_count: number | null };
        slot.id = found.id;
      }
      touched.add(slot);
    }
    let next = Number((baseId.get() as { base: number }).base) + 1;
    const ids: number[] = [];
    batch.forEach((d, k) => {
      const id = next++;
      ids.push(id);
      ctx.runIds[first + k] = id;
      let slug = `${slugBase(d.title)}-${id.toString(36)}`;
      for (let n = 2; slugTaken.get(slug) !== undefined; n++) slug = `${slugBase(d.title)}-${id.toString(36)}-${n}`;
      const a = toRow(d, id, slug, ctx.slots[d.issueIndex].id!);
      insertArticle.run(a.id, ctx.publicationId, a.slug, a.title, a.dek, a.body_markdown, a.body_html, a.body_text, a.teaser_html, a.teaser_text,
        a.word_count, a.access, a.published_at, a.issue_id, a.page_first, a.page_last, ctx.now, ctx.now);
    });
    const links = linkRows(batch, ids, ctx.runIds, ctx.abbr, ctx.names);
    for (const x of links.topics) insertTopic.run(...x);
    for (const x of links.places) insertPlace.run(...x);
    for (const x of links.authors) insertAuthor.run(...x);
    for (const x of links.sources) insertSource.run(...x);
    for (const x of links.citations) insertCitation.run(...x);
    for (const slot of touched) growIssue.run(roundPages(slot.lastPage), slot.id);
  });

  return {
    batchSize: SQLITE_BATCH,
    async write(batch, first) {
      tx.immediate(batch, first);
      // Let the event loop breathe (progress output, signals) between batches.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

function pgWriter(ctx: WriterContext): Writer {
  const pool = ctx.store.pool!;
  const col = <T>(rows: T[], i: number) => rows.map((r) => (r as unknown as unknown[])[i]);

  async function writeBatch(client: pg.PoolClient, batch: Draft[], first: number): Promise<void> {
    const touched = new Set<IssueSlot>();
    for (const d of batch) {
      const slot = ctx.slots[d.issueIndex];
      if (slot.id === null) {
        await client.query(
          `insert into issues (publication_id, year, month, volume, number, page_count, title, created_at) values ($1, $2, $3, $4, $5, null, $6, $7)
           on conflict (publication_id, year, month) do nothing`,
          [ctx.publicationId, slot.year, slot.month, slot.year - 1989, slot.month, d.title, ctx.now],
        );
        const found = await client.query('select id from issues where publication_id = $1 and year = $2 and month = $3', [ctx.publicationId, slot.year, slot.month]);
        slot.id = Number(found.rows[0].id);
      }
      touched.add(slot);
    }
    const reserved = await client.query(`select nextval(pg_get_serial_sequence('articles', 'id')) as id from generate_series(1, $1)`, [batch.length]);
    const ids = reserved.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
    const slugs = batch.map((d, k) => `${slugBase(d.title)}-${ids[k].toString(36)}`);
    const taken = new Set((await client.query('select slug from articles where slug = any($1::text[])', [slugs])).rows.map((x) => x.slug as string));
    const rows = batch.map((d, k) => {
      ctx.runIds[first + k] = ids[k];
      let slug = slugs[k];
      for (let n = 2; taken.has(slug); n++) slug = `${slugs[k]}-${n}`;
      return toRow(d, ids[k], slug, ctx.slots[d.issueIndex].id!);
    });
    await client.query(
      `insert into articles (id, publication_id, slug, title, dek, body_markdown, body_html, body_text, teaser_html, teaser_text,
         word_count, access, status, published_at, issue_id, page_first, page_last, created_at, updated_at)
       select u.id, $1::int, u.slug, u.title, u.dek, u.body_markdown, u.body_html, u.body_text, u.teaser_html, u.teaser_text,
         u.word_count, u.access, 'published', u.published_at, u.issue_id, u.page_first, u.page_last, $2::text, $2::text
       from unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
         $12::int[], $13::text[], $14::text[], $15::int[], $16::int[], $17::int[])
         as u(id, slug, title, dek, body_markdown, body_html, body_text, teaser_html, teaser_text, word_count, access, published_at, issue_id, page_first, page_last)`,
      [
        ctx.publicationId, ctx.now,
        rows.map((a) => a.id), rows.map((a) => a.slug), rows.map((a) => a.title), rows.map((a) => a.dek),
        rows.map((a) => a.body_markdown), rows.map((a) => a.body_html), rows.map((a) => a.body_text),
        rows.map((a) => a.teaser_html), rows.map((a) => a.teaser_text), rows.map((a) => a.word_count),
        rows.map((a) => a.access), rows.map((a) => a.published_at), rows.map((a) => a.issue_id),
        rows.map((a) => a.page_first), rows.map((a) => a.page_last),
      ],
    );
    const links = linkRows(batch, ids, ctx.runIds, ctx.abbr, ctx.names);
    for (const [table, target, data] of [['article_topics', 'topic_id', links.topics], ['article_places', 'place_id', links.places], ['article_authors', 'author_id', links.authors]] as const) {
      if (data.length === 0) continue;
      await client.query(
        `insert into ${table} (article_id, ${target}, position) select * from unnest($1::int[], $2::int[], $3::int[])`,
        [col(data, 0), col(data, 1), col(data, 2)],
      );
    }
    if (links.sources.length) {
      await client.query(
        'insert into article_sources (article_id, position, name, slug, url) select u.*, null from unnest($1::int[], $2::int[], $3::text[], $4::text[]) as u',
        [col(links.sources, 0), col(links.sources, 1), col(links.sources, 2), col(links.sources, 3)],
      );
    }
    if (links.citations.length) {
      const c = links.citations;
      await client.query(
        `insert into citations (article_id, position, text, publication, year, month, page_first, page_last, cited_article_id)
         select * from unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[])`,
        [col(c, 0), col(c, 1), col(c, 2), col(c, 3), col(c, 4), col(c, 5), col(c, 6), col(c, 7), col(c, 8)],
      );
    }
    const grow = [...touched];
    await client.query(
      'update issues set page_count = greatest(coalesce(issues.page_count, 0), u.pages) from unnest($1::int[], $2::int[]) as u(id, pages) where issues.id = u.id',
      [grow.map((s) => s.id), grow.map((s) => roundPages(s.lastPage))],
    );
  }

  return {
    batchSize: PG_BATCH,
    async write(batch, first) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await writeBatch(client, batch, first);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
  };
}

// ---------------------------------------------------------------- main

/**
 * Adds `articles` synthetic articles in monthly issues 1995-01 … 2024-12 of the first publication
 * (created from the environment when the database has none). The same seed gives the same
 * articles; running it again adds more, after the pages already used in each issue.
 */
export async function generateSyntheticArchive(store: Store, opts: SyntheticOptions): Promise<{ articles: number; issues: number }> {
  const total = Math.floor(opts.articles);
  if (!Number.isFinite(total) || total < 0) throw new RangeError(`articles must be a whole number ≥ 0, got ${opts.articles}`);
  if (!Number.isFinite(opts.seed)) throw new RangeError(`seed must be a number, got ${opts.seed}`);
  if (total === 0) return { articles: 0, issues: 0 };

  let pub = await store.db.selectFrom('publications').select(['id', 'abbreviation']).orderBy('id').limit(1).executeTakeFirst();
  if (!pub) {
    await ensurePublication(store.db, publicationFromEnv());
    pub = await store.db.selectFrom('publications').select(['id', 'abbreviation']).orderBy('id').limit(1).executeTakeFirstOrThrow();
  }
  const abbr = pub.abbreviation.toUpperCase();
  // Citations are only written when the abbreviation is one the citation parser recognises.
  const citable = /^[A-Z]{2,10}$/.test(abbr);

  const names: Ids = {
    topics: await ensureNamed(store, 'topics', V.TOPICS),
    places: await ensureNamed(store, 'places', V.STATES),
    authors: await ensureNamed(store, 'authors', V.AUTHORS),
  };
  const slots = await loadIssues(store, pub.id);
  const ctx: WriterContext = {
    store, publicationId: pub.id, abbr, slots, names,
    runIds: new Float64Array(total), now: new Date().toISOString(),
  };
  const writer = store.dialect === 'sqlite' ? sqliteWriter(ctx) : pgWriter(ctx);

  // Where each article of this run went, for citations of earlier ones.
  const runIssue = new Int32Array(total);
  const runFirst = new Int32Array(total);
  const runLast = new Int32Array(total);

  const r = new Rng(opts.seed);
  let issueIndex = 0;
  let issueStart = 0; // run index of the first article of the current issue
  const issueEnd = (k: number) => Math.floor(((k + 1) * total) / ISSUE_COUNT); // articles are spread evenly
  let issuesUsed = 0;

  for (let start = 0; start < total; start += writer.batchSize) {
    const end = Math.min(total, start + writer.batchSize);
    const batch: Draft[] = [];
    for (let i = start; i < end; i++) {
      while (i >= issueEnd(issueIndex)) {
        issueIndex++;
        issueStart = i;
      }
      const slot = slots[issueIndex];
      if (!slot.touched) {
        slot.touched = true;
        issuesUsed++;
      }
      const base = draftArticle(r, slot.year, slot.month);
      const pages = 1 + Math.floor(base.words / 900) + (r.chance(0.2) ? 1 : 0);
      const d: Draft = { ...base, issueIndex, pageFirst: slot.nextPage, pageLast: slot.nextPage + pages - 1, citations: [] };
      slot.nextPage += pages;
      slot.lastPage = d.pageLast;

      // ~15% cite one or two earlier articles of this run (from earlier issues), recent ones more often.
      if (r.chance(0.15) && issueStart > 0) {
        const count = r.chance(0.7) ? 1 : 2;
        for (let k = 0; k < count; k++) {
          const target = issueStart - 1 - Math.floor(issueStart * r.next() * r.next());
          const tSlot = slots[runIssue[target]];
          const whole = r.chance(0.3);
          const page = runFirst[target] + Math.floor(r.next() * (runLast[target] - runFirst[target] + 1));
          if (!citable || d.citations.some((c) => c.target === target)) continue;
          const ref = { publication: abbr, year: tSlot.year, month: tSlot.month, pageFirst: whole ? runFirst[target] : page, pageLast: whole ? runLast[target] : page };
          d.citations.push({ target, text: formatCitation(ref), year: ref.year, month: ref.month, pageFirst: ref.pageFirst, pageLast: ref.pageLast });
        }
        if (d.citations.length > 0) {
          const texts = d.citations.map((c) => c.text);
          const together = d.citations.length === 1 || r.chance(0.5);
          const paras = d.paragraphs;
          const at = (p: number) => Math.min(paras.length - 1, Math.max(1, p));
          if (together) {
            paras[at(r.int(1, paras.length - 1))] += ` [See: ${texts.join('; ')}.]`;
            d.words += 1 + 4 * texts.length;
          } else {
            const p1 = at(r.int(1, paras.length - 2));
            paras[p1] += ` [See: ${texts[0]}.]`;
            paras[at(p1 + 1)] += ` [See: ${texts[1]}.]`;
            d.words += 10;
          }
        }
      }
      runIssue[i] = issueIndex;
      runFirst[i] = d.pageFirst;
      runLast[i] = d.pageLast;
      batch.push(d);
    }
    await writer.write(batch, start);
    opts.onProgress?.(end);
  }

  // Citations written earlier (imports, the demo) that point into these issues may resolve now.
  await resolveDangling(store, abbr);
  return { articles: total, issues: issuesUsed };
}

async function resolveDangling(store: Store, abbr: string): Promise<void> {
  const target = sql<number | null>`(
    select a.id from articles a
    join issues i on i.id = a.issue_id
    join publications p on p.id = i.publication_id
    where upper(p.abbreviation) = citations.publication
      and i.year = citations.year and i.month = citations.month
      and a.page_first <= citations.page_first
      and coalesce(a.page_last, a.page_first) >= citations.page_first
    order by a.page_first desc, a.id asc
    limit 1)`;
  await store.db.transaction().execute(async (trx) => {
    await trx.updateTable('citations').set({ cited_article_id: target })
      .where('cited_article_id', 'is', null)
      .where('publication', '=', abbr)
      .where('year', '>=', FIRST_YEAR)
      .where('year', '<=', LAST_YEAR)
      .execute();
  });
}
