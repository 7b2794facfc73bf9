import { randomBytes } from 'node:crypto';
import { ExportError } from '../core/errors';
import { holdSecrets } from '../core/redact';

/**
 * Pending "Authenticate with …" sign-ins: a random `state` kept in memory for ten minutes, bound to
 * the connection and the user who started it, used once. What the exchange needs (the client's
 * credentials) stays here on the server; the browser only ever sees the state.
 */
export interface PendingSignIn {
  readonly connectionId: string;
  /** The Node-RED user who started it ('' without adminAuth). */
  readonly user: string;
  readonly type: string;
  readonly scope: 'administrators' | 'contributors';
  readonly settings: unknown;
  /** The hosts the sign-in talks to: what the refresh token it brings back is pinned to. */
  readonly hosts: readonly string[];
  readonly clientId: string;
  readonly clientSecret: string;
  /** The client id and secret came with the start request (so they are stored with the refresh token). */
  readonly clientPosted: boolean;
  readonly redirectUri: string;
  readonly expiresAt: number;
}

export const SIGN_IN_TTL_MS = 10 * 60 * 1000;
/** Sign-ins one user may have pending: starting more drops that user's oldest, never someone else's. */
export const MAX_PENDING_PER_USER = 10;
/** Across all users: beyond this, new sign-ins are refused until some end (nobody's are evicted). */
const MAX_PENDING = 1000;

export class PendingSignIns {
  private readonly pending = new Map<string, PendingSignIn & { readonly release: () => void }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Keeps the sign-in (its client secret masked in any text until it ends) and answers its `state`. */
  create(signIn: Omit<PendingSignIn, 'expiresAt'>): string {
    this.sweep();
    const mine = [...this.pending].filter(([, pending]) => pending.user === signIn.user);
    if (mine.length >= MAX_PENDING_PER_USER) this.end(mine[0][0]);
    if (this.pending.size >= MAX_PENDING) throw new ExportError('rate_limited', 'Too many sign-ins are pending: finish or wait for one (they expire after ten minutes)', { retryable: false });
    const state = randomBytes(24).toString('base64url');
    this.pending.set(state, { ...signIn, expiresAt: this.now() + SIGN_IN_TTL_MS, release: holdSecrets([signIn.clientSecret]) });
    return state;
  }

  /** Sign-ins pending (tests: bounded). */
  get size(): number {
    return this.pending.size;
  }

  /** The pending sign-in for `state`, without using it up (to pick the route's permission). */
  peek(state: unknown): PendingSignIn | undefined {
    this.sweep();
    if (typeof state !== 'string') return undefined;
    const found = this.pending.get(state);
    return found && found.expiresAt > this.now() ? found : undefined;
  }

  /** Use `state` up: answers its sign-in when it is known, unexpired and (when given) the same user's. */
  take(state: unknown, user?: string): PendingSignIn | undefined {
    const found = this.peek(state);
    if (!found || (user !== undefined && found.user !== user)) return undefined;
    this.end(state as string);
    return found;
  }

  private end(state: string): void {
    this.pending.get(state)?.release();
    this.pending.delete(state);
  }

  private sweep(): void {
    const now = this.now();
    for (const [state, signIn] of this.pending) if (signIn.expiresAt <= now) this.end(state);
  }
}

/** The page the platform redirects the popup to: tells the editor window, shows no token, closes itself. */
export function callbackPage(result: { connectionId: string; ok: boolean; code?: string }): string {
  const message = JSON.stringify({ type: 'audience-export-auth', connectionId: result.connectionId, ok: result.ok, ...(result.code ? { code: result.code } : {}) }).replace(/</g, '\\u003c');
  const title = result.ok ? 'Authenticated — you can close this window' : 'Sign-in failed — you can close this window and try again';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${title}</title></head>
<body><p>${title}${result.code ? ` (${result.code})` : ''}.</p>
<script>
  (function () {
    if (window.opener) {
      window.opener.postMessage(${message}, location.origin);
      ${result.ok ? 'setTimeout(function () { window.close(); }, 1500);' : ''}
    }
  })();
</script></body></html>`;
}
