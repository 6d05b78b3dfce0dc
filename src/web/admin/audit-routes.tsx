import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.ts';
import { requireStaff, sendAdmin, staffState } from './shell.tsx';
import { AuditPage } from '../views/admin/audit.tsx';
import { listAudit } from '../../store/newsroom.ts';
import { pageParam } from '../app.ts';

const PER_PAGE = 50;

export const auditRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  app.get('/admin/audit', async (req, reply) => {
    const staff = requireStaff(req, reply, 'admin');
    if (!staff) return reply;
    const q = req.query as Record<string, string | undefined>;
    const str = (v: unknown) => (typeof v === 'string' ? v.trim().slice(0, 200) : '');
    const filter = { entity: str(q.entity), action: str(q.action), user: str(q.user), id: str(q.id) };
    const page = pageParam(q);
    const { items, total } = await listAudit(ctx.store.db, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE, entity: filter.entity || undefined, entityId: filter.id || undefined, action: filter.action || undefined, user: filter.user || undefined });
    const params = new URLSearchParams(Object.entries(filter).filter(([, v]) => v));
    const base = `/admin/audit${params.size ? `?${params}` : ''}`;
    return sendAdmin(reply, AuditPage({ site: staffState(req)!.site, staff, csrf: reply.generateCsrf(), rows: items, total, page, pages: Math.max(1, Math.ceil(total / PER_PAGE)), filter, base }));
  });
};
