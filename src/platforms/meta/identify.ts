import { ExportError } from '../../core/errors';
import type { DebugToken } from './schemas';

/** Warn this long before a token expires (a 60-day token is renewed by a person, never silently). */
export const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 24 * 3600 * 1000;

/**
 * The token as Test connection shows it: owner, type, expiry, and a warning inside the last 14 days.
 * An invalid token is a failure (re-authenticate), not a description.
 */
export function describeToken(token: DebugToken, now: number = Date.now()): string {
  if (token.is_valid === false) throw new ExportError('reauth_required', 'Meta says the access token is not valid (expired or revoked): enter a new one or sign in again');
  const type = tokenType(token.type);
  const owner = token.user_id ? `${type} ${token.user_id}` : type;
  const app = token.application ? ` of app ${token.application}` : token.app_id ? ` of app ${token.app_id}` : '';
  return `${owner}${app}, ${expiry(token.expires_at ?? undefined, now)}`;
}

/** Days until the token expires; undefined for a token that never does (`expires_at` 0 or absent). */
export function daysLeft(expiresAt: number | undefined, now: number = Date.now()): number | undefined {
  if (!expiresAt) return undefined;
  return Math.floor((expiresAt * 1000 - now) / DAY_MS);
}

function expiry(expiresAt: number | undefined, now: number): string {
  const days = daysLeft(expiresAt, now);
  if (days === undefined || expiresAt === undefined) return 'never expires';
  const date = new Date(expiresAt * 1000).toISOString().slice(0, 10);
  if (days < 0) return `expired on ${date}`;
  if (days < EXPIRY_WARNING_DAYS) return `expires on ${date}, in ${days} day${days === 1 ? '' : 's'}: WARNING, renew the token now (it is never rotated silently)`;
  return `expires on ${date} (in ${days} days)`;
}

function tokenType(type: string | null | undefined): string {
  switch ((type ?? '').toUpperCase()) {
    case 'SYSTEM_USER':
      return 'system user';
    case 'USER':
      return 'user';
    case 'PAGE':
      return 'page';
    case 'APP':
      return 'app';
    default:
      return 'token owner';
  }
}
