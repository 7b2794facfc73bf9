/**
 * Last line of defence for text that came from outside (a platform's error message, an exception):
 * whatever a platform echoes back must not carry an email, a token or a secret into a log, a
 * status, an error or an output message. A hostile platform may echo the request whole, so the
 * secrets a connection holds are masked as sent and as URL-encoded, anything with an `@` is masked
 * whole, and long token-like runs are masked even when nobody registered them.
 */

/** Markup a platform may put in its text: never passed on (something downstream might render it). */
const TAG = /<\/?[A-Za-z!][^>]{0,500}>/g;
/** Any run of non-space text with an `@` in it: an address however it is quoted or embedded. */
const EMAIL = /\S*@\S*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=%-]+/gi;
const SECRET_PARAM =
  /\b(access_token|refresh_token|client_secret|code|id_token|developer_?token|fb_exchange_token|input_token|appsecret_proof|password|authorization)(["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi;
/** Long runs of token characters with letters and digits: unregistered tokens, keys, signatures. */
const TOKEN_LIKE = /[A-Za-z0-9._~+/=%-]{40,}/g;
const MAX_LENGTH = 300;

/** Secrets masked wherever they show up, counted by how many holders hold them (connections, sign-ins, token managers). */
const held = new Map<string, number>();

/**
 * Hold secret values (client secret, refresh, access or developer token) for masking until the
 * returned function is called: a connection holds its secrets while it is open, a sign-in while it
 * is pending, so the registry stays as small as what is in use.
 */
export function holdSecrets(values: Iterable<string | undefined>): () => void {
  const forms: string[] = [];
  for (const value of values) {
    if (!value || value.length < 6) continue;
    forms.push(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) forms.push(encoded);
  }
  for (const form of forms) held.set(form, (held.get(form) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const form of forms) {
      const count = (held.get(form) ?? 1) - 1;
      if (count <= 0) held.delete(form);
      else held.set(form, count);
    }
  };
}

/** How many secret forms are held (tests: the registry does not grow with every request). */
export function heldSecretCount(): number {
  return held.size;
}

/** Drop markup; mask emails, bearer tokens, secret-looking parameters, long token-like runs and held secrets; cap the length. */
export function redact(text: string, options: { readonly maxLength?: number } = {}): string {
  const maxLength = options.maxLength ?? MAX_LENGTH;
  let out = text.length > 4 * maxLength ? text.slice(0, 4 * maxLength) : text;
  for (const secret of held.keys()) {
    if (out.includes(secret)) out = out.split(secret).join('[secret]');
  }
  out = out
    .replace(TAG, '')
    .replace(BEARER, '$1 [secret]')
    .replace(SECRET_PARAM, '$1$2[secret]')
    .replace(EMAIL, '[email]')
    .replace(TOKEN_LIKE, (run) => (/[A-Za-z]/.test(run) && /\d/.test(run) ? '[secret]' : run));
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out;
}

/**
 * A platform's error code, kept only when it looks like one (`E3002`, `117`, `name-must-be-unique`,
 * `invalid_grant`): a hostile platform may put anything in a code field, and codes are shown as they are.
 */
export function platformCodeOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  return /^[A-Za-z0-9_.-]{1,40}$/.test(value) && redact(value) === value ? value : undefined;
}
