/**
 * Last line of defence for text that came from outside (a platform's error message, an exception):
 * whatever a platform echoes back must not carry an email, a token or a secret into a log, a
 * status, an error or an output message. Known secrets are registered by the connections.
 */

const EMAIL = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const SECRET_PARAM =
  /\b(access_token|refresh_token|client_secret|code|id_token|developer_?token|password|authorization)(["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi;
const MAX_LENGTH = 300;

const knownSecrets = new Set<string>();

/** Register a secret value (client secret, refresh or access token) so it is masked wherever it shows up. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) knownSecrets.add(value);
}

export function forgetSecret(value: string | undefined): void {
  if (value) knownSecrets.delete(value);
}

/** Mask emails, bearer tokens, secret-looking parameters and registered secrets; cap the length. */
export function redact(text: string, options: { readonly maxLength?: number } = {}): string {
  const maxLength = options.maxLength ?? MAX_LENGTH;
  let out = text.length > 4 * maxLength ? text.slice(0, 4 * maxLength) : text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join('[secret]');
  }
  out = out.replace(BEARER, '$1 [secret]').replace(SECRET_PARAM, '$1$2[secret]').replace(EMAIL, '[email]');
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out;
}
