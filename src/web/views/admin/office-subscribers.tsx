import type { Site } from '../layout.tsx';
import { AdminPage, type StaffUser } from '../../admin/shell.tsx';
import type { Plan, RateClass } from '../../../store/schema.ts';
import type { Entitlement } from '../../../store/users.ts';
import {
  PLANS, PLAN_LABEL, RATE_CLASSES, RATE_LABEL, hasAddress, isPlaceholderEmail, lastDay,
  type EndingRow, type MailingRow, type Subscriber, type SubscriberSummary,
} from '../../../store/office-subscribers.ts';
import { CSV_COLUMNS, MAX_CSV_BYTES } from '../../../store/office-csv.ts';
import { Pager } from '../parts.tsx';
import { Csrf, ErrorList, Field, Select, day, plural, utc, OfficeStyles } from './office-parts.tsx';

// Subscribers in the admin: search, one subscriber (subscriptions, rate class, notes, mailing
// address), a new subscriber, CSV import, and the print mailing list of the next issue.

type Base = { site: Site; staff: StaffUser; csrf: string; notice?: string | null; error?: string | null };

const STATUS_LABEL = { active: 'Subscribed', expired: 'Ended', none: 'Never subscribed' } as const;

function Who({ email, name }: { email: string; name: string | null }) {
  const placeholder = isPlaceholderEmail(email);
  return <>{name || (placeholder ? 'Unnamed print reader' : email)}{name && !placeholder ? <span class="meta block">{email}</span> : null}{placeholder ? <span class="meta block">no e-mail address</span> : null}</>;
}

const RATE_OPTIONS = [{ value: '' as const, label: 'Not set' }, ...RATE_CLASSES.map((r) => ({ value: r, label: RATE_LABEL[r] }))];
const PLAN_OPTIONS = PLANS.map((p) => ({ value: p, label: PLAN_LABEL[p] }));

export function SubscriberListPage(p: Base & {
  items: SubscriberSummary[]; total: number; q: string; rateClass: RateClass | null; status: 'active' | 'expired' | 'none' | null; page: number; pages: number; base: string;
}) {
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="Subscribers" active="subscribers" notice={p.notice} error={p.error}>
      <OfficeStyles />
      <h1>Subscribers</h1>
      <ul class="inline-list actions">
        <li><a class="btn" href="/admin/subscribers/new">New subscriber</a></li>
        <li><a href="/admin/subscribers/import">Import CSV</a></li>
        <li><a href="/admin/subscribers/export.csv" download>Export all as CSV</a></li>
        <li><a href="/admin/subscribers/mailing">Print mailing list and renewals</a></li>
      </ul>
      <form method="get" action="/admin/subscribers" class="filters" role="search" aria-label="Find subscribers">
        <div><label for="s-q">E-mail, name or prisoner number</label><input id="s-q" name="q" type="search" value={p.q} /></div>
        <Select id="s-rate" name="rate" label="Rate class" value={p.rateClass ?? ''} options={[{ value: '', label: 'Any' }, ...RATE_CLASSES.map((r) => ({ value: r, label: RATE_LABEL[r] }))]} />
        <Select id="s-status" name="status" label="Subscription" value={p.status ?? ''} options={[{ value: '', label: 'Any' }, { value: 'active', label: 'Subscribed now' }, { value: 'expired', label: 'Ended' }, { value: 'none', label: 'Never subscribed' }]} />
        <div><button class="btn" type="submit">Find</button></div>
      </form>
      <p role="status">{plural(p.total, 'account')}{p.q ? ` matching “${p.q}”` : ''}.</p>
      {p.items.length ? (
        <div class="table-wrap">
          <table class="admin-table" id="subscribers">
            <caption class="visually-hidden">Accounts, by e-mail address</caption>
            <thead><tr><th scope="col">Reader</th><th scope="col">Rate class</th><th scope="col">Subscription</th><th scope="col">Prisoner number, facility</th></tr></thead>
            <tbody>
              {p.items.map((s) => (
                <tr>
                  <td><a href={`/admin/subscribers/${s.id}`}><Who email={s.email} name={s.name} /></a>{s.role !== 'reader' ? <span class="badge">{s.role}</span> : null}</td>
                  <td>{s.rateClass ? RATE_LABEL[s.rateClass] : <span class="meta">not set</span>}</td>
                  <td>{s.plan ? `${PLAN_LABEL[s.plan]} through ${lastDay(s.endsAt!)}` : s.endsAt ? `Ended ${lastDay(s.endsAt)}` : <span class="meta">none</span>}</td>
                  <td>{[s.prisonerNumber ? `#${s.prisonerNumber}` : '', s.facility ?? ''].filter(Boolean).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p>No accounts found.</p>}
      <Pager base={p.base} page={p.page} pages={p.pages} />
    </AdminPage>
  );
}

export interface ProfileForm {
  email: string;
  name: string;
  rateClass: string;
  prisonerNumber: string;
  facility: string;
  addressLine1: string;
  addressLine2: string;
  city: string;
  state: string;
  postalCode: string;
  country: string;
  notes: string;
  plan: string;
  until: string;
}

export const EMPTY_PROFILE_FORM: ProfileForm = { email: '', name: '', rateClass: '', prisonerNumber: '', facility: '', addressLine1: '', addressLine2: '', city: '', state: '', postalCode: '', country: '', notes: '', plan: '', until: '' };

function ProfileFields({ f, prefix }: { f: ProfileForm; prefix: string }) {
  return (
    <>
      <div class="field-row">
        <Field id={`${prefix}-name`} name="name" label="Name" value={f.name} maxLength={200} autocomplete="off" />
        <Select id={`${prefix}-rate`} name="rateClass" label="Rate class" value={f.rateClass as RateClass | ''} options={RATE_OPTIONS} />
      </div>
      <fieldset>
        <legend>Print mailing</legend>
        <div class="field-row">
          <Field id={`${prefix}-pnum`} name="prisonerNumber" label="Prisoner number" value={f.prisonerNumber} maxLength={40} autocomplete="off" />
          <Field id={`${prefix}-facility`} name="facility" label="Facility" value={f.facility} maxLength={200} autocomplete="off" />
        </div>
        <Field id={`${prefix}-a1`} name="addressLine1" label="Address" value={f.addressLine1} maxLength={200} autocomplete="off" />
        <Field id={`${prefix}-a2`} name="addressLine2" label="Address, second line" value={f.addressLine2} maxLength={200} autocomplete="off" />
        <div class="field-row">
          <Field id={`${prefix}-city`} name="city" label="City" value={f.city} maxLength={100} autocomplete="off" />
          <Field id={`${prefix}-state`} name="state" label="State" value={f.state} maxLength={60} autocomplete="off" />
          <Field id={`${prefix}-zip`} name="postalCode" label="ZIP or postal code" value={f.postalCode} maxLength={20} autocomplete="off" />
          <Field id={`${prefix}-country`} name="country" label="Country (if not US)" value={f.country} maxLength={60} autocomplete="off" />
        </div>
      </fieldset>
      <label for={`${prefix}-notes`}>Notes (for the office only)</label>
      <textarea id={`${prefix}-notes`} name="notes" rows={4} maxLength={5000}>{f.notes}</textarea>
    </>
  );
}

function entitlementState(e: Entitlement, now: string): string {
  if (e.revoked_at) return `Revoked ${day(e.revoked_at)}`;
  if (e.ends_at <= now) return 'Ended';
  if (e.starts_at > now) return 'Starts later';
  return 'Current';
}

const SOURCE_LABEL = { admin: 'Office', gift: 'Gift code', payment: 'Payment', import: 'Import' } as const;

export function SubscriberPage(p: Base & { s: Subscriber; form: ProfileForm; errors: string[]; grant: { plan: string; until: string; note: string }; grantErrors: string[]; now: string }) {
  const s = p.s;
  const title = s.name || (isPlaceholderEmail(s.email) ? 'Unnamed print reader' : s.email);
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title={title} active="subscribers" notice={p.notice} error={p.error}>
      <OfficeStyles />
      <p class="crumbs"><a href="/admin/subscribers">Subscribers</a></p>
      <h1>{title}</h1>
      <p class="meta">
        {isPlaceholderEmail(s.email) ? 'No e-mail address (reads on paper)' : s.email} · account since {day(s.createdAt)}{s.role !== 'reader' ? ` · ${s.role}` : ''}
        {' · '}<a href={`/admin/audit?entity=subscriber&id=${s.id}`}>Changes in the audit log</a>
      </p>
      <p id="access-state"><strong>{s.plan ? `${PLAN_LABEL[s.plan]}, through ${lastDay(s.endsAt!)}` : STATUS_LABEL[s.status]}</strong>{s.rateClass ? ` · ${RATE_LABEL[s.rateClass]} rate` : ''}</p>

      <section aria-labelledby="subs-h">
        <h2 id="subs-h">Subscriptions</h2>
        {s.entitlements.length ? (
          <div class="table-wrap">
            <table class="admin-table" id="entitlements">
              <caption class="visually-hidden">Subscriptions of {title}, latest end first</caption>
              <thead><tr><th scope="col">Plan</th><th scope="col">From</th><th scope="col">Through</th><th scope="col">How</th><th scope="col">State</th><th scope="col">Change</th></tr></thead>
              <tbody>
                {s.entitlements.map((e) => {
                  const open = !e.revoked_at;
                  const live = open && e.ends_at > p.now;
                  return (
                    <tr data-entitlement={e.id}>
                      <td>{PLAN_LABEL[e.plan]}</td>
                      <td>{day(e.starts_at)}</td>
                      <td>{lastDay(e.ends_at)}</td>
                      <td>{SOURCE_LABEL[e.source]}{e.note ? <span class="meta block">{e.note}</span> : null}</td>
                      <td>{entitlementState(e, p.now)}</td>
                      <td>
                        {open ? (
                          <form method="post" action={`/admin/subscribers/${s.id}/extend`} class="inline-form">
                            <Csrf token={p.csrf} />
                            <input type="hidden" name="entitlement" value={String(e.id)} />
                            <label for={`ext-${e.id}`} class="visually-hidden">Extend subscription #{e.id} by</label>
                            <select id={`ext-${e.id}`} name="months">
                              {[1, 3, 6, 12, 24].map((m) => <option value={String(m)} selected={m === 12}>{m === 1 ? '1 month' : `${m} months`}</option>)}
                            </select>
                            <button type="submit" class="btn small">Extend</button>
                          </form>
                        ) : null}
                        {live ? (
                          <form method="post" action={`/admin/subscribers/${s.id}/revoke`} class="inline-form">
                            <Csrf token={p.csrf} />
                            <input type="hidden" name="entitlement" value={String(e.id)} />
                            <button type="submit" class="btn small secondary" aria-label={`Revoke subscription #${e.id} (${PLAN_LABEL[e.plan]} through ${lastDay(e.ends_at)})`}>Revoke</button>
                          </form>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : <p>No subscriptions.</p>}
        <h3 id="grant-h">Grant a subscription</h3>
        <ErrorList title="Not granted" errors={p.grantErrors} />
        <form method="post" action={`/admin/subscribers/${s.id}/grant`} aria-labelledby="grant-h">
          <Csrf token={p.csrf} />
          <div class="field-row">
            <Select id="g-plan" name="plan" label="Plan" value={(p.grant.plan || 'print-digital') as Plan} options={PLAN_OPTIONS} />
            <Field id="g-until" name="until" label="Through (last day of access)" type="date" value={p.grant.until} required />
          </div>
          <Field id="g-note" name="note" label="Note (e.g. money order number)" value={p.grant.note} maxLength={500} />
          <button type="submit" class="btn">Grant</button>
        </form>
      </section>

      <section aria-labelledby="profile-h">
        <h2 id="profile-h">Details</h2>
        <ErrorList title="The details were not saved" errors={p.errors} />
        <form method="post" action={`/admin/subscribers/${s.id}`} aria-labelledby="profile-h">
          <Csrf token={p.csrf} />
          <ProfileFields f={p.form} prefix="p" />
          <button type="submit" class="btn">Save details</button>
        </form>
      </section>
    </AdminPage>
  );
}

export function NewSubscriberPage(p: Base & { form: ProfileForm; errors: string[] }) {
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="New subscriber" active="subscribers" notice={p.notice} error={p.error}>
      <OfficeStyles />
      <p class="crumbs"><a href="/admin/subscribers">Subscribers</a></p>
      <h1>New subscriber</h1>
      <ErrorList title="Not created" errors={p.errors} />
      <form method="post" action="/admin/subscribers/new">
        <Csrf token={p.csrf} />
        <Field id="n-email" name="email" label="E-mail address" type="email" value={p.form.email} autocomplete="off" hint="Leave it empty for a reader without e-mail (most prisoners): then give the prisoner number." />
        <ProfileFields f={p.form} prefix="n" />
        <fieldset>
          <legend>Subscription (optional)</legend>
          <div class="field-row">
            <Select id="n-plan" name="plan" label="Plan" value={p.form.plan as Plan | ''} options={[{ value: '', label: 'None for now' }, ...PLAN_OPTIONS]} />
            <Field id="n-until" name="until" label="Through (last day of access)" type="date" value={p.form.until} />
          </div>
        </fieldset>
        <button type="submit" class="btn">Create subscriber</button>
      </form>
    </AdminPage>
  );
}

export function ImportCsvPage(p: Base & { problems: { line: number | null; message: string }[]; more: number; result: { rows: number; created: number; updated: number; unchanged: number; granted: number } | null }) {
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="Import subscribers" active="subscribers" notice={p.notice} error={p.error}>
      <OfficeStyles />
      <p class="crumbs"><a href="/admin/subscribers">Subscribers</a></p>
      <h1>Import subscribers from CSV</h1>
      {p.result ? (
        <p class="notice" role="status" id="import-result">
          Imported {plural(p.result.rows, 'row')}: {p.result.created} new, {p.result.updated} changed, {p.result.unchanged} unchanged; {plural(p.result.granted, 'subscription')} granted.
        </p>
      ) : null}
      {p.problems.length ? (
        <div class="prompt alert" role="alert" id="import-problems">
          <h2>Nothing was imported: {p.problems.length + p.more === 1 ? 'one problem' : `${p.problems.length + p.more} problems`}</h2>
          <ul>{p.problems.map((x) => <li>{x.line ? <strong>Line {x.line}: </strong> : null}{x.message}</li>)}</ul>
          {p.more ? <p>… and {p.more} more. Fix these first.</p> : null}
        </div>
      ) : null}
      <p>The whole file is imported, or nothing: any problem names its line, and nothing is written until every line is right. Importing the same file twice changes nothing the second time.</p>
      <form method="post" action="/admin/subscribers/import" enctype="multipart/form-data">
        <Csrf token={p.csrf} />
        <label for="csv-file">CSV file (UTF-8, at most {MAX_CSV_BYTES / 1048576} MB)</label>
        <input id="csv-file" name="file" type="file" accept=".csv,text/csv" required />
        <p class="check">
          <input id="empty-clears" name="empty_clears" type="checkbox" value="on" />
          <label for="empty-clears">Empty cells clear what is stored (for the file's columns: name, address, prisoner number, facility, notes), as when a file exported here was edited</label>
        </p>
        <button class="btn" type="submit">Import</button>
      </form>
      <h2>The columns</h2>
      <p>The first line names the columns, in any order; only <code>email</code> is required (and may be empty on a line that has a <code>prisoner_number</code>). Empty cells leave what is stored as it is, unless you tick “Empty cells clear what is stored”: then an empty cell clears that value (never the e-mail, the rate class or a subscription; columns the file does not have are left alone). The export has every column: <a href="/admin/subscribers/export.csv" download>export.csv</a>.</p>
      <ul>
        {CSV_COLUMNS.map((c) => <li><code>{c}</code>{COLUMN_HELP[c] ? `: ${COLUMN_HELP[c]}` : ''}</li>)}
      </ul>
    </AdminPage>
  );
}

const COLUMN_HELP: Partial<Record<(typeof CSV_COLUMNS)[number], string>> = {
  email: 'the account; a new address makes a new account',
  rate_class: RATE_CLASSES.join(', '),
  plan: `${PLANS.join(' or ')}; with ends_on, a subscription through that day (not granted again if one already reaches it)`,
  starts_on: 'YYYY-MM-DD (default: today)',
  ends_on: 'YYYY-MM-DD, the last day of access',
  notes: 'for the office only',
};

export interface MailingPageProps extends Base {
  issues: { key: string; label: string }[];
  issue: { key: string; label: string; exists: boolean };
  mailAt: string;
  rows: MailingRow[];
  ending: EndingRow[];
  following: string;
}

export function MailingPage(p: MailingPageProps) {
  const missing = p.rows.filter((r) => !hasAddress(r));
  const ready = p.rows.length - missing.length;
  const q = `issue=${encodeURIComponent(p.issue.key)}`;
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="Print mailing list" active="subscribers" notice={p.notice} error={p.error}>
      <OfficeStyles />
      <p class="crumbs"><a href="/admin/subscribers">Subscribers</a></p>
      <h1>Print mailing: {p.issue.label} issue</h1>
      <form method="get" action="/admin/subscribers/mailing" class="filters">
        <Select id="m-issue" name="issue" label="Issue" value={p.issue.key} options={p.issues.map((i) => ({ value: i.key, label: i.label }))} />
        <div><button class="btn" type="submit">Show</button></div>
      </form>
      <p>
        Print + digital subscribers on {utc(p.mailAt)}: <strong>{p.rows.length}</strong>
        {p.issue.exists ? null : ' (this issue is not created yet)'}.
      </p>
      <ul class="inline-list">
        <li><a class="btn" href={`/admin/subscribers/mailing.csv?${q}`} download>Mailing list (CSV)</a></li>
        <li><a class="btn" href={`/admin/subscribers/labels.pdf?${q}`}>Labels (PDF, Avery 5160: {plural(ready, 'label')})</a></li>
      </ul>
      {missing.length ? (
        <section aria-labelledby="noaddr-h">
          <h2 id="noaddr-h">No mailing address ({missing.length})</h2>
          <p>These print subscribers get no label until their address is complete.</p>
          <ul id="no-address">{missing.map((r) => <li><a href={`/admin/subscribers/${r.userId}`}><Who email={r.email} name={r.name} /></a></li>)}</ul>
        </section>
      ) : null}
      <section aria-labelledby="ending-h">
        <h2 id="ending-h">Subscriptions that end with this issue ({p.ending.length})</h2>
        <p>Readers who get the {p.issue.label} issue but not the next one ({p.following}): time to send a renewal notice.</p>
        {p.ending.length ? (
          <div class="table-wrap">
            <table class="admin-table" id="ending">
              <caption class="visually-hidden">Subscriptions ending with the {p.issue.label} issue</caption>
              <thead><tr><th scope="col">Reader</th><th scope="col">Plan</th><th scope="col">Last day</th><th scope="col">Rate class</th></tr></thead>
              <tbody>
                {p.ending.map((r) => (
                  <tr>
                    <td><a href={`/admin/subscribers/${r.userId}`}><Who email={r.email} name={r.name} /></a></td>
                    <td>{PLAN_LABEL[r.plan]}</td>
                    <td>{lastDay(r.endsAt)}</td>
                    <td>{r.rateClass ? RATE_LABEL[r.rateClass] : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : <p>None.</p>}
      </section>
    </AdminPage>
  );
}
