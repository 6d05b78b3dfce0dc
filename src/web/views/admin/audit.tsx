import type { Site } from '../layout.tsx';
import { AdminPage, type StaffUser } from '../../admin/shell.tsx';
import type { AuditRow } from '../../../store/newsroom.ts';
import { Pager } from '../parts.tsx';

// The audit log: every admin action, newest first, with the state before and after.

function Json({ text }: { text: string | null }) {
  if (text === null) return <span class="meta">—</span>;
  let pretty = text;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // shown as stored
  }
  return <pre class="json">{pretty.length > 4000 ? `${pretty.slice(0, 4000)}\n… (${pretty.length - 4000} more characters)` : pretty}</pre>;
}

export function AuditPage(p: { site: Site; staff: StaffUser; csrf: string; rows: AuditRow[]; total: number; page: number; pages: number; filter: { entity: string; action: string; user: string; id: string }; base: string }) {
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="Audit log" active="audit">
      <h1>Audit log</h1>
      <p>Every change made in the admin area: who made it, when, and what it changed. {p.total} {p.total === 1 ? 'entry' : 'entries'}.</p>
      <form method="get" action="/admin/audit" class="filters" role="search" aria-label="Filter the audit log">
        <div><label for="f-entity">Kind</label><input id="f-entity" name="entity" value={p.filter.entity} placeholder="article, user, issue…" /></div>
        <div><label for="f-id">Id</label><input id="f-id" name="id" value={p.filter.id} /></div>
        <div><label for="f-action">Action</label><input id="f-action" name="action" value={p.filter.action} placeholder="article.save" /></div>
        <div><label for="f-user">By (e-mail)</label><input id="f-user" name="user" type="email" value={p.filter.user} /></div>
        <div><button class="btn" type="submit">Filter</button></div>
      </form>
      {p.rows.length === 0 ? <p>No entries{p.filter.entity || p.filter.action || p.filter.user ? ' match this filter' : ' yet'}.</p> : (
        <ol class="audit">
          {p.rows.map((r) => (
            <li>
              <p class="audit-head">
                <strong>{r.action}</strong> <span>{r.entity}{r.entityId !== null ? ` #${r.entityId}` : ''}</span>
                <span class="meta block"><time dateTime={r.at}>{r.at.replace('T', ' ').slice(0, 19)} UTC</time> · {r.userEmail}{r.ip ? ` · ${r.ip}` : ''}</span>
              </p>
              {r.before !== null || r.after !== null ? (
                <details>
                  <summary>Before and after</summary>
                  <div class="before-after">
                    <div><h2 class="h-small">Before</h2><Json text={r.before} /></div>
                    <div><h2 class="h-small">After</h2><Json text={r.after} /></div>
                  </div>
                </details>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      <Pager base={p.base} page={p.page} pages={p.pages} />
    </AdminPage>
  );
}
