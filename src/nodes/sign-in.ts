import { randomBytes } from 'node:crypto';

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
  readonly clientId: string;
  readonly clientSecret: string;
  /** The client id and secret came with the start request (so they are stored with the refresh token). */
  readonly clientPosted: boolean;
  readonly redirectUri: string;
  readonly expiresAt: number;
}

export const SIGN_IN_TTL_MS = 10 * 60 * 1000;
const MAX_PENDING = 1000;

export class PendingSignIns {
  private readonly pending = new Map<string, PendingSignIn>();

  constructor(private readonly now: () => number = Date.now) {}

  create(signIn: Omit<PendingSignIn, 'expiresAt'>): string {
    this.sweep();
    // Bounded: the oldest goes first if someone starts sign-ins in a loop.
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
    const state = randomBytes(24).toString('base64url');
    this.pending.set(state, { ...signIn, expiresAt: this.now() + SIGN_IN_TTL_MS });
    return state;
  }

  /** The pending sign-in for `state`, without using it up (to pick the route's permission). */
  peek(state: unknown): PendingSignIn | undefined {
    if (typeof state !== 'string') return undefined;
    const found = this.pending.get(state);
    return found && found.expiresAt > this.now() ? found : undefined;
  }

  /** Use `state` up: answers its sign-in when it is known, unexpired and (when given) the same user's. */
  take(state: unknown, user?: string): PendingSignIn | undefined {
    const found = this.peek(state);
    if (!found || (user !== undefined && found.user !== user)) return undefined;
    this.pending.delete(state as string);
    return found;
  }

  private sweep(): void {
    const now = this.now();
    for (const [state, signIn] of this.pending) if (signIn.expiresAt <= now) this.pending.delete(state);
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
