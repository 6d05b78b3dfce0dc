import { renderToString } from 'preact-render-to-string';
import { Layout, type Site } from './layout.tsx';
import { Csrf, Page, Errors } from './account.tsx';
import type { Frequency } from '../../store/follows.ts';

// Following searches and subjects, mail preferences and unsubscribing. Personal pages: noindex,
// never cached; the ones reached through a mailed link need no sign-in.

const FREQUENCY_LABEL: Record<Frequency, string> = {
  immediately: 'As soon as something new appears',
  daily: 'Once a day',
  weekly: 'Once a week',
  off: 'Never (keep it saved)',
};

/** The button on topic, state and source pages: the same for every reader, so the page stays cacheable. */
export function followFormHtml(param: 'topic' | 'state' | 'source', slug: string, noun: string): string {
  return renderToString(
    <form method="get" action="/follows/new" class="inline-form no-print">
      <input type="hidden" name={param} value={slug} />
      <button class="btn secondary" type="submit">Follow this {noun} by e-mail</button>
    </form>,
  );
}

/** A listing page with the follow button under its heading. */
export function withFollowForm(html: string, form: string): string {
  const at = html.indexOf('</h1>');
  return at < 0 ? html : html.slice(0, at + 5) + form + html.slice(at + 5);
}

function FrequencyChoice({ name, value, idPrefix, withOff }: { name: string; value: Frequency; idPrefix: string; withOff?: boolean }) {
  const options = (['immediately', 'daily', 'weekly', ...(withOff ? ['off' as const] : [])] as Frequency[]);
  return (
    <>
      {options.map((f) => (
        <p>
          <input type="radio" id={`${idPrefix}-${f}`} name={name} value={f} checked={f === value} />{' '}
          <label for={`${idPrefix}-${f}`}>{FREQUENCY_LABEL[f]}</label>
        </p>
      ))}
    </>
  );
}

export function FollowConfirmPage(p: { site: Site; csrf: string; label: string; kindNoun: string; fields: Record<string, string>; current: Frequency | null; searchUrl: string; error?: string | null }) {
  return (
    <Page site={p.site} title={`Follow ${p.label}`} path="/follows/new">
      <h1>Follow {p.kindNoun === 'search' ? 'this search' : `this ${p.kindNoun}`}</h1>
      <Errors error={p.error} />
      <p>We will e-mail you new articles for <strong>{p.label}</strong> (<a href={p.searchUrl}>see what matches now</a>). The mails carry titles, summaries and links.</p>
      {p.current ? <p>You already follow this ({FREQUENCY_LABEL[p.current].toLowerCase()}). Choose again to change how often.</p> : null}
      <form method="post" action="/follows">
        <Csrf token={p.csrf} />
        {Object.entries(p.fields).map(([k, v]) => <input type="hidden" name={k} value={v} />)}
        <fieldset>
          <legend>How often?</legend>
          <FrequencyChoice name="frequency" value={p.current && p.current !== 'off' ? p.current : 'daily'} idPrefix="frequency" />
        </fieldset>
        <button class="btn" type="submit">{p.current ? 'Save' : 'Follow'}</button>
      </form>
      <p><a href="/account/mail">All your alerts and mail settings</a></p>
    </Page>
  );
}

export interface PreferencesView {
  email: string;
  subscribed: boolean;
  issueMail: boolean;
  plainText: boolean;
  renewalMail: boolean;
  follows: { id: number; label: string; kind: string; frequency: Frequency; searchUrl: string }[];
}

/**
 * Mail preferences. `action` is where the forms go: /account/mail when signed in, or the mailed
 * link's own address (no sign-in needed).
 */
export function PreferencesPage({ site, csrf, action, v, notice, error, signedIn }: { site: Site; csrf: string; action: string; v: PreferencesView; notice?: string | null; error?: string | null; signedIn: boolean }) {
  return (
    <Page site={site} title="Mail and alerts" path="/account/mail">
      <h1>Mail and alerts</h1>
      {notice ? <p role="status" class="cite-as">{notice}</p> : null}
      <Errors error={error} />
      <p>Settings for <strong>{v.email}</strong>.{signedIn ? <> Back to <a href="/account">your account</a>.</> : null}</p>
      <form method="post" action={action}>
        <Csrf token={csrf} />
        <input type="hidden" name="form" value="prefs" />
        <h2>Your subscription</h2>
        <p>
          <input type="checkbox" id="issue_mail" name="issue_mail" value="1" checked={v.issueMail} />{' '}
          <label for="issue_mail">E-mail me the table of contents of each new issue{v.subscribed ? '' : ' (for subscribers)'}</label>
        </p>
        <p>
          <input type="checkbox" id="renewal_mail" name="renewal_mail" value="1" checked={v.renewalMail} />{' '}
          <label for="renewal_mail">Remind me before my subscription ends, and when it has ended</label>
        </p>
        <h2>Format</h2>
        <p>
          <input type="checkbox" id="plain_text" name="plain_text" value="1" checked={v.plainText} />{' '}
          <label for="plain_text">Plain text only, no HTML (for e-messaging services such as prison tablets)</label>
        </p>
        <h2>Alerts</h2>
        {v.follows.length ? (
          v.follows.map((f) => (
            <fieldset>
              <legend><a href={f.searchUrl}>{f.label}</a> <span class="meta">({f.kind})</span></legend>
              <FrequencyChoice name={`frequency_${f.id}`} value={f.frequency} idPrefix={`f${f.id}`} withOff />
            </fieldset>
          ))
        ) : (
          <p>You follow nothing yet. Topic, state and source pages have a “Follow” button; so do searches.</p>
        )}
        <p><button class="btn" type="submit">Save</button></p>
      </form>
      {v.follows.length ? (
        <>
          <h2>Stop following</h2>
          <ul class="inline-list">
            {v.follows.map((f) => (
              <li>
                <form method="post" action={`${action}/follows/${f.id}/delete`} class="inline-form">
                  <Csrf token={csrf} />
                  <button class="btn secondary" type="submit">Stop following {f.label}</button>
                </form>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <form method="post" action={`${action}/stop-all`} class="spaced">
        <Csrf token={csrf} />
        <button class="btn secondary" type="submit">Stop all mail from {site.name}</button>
      </form>
      <h2>Save a search</h2>
      <form method="get" action="/follows/new">
        <label for="save-q">Search words</label>
        <input id="save-q" name="q" type="search" required maxLength={300} />
        <button class="btn secondary" type="submit">Continue</button>
      </form>
    </Page>
  );
}

export function UnsubscribeConfirmPage({ site, action, what }: { site: Site; action: string; what: string }) {
  return (
    <Page site={site} title="Unsubscribe" path="/mail/unsubscribe">
      <h1>Unsubscribe</h1>
      <p>Stop {what}?</p>
      <form method="post" action={action}>
        <button class="btn" type="submit">Unsubscribe</button>
      </form>
    </Page>
  );
}

export function UnsubscribedPage({ site, what, preferencesUrl }: { site: Site; what: string; preferencesUrl: string }) {
  return (
    <Page site={site} title="You are unsubscribed" path="/mail/unsubscribe">
      <h1>You are unsubscribed</h1>
      <p>We will not send you {what} any more.</p>
      <p><a href={preferencesUrl}>Change your other mail settings</a></p>
    </Page>
  );
}

export function BadLinkPage({ site }: { site: Site }) {
  return (
    <Page site={site} title="This link does not work" path="/mail/unsubscribe">
      <h1>This link does not work</h1>
      <p>The address is incomplete or was changed. Use the link in your most recent mail from {site.name}, or <a href="/account/mail">sign in to change your mail settings</a>.</p>
    </Page>
  );
}
