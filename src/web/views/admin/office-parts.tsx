import type { ComponentChildren } from 'preact';

// Small pieces shared by the office's admin pages (issues, subscribers, institutions, gift codes,
// dashboard), and their few styles.

/** The office pages' styles, served at OFFICE_CSS_URL (the admin CSP allows stylesheets from the site only). */
export const OFFICE_CSS = `
.chart{margin:0 0 1.5rem;max-width:46rem}
.chart>svg{display:block;width:100%;height:auto}
.chart figcaption{font-size:.9rem}
.chart-legend{margin:.25rem 0 .5rem}
.chart-legend svg{display:inline-block;width:28px;height:12px;vertical-align:middle}
.chart-data summary{cursor:pointer;padding:.25rem 0}
.chart-data table{margin-top:.25rem}
.office-cover{max-width:100%;height:auto;border:1px solid var(--rule)}
.field-error{color:var(--accent);margin:.25rem 0}
.facts-line{margin:0 0 1.25rem;font-size:1rem}
td.nowrap,th.nowrap{white-space:nowrap}
.ranges li{margin:.25rem 0}
`.trim();

export const OFFICE_CSS_URL = '/admin/office.css';

/** The office stylesheet (a stylesheet link may stand in the body; the admin layout has no slot for it in the head). */
export function OfficeStyles() {
  return <link rel="stylesheet" href={OFFICE_CSS_URL} />;
}

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export function utc(iso: string | null | undefined): string {
  return iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '';
}

export function day(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '';
}

/** A labelled input with its hint and error tied to it (aria-describedby). */
export function Field(props: {
  id: string; name: string; label: string; value: string | number | null | undefined; error?: string | null; hint?: ComponentChildren;
  type?: 'text' | 'email' | 'number' | 'date' | 'search' | 'month'; required?: boolean; min?: number; max?: number; maxLength?: number; autocomplete?: string;
}) {
  const described = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      {props.error ? <p class="field-error" id={`${props.id}-err`}><strong>{props.error}</strong></p> : null}
      {/* preact types an input by its type attribute: the attributes are passed as one object */}
      <input {...({
        id: props.id, name: props.name, type: props.type ?? 'text', value: props.value == null ? '' : String(props.value), required: props.required,
        min: props.min, max: props.max, maxLength: props.maxLength, autocomplete: props.autocomplete,
        'aria-invalid': props.error ? 'true' : undefined, 'aria-describedby': described,
      } as Record<string, unknown>)} />
      {props.hint ? <p class="hint" id={`${props.id}-hint`}>{props.hint}</p> : null}
    </div>
  );
}

export function Select<T extends string>(props: { id: string; name: string; label: string; value: T | null | ''; options: { value: T | ''; label: string }[]; hint?: string }) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.name} aria-describedby={props.hint ? `${props.id}-hint` : undefined}>
        {props.options.map((o) => <option value={o.value} selected={(props.value ?? '') === o.value}>{o.label}</option>)}
      </select>
      {props.hint ? <p class="hint" id={`${props.id}-hint`}>{props.hint}</p> : null}
    </div>
  );
}

/** Problems listed at the top of a form that was not accepted. */
export function ErrorList({ title, errors }: { title: string; errors: string[] }) {
  if (!errors.length) return null;
  return (
    <div class="prompt alert" role="alert" id="error-summary">
      <h2>{title}</h2>
      <ul>{errors.map((e) => <li>{e}</li>)}</ul>
    </div>
  );
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
