import type { Site } from '../layout.tsx';
import { AdminPage, type StaffUser } from '../../admin/shell.tsx';
import type { AdminIssue } from '../../../store/office.ts';
import { issueKey, issueName } from '../../../store/office.ts';
import type { TocEntry, TocWarning } from '../../../store/office-toc.ts';
import { entryPages } from '../../../store/office-toc.ts';
import type { FileMeta } from '../../../store/files.ts';
import { Csrf, ErrorList, Field, plural, utc, OfficeStyles } from './office-parts.tsx';

// Print issues in the admin: the list with a form for a new issue, and one issue: its details,
// files (PDF and cover), table of contents with its warnings, and publishing.

export interface IssueForm {
  month: string;
  volume: string;
  number: string;
  pageCount: string;
  title: string;
}

export const EMPTY_ISSUE_FORM: IssueForm = { month: '', volume: '', number: '', pageCount: '', title: '' };

function volNo(i: { volume: number | null; number: number | null }): string {
  return [i.volume != null ? `Vol. ${i.volume}` : '', i.number != null ? `No. ${i.number}` : ''].filter(Boolean).join(', ');
}

function mb(bytes: number): string {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export function IssueListPage(p: { site: Site; staff: StaffUser; csrf: string; issues: AdminIssue[]; form: IssueForm; errors: string[]; notice?: string | null }) {
  const f = p.form;
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="Issues" active="issues" notice={p.notice}>
      <OfficeStyles />
      <h1>Print issues</h1>
      <p>{plural(p.issues.length, 'issue')}. Open one to set its details, upload its PDF and cover, check its table of contents and publish it.</p>
      {p.issues.length ? (
        <div class="table-wrap">
          <table class="admin-table">
            <caption class="visually-hidden">Print issues, newest first</caption>
            <thead><tr><th scope="col">Issue</th><th scope="col">Volume, number</th><th scope="col">Pages</th><th scope="col">Articles</th><th scope="col">PDF</th><th scope="col">Cover</th></tr></thead>
            <tbody>
              {p.issues.map((i) => (
                <tr>
                  <td><a href={`/admin/issues/${i.id}`}>{issueName(i)}</a>{i.title ? <span class="meta block">{i.title}</span> : null}</td>
                  <td>{volNo(i) || <span class="meta">not set</span>}</td>
                  <td>{i.pageCount ?? <span class="meta">not set</span>}</td>
                  <td>{i.articleCount}</td>
                  <td>{i.pdfFileId ? 'Uploaded' : <span class="meta">none</span>}</td>
                  <td>{i.coverFileId ? 'Uploaded' : <span class="meta">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p>No issues yet.</p>}
      <h2 id="new-issue">New issue</h2>
      <ErrorList title="The issue was not created" errors={p.errors} />
      <form method="post" action="/admin/issues" aria-labelledby="new-issue">
        <Csrf token={p.csrf} />
        <div class="field-row">
          <Field id="i-month" name="month" label="Month (YYYY-MM)" value={f.month} required hint="For example 2026-01. The month cannot change later: citations point at it." />
          <Field id="i-volume" name="volume" label="Volume" type="number" min={1} max={100000} value={f.volume} />
          <Field id="i-number" name="number" label="Number" type="number" min={1} max={100000} value={f.number} />
          <Field id="i-pages" name="pageCount" label="Page count" type="number" min={1} max={2000} value={f.pageCount} />
        </div>
        <Field id="i-title" name="title" label="Title (optional)" value={f.title} maxLength={200} />
        <button class="btn" type="submit">Create issue</button>
      </form>
    </AdminPage>
  );
}

function statusLabel(e: TocEntry, now: string): string {
  if (e.status === 'draft') return 'Draft';
  if (e.publishedAt && e.publishedAt > now) return 'Scheduled';
  return 'Published';
}

export interface IssuePageProps {
  site: Site;
  staff: StaffUser;
  csrf: string;
  issue: AdminIssue;
  toc: TocEntry[];
  warnings: TocWarning[];
  pdf: FileMeta | null;
  cover: FileMeta | null;
  published: { at: string; by: string } | null;
  form: IssueForm;
  errors: string[];
  notice?: string | null;
  error?: string | null;
  now: string;
  maxPdfMb: number;
  maxCoverMb: number;
}

export function IssuePage(p: IssuePageProps) {
  const i = p.issue;
  const name = issueName(i);
  const visible = p.toc.filter((e) => e.status !== 'draft' && e.publishedAt !== null && e.publishedAt <= p.now).length;
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title={`${name} issue`} active="issues" notice={p.notice} error={p.error}>
      <OfficeStyles />
      <p class="crumbs"><a href="/admin/issues">Issues</a></p>
      <h1>{name}{volNo(i) ? <span class="meta block">{volNo(i)}</span> : null}</h1>
      {i.title ? <p class="dek">{i.title}</p> : null}
      <p class="meta">
        {plural(p.toc.length, 'article')} assigned ({visible} visible to readers) · {i.pageCount ? plural(i.pageCount, 'page') : 'no page count'}
        {visible ? <> · <a href={`/issues/${i.year}/${String(i.month).padStart(2, '0')}`}>Public table of contents</a></> : null}
      </p>

      <section aria-labelledby="toc-h">
        <h2 id="toc-h">Table of contents</h2>
        {p.warnings.length ? (
          <>
            <p><strong>{plural(p.warnings.length, 'thing')} to check:</strong></p>
            <ul class="findings" id="toc-warnings">
              {p.warnings.map((w) => <li data-kind={w.kind}><span class="rule">{WARNING_LABEL[w.kind]}</span>: {w.message}</li>)}
            </ul>
          </>
        ) : <p class="notice" id="toc-warnings">No overlapping pages and no gaps: every page from 1 to {i.pageCount} has an article.</p>}
        {p.toc.length ? (
          <div class="table-wrap">
            <table class="admin-table">
              <caption class="visually-hidden">Articles in the {name} issue, by page</caption>
              <thead><tr><th scope="col" class="nowrap">Pages</th><th scope="col">Article</th><th scope="col">Status</th></tr></thead>
              <tbody>
                {p.toc.map((e) => {
                  const pages = entryPages(e);
                  return (
                    <tr>
                      <td class="nowrap">{pages ? (pages[0] === pages[1] ? pages[0] : `${pages[0]}–${pages[1]}`) : <span class="meta">none</span>}</td>
                      <td><a href={`/admin/articles/${e.id}/edit`}>{e.title}</a></td>
                      <td><span class={`status status-${statusLabel(e, p.now).toLowerCase()}`}>{statusLabel(e, p.now)}</span></td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : <p>No articles are assigned to this issue yet. Articles are placed in an issue, on a page, in the <a href="/admin/articles">article editor</a>.</p>}
      </section>

      <section aria-labelledby="details-h">
        <h2 id="details-h">Details</h2>
        <ErrorList title="The details were not saved" errors={p.errors} />
        <form method="post" action={`/admin/issues/${i.id}`} aria-labelledby="details-h">
          <Csrf token={p.csrf} />
          <p class="meta">Month: {issueKey(i)} (fixed)</p>
          <div class="field-row">
            <Field id="d-volume" name="volume" label="Volume" type="number" min={1} max={100000} value={p.form.volume} />
            <Field id="d-number" name="number" label="Number" type="number" min={1} max={100000} value={p.form.number} />
            <Field id="d-pages" name="pageCount" label="Page count" type="number" min={1} max={2000} value={p.form.pageCount} />
          </div>
          <Field id="d-title" name="title" label="Title (optional)" value={p.form.title} maxLength={200} />
          <button class="btn" type="submit">Save details</button>
        </form>
      </section>

      <section aria-labelledby="files-h">
        <h2 id="files-h">PDF and cover</h2>
        <p>
          {p.pdf ? <>The issue PDF is uploaded ({mb(p.pdf.size)}, {utc(p.pdf.createdAt)}). Subscribers download it stamped with their name.</> : 'No PDF yet.'}
        </p>
        <form method="post" action={`/admin/issues/${i.id}/pdf`} enctype="multipart/form-data" aria-labelledby="pdf-label">
          <Csrf token={p.csrf} />
          <label for="pdf-file" id="pdf-label">{p.pdf ? 'Replace the issue PDF' : 'Upload the issue PDF'}</label>
          <input id="pdf-file" name="file" type="file" accept="application/pdf,.pdf" required aria-describedby="pdf-hint" />
          <p class="hint" id="pdf-hint">A PDF of at most {p.maxPdfMb} MB, not encrypted.</p>
          <button class="btn" type="submit">Upload PDF</button>
        </form>
        {p.cover ? (
          <p><img src={`/admin/issues/${i.id}/cover?v=${p.cover.id}`} alt={`Cover of the ${name} issue`} width={160} class="office-cover" /></p>
        ) : <p>No cover yet.</p>}
        <form method="post" action={`/admin/issues/${i.id}/cover`} enctype="multipart/form-data" aria-labelledby="cover-label">
          <Csrf token={p.csrf} />
          <label for="cover-file" id="cover-label">{p.cover ? 'Replace the cover' : 'Upload a cover'}</label>
          <input id="cover-file" name="file" type="file" accept="image/jpeg,image/png" required aria-describedby="cover-hint" />
          <p class="hint" id="cover-hint">A JPEG or PNG image of at most {p.maxCoverMb} MB.</p>
          <button class="btn" type="submit">Upload cover</button>
        </form>
      </section>

      <section aria-labelledby="publish-h">
        <h2 id="publish-h">Publish</h2>
        {p.published ? <p>Published {utc(p.published.at)} by {p.published.by}. Publishing again mails only subscribers who have not had this issue yet.</p> : <p>Not published from here yet.</p>}
        <p>Publishing e-mails every current subscriber who wants issue mail the table of contents of this issue ({plural(visible, 'article')} visible now; articles scheduled for later are left out).</p>
        <form method="post" action={`/admin/issues/${i.id}/publish`}>
          <Csrf token={p.csrf} />
          <button class="btn" type="submit">Publish issue and mail subscribers</button>
        </form>
      </section>
    </AdminPage>
  );
}

const WARNING_LABEL: Record<TocWarning['kind'], string> = {
  overlap: 'Overlap',
  gap: 'Gap',
  beyond: 'Past the last page',
  'no-page': 'No page',
  'no-page-count': 'No page count',
};
