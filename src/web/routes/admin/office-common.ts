import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { staffState, type StaffUser } from '../../admin/shell.tsx';
import type { Site } from '../../views/layout.tsx';

// Helpers of the office's admin routes.

export type Body = Record<string, unknown>;

export function bodyOf(req: FastifyRequest): Body {
  const b = req.body;
  return b && typeof b === 'object' ? (b as Body) : {};
}

export function str(b: Body, k: string): string {
  const v = b[k];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
}

export function idParam(raw: string | undefined): number | null {
  return raw && /^\d{1,9}$/.test(raw) ? Number(raw) : null;
}

/** A whole number in [min, max] or null when empty; otherwise an error message. */
export function optionalInt(raw: string, label: string, min: number, max: number): { value: number | null; error: string | null } {
  const s = raw.trim();
  if (!s) return { value: null, error: null };
  if (!/^\d{1,9}$/.test(s) || Number(s) < min || Number(s) > max) return { value: null, error: `${label} must be a whole number from ${min} to ${max}; got “${s.slice(0, 20)}”` };
  return { value: Number(s), error: null };
}

export interface PageBase {
  site: Site;
  staff: StaffUser;
  csrf: string;
}

export function pageBase(req: FastifyRequest, reply: FastifyReply, staff: StaffUser): PageBase {
  return { site: staffState(req)!.site, staff, csrf: reply.generateCsrf() };
}

/** ?done=key → the notice to show (POST, redirect, GET). */
export function doneNotice(req: FastifyRequest, notices: Record<string, string>): string | null {
  const d = (req.query as Record<string, unknown> | undefined)?.done;
  return typeof d === 'string' ? notices[d] ?? null : null;
}

export type { AppContext };
