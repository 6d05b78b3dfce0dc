import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB, Plan } from '../../../store/schema.ts';
import { audit, requireStaff, sendAdmin, type StaffUser } from '../../admin/shell.tsx';
import { GiftsPage, InstitutionPage, InstitutionsPage, type GiftRow } from '../../views/admin/office-institutions.tsx';
import {
  activateInstitution, addRange, createInstitution, deactivateInstitution, findInstitution, listInstitutions, removeRange, usageReport, type Institution,
} from '../../../store/institutions.ts';
import { createGiftCode } from '../../../store/gifts.ts';
import { hashToken } from '../../../auth/tokens.ts';
import { PLANS, cleanText } from '../../../store/office-subscribers.ts';
import { parseRange } from '../../../domain/ip-ranges.ts';
import { InputError } from '../../../domain/types.ts';
import { forgetInstitutions } from '../../../auth/viewer.ts';
import { bodyOf, doneNotice, idParam, optionalInt, pageBase, str } from './office-common.ts';

// Institutions (address ranges, access on or off, monthly usage) and gift codes in the admin,
// for administrators. Built on the institution and gift-code stores the CLI uses; every change
// is written with its audit record in one transaction.

const LAG = ' Other app instances follow within 30 seconds.';
const NOTICES: Record<string, string> = {
  created: `The institution is added.${LAG}`,
  ranges: `The ranges are added.${LAG}`,
  removed: `The range is removed.${LAG}`,
  stopped: `Access is stopped.${LAG}`,
  restored: `Access is restored.${LAG}`,
};

/** The non-empty lines of a textarea, each checked as a range; all problems at once. */
function checkRanges(text: string): { ranges: string[]; errors: string[] } {
  const ranges = text.split(/[\r\n,]+/).map((l) => l.trim()).filter(Boolean);
  const errors: string[] = [];
  if (ranges.length > 200) errors.push('At most 200 ranges at a time.');
  for (const r of ranges.slice(0, 200)) {
    try {
      parseRange(r);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(`“${r.slice(0, 60)}”: ${err.message}.`);
    }
  }
  return { ranges, errors };
}

export const officeInstitutionRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const db = ctx.store.db;

  async function listPage(req: FastifyRequest, reply: FastifyReply, staff: StaffUser, form = { name: '', note: '', ranges: '' }, errors: string[] = [], status = 200, error: string | null = null) {
    return sendAdmin(reply, InstitutionsPage({ ...pageBase(req, reply, staff), items: await listInstitutions(db), form, errors, error, notice: doneNotice(req, NOTICES) }), status);
  }

  async function detailPage(req: FastifyRequest, reply: FastifyReply, staff: StaffUser, inst: Institution, rangeText = '', errors: string[] = [], status = 200) {
    const listing = (await listInstitutions(db)).find((i) => i.id === inst.id);
    const usage = await usageReport(db, inst.id, 12);
    return sendAdmin(reply, InstitutionPage({ ...pageBase(req, reply, staff), inst, ranges: listing?.ranges ?? [], usage, rangeText, errors, notice: doneNotice(req, NOTICES) }), status);
  }

  async function load(req: FastifyRequest, reply: FastifyReply, staff: StaffUser): Promise<Institution | null> {
    const id = idParam((req.params as { id?: string }).id);
    const inst = id === null ? null : await findInstitution(db, id);
    if (!inst) await listPage(req, reply, staff, undefined, [], 404, 'There is no institution with that number.');
    return inst;
  }

  app.get('/admin/institutions', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    return listPage(req, reply, staff);
  });

  app.post('/admin/institutions', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const b = bodyOf(req);
    const form = { name: str(b, 'name'), note: str(b, 'note'), ranges: str(b, 'ranges') };
    const { ranges, errors } = checkRanges(form.ranges);
    let note: string | null = null;
    try {
      note = cleanText(form.note, 500, 'The note');
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(`${err.message}.`);
    }
    if (!form.name.trim()) errors.unshift('Give the institution a name.');
    if (errors.length) return listPage(req, reply, staff, form, errors, 400);
    try {
      const id = await db.transaction().execute(async (trx: Kysely<DB>) => {
        const inst = await createInstitution(trx, form.name, note);
        const added = [];
        for (const r of ranges) added.push((await addRange(trx, inst.id, r)).label);
        await audit(ctx, req, { action: 'institution.create', entity: 'institution', entityId: inst.id, before: null, after: { name: inst.name, note: inst.note, ranges: added } }, trx);
        return inst.id;
      });
      // This instance at once; others within the viewer's 30-second memory of addresses.
      forgetInstitutions(ctx);
      return reply.redirect(`/admin/institutions/${id}?done=created`, 303);
    } catch (err) {
      if (err instanceof InputError) return listPage(req, reply, staff, form, [`${err.message}.`], 400);
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>('/admin/institutions/:id', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const inst = await load(req, reply, staff);
    if (!inst) return reply;
    return detailPage(req, reply, staff, inst);
  });

  app.post<{ Params: { id: string } }>('/admin/institutions/:id/ranges', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const inst = await load(req, reply, staff);
    if (!inst) return reply;
    const text = str(bodyOf(req), 'ranges');
    const { ranges, errors } = checkRanges(text);
    if (!ranges.length && !errors.length) errors.push('Give at least one range.');
    if (errors.length) return detailPage(req, reply, staff, inst, text, errors, 400);
    await db.transaction().execute(async (trx: Kysely<DB>) => {
      const added: string[] = [];
      for (const r of ranges) {
        const got = await addRange(trx, inst.id, r);
        if (got.added) added.push(got.label);
      }
      await audit(ctx, req, { action: 'institution.ranges.add', entity: 'institution', entityId: inst.id, before: null, after: { added } }, trx);
    });
    forgetInstitutions(ctx);
    return reply.redirect(`/admin/institutions/${inst.id}?done=ranges`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/institutions/:id/ranges/remove', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const inst = await load(req, reply, staff);
    if (!inst) return reply;
    const range = str(bodyOf(req), 'range');
    try {
      const removed = await db.transaction().execute(async (trx: Kysely<DB>) => {
        const ok = await removeRange(trx, inst.id, range);
        if (ok) await audit(ctx, req, { action: 'institution.ranges.remove', entity: 'institution', entityId: inst.id, before: { range }, after: null }, trx);
        return ok;
      });
      if (!removed) return detailPage(req, reply, staff, inst, '', [`The institution has no range ${range.slice(0, 60)}.`], 400);
    } catch (err) {
      if (err instanceof InputError) return detailPage(req, reply, staff, inst, '', [`${err.message}.`], 400);
      throw err;
    }
    forgetInstitutions(ctx);
    return reply.redirect(`/admin/institutions/${inst.id}?done=removed`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/institutions/:id/active', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const inst = await load(req, reply, staff);
    if (!inst) return reply;
    const on = str(bodyOf(req), 'active') === '1';
    await db.transaction().execute(async (trx: Kysely<DB>) => {
      if (on) await activateInstitution(trx, inst.id);
      else await deactivateInstitution(trx, inst.id);
      await audit(ctx, req, { action: on ? 'institution.activate' : 'institution.deactivate', entity: 'institution', entityId: inst.id, before: { active: inst.active }, after: { active: on } }, trx);
    });
    forgetInstitutions(ctx);
    return reply.redirect(`/admin/institutions/${inst.id}?done=${on ? 'restored' : 'stopped'}`, 303);
  });

  // ---------------------------------------------------------------- gift codes

  async function giftRows(): Promise<{ rows: GiftRow[]; total: number }> {
    const [rows, total] = await Promise.all([
      db.selectFrom('gift_codes').leftJoin('users', 'users.id', 'gift_codes.redeemed_by')
        .select(['gift_codes.id', 'gift_codes.plan', 'gift_codes.days', 'gift_codes.note', 'gift_codes.created_at', 'gift_codes.redeemed_at', 'gift_codes.redeemed_by', 'users.email'])
        .orderBy('gift_codes.id', 'desc').limit(200).execute(),
      db.selectFrom('gift_codes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      rows: rows.map((r) => ({ id: r.id, plan: r.plan, days: r.days, note: r.note, createdAt: r.created_at, redeemedAt: r.redeemed_at, redeemedById: r.redeemed_by, redeemedBy: r.email ?? null })),
      total: Number(total.n),
    };
  }

  app.get('/admin/gifts', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const { rows, total } = await giftRows();
    return sendAdmin(reply, GiftsPage({ ...pageBase(req, reply, staff), rows, total, created: null, form: { plan: '', days: '', count: '', note: '' }, errors: [] }));
  });

  app.post('/admin/gifts', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const b = bodyOf(req);
    const form = { plan: str(b, 'plan'), days: str(b, 'days'), count: str(b, 'count'), note: str(b, 'note') };
    const errors: string[] = [];
    const plan = (PLANS as string[]).includes(form.plan) ? (form.plan as Plan) : null;
    if (!plan) errors.push('Choose a plan from the list.');
    const days = optionalInt(form.days, 'Days of access', 1, 3660);
    const count = optionalInt(form.count || '1', 'How many codes', 1, 500);
    if (days.error) errors.push(`${days.error}.`);
    else if (days.value === null) errors.push('Give the days of access.');
    if (count.error) errors.push(`${count.error}.`);
    let note: string | null = null;
    try {
      note = cleanText(form.note, 500, 'The note');
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(`${err.message}.`);
    }
    if (errors.length || !plan || days.value === null) {
      const { rows, total } = await giftRows();
      return sendAdmin(reply, GiftsPage({ ...pageBase(req, reply, staff), rows, total, created: null, form, errors }), 400);
    }
    const n = count.value ?? 1;
    const codes = await db.transaction().execute(async (trx: Kysely<DB>) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(await createGiftCode(trx, { plan, days: days.value!, note }));
      const ids = await trx.selectFrom('gift_codes').select('id').where('code_hash', 'in', out.map((c) => hashToken(c))).orderBy('id', 'desc').execute();
      // The codes themselves are secrets: the log keeps their numbers only.
      await audit(ctx, req, { action: 'gift.create', entity: 'gift', entityId: null, before: null, after: { plan, days: days.value, count: n, note, ids: ids.map((r) => r.id).reverse() } }, trx);
      return out;
    });
    const { rows, total } = await giftRows();
    // Shown once, on this response (never in a URL); the page is private, no-store.
    return sendAdmin(reply, GiftsPage({ ...pageBase(req, reply, staff), rows, total, created: codes, form: { plan: '', days: '', count: '', note: '' }, errors: [] }));
  });
};
