// `masthead demo --articles N`: a large synthetic archive for benchmarks (page speed, full-text
// search). Articles are legal-news prose from a seeded generator (same seed → same content), laid
// out in monthly print issues 1995-01 … 2024-12 of the first publication, with topics, states,
// sources, authors and print citations of earlier synthetic articles.
//
// Rows are written in bulk, bypassing saveArticles (which does a few queries per article):
// multi-row INSERTs through raw better-sqlite3 prepared statements on SQLite, unnest() INSERTs
// on PostgreSQL, one transaction per batch of a few thousand articles, while a worker thread
// generates the next batch. Every column is filled the way saveArticles fills it for the same
// Markdown (the test checks this against renderMarkdown), so the archive looks exactly like an
// imported one.

import type pg from 'pg';
import { isMainThread, parentPort, workerData, Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Store } from '../store/db.ts';
import { ensurePublication, publicationFromEnv } from '../store/publication.ts';
import { citationTarget } from '../commands/save-articles.ts';
import { citePath, formatCitation, linkCitationsInHtml } from '../domain/citations.ts';
import { slugify } from '../domain/slug.ts';
import * as V from './vocabulary.ts';
import { rebuildSearchIndex } from '../search/rebuild.ts';

export interface SyntheticOptions {
  articles: number;
  seed: number;
  onProgress?: (done: number) => void;
  /** Called with the seconds the search index took to build. */
  onIndexed?: (seconds: number) => void;
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
  facilityRef: zipf(V.FACILITY_REFERENCES, 1.6),
  object: zipf(V.OBJECTS, 1),
  objectAdj: zipf(V.OBJECT_ADJECTIVES, 1),
  objectState: zipf(V.OBJECT_STATES, 1),
  spot: zipf(V.SPOTS, 1),
  kin: zipf(V.KIN, 1),
  abstract: zipf(V.ABSTRACTS, 0.9),
  critics: zipf(V.CRITICS, 0.9),
  moreAdj: zipf(V.MORE_ADJECTIVES, 0.8),
  moreVerb: zipf(V.MORE_VERBS, 0.8),
  occupation: zipf(V.OCCUPATIONS, 0.8),
  hobby: zipf(V.HOBBIES, 0.8),
  condition: zipf(V.CONDITIONS, 0.9),
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
const OF_WHOM = ['prisoners', 'detainees', 'the county', 'the state', 'the department', 'its residents', 'the women', 'the men', 'juveniles'];
const thing = (c: Cast) => {
  const r = c.r;
  let t = Z.thing(r);
  const k = r.next();
  if (k < 0.15) t = t.replace(/^the /, `the ${Z.adj(r)} `);
  else if (k < 0.27) t = t.replace(/^the /, 'their ');
  else if (k < 0.35) t = t.replace(/^the /, 'its ');
  if (r.chance(0.15)) t += ` of ${r.chance(0.3) ? c.plaintiff : r.pick(OF_WHOM)}`;
  return t;
};
/** "a broken fan", "the moldy mattress". */
const object = (c: Cast) => {
  const r = c.r;
  const noun = r.chance(0.5) ? `${Z.objectAdj(r)} ${Z.object(r)}` : Z.object(r);
  return r.chance(0.5) ? `the ${noun}` : `${article(noun)} ${noun}`;
};

/** One sentence of the body, with a final period (or quote). */
function sentence(c: Cast): string {
  const r = c.r;
  switch (r.int(0, 33)) {
    case 32: {
      const job = Z.occupation(r);
      return `Before ${r.pick(['the arrest', 'being jailed', 'going to prison'])}, ${c.plaintiffSurname} worked as ${article(job)} ${job} and ${r.pick(['loved', 'spent weekends', 'was known for'])} ${Z.hobby(r)}, ${r.pick(['relatives', 'friends', 'neighbors', 'coworkers'])} said.`;
    }
    case 33:
      return `${c.plaintiffSurname} had ${Z.condition(r)} and ${Z.condition(r)}, which ${actor(c)} ${r.pick(['knew about', 'documented', 'ignored', 'noted at intake', 'failed to treat'])}, ${Z.doc(r)} ${Z.say(r)}.`;
    case 28:
      return `${Z.critics(r)} said the case raised ${r.pick(['questions', 'concerns', 'alarms', 'doubts'])} about ${Z.abstract(r)} and ${Z.abstract(r)} in ${c.state}.`;
    case 29:
      return `${Z.critics(r)} pointed to a culture of ${Z.abstract(r)} at the ${fac(c)}, where ${actor(c)} ${Z.moreVerb(r)} ${thing(c)}.`;
    case 30: {
      const head = `The ${Z.moreAdj(r)} ${r.pick(['ruling', 'opinion', 'order', 'report', 'memo', 'audit'])} ${Z.moreVerb(r)} ${Z.abstract(r)}`;
      const adj = Z.moreAdj(r);
      return `${head} as ${article(adj)} ${adj} problem.`;
    }
    case 31:
      return `${cap(actor(c))} ${Z.moreVerb(r)} ${thing(c)} ${Z.adv(r)}, ${r.pick(['citing', 'blaming', 'pointing to', 'without addressing'])} ${Z.abstract(r)}.`;
    case 24:
      return `${person(c)} told reporters that the ${Z.object(r)} in ${r.pick(['the', 'his', 'her', 'their'])} ${r.pick(['cell', 'unit', 'pod', 'dormitory'])} had been ${Z.objectState(r)} for ${Z.numword(r)} ${r.pick(['days', 'weeks', 'months'])}.`;
    case 25:
      return `In the ${Z.spot(r)} of the ${fac(c)}, ${actor(c)} ${Z.verb(r)} ${object(c)} and ${object(c)}.`;
    case 26:
      return `${c.plaintiffSurname}'s ${Z.kin(r)} ${Z.say(r)} that ${object(c)} was ${r.pick(['all', 'the only thing', 'what'])} ${r.pick(['guards', 'staff', 'the nurse', 'deputies'])} ${r.pick(['offered', 'provided', 'left behind', 'allowed', 'took away'])}.`;
    case 27:
      return `Photographs of the ${Z.spot(r)} showed ${object(c)}, ${object(c)} and ${object(c)}.`;
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
    case 3: {
      const kind = `${Z.adj(r)} lawsuit`;
      return `${c.county} County has agreed to pay ${amount(r)} to settle ${article(kind)} ${kind} filed by ${c.plaintiff} over ${thing(c)} at the ${c.facility}.`;
    }
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

/** One article, ready to be written: everything but its id and slug. */
interface Prepared {
  title: string;
  dek: string | null;
  /** The Markdown source, which is also the plain text: the generator writes no Markdown syntax. */
  text: string;
  html: string;
  teaserHtml: string;
  teaserText: string;
  words: number;
  access: 'free' | 'premium';
  publishedAt: string;
  issueIndex: number;
  pageFirst: number;
  pageLast: number;
  topics: string[];
  states: string[];
  sources: string[];
  authors: string[];
  citations: CitationDraft[];
}

/** The long strings of each article; they travel between threads packed into one string. */
type BodyField = 'text' | 'html' | 'teaserHtml' | 'teaserText';
const BODY_FIELDS: readonly BodyField[] = ['text', 'html', 'teaserHtml', 'teaserText'];
const SEPARATOR = '\u0001'; // never in generated text

/**
 * A batch as generated: the long strings of all its articles joined into one. A few huge strings
 * are cheap to pass between threads and to keep alive until written (the garbage collector never
 * copies them); `unpack` cuts them up again into slices that share the big string's memory.
 */
interface PackedBatch {
  items: Omit<Prepared, BodyField>[];
  bodies: string;
}

function unpack(b: PackedBatch): Prepared[] {
  const parts = b.bodies.split(SEPARATOR);
  const n = BODY_FIELDS.length;
  return b.items.map((m, k) => ({ ...m, text: parts[k * n], html: parts[k * n + 1], teaserHtml: parts[k * n + 2], teaserText: parts[k * n + 3] }));
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
  publishedAt: string;
}

/** Title, dek, paragraphs and metadata of one article (pages and citations are added by the caller). */
function draftArticle(r: Rng, issueYear: number, issueMonth: number): Draft {
  const states = distinct(r, Z.state, r.chance(0.8) ? 1 : 2);
  const c = makeCast(r, states[0], issueYear);
  const title = titleFor(c);
  const dek = r.chance(0.5) ? sentence(c) : null;

  // Log-normal length around ~700 words; paragraphs stop at a sentence end near their share.
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
  if (!/[&<>]/.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Body HTML as renderMarkdown + linkCitationsInHtml make it for these paragraphs: `<p>…</p>\n` each. */
function paragraphHtml(p: string): string {
  const h = `<p>${escapeHtml(p)}</p>\n`;
  return p.includes('[See:') ? linkCitationsInHtml(h, (c) => citePath(c)) : h;
}

// ---------------------------------------------------------------- the plan

/** Everything the generated content depends on: same plan, same articles. */
interface Plan {
  total: number;
  seed: number;
  batchSize: number;
  /** The publication's abbreviation, or '' when the citation parser would not recognise it. */
  abbr: string;
  /** Next free page in each of the 360 issues (after articles already there). */
  nextPages: number[];
}

const issueYear = (k: number) => FIRST_YEAR + Math.floor(k / 12);
const issueMonth = (k: number) => (k % 12) + 1;

/** The articles of a plan, batch by batch, in issue order. */
function* prepareBatches(plan: Plan): Generator<PackedBatch, void, undefined> {
  const { total, abbr } = plan;
  const nextPage = plan.nextPages.slice();
  // Where each article of this run went, for citations of earlier ones.
  const runIssue = new Int32Array(total);
  const runFirst = new Int32Array(total);
  const runLast = new Int32Array(total);
  const r = new Rng(plan.seed);
  const issueEnd = (k: number) => Math.floor(((k + 1) * total) / ISSUE_COUNT); // an even spread
  let issueIndex = 0;
  let issueStart = 0; // run index of the first article of the current issue

  for (let start = 0; start < total; start += plan.batchSize) {
    const end = Math.min(total, start + plan.batchSize);
    const items: PackedBatch['items'] = [];
    const bodies: string[] = [];
    for (let i = start; i < end; i++) {
      while (i >= issueEnd(issueIndex)) {
        issueIndex++;
        issueStart = i;
      }
      const year = issueYear(issueIndex);
      const month = issueMonth(issueIndex);
      const d = draftArticle(r, year, month);
      const pages = 1 + Math.floor(d.words / 900) + (r.chance(0.2) ? 1 : 0);
      const pageFirst = nextPage[issueIndex];
      const pageLast = pageFirst + pages - 1;
      nextPage[issueIndex] += pages;

      // ~15% cite one or two earlier articles of this run (in earlier issues), recent ones more
      // often. The random draws do not depend on the database, so a seed always gives the same text.
      const citations: CitationDraft[] = [];
      if (r.chance(0.15) && issueStart > 0) {
        const count = r.chance(0.7) ? 1 : 2;
        for (let k = 0; k < count; k++) {
          const target = issueStart - 1 - Math.floor(issueStart * r.next() * r.next());
          const whole = r.chance(0.3);
          const page = runFirst[target] + Math.floor(r.next() * (runLast[target] - runFirst[target] + 1));
          if (abbr === '' || citations.some((c) => c.target === target)) continue;
          const ref = {
            publication: abbr, year: issueYear(runIssue[target]), month: issueMonth(runIssue[target]),
            pageFirst: whole ? runFirst[target] : page, pageLast: whole ? runLast[target] : page,
          };
          citations.push({ target, text: formatCitation(ref), year: ref.year, month: ref.month, pageFirst: ref.pageFirst, pageLast: ref.pageLast });
        }
        if (citations.length > 0) {
          const texts = citations.map((c) => c.text);
          const paras = d.paragraphs;
          const at = (p: number) => Math.min(paras.length - 1, Math.max(1, p));
          if (citations.length === 1 || r.chance(0.5)) {
            paras[at(r.int(1, paras.length - 1))] += ` [See: ${texts.join('; ')}.]`;
            d.words += 1 + 4 * texts.length; // "[See:" + "PLN," "Mar." "2005," "p.45.]" each
          } else {
            const p1 = at(r.int(1, paras.length - 2));
            paras[p1] += ` [See: ${texts[0]}.]`;
            paras[at(p1 + 1)] += ` [See: ${texts[1]}.]`;
            d.words += 10;
          }
        }
      }
      runIssue[i] = issueIndex;
      runFirst[i] = pageFirst;
      runLast[i] = pageLast;

      const html = d.paragraphs.map(paragraphHtml);
      // In BODY_FIELDS order: text, html, teaserHtml, teaserText.
      bodies.push(d.paragraphs.join('\n\n'), html.join(''), html[0], d.paragraphs[0]);
      items.push({
        title: d.title,
        dek: d.dek,
        words: d.words,
        access: d.access,
        publishedAt: d.publishedAt,
        issueIndex,
        pageFirst,
        pageLast,
        topics: d.topics,
        states: d.states,
        sources: d.sources,
        authors: d.authors,
        citations,
      });
    }
    yield { items, bodies: bodies.join(SEPARATOR) };
  }
}

// ---------------------------------------------------------------- generating in a worker

// Generating the prose takes about as long as writing it, so a worker thread generates the next
// batch while this one is written. The worker runs this same module; when it cannot start (no
// TypeScript loader, no worker threads) the batches are generated inline, with the same result.

const WORKER_KEY = 'mastheadSyntheticPlan';

interface BatchSource {
  next(): Promise<Prepared[] | null>;
  close(): Promise<void>;
}

function inlineSource(plan: Plan): BatchSource {
  const it = prepareBatches(plan);
  return {
    async next() {
      const n = it.next();
      return n.done ? null : unpack(n.value);
    },
    async close() {},
  };
}

const WORKER_BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  // Worker threads do not inherit the TypeScript loader of the main thread: register it again.
  if (workerData.tsxUrl && workerData.moduleUrl.endsWith('.ts')) (await import(workerData.tsxUrl)).register();
  await import(workerData.moduleUrl);
})().catch((err) => parentPort.postMessage({ error: String((err && err.stack) || err) }));
`;

async function workerSource(plan: Plan): Promise<BatchSource> {
  let tsxUrl: string | null = null;
  try {
    tsxUrl = import.meta.resolve('tsx/esm/api');
  } catch {
    tsxUrl = null;
  }
  const worker = new Worker(WORKER_BOOT, { eval: true, workerData: { moduleUrl: import.meta.url, tsxUrl, [WORKER_KEY]: plan } });
  worker.on('error', () => undefined); // reported to the pending request, if any; never an uncaught error
  const request = () =>
    new Promise<PackedBatch | null>((resolve, reject) => {
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (m: { batch?: PackedBatch | null; error?: string }) => {
        done();
        if (m.error !== undefined) reject(new Error(`synthetic archive worker: ${m.error}`));
        else resolve(m.batch ?? null);
      };
      const onError = (err: Error) => {
        done();
        reject(err);
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`synthetic archive worker exited with code ${code}`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage('next');
    });
  const close = async () => {
    await worker.terminate();
  };
  let pending: Promise<PackedBatch | null>;
  try {
    // The first batch proves the worker works; until then nothing has been written.
    const first = await request();
    pending = Promise.resolve(first);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    async next() {
      const batch = await pending;
      if (!batch) return null;
      // Ask for the next batch now: the worker makes it while the caller writes this one.
      pending = request();
      pending.catch(() => undefined); // handled when awaited; avoids an "unhandled rejection" meanwhile
      return unpack(batch);
    },
    close,
  };
}

async function openSource(plan: Plan, mode: 'worker' | 'inline' | undefined): Promise<BatchSource> {
  if (mode === 'inline' || (mode === undefined && plan.total <= plan.batchSize)) return inlineSource(plan);
  try {
    return await workerSource(plan);
  } catch (err) {
    if (mode === 'worker') throw err;
    return inlineSource(plan);
  }
}

// ---------------------------------------------------------------- rows

interface IssueSlot {
  year: number;
  month: number;
  id: number | null;
  /** Next free page: after the last page of every article already in the issue. */
  nextPage: number;
  /** Highest page used by this run, to size page_count. */
  lastPage: number;
  touched: boolean;
}

function slugBase(title: string): string {
  // Leave room for the suffix within the 80 characters of a generated slug.
  const s = slugify(title);
  if (s.length <= 72) return s;
  const cut = s.slice(0, 72);
  const h = cut.lastIndexOf('-');
  return h > 0 ? cut.slice(0, h) : cut;
}

/** "federal-judge-orders-…-2s7": the title's slug and the article id in base 36, unique by construction. */
function slugFor(title: string, id: number): string {
  return `${slugBase(title)}-${id.toString(36)}`;
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

function linkRows(batch: Prepared[], ids: number[], runIds: Float64Array, abbr: string, t: Ids): LinkRows {
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
  for (let k = 0; k < ISSUE_COUNT; k++) slots.push({ year: issueYear(k), month: issueMonth(k), id: null, nextPage: 1, lastPage: 0, touched: false });
  const rows = await store.db
    .selectFrom('issues')
    .leftJoin('articles', 'articles.issue_id', 'issues.id')
    .select(['issues.id', 'issues.year', 'issues.month', sql<number | null>`max(coalesce(articles.page_last, articles.page_first))`.as('last')])
    .where('issues.publication_id', '=', publicationId)
    .where('issues.year', '>=', FIRST_YEAR)
    .where('issues.year', '<=', LAST_YEAR)
    .groupBy(['issues.id', 'issues.year', 'issues.month'])
    .execute();
  for (const row of rows) {
    const slot = slots[(row.year - FIRST_YEAR) * 12 + row.month - 1];
    slot.id = row.id;
    slot.nextPage = Number(row.last ?? 0) + 1;
  }
  return slots;
}

// ---------------------------------------------------------------- writers

interface Writer {
  batchSize: number;
  /** Writes one batch atomically; fills runIds for the batch's run indexes. */
  write(batch: Prepared[], firstRunIndex: number): Promise<void>;
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

/** Printed issues have a multiple of 4 pages. */
function roundPages(n: number): number {
  return Math.max(4, Math.ceil(n / 4) * 4);
}

/** The issues a batch goes into, marked as used by this run, with their last page. */
function touchSlots(ctx: WriterContext, batch: Prepared[]): Map<IssueSlot, string> {
  const touched = new Map<IssueSlot, string>(); // slot → title of its first article in the batch
  for (const d of batch) {
    const slot = ctx.slots[d.issueIndex];
    slot.touched = true;
    slot.lastPage = Math.max(slot.lastPage, d.pageLast);
    if (!touched.has(slot)) touched.set(slot, d.title);
  }
  return touched;
}

type SqliteDb = NonNullable<Store['sqlite']>;

/**
 * A multi-row INSERT: `rows` go in as statements of up to `chunk` rows each. Far fewer statements
 * than one per row, and so far fewer statement-journal copies of the same hot B-tree pages.
 */
function bulkInsert(db: SqliteDb, head: string, width: number, chunk: number): (rows: unknown[][]) => void {
  const cache = new Map<number, ReturnType<SqliteDb['prepare']>>();
  const tuple = `(${new Array(width).fill('?').join(', ')})`;
  const statement = (n: number) => {
    let st = cache.get(n);
    if (!st) cache.set(n, (st = db.prepare(`${head} values ${new Array(n).fill(tuple).join(', ')}`)));
    return st;
  };
  return (rows) => {
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      statement(part.length).run(part.flat());
    }
  };
}

function sqliteWriter(ctx: WriterContext): Writer {
  const db = ctx.store.sqlite!;
  const insertIssue = db.prepare(
    `insert into issues (publication_id, year, month, volume, number, page_count, title, created_at) values (?, ?, ?, ?, ?, null, ?, ?)
     on conflict (publication_id, year, month) do nothing`,
  );
  const findIssue = db.prepare('select id from issues where publication_id = ? and year = ? and month = ?').pluck();
  const growIssue = db.prepare('update issues set page_count = max(coalesce(page_count, 0), ?) where id = ?');
  const baseId = db.prepare(
    `select max(coalesce((select seq from sqlite_sequence where name = 'articles'), 0), coalesce((select max(id) from articles), 0))`,
  ).pluck();
  const slugTaken = db.prepare('select 1 from articles where slug = ?').pluck();
  const insertArticles = bulkInsert(db, `insert into articles (id, publication_id, slug, title, dek, teaser_html, teaser_text,
    word_count, access, status, published_at, issue_id, page_first, page_last, created_at, updated_at)`, 16, 100);
  const insertBodies = bulkInsert(db, 'insert into article_bodies (article_id, body_markdown, body_html, body_text)', 4, 50);
  const insertTopics = bulkInsert(db, 'insert into article_topics (article_id, topic_id, position)', 3, 500);
  const insertPlaces = bulkInsert(db, 'insert into article_places (article_id, place_id, position)', 3, 500);
  const insertAuthors = bulkInsert(db, 'insert into article_authors (article_id, author_id, position)', 3, 500);
  const insertSources = bulkInsert(db, 'insert into article_sources (article_id, position, name, slug, url)', 5, 300);
  const insertCitations = bulkInsert(db, `insert into citations (article_id, position, text, publication, year, month, page_first, page_last,
    cited_article_id)`, 9, 200);

  const tx = db.transaction((batch: Prepared[], first: number) => {
    const touched = touchSlots(ctx, batch);
    for (const [slot, title] of touched) {
      if (slot.id !== null) continue;
      insertIssue.run(ctx.publicationId, slot.year, slot.month, slot.year - 1989, slot.month, title, ctx.now);
      slot.id = Number(findIssue.get(ctx.publicationId, slot.year, slot.month));
    }
    // Ids are assigned here, inside the write lock, so that slugs can carry them.
    let next = Number(baseId.get()) + 1;
    const ids: number[] = [];
    const articles: unknown[][] = [];
    const bodies: unknown[][] = [];
    batch.forEach((d, k) => {
      const id = next++;
      ids.push(id);
      ctx.runIds[first + k] = id;
      let slug = slugFor(d.title, id);
      for (let n = 2; slugTaken.get(slug) !== undefined; n++) slug = `${slugFor(d.title, id)}-${n}`;
      articles.push([id, ctx.publicationId, slug, d.title, d.dek, d.teaserHtml, d.teaserText,
        d.words, d.access, 'published', d.publishedAt, ctx.slots[d.issueIndex].id, d.pageFirst, d.pageLast, ctx.now, ctx.now]);
      bodies.push([id, d.text, d.html, d.text]);
    });
    insertArticles(articles);
    insertBodies(bodies);
    const links = linkRows(batch, ids, ctx.runIds, ctx.abbr, ctx.names);
    insertTopics(links.topics);
    insertPlaces(links.places);
    insertAuthors(links.authors);
    insertSources(links.sources.map((x) => [...x, null]));
    insertCitations(links.citations);
    for (const slot of touched.keys()) growIssue.run(roundPages(slot.lastPage), slot.id);
  });

  return {
    batchSize: SQLITE_BATCH,
    async write(batch, first) {
      tx.immediate(batch, first);
    },
  };
}

function pgWriter(ctx: WriterContext): Writer {
  const pool = ctx.store.pool!;
  const col = <T extends unknown[]>(rows: T[], i: number) => rows.map((r) => r[i]);

  async function writeBatch(client: pg.PoolClient, batch: Prepared[], first: number): Promise<void> {
    const touched = touchSlots(ctx, batch);
    for (const [slot, title] of touched) {
      if (slot.id !== null) continue;
      await client.query(
        `insert into issues (publication_id, year, month, volume, number, page_count, title, created_at) values ($1, $2, $3, $4, $5, null, $6, $7)
         on conflict (publication_id, year, month) do nothing`,
        [ctx.publicationId, slot.year, slot.month, slot.year - 1989, slot.month, title, ctx.now],
      );
      const found = await client.query('select id from issues where publication_id = $1 and year = $2 and month = $3', [ctx.publicationId, slot.year, slot.month]);
      slot.id = Number(found.rows[0].id);
    }
    // Reserve the ids first, so that slugs can carry them.
    const reserved = await client.query(`select nextval(pg_get_serial_sequence('articles', 'id')) as id from generate_series(1, $1::int)`, [batch.length]);
    const ids = reserved.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
    const wanted = batch.map((d, k) => slugFor(d.title, ids[k]));
    const taken = new Set((await client.query('select slug from articles where slug = any($1::text[])', [wanted])).rows.map((x) => x.slug as string));
    const slugs = wanted.map((s) => {
      let slug = s;
      for (let n = 2; taken.has(slug); n++) slug = `${s}-${n}`;
      return slug;
    });
    batch.forEach((_, k) => (ctx.runIds[first + k] = ids[k]));
    await client.query(
      `insert into articles (id, publication_id, slug, title, dek, teaser_html, teaser_text,
         word_count, access, status, published_at, issue_id, page_first, page_last, created_at, updated_at)
       select u.id, $1::int, u.slug, u.title, u.dek, u.teaser_html, u.teaser_text,
         u.word_count, u.access, 'published', u.published_at, u.issue_id, u.page_first, u.page_last, $2::text, $2::text
       from unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
         $9::int[], $10::text[], $11::text[], $12::int[], $13::int[], $14::int[])
         as u(id, slug, title, dek, teaser_html, teaser_text, word_count, access, published_at, issue_id, page_first, page_last)`,
      [
        ctx.publicationId, ctx.now,
        ids, slugs, batch.map((d) => d.title), batch.map((d) => d.dek),
        batch.map((d) => d.teaserHtml), batch.map((d) => d.teaserText), batch.map((d) => d.words),
        batch.map((d) => d.access), batch.map((d) => d.publishedAt), batch.map((d) => ctx.slots[d.issueIndex].id),
        batch.map((d) => d.pageFirst), batch.map((d) => d.pageLast),
      ],
    );
    await client.query(
      `insert into article_bodies (article_id, body_markdown, body_html, body_text)
       select u.id, u.body, u.html, u.body from unnest($1::int[], $2::text[], $3::text[]) as u(id, body, html)`,
      [ids, batch.map((d) => d.text), batch.map((d) => d.html)],
    );
    const links = linkRows(batch, ids, ctx.runIds, ctx.abbr, ctx.names);
    for (const [table, target, data] of [['article_topics', 'topic_id', links.topics], ['article_places', 'place_id', links.places], ['article_authors', 'author_id', links.authors]] as const) {
      await client.query(
        `insert into ${table} (article_id, ${target}, position) select * from unnest($1::int[], $2::int[], $3::int[])`,
        [col(data, 0), col(data, 1), col(data, 2)],
      );
    }
    await client.query(
      'insert into article_sources (article_id, position, name, slug, url) select u.*, null from unnest($1::int[], $2::int[], $3::text[], $4::text[]) as u',
      [col(links.sources, 0), col(links.sources, 1), col(links.sources, 2), col(links.sources, 3)],
    );
    const c = links.citations;
    await client.query(
      `insert into citations (article_id, position, text, publication, year, month, page_first, page_last, cited_article_id)
       select * from unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[])`,
      [col(c, 0), col(c, 1), col(c, 2), col(c, 3), col(c, 4), col(c, 5), col(c, 6), col(c, 7), col(c, 8)],
    );
    const grow = [...touched.keys()];
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
 * articles; running it again adds more, after the pages already used in each issue. Each batch
 * of a few thousand articles is one transaction. `generator` is for tests: 'inline' or 'worker'
 * forces where the prose is generated (by default a worker thread, inline for small runs or
 * when a worker cannot start).
 */
export async function generateSyntheticArchive(
  store: Store,
  opts: SyntheticOptions & { generator?: 'worker' | 'inline' },
): Promise<{ articles: number; issues: number }> {
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

  const names: Ids = {
    topics: await ensureNamed(store, 'topics', V.TOPICS),
    places: await ensureNamed(store, 'places', V.STATES),
    authors: await ensureNamed(store, 'authors', V.AUTHORS),
  };
  const slots = await loadIssues(store, pub.id);
  const ctx: WriterContext = { store, publicationId: pub.id, abbr, slots, names, runIds: new Float64Array(total), now: new Date().toISOString() };
  const writer = store.dialect === 'sqlite' ? sqliteWriter(ctx) : pgWriter(ctx);
  const plan: Plan = {
    total,
    seed: opts.seed,
    batchSize: writer.batchSize,
    // Citations are only written when the abbreviation is one the citation parser recognises.
    abbr: /^[A-Z]{2,10}$/.test(abbr) ? abbr : '',
    nextPages: slots.map((s) => s.nextPage),
  };

  const source = await openSource(plan, opts.generator);
  let done = 0;
  try {
    for (let batch = await source.next(); batch; batch = await source.next()) {
      await writer.write(batch, done);
      done += batch.length;
      opts.onProgress?.(done);
    }
  } finally {
    await source.close();
  }

  // Citations written earlier (imports, the demo) that point into these issues may resolve now.
  await resolveDangling(store, abbr);
  // Rows were written in bulk, around saveArticles: the search index is rebuilt in one go.
  const started = performance.now();
  if (store.sqlite) await rebuildSearchIndex(store.db, 'sqlite', store.sqlite);
  else {
    await store.db.transaction().execute((trx) => rebuildSearchIndex(trx, store.dialect));
    // What autovacuum would do within minutes: the visibility map (index-only scans of the key)
    // and fresh statistics, so searches run at their steady speed right away.
    await sql`vacuum (analyze) search_docs`.execute(store.db);
  }
  opts.onIndexed?.((performance.now() - started) / 1000);
  return { articles: done, issues: slots.filter((s) => s.touched).length };
}

async function resolveDangling(store: Store, abbr: string): Promise<void> {
  const target = citationTarget();
  await store.db.transaction().execute(async (trx) => {
    await trx.updateTable('citations').set({ cited_article_id: target })
      .where('cited_article_id', 'is', null)
      .where('publication', '=', abbr)
      .where('year', '>=', FIRST_YEAR)
      .where('year', '<=', LAST_YEAR)
      .execute();
  });
}

// ---------------------------------------------------------------- worker entry

// In the generator worker (started by workerSource above), answer each request with the next batch.
if (!isMainThread && parentPort && workerData && typeof workerData === 'object' && WORKER_KEY in workerData) {
  const port = parentPort;
  const it = prepareBatches((workerData as Record<string, Plan>)[WORKER_KEY]);
  port.on('message', () => {
    try {
      const n = it.next();
      port.postMessage({ batch: n.done ? null : n.value });
    } catch (err) {
      port.postMessage({ error: String((err as Error)?.stack ?? err) });
    }
  });
}
