import { renderToString } from 'preact-render-to-string';
import { toAscii } from '../domain/plain-text.ts';
import type { Frequency } from '../store/schema-mail.ts';

// The mails of alerts and issues, rendered per reader when they are sent. Their content comes from
// the presenter's output for an anonymous reader (titles, deks, teasers, links) and never holds
// premium text: mail gets forwarded. Every mail has a plain-text part; readers who asked for plain
// text only get nothing else, in ASCII (prison e-messaging services take nothing more).

export interface MailSite {
  name: string;
}

/** One article in a digest or table of contents: only what an anonymous reader may see. */
export interface MailItem {
  title: string;
  dek: string | null;
  /** Path of the article page (made absolute with the site's BASE_URL when sent). */
  url: string;
  teaserText: string;
  teaserHtml: string;
  citation: string | null;
  publishedAt: string | null;
  access: 'free' | 'premium';
  pages: { first: number; last: number } | null;
}

export interface DigestPayload {
  type: 'digest';
  site: MailSite;
  followLabel: string;
  frequency: Frequency;
  items: MailItem[];
  /** Further matches not listed. */
  more: number;
  /** Where to see them all (a path). */
  moreUrl: string;
}

export interface IssuePayload {
  type: 'issue';
  site: MailSite;
  issue: { year: number; month: number; volume: number | null; number: number | null; title: string | null; url: string };
  items: MailItem[];
}

/** A reminder that the reader's subscription ends (stage: days left when it was due) or has ended. */
export interface RenewalPayload {
  type: 'renewal';
  site: MailSite;
  stage: number | 'ended';
  endsAt: string;
  plan: 'digital' | 'print-digital';
  /** Paths (absolute when sent). */
  renewUrl: string;
  accountUrl: string;
}

export type MailPayload = DigestPayload | IssuePayload | RenewalPayload;

export interface Recipient {
  email: string;
  plainText: boolean;
  /** One-click unsubscribe from this kind of mail (RFC 8058). */
  unsubscribeUrl: string;
  /** The reader's mail preferences, without signing in. */
  preferencesUrl: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string | null;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function longDate(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

function pagesLabel(p: MailItem['pages']): string {
  if (!p) return '';
  return p.last > p.first ? `pp. ${p.first}-${p.last}` : `p. ${p.first}`;
}

function shorten(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 20))}…`;
}

const FREQUENCY_WORD: Record<Frequency, string> = { immediately: 'new', daily: 'today', weekly: 'this week', off: 'new' };

function itemMeta(i: MailItem, withDate: boolean): string {
  return [i.citation, withDate ? longDate(i.publishedAt) : '', i.access === 'premium' ? 'for subscribers' : 'free to read'].filter(Boolean).join(' · ');
}

// ---------------------------------------------------------------- plain text

function digestText(p: DigestPayload, r: Recipient): string {
  const lines: string[] = [p.site.name, `New ${p.frequency === 'immediately' ? '' : `${FREQUENCY_WORD[p.frequency]} `}for "${p.followLabel}": ${countWord(p.items.length + p.more)}`, ''];
  p.items.forEach((i, n) => {
    lines.push(`${n + 1}. ${i.title}`);
    lines.push(`   ${itemMeta(i, true)}`);
    if (i.dek) lines.push(`   ${i.dek}`);
    if (i.teaserText) lines.push(`   ${shorten(i.teaserText, 400)}`);
    lines.push(`   ${i.url}`, '');
  });
  lines.push(p.more > 0 ? `And ${countWord(p.more)} more: ${p.moreUrl}` : `Everything on "${p.followLabel}": ${p.moreUrl}`, '');
  lines.push(...footerText(`You get this mail because you follow "${p.followLabel}" on ${p.site.name}.`, r));
  return lines.join('\n');
}

function issueText(p: IssuePayload, r: Recipient): string {
  const i = p.issue;
  const lines: string[] = [
    `${p.site.name}, ${MONTHS[i.month - 1]} ${i.year}${i.volume != null ? ` (Vol. ${i.volume}${i.number != null ? `, No. ${i.number}` : ''})` : ''}`,
    ...(i.title ? [i.title] : []),
    '', 'In this issue:', '',
  ];
  for (const a of p.items) {
    lines.push(`${pagesLabel(a.pages) || '-'}  ${a.title}`);
    const about = a.dek ?? shorten(a.teaserText, 200);
    if (about) lines.push(`   ${about}`);
    lines.push(`   ${a.url}`, '');
  }
  lines.push(`The whole issue: ${i.url}`, '');
  lines.push(...footerText(`You get this mail because you subscribe to ${p.site.name}.`, r));
  return lines.join('\n');
}

const PLAN_WORDS: Record<RenewalPayload['plan'], string> = { digital: 'digital', 'print-digital': 'print + digital' };

function renewalLines(p: RenewalPayload): { heading: string; body: string[] } {
  const plan = `${PLAN_WORDS[p.plan]} subscription`;
  const end = longDate(p.endsAt);
  if (p.stage === 'ended') {
    return {
      heading: `Your ${plan} has ended`,
      body: [
        `Your ${plan} to ${p.site.name} ended on ${end}. Premium articles, downloads${p.plan === 'print-digital' ? ' and the printed issue' : ''} stopped with it.`,
        `Renew to read the whole archive again: ${p.renewUrl}`,
        'If you have already renewed by mail, thank you: it takes effect when your payment arrives, and you can ignore this message.',
      ],
    };
  }
  return {
    heading: `Your ${plan} ends on ${end}`,
    body: [
      `Your ${plan} to ${p.site.name} ends on ${end}, in ${p.stage === 1 ? 'a day' : `${p.stage} days`} or less. Nothing renews by itself.`,
      `Renew now to keep reading every article in full${p.plan === 'print-digital' ? ' and to keep the printed issue coming' : ''}: ${p.renewUrl}`,
      `Your account: ${p.accountUrl}`,
      'If you have already renewed by mail, thank you: it takes effect when your payment arrives, and you can ignore this message.',
    ],
  };
}

function renewalText(p: RenewalPayload, r: Recipient): string {
  const { heading, body } = renewalLines(p);
  return [p.site.name, heading, '', ...body.flatMap((l) => [l, '']), ...footerText(`You get this reminder because you subscribe to ${p.site.name}.`, r)].join('\n');
}

function footerText(why: string, r: Recipient): string[] {
  return ['--', why, `Change how often you hear from us, or what about: ${r.preferencesUrl}`, `Unsubscribe: ${r.unsubscribeUrl}`, ''];
}

function countWord(n: number): string {
  return `${n} article${n === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------- HTML

function Shell(props: { title: string; children: preact.ComponentChildren; footer: preact.ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
      </head>
      <body>
        {props.children}
        <hr />
        <footer>{props.footer}</footer>
      </body>
    </html>
  );
}

function Footer({ why, r }: { why: string; r: Recipient }) {
  return (
    <p>
      <small>
        {why} <a href={r.preferencesUrl}>Change how often you hear from us, or what about</a> · <a href={r.unsubscribeUrl}>Unsubscribe</a>
      </small>
    </p>
  );
}

function DigestHtml({ p, r }: { p: DigestPayload; r: Recipient }) {
  const title = `New for "${p.followLabel}"`;
  return (
    <Shell title={title} footer={<Footer why={`You get this mail because you follow "${p.followLabel}" on ${p.site.name}.`} r={r} />}>
      <p><strong>{p.site.name}</strong></p>
      <h1>{title}</h1>
      {p.items.map((i) => (
        <article>
          <h2><a href={i.url}>{i.title}</a></h2>
          <p><small>{itemMeta(i, true)}</small></p>
          {i.dek ? <p><em>{i.dek}</em></p> : null}
          {i.teaserHtml ? <div dangerouslySetInnerHTML={{ __html: i.teaserHtml }} /> : null}
          <p><a href={i.url}>Read “{i.title}”</a></p>
        </article>
      ))}
      <p><a href={p.moreUrl}>{p.more > 0 ? `And ${countWord(p.more)} more` : `Everything on “${p.followLabel}”`}</a></p>
    </Shell>
  );
}

function IssueHtml({ p, r }: { p: IssuePayload; r: Recipient }) {
  const i = p.issue;
  const title = `${p.site.name}, ${MONTHS[i.month - 1]} ${i.year}`;
  return (
    <Shell title={title} footer={<Footer why={`You get this mail because you subscribe to ${p.site.name}.`} r={r} />}>
      <h1><a href={i.url}>{title}</a></h1>
      {i.volume != null ? <p>Vol. {i.volume}{i.number != null ? `, No. ${i.number}` : ''}</p> : null}
      {i.title ? <p><strong>{i.title}</strong></p> : null}
      <h2>In this issue</h2>
      <table>
        <tbody>
          {p.items.map((a) => (
            <tr>
              <td>{pagesLabel(a.pages)}</td>
              <td>
                <a href={a.url}>{a.title}</a>
                {a.dek ?? a.teaserText ? <><br /><small>{a.dek ?? shorten(a.teaserText, 200)}</small></> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p><a href={i.url}>The whole issue</a></p>
    </Shell>
  );
}

function RenewalHtml({ p, r }: { p: RenewalPayload; r: Recipient }) {
  const { heading } = renewalLines(p);
  const plan = `${PLAN_WORDS[p.plan]} subscription`;
  const end = longDate(p.endsAt);
  return (
    <Shell title={heading} footer={<Footer why={`You get this reminder because you subscribe to ${p.site.name}.`} r={r} />}>
      <p><strong>{p.site.name}</strong></p>
      <h1>{heading}</h1>
      {p.stage === 'ended'
        ? <p>Your {plan} to {p.site.name} ended on {end}. Premium articles, downloads{p.plan === 'print-digital' ? ' and the printed issue' : ''} stopped with it.</p>
        : <p>Your {plan} to {p.site.name} ends on {end}, in {p.stage === 1 ? 'a day' : `${p.stage} days`} or less. Nothing renews by itself.</p>}
      <p><a href={p.renewUrl}>{p.stage === 'ended' ? 'Renew to read the whole archive again' : 'Renew now'}</a>{p.stage === 'ended' ? null : <> to keep reading every article in full{p.plan === 'print-digital' ? ' and to keep the printed issue coming' : ''}.</>}</p>
      {p.stage === 'ended' ? null : <p><a href={p.accountUrl}>Your account</a></p>}
      <p>If you have already renewed by mail, thank you: it takes effect when your payment arrives, and you can ignore this message.</p>
    </Shell>
  );
}

// ---------------------------------------------------------------- entry point

export function mailSubject(p: MailPayload): string {
  if (p.type === 'renewal') return `${p.site.name}: ${renewalLines(p).heading.replace(/^Your/, 'your')}`;
  if (p.type === 'digest') return `${p.site.name}: ${countWord(p.items.length + p.more)} ${p.frequency === 'immediately' ? 'new' : FREQUENCY_WORD[p.frequency]} on "${p.followLabel}"`;
  return `${p.site.name}, ${MONTHS[p.issue.month - 1]} ${p.issue.year}: the new issue`;
}

/** Links in a payload are paths; in a mail they are absolute. */
function absolute(p: MailPayload, baseUrl: string): MailPayload {
  const abs = (u: string) => (/^https?:\/\//.test(u) ? u : baseUrl + u);
  if (p.type === 'renewal') return { ...p, renewUrl: abs(p.renewUrl), accountUrl: abs(p.accountUrl) };
  // Teasers can hold links within the site (citations): absolute in a mail.
  const items = p.items.map((i) => ({ ...i, url: abs(i.url), teaserHtml: i.teaserHtml.replace(/\b(href|src)="\/(?!\/)/g, `$1="${baseUrl}/`) }));
  return p.type === 'digest' ? { ...p, items, moreUrl: abs(p.moreUrl) } : { ...p, items, issue: { ...p.issue, url: abs(p.issue.url) } };
}

export function renderMail(payload: MailPayload, r: Recipient, baseUrl: string): RenderedMail {
  const p = absolute(payload, baseUrl);
  const subject = mailSubject(p);
  const text = p.type === 'digest' ? digestText(p, r) : p.type === 'issue' ? issueText(p, r) : renewalText(p, r);
  if (r.plainText) return { subject: toAscii(subject), text: toAscii(text), html: null };
  const body = p.type === 'digest' ? <DigestHtml p={p} r={r} /> : p.type === 'issue' ? <IssueHtml p={p} r={r} /> : <RenewalHtml p={p} r={r} />;
  return { subject, text, html: '<!doctype html>' + renderToString(body) };
}
