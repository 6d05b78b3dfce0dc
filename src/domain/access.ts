import type { Access } from './types.ts';

// The one place that decides whether a viewer may read an article in full. Pure: everything it
// needs is in its arguments. Every channel asks this (through the presenter), nothing else.

export type Viewer =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: number;
      role: 'reader' | 'editor' | 'admin';
      /** True while the user holds an entitlement that is current at the time of the request. */
      subscribed: boolean;
    };

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });

export interface AccessDecision {
  full: boolean;
  /** Why, for the prompt the reader sees and for logs. */
  reason: 'free' | 'subscriber' | 'staff' | 'no-access';
}

export function decideAccess(viewer: Viewer, article: { access: Access }): AccessDecision {
  if (article.access === 'free') return { full: true, reason: 'free' };
  if (viewer.kind === 'user') {
    if (viewer.role === 'editor' || viewer.role === 'admin') return { full: true, reason: 'staff' };
    if (viewer.subscribed) return { full: true, reason: 'subscriber' };
  }
  return { full: false, reason: 'no-access' };
}

/** The operator at the command line (export, backups): reads everything. */
export const OPERATOR: Viewer = Object.freeze({ kind: 'user', userId: 0, role: 'admin', subscribed: true });
