import type { FastifyPluginAsync } from 'fastify';
import fs from 'node:fs';
import type { AppContext } from '../../context.ts';
import { twoFactorRoutes } from '../../admin/two-factor.tsx';
import { auditRoutes } from '../../admin/audit-routes.tsx';
import { articleRoutes } from '../../admin/article-routes.tsx';
import { importRoutes } from '../../admin/import-routes.tsx';

// The newsroom side of the admin area: two-factor sign-in, the audit log, the article list and
// editor, imports, and the admin's own stylesheet and scripts (public/admin/).

const ASSETS: Record<string, string> = { 'admin.css': 'text/css; charset=utf-8', 'editor.js': 'text/javascript; charset=utf-8' };

function loadAssets(): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of Object.keys(ASSETS)) {
    const url = new URL(`../../../../public/admin/${name}`, import.meta.url);
    if (fs.existsSync(url)) out.set(name, fs.readFileSync(url));
  }
  return out;
}

export const adminEditorRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => {
  const assets = loadAssets();
  app.get<{ Params: { name: string } }>('/admin/assets/:name', async (req, reply) => {
    const body = assets.get(req.params.name);
    if (!body) return reply.code(404).type('text/plain; charset=utf-8').send('No such file.');
    // The staff gate already made it private, no-store (no admin response is ever kept by a cache).
    return reply.type(ASSETS[req.params.name]).send(body);
  });
  await app.register(twoFactorRoutes(ctx));
  await app.register(auditRoutes(ctx));
  await app.register(articleRoutes(ctx));
  await app.register(importRoutes(ctx));
};
