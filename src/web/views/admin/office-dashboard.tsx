import type { Site } from '../layout.tsx';
import { AdminPage, type StaffUser } from '../../admin/shell.tsx';
import type { MostRead, SubscriberPoint } from '../../../store/office.ts';
import { barChart, lineChart, rankChart } from '../../../admin/charts.ts';
import { plural, utc, OfficeStyles } from './office-parts.tsx';

// The admin home: the office's figures at a glance, drawn on the server (SVG charts with their
// data tables), readable without JavaScript.

export interface DashboardProps {
  site: Site;
  staff: StaffUser;
  csrf: string;
  subscribers: SubscriberPoint[];
  perMonth: { month: string; articles: number }[];
  mostRead: MostRead[];
  mostReadDays: number;
  /** null: searches that found nothing are not recorded (yet) on this installation. */
  misses: { query: string; count: number; lastAt: string }[] | null;
  next: { label: string; href: string | null };
}

function monthLabel(m: string): string {
  const [y, mm] = m.split('-').map(Number);
  return `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][mm - 1]} ${String(y).slice(2)}`;
}

export function DashboardPage(p: DashboardProps) {
  const now = p.subscribers.at(-1) ?? { digital: 0, printDigital: 0, month: '' };
  const first = p.subscribers[0] ?? now;
  const labels = p.subscribers.map((s) => monthLabel(s.month));
  const total = p.perMonth.reduce((a, b) => a + b.articles, 0);
  const isAdmin = p.staff.role === 'admin';
  return (
    <AdminPage site={p.site} staff={p.staff} csrf={p.csrf} title="Dashboard" active="dashboard">
      <OfficeStyles />
      <h1>Dashboard</h1>
      <ul class="inline-list facts-line">
        <li><strong>{plural(now.digital + now.printDigital, 'subscription')}</strong> in force ({now.printDigital.toLocaleString('en-US')} print + digital, {now.digital.toLocaleString('en-US')} digital)</li>
        <li>Next issue: {p.next.href ? <a href={p.next.href}>{p.next.label}</a> : p.next.label}</li>
        {isAdmin ? <li><a href="/admin/subscribers/mailing">Mailing list and renewals</a></li> : null}
      </ul>

      <section aria-labelledby="subs-h">
        <h2 id="subs-h">Subscribers over time, by plan</h2>
        {lineChart({
          id: 'chart-subscribers',
          title: 'Subscribers by plan at the end of each month',
          description: `Over the last ${p.subscribers.length} months, print + digital subscribers went from ${first.printDigital} to ${now.printDigital}, digital subscribers from ${first.digital} to ${now.digital}.`,
          labels, unit: 'subscribers',
          series: [
            { name: 'Print + digital', values: p.subscribers.map((s) => s.printDigital) },
            { name: 'Digital', values: p.subscribers.map((s) => s.digital) },
          ],
        })}
      </section>

      <section aria-labelledby="articles-h">
        <h2 id="articles-h">Articles published per month</h2>
        {barChart({
          id: 'chart-articles',
          title: 'Articles published per month',
          description: `${plural(total, 'article')} published in the last ${p.perMonth.length} months; the most in one month: ${Math.max(0, ...p.perMonth.map((m) => m.articles))}.`,
          labels: p.perMonth.map((m) => monthLabel(m.month)), unit: 'articles',
          series: [{ name: 'Articles', values: p.perMonth.map((m) => m.articles) }],
        })}
      </section>

      <section aria-labelledby="read-h">
        <h2 id="read-h">Most read in the last {p.mostReadDays} days</h2>
        {p.mostRead.length ? (
          <>
            {rankChart({
              id: 'chart-most-read',
              title: `Most-read articles, last ${p.mostReadDays} days`,
              description: `The most read: “${p.mostRead[0].title}” with ${plural(p.mostRead[0].views, 'view')}.`,
              items: p.mostRead.map((a) => ({ label: a.title, value: a.views, href: `/articles/${encodeURIComponent(a.slug)}` })), unit: 'views', open: true,
            })}
          </>
        ) : <p>No article has been read in this period yet.</p>}
      </section>

      <section aria-labelledby="misses-h">
        <h2 id="misses-h">Searches that found nothing</h2>
        {p.misses === null ? <p>Searches that find nothing are not recorded on this installation yet.</p>
          : p.misses.length === 0 ? <p>None recorded: every search found something.</p> : (
            <div class="table-wrap">
              <table class="admin-table" id="search-misses">
                <caption class="visually-hidden">Searches that found nothing, most frequent first</caption>
                <thead><tr><th scope="col">Search</th><th scope="col">Times</th><th scope="col">Last</th></tr></thead>
                <tbody>
                  {p.misses.map((m) => <tr><td><a href={`/search?q=${encodeURIComponent(m.query)}`}>{m.query}</a></td><td>{m.count.toLocaleString('en-US')}</td><td>{utc(m.lastAt)}</td></tr>)}
                </tbody>
              </table>
            </div>
          )}
        {p.misses && p.misses.length ? <p class="meta">Readers looked for these and found nothing: topics to cover, or words to add to articles’ topics and sources.</p> : null}
      </section>
    </AdminPage>
  );
}
