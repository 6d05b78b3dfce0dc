import type { ComponentChildren } from 'preact';
import type { Site } from '../layout.tsx';
import { AdminPage, type StaffUser } from '../../admin/shell.tsx';
import type { AdminArticleRow, ListedState, RevisionRow } from '../../../store/newsroom.ts';
import type { EditorForm, FieldError } from '../../admin/article-form.ts';
import { countBlocks, teaserBlocks, SPARE_SOURCE_ROWS } from '../../admin/article-form.ts';
import type { Finding } from '../../admin/checks.ts';
import { Pager } from '../parts.tsx';

// The newsroom's pages: the list of articles, the editor (also the import preview), revisions.

const STATE_LABEL: Record<ListedState, string> = { draft: 'Draft', scheduled: 'Scheduled', published: 'Published' };

function utc(iso: string | null): string {
  return iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '';
}

function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export function StateBadge({ state }: { state: ListedState }) {
  return <span class={`status status-${state}`}>{STATE_LABEL[state]}</span>;
}

export function ArticleListPage(p: { site: Site; staff: StaffUser; csrf: string; rows: AdminArticleRow[]; total: number; q: string; state: ListedState | null; page: number; pages: number; base: string; notice?: string | null }) {
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="Articles" active="articles" notice={p.notice}>
      <h1>Articles</h1>
      <p class="actions"><a class="btn" href="/admin/articles/new">New article</a> <a href="/admin/import">Import a file</a></p>
      <form method="get" action="/admin/articles" class="filters" role="search" aria-label="Find articles">
        <div><label for="q">Title contains</label><input id="q" name="q" type="search" value={p.q} /></div>
        <div>
          <label for="state">Status</label>
          <select id="state" name="state">
            <option value="" selected={!p.state}>All</option>
            {(['draft', 'scheduled', 'published'] as const).map((s) => <option value={s} selected={p.state === s}>{STATE_LABEL[s]}</option>)}
          </select>
        </div>
        <div><button class="btn" type="submit">Find</button></div>
      </form>
      <p role="status">{p.total} {p.total === 1 ? 'article' : 'articles'}{p.q ? ` with “${p.q}” in the title` : ''}.</p>
      {p.rows.length ? (
        <div class="table-wrap" role="region" aria-label="Articles" tabIndex={0}>
          <table class="admin-table">
            <caption class="visually-hidden">Articles, most recently changed first</caption>
            <thead><tr><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Published / goes live</th><th scope="col">Issue, page</th><th scope="col">Changed</th></tr></thead>
            <tbody>
              {p.rows.map((r) => (
                <tr>
                  <td><a href={`/admin/articles/${r.id}/edit`}>{r.title}</a>{r.access === 'free' ? <span class="meta"> (free)</span> : null}</td>
                  <td><StateBadge state={r.state} /></td>
                  <td>{r.state === 'draft' ? '' : utc(r.publishedAt)}</td>
                  <td>{r.issue ? `${r.issue.year}-${String(r.issue.month).padStart(2, '0')}` : ''}{r.pageFirst != null ? `, p.${r.pageFirst}${r.pageLast && r.pageLast !== r.pageFirst ? `-${r.pageLast}` : ''}` : ''}</td>
                  <td>{utc(r.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p>No articles found.</p>}
      <Pager base={p.base} page={p.page} pages={p.pages} />
    </AdminPage>
  );
}

function fieldErr(errors: FieldError[], field: FieldError['field']): string | null {
  const e = errors.filter((x) => x.field === field).map((x) => x.message);
  return e.length ? e.join(' ') : null;
}

/** A labelled input with its hint and error tied to it (aria-describedby). */
function Field(props: { id: string; name: string; label: string; value: string; error?: string | null; hint?: string; type?: 'text' | 'url' | 'datetime-local' | 'email'; required?: boolean; extra?: Record<string, string | number | boolean> }) {
  const described = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      {props.error ? <p class="field-error" id={`${props.id}-err`}>{props.error}</p> : null}
      {/* eslint-disable-next-line @typescript-eslint/no-explicit-any -- preact types the input by its type attribute */}
      <input {...({ id: props.id, name: props.name, type: props.type ?? 'text', value: props.value, required: props.required, 'aria-invalid': props.error ? 'true' : undefined, 'aria-describedby': described, ...(props.extra ?? {}) } as any)} />
      {props.hint ? <p class="hint" id={`${props.id}-hint`}>{props.hint}</p> : null}
    </div>
  );
}

export function FindingsList({ findings, csrf, dismissAction, unavailable }: { findings: Finding[] | null; csrf: string; dismissAction: string | null; unavailable?: string }) {
  if (findings === null) return <p class="meta">{unavailable ?? 'The editorial checks are not available right now.'}</p>;
  if (findings.length === 0) return <p class="notice">No findings: the editorial checks found nothing to fix.</p>;
  return (
    <ul class="findings">
      {findings.map((f) => (
        <li data-rule={f.rule}>
          <p><span class="rule">{f.rule}</span>{f.line != null ? <span class="meta"> (line {f.line})</span> : null}: {f.message}</p>
          {f.excerpt ? <p>In: <q>{f.excerpt}</q></p> : null}
          {f.suggestion ? <p><strong>Suggestion:</strong> {f.suggestion}</p> : null}
          {dismissAction ? (
            <form method="post" action={dismissAction}>
              <Csrf token={csrf} />
              <input type="hidden" name="rule" value={f.rule} />
              <input type="hidden" name="excerpt" value={f.excerpt} />
              <button type="submit" class="btn small secondary" aria-label={`Dismiss ${f.rule}${f.excerpt ? `: ${f.excerpt.slice(0, 60)}` : ''}`}>Dismiss</button>
            </form>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export interface EditorPageProps {
  site: Site;
  staff: StaffUser;
  csrf: string;
  mode: 'new' | 'edit' | 'import';
  id: number | null;
  form: EditorForm;
  errors: FieldError[];
  preview: { html: string; words: number };
  findings: Finding[] | null;
  state: ListedState | null;
  notice?: string | null;
  error?: string | null;
  /** Import: the file and what the conversion noticed. */
  imported?: { file: string; warnings: string[]; slugNote: string | null };
  revisions?: number;
  publicUrl?: string | null;
}

export function EditorPage(p: EditorPageProps) {
  const f = p.form;
  const action = p.id ? `/admin/articles/${p.id}` : '/admin/articles';
  const title = p.mode === 'edit' ? `Edit: ${f.title || 'untitled'}` : p.mode === 'import' ? 'Import preview' : 'New article';
  const e = (k: FieldError['field']) => fieldErr(p.errors, k);
  const blocks = countBlocks(f.body);
  const marked = teaserBlocks(f.body);
  const sourceRows = [...f.sources, ...Array.from({ length: SPARE_SOURCE_ROWS }, () => ({ name: '', url: '' }))];
  const summary = p.errors.length ? (
    <div class="prompt alert" role="alert" id="error-summary">
      <h2>Not saved: {p.errors.length === 1 ? 'one thing needs' : `${p.errors.length} things need`} fixing</h2>
      <ul>{p.errors.map((x) => <li><a href={`#f-${x.field}`}>{x.message}</a></li>)}</ul>
    </div>
  ) : null;
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title={title} active={p.mode === 'import' ? 'import' : 'articles'} notice={p.notice} error={p.error} scripts={['/admin/assets/editor.js']}>
      <p class="crumbs"><a href="/admin/articles">Articles</a>{p.state ? <> · <StateBadge state={p.state} /></> : null}</p>
      <h1>{title}</h1>
      {p.imported ? (
        <div class="prompt">
          <p><strong>Nothing is saved yet.</strong> This is {p.imported.file} as it would be saved. Check it, fix what the editorial checks found, then save it (as a draft unless you choose otherwise), or <a href="/admin/import">cancel</a>.</p>
          {p.imported.slugNote ? <p>{p.imported.slugNote}</p> : null}
          {p.imported.warnings.length ? <details><summary>Conversion notes ({p.imported.warnings.length})</summary><ul>{p.imported.warnings.map((w) => <li>{w}</li>)}</ul></details> : null}
        </div>
      ) : null}
      {summary}
      {p.mode !== 'new' ? (
        <section aria-labelledby="checks-h" id="checks">
          <h2 id="checks-h">Editorial checks{p.findings && p.findings.length ? ` (${p.findings.length})` : ''}</h2>
          <FindingsList findings={p.findings} csrf={p.csrf} dismissAction={p.id ? `/admin/articles/${p.id}/dismiss` : null} unavailable={p.errors.length ? 'The checks run once the form has no errors.' : undefined} />
          {p.mode === 'import' && p.findings && p.findings.length ? <p class="meta">Fix these in the form below, or save and dismiss the ones that are not mistakes.</p> : null}
        </section>
      ) : null}
      {p.id ? (
        <p class="meta">
          Preview the saved version as <a href={`/admin/articles/${p.id}/view?as=anonymous`}>an anonymous reader</a> or <a href={`/admin/articles/${p.id}/view?as=subscriber`}>a subscriber</a>
          {' · '}<a href={`/admin/articles/${p.id}/revisions`}>Revisions{p.revisions ? ` (${p.revisions})` : ''}</a>
          {p.publicUrl ? <> · <a href={p.publicUrl}>Public page</a></> : null}
        </p>
      ) : null}
      <form method="post" action={action} class="editor-form" id="editor-form">
        <Csrf token={p.csrf} />
        <input type="hidden" name="base" value={f.base} />
        {p.mode === 'import' ? <input type="hidden" name="imported" value={p.imported?.file ?? ''} /> : null}
        <Field id="f-title" name="title" label="Title" value={f.title} error={e('title')} required />
        {p.mode === 'edit' ? (
          <p class="meta">Address: <code>/articles/{f.slug}</code> (fixed once saved)</p>
        ) : (
          <Field id="f-slug" name="slug" label="Address (slug)" value={f.slug} error={e('slug')} hint="The article's address: /articles/this-part. Leave empty to make one from the title." />
        )}
        <Field id="f-dek" name="dek" label="Dek (standfirst, optional)" value={f.dek} error={e('dek')} />
        <div class="editor">
          <div>
            <label for="f-body">Text (Markdown)</label>
            {e('body') ? <p class="field-error" id="f-body-err">{e('body')}</p> : null}
            <textarea id="f-body" name="body" rows={24} required aria-invalid={e('body') ? 'true' : undefined} aria-describedby={`f-body-hint${e('body') ? ' f-body-err' : ''}`} data-preview="/admin/preview">{f.body}</textarea>
            <p class="hint" id="f-body-hint">A blank line starts a new paragraph. **bold**, *italic*, [link text](https://…), # heading. Print citations such as [See: PLN, Mar. 2025, p.45.] link themselves. A line <code>&lt;!--more--&gt;</code> marks where the teaser ends.</p>
          </div>
          <section class="preview-col" aria-labelledby="preview-h">
            <h2 id="preview-h" class="h-small">Preview <span class="meta" id="preview-words">({p.preview.words} words)</span></h2>
            <div class="preview-pane" id="preview" dangerouslySetInnerHTML={{ __html: p.preview.html }} />
          </section>
        </div>
        <div>
          <label for="f-teaser">Teaser (what readers without access see)</label>
          <select id="f-teaser" name="teaser" aria-describedby="f-teaser-hint">
            <option value="" selected={f.teaser === ''}>{marked !== null ? `As marked in the text (the first ${marked} ${marked === 1 ? 'block' : 'blocks'})` : 'The first paragraph (no marker in the text)'}</option>
            {Array.from({ length: Math.min(blocks, 12) }, (_, i) => i + 1).map((n) => <option value={String(n)} selected={f.teaser === String(n)}>{`The first ${n} ${n === 1 ? 'paragraph' : 'paragraphs'}`}</option>)}
          </select>
          <p class="hint" id="f-teaser-hint">Choosing a number puts the teaser marker after that paragraph when you save or preview.</p>
        </div>
        <div class="field-row">
          <Field id="f-authors" name="authors" label="Authors" value={f.authors} hint="Separate names with commas." />
          <Field id="f-topics" name="topics" label="Topics" value={f.topics} hint="Such as Prison Conditions, Medical Care." />
          <Field id="f-places" name="places" label="States and countries" value={f.places} hint="Such as Texas, El Salvador (or TX)." />
        </div>
        <fieldset class="source-rows" id="f-sources" aria-describedby={e('sources') ? 'f-sources-err' : undefined}>
          <legend>Sources</legend>
          {e('sources') ? <p class="field-error" id="f-sources-err">{e('sources')}</p> : null}
          {sourceRows.map((s, i) => (
            <div class="field-row">
              <div>
                <label for={`f-source-name-${i}`}>Source {i + 1}: name</label>
                <input id={`f-source-name-${i}`} name={`source_name_${i}`} value={s.name} />
              </div>
              <div>
                <label for={`f-source-url-${i}`}>Source {i + 1}: web address (optional)</label>
                <input id={`f-source-url-${i}`} name={`source_url_${i}`} type="url" value={s.url} placeholder="https://" />
              </div>
            </div>
          ))}
          <p class="hint">More rows appear after you save or preview.</p>
        </fieldset>
        <div class="field-row">
          <div>
            <label for="f-access">Access</label>
            <select id="f-access" name="access">
              <option value="premium" selected={f.access === 'premium'}>Premium (subscribers read it in full)</option>
              <option value="free" selected={f.access === 'free'}>Free (everyone reads it in full)</option>
            </select>
          </div>
          <Field id="f-issue" name="issue" label="Print issue (YYYY-MM)" value={f.issue} error={e('issue')} extra={{ pattern: '[0-9]{4}-[0-9]{1,2}', placeholder: '2025-03', inputMode: 'numeric' }} />
          <Field id="f-pageFirst" name="page_first" label="First page" value={f.pageFirst} error={e('pageFirst')} extra={{ inputMode: 'numeric', pattern: '[0-9]*' }} />
          <Field id="f-pageLast" name="page_last" label="Last page (if more than one)" value={f.pageLast} error={e('pageLast')} extra={{ inputMode: 'numeric', pattern: '[0-9]*' }} />
        </div>
        <fieldset id="f-status" aria-describedby={e('status') ? 'f-status-err' : undefined}>
          <legend>Status</legend>
          {e('status') ? <p class="field-error" id="f-status-err">{e('status')}</p> : null}
          {([['draft', 'Draft: only staff can see it'], ['scheduled', 'Scheduled: goes live at the time below'], ['published', 'Published: live now (or at the time below, if it has passed)']] as const).map(([v, label]) => (
            <div class="radio"><input type="radio" id={`f-status-${v}`} name="status" value={v} checked={f.status === v} /> <label for={`f-status-${v}`}>{label}</label></div>
          ))}
          <Field id="f-publishAt" name="publish_at" type="datetime-local" label="Publication time (UTC)" value={f.publishAt} error={e('publishAt')} hint="Universal time (UTC). Empty with Published: now." extra={{ step: 1 }} />
        </fieldset>
        <Field id="f-note" name="note" label="What changed (optional, for the revision history)" value={f.note} />
        <div class="actions">
          <button class="btn" type="submit" name="action" value="save">{p.mode === 'edit' ? 'Save' : p.mode === 'import' ? 'Save imported article' : 'Save new article'}</button>
          <button class="btn secondary" type="submit" name="action" value="preview">Preview and check</button>
          <a href={p.mode === 'import' ? '/admin/import' : p.id ? `/admin/articles/${p.id}/edit` : '/admin/articles'}>{p.mode === 'import' ? 'Cancel import' : 'Cancel'}</a>
        </div>
      </form>
    </AdminPage>
  );
}

export function ImportPage(p: { site: Site; staff: StaffUser; csrf: string; error?: string | null; maxMb: number }) {
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="Import" active="import" error={p.error}>
      <h1>Import an article</h1>
      <p>Upload one file: plain text as on the old website (title on the first line, a paragraph per line, an optional <code>Sources: A, B</code> line), Markdown with front matter (<code>.md</code>), or a Word document (<code>.docx</code>). You will see it with the editorial checks before anything is saved.</p>
      <form method="post" action="/admin/import" enctype="multipart/form-data">
        <Csrf token={p.csrf} />
        <label for="file">File (.txt, .md or .docx; at most {p.maxMb} MB)</label>
        <input id="file" name="file" type="file" accept=".txt,.md,.markdown,.docx,text/plain,text/markdown,application/vnd.openxmlformats-officedocument.wordprocessingml.document" required />
        <button class="btn" type="submit">Upload and preview</button>
      </form>
      <h2>Or paste text</h2>
      <form method="post" action="/admin/import/text">
        <Csrf token={p.csrf} />
        <label for="format">Format</label>
        <select id="format" name="format">
          <option value="txt">Plain text (as on the old website)</option>
          <option value="md">Markdown with front matter</option>
        </select>
        <label for="text">Text</label>
        <textarea id="text" name="text" rows={12} required />
        <button class="btn" type="submit">Preview</button>
      </form>
    </AdminPage>
  );
}

function Json({ value }: { value: unknown }) {
  return <pre>{JSON.stringify(value, null, 2)}</pre>;
}

export interface RevisionChange {
  field: string;
  before: string;
  after: string;
}

export function RevisionsPage(p: { site: Site; staff: StaffUser; csrf: string; id: number; title: string; revisions: Omit<RevisionRow, 'snapshot'>[]; notice?: string | null }) {
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title={`Revisions: ${p.title}`} active="articles" notice={p.notice}>
      <p class="crumbs"><a href="/admin/articles">Articles</a> › <a href={`/admin/articles/${p.id}/edit`}>{p.title}</a></p>
      <h1>Revisions</h1>
      <p>Every save is kept. Open one to see what it changed, or to restore it.</p>
      {p.revisions.length ? (
        <ol class="revisions" reversed>
          {p.revisions.map((r, i) => (
            <li>
              <a href={`/admin/articles/${p.id}/revisions/${r.id}`}>{utc(r.createdAt)}</a> by {r.userEmail}{r.note ? `: ${r.note}` : ''}{i === 0 ? <span class="meta"> (current)</span> : null}
            </li>
          ))}
        </ol>
      ) : <p>No revisions yet (the article was saved before the editor kept them).</p>}
    </AdminPage>
  );
}

export function DiffView({ parts }: { parts: { value: string; added?: boolean; removed?: boolean }[] }) {
  return (
    <div class="diff">
      {parts.map((x) => (x.added ? <ins>{x.value}</ins> : x.removed ? <del>{x.value}</del> : <span>{x.value}</span>))}
    </div>
  );
}

export function RevisionPage(p: { site: Site; staff: StaffUser; csrf: string; id: number; title: string; rev: Omit<RevisionRow, 'snapshot'>; against: 'previous' | 'current'; againstLabel: string; fieldChanges: RevisionChange[]; bodyDiff: { value: string; added?: boolean; removed?: boolean }[] | null; isLatest: boolean; children?: ComponentChildren }) {
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title={`Revision ${p.rev.id}: ${p.title}`} active="articles">
      <p class="crumbs"><a href="/admin/articles">Articles</a> › <a href={`/admin/articles/${p.id}/edit`}>{p.title}</a> › <a href={`/admin/articles/${p.id}/revisions`}>Revisions</a></p>
      <h1>Revision of {utc(p.rev.createdAt)}</h1>
      <p>Saved by {p.rev.userEmail}{p.rev.note ? `: ${p.rev.note}` : ''}.</p>
      <p>
        Showing changes {p.againstLabel}.{' '}
        {p.against === 'previous'
          ? <a href={`/admin/articles/${p.id}/revisions/${p.rev.id}?against=current`}>Compare with the current version</a>
          : <a href={`/admin/articles/${p.id}/revisions/${p.rev.id}`}>Show what this revision changed</a>}
      </p>
      <h2>Fields</h2>
      {p.fieldChanges.length ? (
        <div class="table-wrap" role="region" aria-label="Changed fields" tabIndex={0}>
          <table class="admin-table">
            <thead><tr><th scope="col">Field</th><th scope="col">{p.against === 'previous' ? 'Before' : 'This revision'}</th><th scope="col">{p.against === 'previous' ? 'After' : 'Current'}</th></tr></thead>
            <tbody>{p.fieldChanges.map((c) => <tr><th scope="row">{c.field}</th><td><del>{c.before || '—'}</del></td><td><ins>{c.after || '—'}</ins></td></tr>)}</tbody>
          </table>
        </div>
      ) : <p>No field changed.</p>}
      <h2>Text</h2>
      {p.bodyDiff ? <DiffView parts={p.bodyDiff} /> : <p>The text did not change.</p>}
      {!p.isLatest || p.against === 'current' ? (
        <form method="post" action={`/admin/articles/${p.id}/revisions/${p.rev.id}/restore`} class="spaced">
          <Csrf token={p.csrf} />
          <p>Restoring brings back this revision's text and fields as a new save; the status and publication time stay as they are now.</p>
          <button class="btn" type="submit">Restore this revision</button>
        </form>
      ) : null}
      {p.children}
    </AdminPage>
  );
}

export { Json };
