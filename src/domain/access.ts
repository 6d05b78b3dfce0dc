import type { Access } from './types.ts';

// The one place that decides whether a viewer may read an article in full, and whether they may
// download. Pure: everything it needs is in its arguments. Every channel asks this (through the
// presenter), nothing else does.

export interface InstitutionRef {
  id: number;
  name: string;
}

export type Viewer =
  | { kind: 'anonymous'; institution: InstitutionRef | null }
  | {
      kind: 'user';
      userId: number;
      email: string;
      role: 'reader' | 'editor' | 'admin';
      /** True while the user holds an entitlement that is current at the time of the request. */
      subscribed: boolean;
      institution: InstitutionRef | null;
    };

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous', institution: null });

/** The metered-reading state of one signed-in reader for one article, this calendar month. */
export interface MeterState {
  limit: number;
  used: number;
  /** This article was already counted this month: reading it again costs nothing. */
  alreadyRead: boolean;
}

export type AccessReason = 'free' | 'subscriber' | 'staff' | 'institution' | 'metered' | 'no-access';

export interface AccessDecision {
  full: boolean;
  reason: AccessReason;
  /** Metered reads only: this read uses up one of the month's free articles. */
  consumesMeter?: boolean;
  /** Metered reads only: free articles left this month after this one. */
  meterRemaining?: number;
}

function entitled(viewer: Viewer): AccessReason | null {
  if (viewer.kind === 'user') {
    if (viewer.role === 'editor' || viewer.role === 'admin') return 'staff';
    if (viewer.subscribed) return 'subscriber';
  }
  if (viewer.institution) return 'institution';
  return null;
}

export function decideAccess(viewer: Viewer, article: { access: Access }, meter?: MeterState | null): AccessDecision {
  if (article.access === 'free') return { full: true, reason: 'free' };
  const reason = entitled(viewer);
  if (reason) return { full: true, reason };
  if (viewer.kind === 'user' && meter) {
    if (meter.alreadyRead) return { full: true, reason: 'metered', consumesMeter: false, meterRemaining: Math.max(0, meter.limit - meter.used) };
    if (meter.used < meter.limit) return { full: true, reason: 'metered', consumesMeter: true, meterRemaining: meter.limit - meter.used - 1 };
  }
  return { full: false, reason: 'no-access' };
}

/** Downloads (PDFs, text edition, full-text feeds) need a subscription or institution; a metered read never unlocks them. */
export function canDownload(viewer: Viewer): boolean {
  return entitled(viewer) !== null;
}

/** Whether this viewer may download this article (PDF, packet, text edition): free ones for all. */
export function canDownloadArticle(viewer: Viewer, article: { access: Access }): boolean {
  return article.access === 'free' || canDownload(viewer);
}

/** Whether this viewer needs the meter looked up for a premium article at all. */
export function needsMeter(viewer: Viewer): boolean {
  return viewer.kind === 'user' && entitled(viewer) === null;
}

/** The operator at the command line (export, backups): reads everything. */
export const OPERATOR: Viewer = Object.freeze({ kind: 'user', userId: 0, email: 'operator@localhost', role: 'admin', subscribed: true, institution: null });
