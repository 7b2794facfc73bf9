import { redact } from './redact';

/**
 * One error taxonomy for the whole package. Every failure the engine, a platform or a node
 * reports is an ExportError with a stable `code` (also the i18n key under `errors.`), a message
 * that is safe to show (never an email, token or secret), and what the retry loop needs to know.
 */

export type ErrorCode =
  | 'invalid_config' // a node setting is missing or malformed
  | 'invalid_input' // msg.payload / msg.segment unusable, or a msg.parts sequence that contradicts itself
  | 'no_valid_emails' // profiles arrived, but not one usable address (a mistyped email field)
  | 'removal_guard' // a mirror or replace run would remove more than maxRemovalPercent: nothing sent
  | 'sequence_timeout' // a msg.parts sequence did not complete in time: nothing sent
  | 'consent_required' // the connection's "I agree" box is not ticked
  | 'secrets_required' // the connection's hosts are not those its secrets were entered for: enter them again
  | 'approval_required' // an administrator has not approved this export node (as configured now)
  | 'segment_too_large' // more profiles than maxProfiles
  | 'reauth_required' // the refresh token was refused (invalid_grant)
  | 'auth_failed' // client id/secret refused, or the token endpoint failed
  | 'auth_expired' // the access token was refused (401): refresh and retry
  | 'forbidden' // the platform refuses this account or action (403)
  | 'not_found' // the audience or account does not exist
  | 'rate_limited' // 429 or a platform throttle: wait and retry
  | 'platform_unavailable' // 5xx: back off and retry
  | 'network' // connection dropped, refused or timed out
  | 'rejected' // the platform refused the request's content (4xx)
  | 'terms_not_accepted' // a platform's terms must be accepted first
  | 'api_version_retired' // the configured API version is gone
  | 'aborted' // the run stopped because of an earlier fatal error
  | 'state_io' // the durable state could not be read or written
  | 'internal';

const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['auth_expired', 'rate_limited', 'platform_unavailable', 'network']);

export interface ExportErrorOptions {
  /** HTTP status, when the error came from a response. */
  readonly httpStatus?: number;
  /** The platform's own error code (e.g. `E3002`, `117`), never its free text unredacted. */
  readonly platformCode?: string;
  /** Server-requested wait before retrying. */
  readonly retryAfterMs?: number;
  /** Generation of the access token that was refused, so only a stale token triggers a refresh. */
  readonly tokenGeneration?: number;
  /** Override the default retry decision of the code. */
  readonly retryable?: boolean;
  /**
   * The specifics of the sentence a node says for this code in the runtime's language (the
   * `errors.<code>` string of the catalogues): counts, a field name. Never an address or a secret.
   * `count` picks the sentence's plural form (`errors.<code>_one`, `_other`…); `variant` names another
   * sentence of the same code (`errors.<code>_<variant>`).
   */
  readonly params?: Readonly<Record<string, string | number>>;
}

export class ExportError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  readonly platformCode?: string;
  readonly retryAfterMs?: number;
  readonly tokenGeneration?: number;
  readonly params?: Readonly<Record<string, string | number>>;

  constructor(code: ErrorCode, message: string, options: ExportErrorOptions = {}) {
    super(message);
    this.name = 'ExportError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    this.httpStatus = options.httpStatus;
    this.platformCode = options.platformCode;
    this.retryAfterMs = options.retryAfterMs;
    this.tokenGeneration = options.tokenGeneration;
    this.params = options.params;
  }

  /** The `{ code, message }` pair the output messages carry. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Wrap anything thrown into an ExportError without copying unknown fields (they may hold secrets). */
export function toExportError(thrown: unknown): ExportError {
  if (thrown instanceof ExportError) return thrown;
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  // An exception's text may quote whatever it was handling (a request, a token): masked like platform text.
  return new ExportError('internal', `Unexpected error: ${redact(text)}`);
}
