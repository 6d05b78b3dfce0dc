import { h, type ComponentChildren, type FunctionComponent, type VNode } from 'preact';

// Charts drawn on the server as SVG, for the admin dashboard: no script, no inline style (the
// CSP forbids both; colours and lines are SVG presentation attributes). Each chart is a figure
// whose SVG is an image with a title and a description (role="img", aria-labelledby), followed by
// the same figures as a table, so screen readers, text browsers and print all get the numbers.
// Series differ by colour, dash pattern and marker shape, never by colour alone.

export interface Series {
  name: string;
  values: number[];
}

export interface ChartInput {
  /** Unique on the page: ids of the title, description and table derive from it. */
  id: string;
  title: string;
  /** A sentence saying what the chart shows, with its key figures. */
  description: string;
  /** One label per value (months, say). */
  labels: string[];
  series: Series[];
  /** Unit for the table header and axis, e.g. "subscribers". */
  unit: string;
  /** Header of the table's first column (default "Month"). */
  rowHeader?: string;
  /** Links for the rows of the table (one per label), e.g. to the articles ranked. */
  links?: (string | null)[];
  /** Show the table open (when it is the way to the items, e.g. their links). */
  open?: boolean;
}

/** el() with loose types: SVG attributes by their SVG names. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function el(tag: string | FunctionComponent<any>, props: Record<string, unknown> | null, ...children: ComponentChildren[]): VNode {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return h(tag as any, props as any, ...(children as any[])) as VNode;
}

const W = 640;
const H = 260;
const M = { top: 16, right: 32, bottom: 40, left: 48 };
/** Dark enough on white (≥ 4.5:1) to read as text too. */
const COLOURS = ['#1d4ed8', '#8a1c1c', '#1f6f34', '#6b21a8'];
const DASHES = [undefined, '6 4', '2 3', '10 3 2 3'];

/** A round step for an axis up to `max` with about `ticks` steps. */
export function niceStep(max: number, ticks = 4): number {
  if (max <= 0) return 1;
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return Math.max(1, nice * pow);
}

function axisMax(values: number[]): { max: number; step: number } {
  const top = Math.max(0, ...values);
  const step = niceStep(top);
  return { max: Math.max(step, Math.ceil(top / step) * step), step };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function marker(i: number, x: number, y: number, colour: string): VNode {
  const shape = i % 3;
  if (shape === 0) return el('circle', { cx: x, cy: y, r: 3.5, fill: colour });
  if (shape === 1) return el('rect', { x: x - 3.5, y: y - 3.5, width: 7, height: 7, fill: colour });
  return el('path', { d: `M${x} ${y - 4.5}L${x + 4.5} ${y + 3.5}L${x - 4.5} ${y + 3.5}Z`, fill: colour });
}

function grid(max: number, step: number, plotW: number, plotH: number): VNode[] {
  const out: VNode[] = [];
  for (let v = 0; v <= max; v += step) {
    const y = M.top + plotH - (v / max) * plotH;
    out.push(el('line', { x1: M.left, x2: M.left + plotW, y1: y, y2: y, stroke: v === 0 ? '#1a1a1a' : '#d9d4c7', 'stroke-width': 1 }));
    out.push(el('text', { x: M.left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#595959' }, fmt(v)));
  }
  return out;
}

function xLabels(labels: string[], xAt: (i: number) => number): VNode[] {
  const every = Math.max(1, Math.ceil(labels.length / 12));
  return labels.map((l, i) => (i % every === 0 || i === labels.length - 1
    ? el('text', { x: xAt(i), y: H - M.bottom + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#595959' }, l)
    : null)).filter((x): x is VNode => x !== null);
}

function Legend({ series }: { series: Series[] }): VNode | null {
  if (series.length < 2) return null;
  return el('ul', { class: 'inline-list chart-legend' }, series.map((s, i) => el('li', null,
    el('svg', { width: 28, height: 12, viewBox: '0 0 28 12', 'aria-hidden': 'true', focusable: 'false' },
      el('line', { x1: 1, x2: 27, y1: 6, y2: 6, stroke: COLOURS[i % COLOURS.length], 'stroke-width': 2.5, 'stroke-dasharray': DASHES[i % DASHES.length] }),
      marker(i, 14, 6, COLOURS[i % COLOURS.length])),
    ` ${s.name}`)));
}

function DataTable({ c }: { c: ChartInput }): VNode {
  return el('details', { class: 'chart-data', open: c.open || undefined },
    el('summary', null, `${c.title}: the figures as a table`),
    el('div', { class: 'table-wrap' },
      el('table', { class: 'admin-table', id: `${c.id}-table` },
        el('caption', { class: 'visually-hidden' }, c.title),
        el('thead', null, el('tr', null, el('th', { scope: 'col' }, c.rowHeader ?? 'Month'), ...c.series.map((s) => el('th', { scope: 'col', class: 'nowrap' }, c.series.length > 1 ? s.name : c.unit)))),
        el('tbody', null, c.labels.map((l, i) => el('tr', null, el('th', { scope: 'row' }, c.links?.[i] ? el('a', { href: c.links[i] }, l) : l), ...c.series.map((s) => el('td', { class: 'nowrap' }, fmt(s.values[i] ?? 0)))))))));
}

function Figure({ c, children }: { c: ChartInput; children: VNode[] }): VNode {
  return el('figure', { class: 'chart', id: c.id },
    el('svg', {
      role: 'img', 'aria-labelledby': `${c.id}-title ${c.id}-desc`, viewBox: `0 0 ${W} ${H}`, width: '100%', preserveAspectRatio: 'xMidYMid meet',
      xmlns: 'http://www.w3.org/2000/svg', focusable: 'false',
    },
    el('title', { id: `${c.id}-title` }, c.title),
    el('desc', { id: `${c.id}-desc` }, c.description),
    ...children),
    el('figcaption', null, el(Legend, { series: c.series }), el(DataTable, { c })));
}

/** Lines over time, one per series (e.g. subscribers by plan per month). */
export function lineChart(c: ChartInput): VNode {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const { max, step } = axisMax(c.series.flatMap((s) => s.values));
  const n = c.labels.length;
  const xAt = (i: number) => M.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const yAt = (v: number) => M.top + plotH - (v / max) * plotH;
  const lines = c.series.flatMap((s, si) => {
    const colour = COLOURS[si % COLOURS.length];
    const d = s.values.map((v, i) => `${i === 0 ? 'M' : 'L'}${xAt(i).toFixed(1)} ${yAt(v).toFixed(1)}`).join('');
    return [
      el('path', { d, fill: 'none', stroke: colour, 'stroke-width': 2.5, 'stroke-dasharray': DASHES[si % DASHES.length], 'stroke-linejoin': 'round' }),
      ...s.values.map((v, i) => marker(si, xAt(i), yAt(v), colour)),
    ];
  });
  return el(Figure, { c, children: [...grid(max, step, plotW, plotH), ...xLabels(c.labels, xAt), ...lines] });
}

/** Vertical bars, one series (e.g. articles per month). */
export function barChart(c: ChartInput): VNode {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const values = c.series[0]?.values ?? [];
  const { max, step } = axisMax(values);
  const n = Math.max(1, c.labels.length);
  const slot = plotW / n;
  const barW = Math.max(2, slot * 0.7);
  const xAt = (i: number) => M.left + slot * i + slot / 2;
  const bars = values.map((v, i) => {
    const y = M.top + plotH - (v / max) * plotH;
    return el('g', null,
      el('rect', { x: xAt(i) - barW / 2, y, width: barW, height: Math.max(0, M.top + plotH - y), fill: COLOURS[0] }),
      v > 0 && n <= 24 ? el('text', { x: xAt(i), y: y - 4, 'text-anchor': 'middle', 'font-size': 11, fill: '#1a1a1a' }, fmt(v)) : null);
  });
  return el(Figure, { c, children: [...grid(max, step, plotW, plotH), ...xLabels(c.labels, xAt), ...bars] });
}

/** Horizontal bars with their labels, for rankings (e.g. most-read articles). */
export function rankChart(c: { id: string; title: string; description: string; items: { label: string; value: number; href?: string }[]; unit: string; open?: boolean }): VNode {
  const rowH = 26;
  const labelW = 0;
  const height = Math.max(rowH, c.items.length * rowH) + 8;
  const { max } = axisMax(c.items.map((i) => i.value));
  const plotW = W - 80 - labelW;
  const chart: ChartInput = { id: c.id, title: c.title, description: c.description, labels: c.items.map((i) => i.label), series: [{ name: c.unit, values: c.items.map((i) => i.value) }], unit: c.unit, rowHeader: 'Article', links: c.items.map((i) => i.href ?? null), open: c.open };
  return el('figure', { class: 'chart', id: c.id },
    el('svg', { role: 'img', 'aria-labelledby': `${c.id}-title ${c.id}-desc`, viewBox: `0 0 ${W} ${height}`, width: '100%', xmlns: 'http://www.w3.org/2000/svg', focusable: 'false' },
      el('title', { id: `${c.id}-title` }, c.title),
      el('desc', { id: `${c.id}-desc` }, c.description),
      ...c.items.map((it, i) => {
        const y = 4 + i * rowH;
        const w = (it.value / max) * plotW;
        const text = it.label.length > 70 ? `${it.label.slice(0, 69)}…` : it.label;
        return el('g', null,
          el('rect', { x: labelW, y: y + 14, width: Math.max(1, w), height: 8, fill: COLOURS[0] }),
          el('text', { x: labelW, y: y + 11, 'font-size': 12, fill: '#1a1a1a' }, text),
          el('text', { x: labelW + Math.max(1, w) + 6, y: y + 22, 'font-size': 11, fill: '#595959' }, fmt(it.value)));
      })),
    el('figcaption', null, el(DataTable, { c: chart })));
}
