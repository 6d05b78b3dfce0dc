import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB, Plan, RateClass } from '../../../store/schema.ts';
import { audit, requireStaff, sendAdmin, staffState, type StaffUser } from '../../admin/shell.tsx';
import {
  EMPTY_PROFILE_FORM, ImportCsvPage, MailingPage, NewSubscriberPage, SubscriberListPage, SubscriberPage, type ProfileForm,
} from '../../views/admin/office-subscribers.tsx';
import {
  FIELD_MAX, PLANS, RATE_CLASSES, cleanText, createSubscriber, endOfDay, endingWith, extendSubscription, getSubscriber, grantSubscription, hasAddress,
  isPlaceholderEmail, labelLines, lastDay, mailingInstant, printSubscribers, revokeSubscription, searchSubscribers, subscriberSnapshot, updateSubscriber,
  type Profile, type Subscriber, type SubscriberInput,
} from '../../../store/office-subscribers.ts';
import { CsvImportError, MAX_CSV_BYTES, exportSubscribersCsv, parseSubscribersCsv, applySubscriberRows } from '../../../store/office-csv.ts';
import { issueKey, issueName, listAdminIssues, nextIssueMonth, parseIssueKey } from '../../../store/office.ts';
import { labelsPdf } from '../../../admin/labels-pdf.ts';
import { InputError } from '../../../domain/types.ts';
import { pageParam } from '../../app.ts';
import { bodyOf, doneNotice, idParam, pageBase, str, type Body } from './office-common.ts';

// Subscribers in the admin (administrators only): search, view, grant, extend, revoke, rate class
// and notes, the mailing address for print; CSV import (all or nothing) and export; the print
// mailing list of an issue as CSV and as a PDF of labels; the subscriptions that end with it.
// Every change is written together with its audit record, in one transaction.

const PER_PAGE = 50;

const NOTICES: Record<string, string> = {
  created: 'The subscriber is created.',
  saved: 'The details are saved.',
  granted: 'The subscription is granted.',
  extended: 'The subscription is extended.',
  revoked: 'The subscription is revoked: access ends now.',
};

const PROFILE_KEYS: (keyof Profile)[] = ['prisonerNumber', 'facility', 'addressLine1', 'addressLine2', 'city', 'state', 'postalCode', 'country', 'notes'];
const FIELD_LABEL: Record<keyof Profile | 'name', string> = {
  name: 'The name', notes: 'The notes', prisonerNumber: 'The prisoner number', facility: 'The facility', addressLine1: 'The address', addressLine2: 'The second address line',
  city: 'The city', state: 'The state', postalCode: 'The postal code', country: 'The country',
};

function readProfileForm(b: Body): ProfileForm {
  const f = { ...EMPTY_PROFILE_FORM };
  for (const k of Object.keys(f) as (keyof ProfileForm)[]) f[k] = str(b, k);
  return f;
}

function formOf(s: Subscriber): ProfileForm {
  const f: ProfileForm = { ...EMPTY_PROFILE_FORM, email: isPlaceholderEmail(s.email) ? '' : s.email, name: s.name ?? '', rateClass: s.rateClass ?? '' };
  for (const k of PROFILE_KEYS) f[k] = s.profile[k] ?? '';
  return f;
}

function checkProfile(f: ProfileForm): { input: SubscriberInput; errors: string[] } {
  const errors: string[] = [];
  const take = (k: keyof Profile | 'name', multiline = false): string | null => {
    try {
      return cleanText(f[k], FIELD_MAX[k], FIELD_LABEL[k], multiline);
    } catch (err) {
      if (err instanceof InputError) errors.push(`${err.message}.`);
      return null;
    }
  };
  const profile = {} as Profile;
  for (const k of PROFILE_KEYS) profile[k] = take(k, k === 'notes');
  const name = take('name');
  let rateClass: RateClass | null = null;
  if (f.rateClass) {
    if ((RATE_CLASSES as string[]).includes(f.rateClass)) rateClass = f.rateClass as RateClass;
    else errors.push(`The rate class must be one of ${RATE_CLASSES.join(', ')}.`);
  }
  return { input: { name, rateClass, profile }, errors };
}

function planOf(s: string): Plan | null {
  return (PLANS as string[]).includes(s) ? (s as Plan) : null;
}

export const officeSubscriberRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const db = ctx.store.db;

  async function subscriberPage(req: FastifyRequest, reply: FastifyReply, staff: StaffUser, s: Subscriber, o: { form?: ProfileForm; errors?: string[]; grant?: { plan: string; until: string; note: string }; grantErrors?: string[]; error?: string | null; status?: number } = {}) {
    return sendAdmin(reply, SubscriberPage({
      ...pageBase(req, reply, staff), s, form: o.form ?? formOf(s), errors: o.errors ?? [], grant: o.grant ?? { plan: '', until: '', note: '' },
      grantErrors: o.grantErrors ?? [], notice: doneNotice(req, NOTICES), error: o.error ?? null, now: new Date().toISOString(),
    }), o.status ?? 200);
  }

  async function load(req: FastifyRequest, reply: FastifyReply, staff: StaffUser): Promise<Subscriber | null> {
    const id = idParam((req.params as { id?: string }).id);
    const s = id === null ? null : await getSubscriber(db, id);
    if (!s) {
      const { items, total } = await searchSubscribers(db, { limit: PER_PAGE, offset: 0 });
      await sendAdmin(reply, SubscriberListPage({ ...pageBase(req, reply, staff), items, total, q: '', rateClass: null, status: null, page: 1, pages: Math.max(1, Math.ceil(total / PER_PAGE)), base: '/admin/subscribers', error: 'There is no subscriber with that number.' }), 404);
    }
    return s;
  }

  app.get('/admin/subscribers', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const qs = req.query as Record<string, string | undefined>;
    const q = typeof qs.q === 'string' ? qs.q.slice(0, 200) : '';
    const rateClass = (RATE_CLASSES as string[]).includes(qs.rate ?? '') ? (qs.rate as RateClass) : null;
    const status = qs.status === 'active' || qs.status === 'expired' || qs.status === 'none' ? qs.status : null;
    const page = pageParam(qs);
    const { items, total } = await searchSubscribers(db, { q, rateClass, status, limit: PER_PAGE, offset: (page - 1) * PER_PAGE });
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (rateClass) params.set('rate', rateClass);
    if (status) params.set('status', status);
    const base = `/admin/subscribers${params.size ? `?${params}` : ''}`;
    return sendAdmin(reply, SubscriberListPage({ ...pageBase(req, reply, staff), items, total, q, rateClass, status, page, pages: Math.max(1, Math.ceil(total / PER_PAGE)), base }));
  });

  app.get('/admin/subscribers/new', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    return sendAdmin(reply, NewSubscriberPage({ ...pageBase(req, reply, staff), form: EMPTY_PROFILE_FORM, errors: [] }));
  });

  app.post('/admin/subscribers/new', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const form = readProfileForm(bodyOf(req));
    const { input, errors } = checkProfile(form);
    const plan = form.plan ? planOf(form.plan) : null;
    if (form.plan && !plan) errors.push('Choose a plan from the list.');
    if (plan && !form.until) errors.push('A subscription needs its last day of access.');
    if (!plan && form.until) errors.push('Choose the plan of the subscription, or leave its date empty.');
    if (errors.length) return sendAdmin(reply, NewSubscriberPage({ ...pageBase(req, reply, staff), form, errors }), 400);
    try {
      const id = await db.transaction().execute(async (trx: Kysely<DB>) => {
        const user = await createSubscriber(trx, { ...input, email: form.email.trim() || null });
        await audit(ctx, req, { action: 'subscriber.create', entity: 'subscriber', entityId: user.id, before: null, after: subscriberSnapshot({ email: user.email, ...input }) }, trx);
        if (plan) {
          const granted = await grantSubscription(trx, user.id, { plan, until: form.until, note: null });
          await audit(ctx, req, { action: 'subscription.grant', entity: 'subscriber', entityId: user.id, before: null, after: granted }, trx);
        }
        return user.id;
      });
      return reply.redirect(`/admin/subscribers/${id}?done=created`, 303);
    } catch (err) {
      if (err instanceof InputError) return sendAdmin(reply, NewSubscriberPage({ ...pageBase(req, reply, staff), form, errors: [`${err.message}.`] }), 400);
      throw err;
    }
  });

  app.get('/admin/subscribers/export.csv', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const { csv, rows } = await exportSubscribersCsv(db);
    await audit(ctx, req, { action: 'subscribers.export', entity: 'subscriber', entityId: null, before: null, after: { what: 'all readers (CSV)', rows } });
    return reply.type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="subscribers-${new Date().toISOString().slice(0, 10)}.csv"`)
      .send(`\uFEFF${csv}`);
  });

  // ---------------------------------------------------------------- the print mailing

  async function mailingIssue(req: FastifyRequest, now: Date) {
    const raw = (req.query as Record<string, string | undefined>).issue;
    const chosen = typeof raw === 'string' ? parseIssueKey(raw) : null;
    const next = await nextIssueMonth(db, now);
    const ym = chosen ?? { year: next.year, month: next.month };
    const issues = await listAdminIssues(db);
    const options = issues.map((i) => ({ key: issueKey(i), label: issueName(i) }));
    const key = issueKey(ym);
    const exists = options.some((o) => o.key === key);
    if (!exists) options.unshift({ key, label: issueName(ym) });
    const mailAt = mailingInstant(ym.year, ym.month, now);
    const following = new Date(Date.UTC(ym.year, ym.month, 1));
    const followingAt = mailingInstant(following.getUTCFullYear(), following.getUTCMonth() + 1, now);
    return { ym, key, label: issueName(ym), exists, options, mailAt, followingAt, followingLabel: issueName({ year: following.getUTCFullYear(), month: following.getUTCMonth() + 1 }) };
  }

  app.get('/admin/subscribers/mailing', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const m = await mailingIssue(req, new Date());
    const [rows, ending] = await Promise.all([printSubscribers(db, m.mailAt), endingWith(db, m.mailAt, m.followingAt)]);
    return sendAdmin(reply, MailingPage({
      ...pageBase(req, reply, staff), issues: m.options, issue: { key: m.key, label: m.label, exists: m.exists }, mailAt: m.mailAt, rows, ending, following: m.followingLabel,
    }));
  });

  app.get('/admin/subscribers/mailing.csv', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const m = await mailingIssue(req, new Date());
    const rows = (await printSubscribers(db, m.mailAt)).filter(hasAddress);
    const header = ['name', 'prisoner_number', 'facility', 'address_line1', 'address_line2', 'city', 'state', 'postal_code', 'country', 'email', 'ends_on'];
    const safe = (v: string | null) => (v && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v ?? '');
    const csv = stringify([header, ...rows.map((r) => [
      safe(r.name), safe(r.prisonerNumber), safe(r.facility), safe(r.addressLine1), safe(r.addressLine2), safe(r.city), safe(r.state), safe(r.postalCode), safe(r.country),
      isPlaceholderEmail(r.email) ? '' : r.email, lastDay(r.endsAt),
    ])], { record_delimiter: '\r\n' });
    await audit(ctx, req, { action: 'subscribers.export', entity: 'subscriber', entityId: null, before: null, after: { what: `mailing list ${m.key} (CSV)`, rows: rows.length } });
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="mailing-${m.key}.csv"`).send(`\uFEFF${csv}`);
  });

  app.get('/admin/subscribers/labels.pdf', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const m = await mailingIssue(req, new Date());
    const rows = (await printSubscribers(db, m.mailAt)).filter(hasAddress);
    const site = staffState(req)!.site;
    const out = await labelsPdf(rows.map(labelLines), { title: `${site.name}: mailing labels, ${m.label} issue` });
    await audit(ctx, req, { action: 'subscribers.export', entity: 'subscriber', entityId: null, before: null, after: { what: `mailing labels ${m.key} (PDF)`, labels: out.labels, pages: out.pages, cut: out.cut } });
    return reply.type('application/pdf')
      .header('content-disposition', `inline; filename="labels-${m.key}.pdf"`)
      .header('x-label-count', String(out.labels))
      .send(Buffer.from(out.pdf));
  });

  // ---------------------------------------------------------------- one subscriber

  app.get<{ Params: { id: string } }>('/admin/subscribers/:id', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const s = await load(req, reply, staff);
    if (!s) return reply;
    return subscriberPage(req, reply, staff, s);
  });

  app.post<{ Params: { id: string } }>('/admin/subscribers/:id', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const s = await load(req, reply, staff);
    if (!s) return reply;
    const form = readProfileForm(bodyOf(req));
    const { input, errors } = checkProfile(form);
    if (errors.length) return subscriberPage(req, reply, staff, s, { form, errors, status: 400 });
    await db.transaction().execute(async (trx: Kysely<DB>) => {
      const { before, after } = await updateSubscriber(trx, s.id, input);
      await audit(ctx, req, { action: 'subscriber.update', entity: 'subscriber', entityId: s.id, before, after }, trx);
    });
    return reply.redirect(`/admin/subscribers/${s.id}?done=saved`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/subscribers/:id/grant', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const s = await load(req, reply, staff);
    if (!s) return reply;
    const b = bodyOf(req);
    const grant = { plan: str(b, 'plan'), until: str(b, 'until').trim(), note: str(b, 'note') };
    const plan = planOf(grant.plan);
    const errors: string[] = [];
    if (!plan) errors.push('Choose a plan from the list.');
    let note: string | null = null;
    try {
      note = cleanText(grant.note, 500, 'The note');
      if (!grant.until) throw new InputError('Give the last day of access');
      endOfDay(grant.until, 'The last day');
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(`${err.message}.`);
    }
    if (errors.length || !plan) return subscriberPage(req, reply, staff, s, { grant, grantErrors: errors, status: 400 });
    try {
      await db.transaction().execute(async (trx: Kysely<DB>) => {
        const after = await grantSubscription(trx, s.id, { plan, until: grant.until, note });
        await audit(ctx, req, { action: 'subscription.grant', entity: 'subscriber', entityId: s.id, before: null, after }, trx);
      });
    } catch (err) {
      if (err instanceof InputError) return subscriberPage(req, reply, staff, s, { grant, grantErrors: [`${err.message}.`], status: 400 });
      throw err;
    }
    return reply.redirect(`/admin/subscribers/${s.id}?done=granted`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/subscribers/:id/extend', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const s = await load(req, reply, staff);
    if (!s) return reply;
    const b = bodyOf(req);
    const entitlement = idParam(str(b, 'entitlement')) ?? -1;
    const months = /^\d{1,2}$/.test(str(b, 'months')) ? Number(str(b, 'months')) : NaN;
    try {
      await db.transaction().execute(async (trx: Kysely<DB>) => {
        const r = await extendSubscription(trx, s.id, entitlement, months, null);
        await audit(ctx, req, { action: 'subscription.extend', entity: 'subscriber', entityId: s.id, before: r.extended, after: r.added }, trx);
      });
    } catch (err) {
      if (err instanceof InputError) return subscriberPage(req, reply, staff, s, { error: `Not extended: ${err.message}.`, status: 400 });
      throw err;
    }
    return reply.redirect(`/admin/subscribers/${s.id}?done=extended`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/subscribers/:id/revoke', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const s = await load(req, reply, staff);
    if (!s) return reply;
    const entitlement = idParam(str(bodyOf(req), 'entitlement')) ?? -1;
    try {
      await db.transaction().execute(async (trx: Kysely<DB>) => {
        const r = await revokeSubscription(trx, s.id, entitlement);
        await audit(ctx, req, { action: 'subscription.revoke', entity: 'subscriber', entityId: s.id, before: r.before, after: r.after }, trx);
      });
    } catch (err) {
      if (err instanceof InputError) return subscriberPage(req, reply, staff, s, { error: `Not revoked: ${err.message}.`, status: 400 });
      throw err;
    }
    return reply.redirect(`/admin/subscribers/${s.id}?done=revoked`, 303);
  });

  // ---------------------------------------------------------------- CSV import (multipart, its own scope and limits)

  await app.register(async (up) => {
    const uploads = new WeakMap<FastifyRequest, { filename: string }>();
    await up.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 5, fieldSize: 4096, parts: 6, headerPairs: 200 },
      async onFile(this: FastifyRequest, part) {
        uploads.set(this, { filename: part.filename });
        await part.toBuffer();
      },
    });

    function importPage(req: FastifyRequest, reply: FastifyReply, staff: StaffUser, o: { problems?: { line: number | null; message: string }[]; more?: number; result?: Parameters<typeof ImportCsvPage>[0]['result'] } = {}, status = 200) {
      return sendAdmin(reply, ImportCsvPage({ ...pageBase(req, reply, staff), problems: o.problems ?? [], more: o.more ?? 0, result: o.result ?? null }), status);
    }

    up.setErrorHandler(async (err: Error & { code?: string }, req, reply) => {
      const s = staffState(req);
      if (!s || !err.code || !/^FST_(REQ_FILE_TOO_LARGE|FILES_LIMIT|FIELDS_LIMIT|PARTS_LIMIT|PROTO_VIOLATION|INVALID_MULTIPART_CONTENT_TYPE)/.test(err.code)) throw err;
      const message = err.code === 'FST_REQ_FILE_TOO_LARGE' ? `the file is larger than ${MAX_CSV_BYTES / 1048576} MB` : 'the upload could not be read: send one file with the form on this page';
      return importPage(req, reply, s.user, { problems: [{ line: null, message }] }, err.code === 'FST_REQ_FILE_TOO_LARGE' ? 413 : 400);
    });

    up.get('/admin/subscribers/import', async (req, reply) => {
      const staff = requireStaff(req, reply, 'admin');
      if (!staff) return reply;
      return importPage(req, reply, staff);
    });

    up.post('/admin/subscribers/import', async (req, reply) => {
      const staff = requireStaff(req, reply, 'admin');
      if (!staff) return reply;
      const content = bodyOf(req).file;
      const upload = uploads.get(req);
      if (!upload || !Buffer.isBuffer(content)) return importPage(req, reply, staff, { problems: [{ line: null, message: 'choose a CSV file to import' }] }, 400);
      try {
        const emptyClears = str(bodyOf(req), 'empty_clears') === 'on';
        const rows = parseSubscribersCsv(content, { emptyClears });
        const result = await db.transaction().execute(async (trx: Kysely<DB>) => {
          const r = await applySubscriberRows(trx, rows);
          await audit(ctx, req, {
            action: 'subscribers.import', entity: 'subscriber', entityId: null, before: null,
            after: { file: upload.filename.slice(0, 200), bytes: content.length, emptyClears, rows: r.rows, created: r.created, updated: r.updated, unchanged: r.unchanged, granted: r.granted, userIds: r.userIds },
          }, trx);
          return r;
        });
        req.log.info({ event: 'subscribers_imported', rows: result.rows, created: result.created, updated: result.updated }, 'subscribers imported');
        return importPage(req, reply, staff, { result });
      } catch (err) {
        if (err instanceof CsvImportError) return importPage(req, reply, staff, { problems: err.problems, more: err.more }, 400);
        if (err instanceof InputError) return importPage(req, reply, staff, { problems: [{ line: err.line ?? null, message: err.message }] }, 400);
        throw err;
      }
    });
  });
};

