import type { Site } from '../layout.tsx';
import { AdminPage, type StaffUser } from '../../admin/shell.tsx';
import type { Institution, InstitutionListing, InstitutionRange, UsageRow } from '../../../store/institutions.ts';
import type { Plan } from '../../../store/schema.ts';
import { PLANS, PLAN_LABEL } from '../../../store/office-subscribers.ts';
import { barChart } from '../../../admin/charts.ts';
import { Csrf, ErrorList, Field, Select, day, plural, utc, OfficeStyles } from './office-parts.tsx';

// Institutions (access by address range, with monthly usage) and gift codes, in the admin.

type Base = { site: Site; staff: StaffUser; csrf: string; notice?: string | null; error?: string | null };

export function InstitutionsPage(p: Base & { items: InstitutionListing[]; form: { name: string; note: string; ranges: string }; errors: string[] }) {
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="Institutions" active="institutions" notice={p.notice} error={p.error}>
      <OfficeStyles />
      <h1>Institutions</h1>
      <p>Law libraries, universities and prison law libraries read premium articles from their own network, without personal accounts. Views are counted per month.</p>
      {p.items.length ? (
        <div class="table-wrap">
          <table class="admin-table" id="institutions">
            <caption class="visually-hidden">Institutions, by name</caption>
            <thead><tr><th scope="col">Institution</th><th scope="col">Address ranges</th><th scope="col">Views this month</th><th scope="col">Access</th></tr></thead>
            <tbody>
              {p.items.map((i) => (
                <tr>
                  <td><a href={`/admin/institutions/${i.id}`}>{i.name}</a>{i.note ? <span class="meta block">{i.note}</span> : null}</td>
                  <td>{i.ranges.length ? <ul class="inline-list">{i.ranges.map((r) => <li><code>{r.label}</code></li>)}</ul> : <span class="meta">none</span>}</td>
                  <td>{i.viewsThisMonth.toLocaleString('en-US')}</td>
                  <td>{i.active ? 'Active' : 'Stopped'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p>No institutions yet.</p>}
      <h2 id="ezproxy">Libraries that use EZproxy</h2>
      <p>A library whose readers come through its EZproxy server adds that server's outgoing address as a range (ask the library for it). Its readers then read premium articles as the institution, and their views are counted here. The library's EZproxy administrator adds this database stanza to EZproxy's configuration:</p>
      <pre><code>{ezproxyStanza(p.site)}</code></pre>
      <p class="hint">Reading, searching and downloads work through EZproxy. Signing in and other forms do not (they are refused as coming from another site), and are not needed: the institution is recognised by address.</p>
      <h2 id="new-inst">Add an institution</h2>
      <ErrorList title="Not added" errors={p.errors} />
      <form method="post" action="/admin/institutions" aria-labelledby="new-inst">
        <Csrf token={p.csrf} />
        <Field id="in-name" name="name" label="Name" value={p.form.name} required maxLength={200} />
        <Field id="in-note" name="note" label="Note (optional)" value={p.form.note} maxLength={500} />
        <RangesField id="in-ranges" value={p.form.ranges} />
        <button class="btn" type="submit">Add institution</button>
      </form>
    </AdminPage>
  );
}

/** The EZproxy database stanza for this site (OCLC's format: Title, URL, HJ host, DJ domain). */
export function ezproxyStanza(site: Site): string {
  const base = new URL(site.baseUrl);
  // HJ is the host as addressed (with a port, if any); DJ covers the domain and its hosts.
  return [`Title ${site.name}`, `URL ${base.origin}${base.pathname.replace(/\/*$/, '/')}`, `HJ ${base.host}`, `DJ ${base.hostname}`].join('\n');
}

function RangesField({ id, value }: { id: string; value: string }) {
  return (
    <div>
      <label for={id}>Address ranges, one per line</label>
      <textarea id={id} name="ranges" rows={4} aria-describedby={`${id}-hint`}>{value}</textarea>
      <p class="hint" id={`${id}-hint`}>A single address (192.0.2.7), a CIDR block (192.0.2.0/24, 2001:db8::/32) or a span (192.0.2.10-192.0.2.20). Ranges wider than an IPv4 /8 or an IPv6 /16 are refused.</p>
    </div>
  );
}

function monthLabel(m: string): string {
  const [y, mm] = m.split('-').map(Number);
  return `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][mm - 1]} ${String(y).slice(2)}`;
}

export function InstitutionPage(p: Base & { inst: Institution; ranges: InstitutionRange[]; usage: UsageRow[]; rangeText: string; errors: string[] }) {
  const i = p.inst;
  const total = p.usage.reduce((a, u) => a + u.views, 0);
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title={i.name} active="institutions" notice={p.notice} error={p.error}>
      <OfficeStyles />
      <p class="crumbs"><a href="/admin/institutions">Institutions</a></p>
      <h1>{i.name}</h1>
      <p class="meta">Added {day(i.createdAt)} · <a href={`/admin/audit?entity=institution&id=${i.id}`}>Changes in the audit log</a></p>
      {i.note ? <p>{i.note}</p> : null}
      <p id="inst-state"><strong>{i.active ? 'Access is on.' : 'Access is stopped.'}</strong></p>
      <form method="post" action={`/admin/institutions/${i.id}/active`}>
        <Csrf token={p.csrf} />
        <input type="hidden" name="active" value={i.active ? '0' : '1'} />
        <button type="submit" class={i.active ? 'btn secondary' : 'btn'}>{i.active ? 'Stop access (ranges and usage are kept)' : 'Restore access'}</button>
      </form>

      <section aria-labelledby="ranges-h">
        <h2 id="ranges-h">Address ranges</h2>
        {p.ranges.length ? (
          <ul id="ranges">
            {p.ranges.map((r) => (
              <li>
                <code>{r.label}</code>{' '}
                <form method="post" action={`/admin/institutions/${i.id}/ranges/remove`} class="inline-form">
                  <Csrf token={p.csrf} />
                  <input type="hidden" name="range" value={r.label} />
                  <button type="submit" class="btn small secondary" aria-label={`Remove the range ${r.label}`}>Remove</button>
                </form>
              </li>
            ))}
          </ul>
        ) : <p>No ranges: nobody reads through this institution.</p>}
        <ErrorList title="No range was added" errors={p.errors} />
        <form method="post" action={`/admin/institutions/${i.id}/ranges`} aria-labelledby="ranges-h">
          <Csrf token={p.csrf} />
          <RangesField id="ir-ranges" value={p.rangeText} />
          <button type="submit" class="btn">Add ranges</button>
        </form>
      </section>

      <section aria-labelledby="usage-h">
        <h2 id="usage-h">Usage</h2>
        {barChart({
          id: 'chart-usage', title: `Premium article views from ${i.name}, per month`,
          description: `${plural(total, 'view')} in the last ${p.usage.length} months.`,
          labels: p.usage.map((u) => monthLabel(u.period)), unit: 'views', series: [{ name: 'Views', values: p.usage.map((u) => u.views) }],
        })}
      </section>
    </AdminPage>
  );
}

export interface GiftRow {
  id: number;
  plan: Plan;
  days: number;
  note: string | null;
  createdAt: string;
  redeemedBy: string | null;
  redeemedById: number | null;
  redeemedAt: string | null;
}

export function GiftsPage(p: Base & { rows: GiftRow[]; total: number; created: string[] | null; form: { plan: string; days: string; count: string; note: string }; errors: string[] }) {
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="Gift codes" active="gifts" notice={p.notice} error={p.error}>
      <OfficeStyles />
      <h1>Gift codes</h1>
      {p.created ? (
        <div class="prompt" role="status" id="new-codes">
          <h2>{plural(p.created.length, 'new code')}</h2>
          <p><strong>Copy {p.created.length === 1 ? 'it' : 'them'} now:</strong> only a fingerprint of each code is kept, so {p.created.length === 1 ? 'it' : 'they'} cannot be shown again. Readers redeem a code on their account page.</p>
          <ul>{p.created.map((c) => <li><code class="secret">{c}</code></li>)}</ul>
        </div>
      ) : null}
      <h2 id="new-gift">Create gift codes</h2>
      <ErrorList title="No codes were created" errors={p.errors} />
      <form method="post" action="/admin/gifts" aria-labelledby="new-gift">
        <Csrf token={p.csrf} />
        <div class="field-row">
          <Select id="gc-plan" name="plan" label="Plan" value={(p.form.plan || 'digital') as Plan} options={PLANS.map((x) => ({ value: x, label: PLAN_LABEL[x] }))} />
          <Field id="gc-days" name="days" label="Days of access" type="number" min={1} max={3660} value={p.form.days || '365'} required />
          <Field id="gc-count" name="count" label="How many codes" type="number" min={1} max={500} value={p.form.count || '1'} required />
        </div>
        <Field id="gc-note" name="note" label="Note (who they are for)" value={p.form.note} maxLength={500} />
        <button class="btn" type="submit">Create</button>
      </form>
      <h2>Codes made so far ({p.total})</h2>
      {p.rows.length ? (
        <div class="table-wrap">
          <table class="admin-table" id="gifts">
            <caption class="visually-hidden">Gift codes, newest first</caption>
            <thead><tr><th scope="col">Number</th><th scope="col">Plan</th><th scope="col">Days</th><th scope="col">Note</th><th scope="col">Created</th><th scope="col">Redeemed</th></tr></thead>
            <tbody>
              {p.rows.map((g) => (
                <tr>
                  <td>#{g.id}</td>
                  <td>{PLAN_LABEL[g.plan]}</td>
                  <td>{g.days}</td>
                  <td>{g.note ?? ''}</td>
                  <td>{utc(g.createdAt)}</td>
                  <td>{g.redeemedAt ? <>{utc(g.redeemedAt)}{g.redeemedById ? <> by <a href={`/admin/subscribers/${g.redeemedById}`}>{g.redeemedBy}</a></> : null}</> : <span class="meta">not yet</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p>None yet.</p>}
    </AdminPage>
  );
}
