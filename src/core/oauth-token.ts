import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { ExportError } from './errors';
import { errorCodeForStatus, parseJson, retryAfterMs, send } from './http';
import { platformCodeOf, redact } from './redact';
import type { TokenGrant } from './token-manager';

/** RFC 6749 token answers, as the three platforms give them (refresh_token may be absent or null). */
const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  refresh_token: z.string().min(1).nullish(),
  scope: z.string().optional(),
});

const TokenErrorSchema = z.looseObject({ error: z.string(), error_description: z.string().nullish() });

/**
 * POST a grant to an OAuth token endpoint (form body) and classify the answer: `invalid_grant`
 * needs the user to sign in again, 429/5xx are worth retrying, anything else is refused credentials.
 * `platform` names the platform in messages; error descriptions are shortened and redacted.
 */
export async function requestTokenGrant(http: AxiosInstance, platform: string, url: string, form: Record<string, string>): Promise<TokenGrant> {
  const response = await send(http, {
    method: 'POST',
    url,
    data: new URLSearchParams(form).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
  });
  const body = parseJson(response.data);
  if (response.status >= 200 && response.status < 300) {
    const parsed = TokenResponseSchema.safeParse(body);
    if (!parsed.success) throw new ExportError('auth_failed', `${platform} answered the token request without a usable access token`);
    return { accessToken: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in, refreshToken: parsed.data.refresh_token ?? undefined, scope: parsed.data.scope };
  }
  const error = TokenErrorSchema.safeParse(body);
  // Descriptions can be long (Microsoft's AADSTS text) and echo ids: keep the first sentence, redacted.
  const description = error.success && error.data.error_description ? `: ${error.data.error_description.split(/\r?\n|\. /)[0]}` : '';
  const reason = error.success ? redact(`${error.data.error}${description}`) : `HTTP ${response.status}`;
  const options = { httpStatus: response.status, platformCode: error.success ? platformCodeOf(error.data.error) : undefined };
  // Matched on its first word: a platform that appends text to the code still means the grant is gone.
  if (error.success && /^invalid_grant\b/.test(error.data.error)) {
    throw new ExportError('reauth_required', `${platform} refused the refresh token (${reason}): authenticate the connection again`, options);
  }
  if (response.status === 429 || response.status >= 500) {
    throw new ExportError(errorCodeForStatus(response.status), `${platform}'s token endpoint is unavailable (${reason})`, { ...options, retryAfterMs: retryAfterMs(response.headers['retry-after']) });
  }
  throw new ExportError('auth_failed', `${platform} refused the connection's client credentials (${reason})`, options);
}
