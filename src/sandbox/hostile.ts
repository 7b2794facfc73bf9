/**
 * Hostile mode, for the package's privacy and security tests: a platform that echoes secrets and HTML.
 * With `on`, every text field of every error answer carries an echo of the request that caused it (its
 * Authorization, DeveloperToken and CustomerId headers, query string and body, raw and URL-decoded)
 * plus markup that counts in `window.__hostile` when rendered unescaped; with `names`, audience names in
 * listings and creations come back as HTML. Statuses, field names and numbers stay as in normal mode,
 * so a client classifies each error the same way — it must just never trust the text.
 *
 * The server runs every platform request inside `HostileMode.run`, which keeps that request's echo in
 * an AsyncLocalStorage; envelope builders pass each text through hostileText() and need no request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';

export const HOSTILE_IMG = '<img src=x onerror="window.__hostile=(window.__hostile||0)+1">';
export const HOSTILE_SCRIPT = '<script>window.__hostile=(window.__hostile||0)+1</script>';

/** How much of the body, the query string and each header is echoed (each raw and decoded). */
export const ECHO_CHARS = 2000;
/** Node clients refuse more than 16 KiB of headers in all; an echoed header stays well below. */
const HEADER_ECHO_CHARS = 8000;
/** Request headers that carry credentials on one platform or another (names as Node lowercases them). */
const ECHOED_HEADERS = ['authorization', 'developertoken', 'customerid', 'customeraccountid'] as const;

export interface HostileSettings {
  /** Error answers echo the request and carry HTML. */
  on: boolean;
  /** Audience/segment names in listings and creations come back as HTML plus the real name. */
  names: boolean;
}

/** What one request sees; undefined (no scope) means normal answers. */
interface Scope {
  readonly echo: string | undefined;
  readonly names: boolean;
}

/** The parts of a request that are echoed. */
export interface EchoSource {
  /** Path and query string as sent. */
  readonly rawUrl: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const current = new AsyncLocalStorage<Scope | undefined>();

export class HostileMode {
  private settings: HostileSettings;

  constructor(private readonly initial: HostileSettings) {
    this.settings = { ...initial };
  }

  /** The whole state: `names` left out means off. */
  set(next: { on: boolean; names?: boolean }): void {
    this.settings = { on: next.on, names: next.names ?? false };
  }

  get(): HostileSettings {
    return { ...this.settings };
  }

  /** Back to what the sandbox was started with (SandboxOptions.hostile / hostileNames). */
  reset(): void {
    this.settings = { ...this.initial };
  }

  /**
   * Runs `fn` (one request's whole answer) with that request's scope, fixed when it arrives. `source`
   * undefined — control routes — always answers normally.
   */
  run<T>(source: EchoSource | undefined, fn: () => T): T {
    const { on, names } = this.settings;
    const scope = source && (on || names) ? { echo: on ? buildEcho(source) : undefined, names } : undefined;
    return current.run(scope, fn);
  }
}

/**
 * One text field of an error answer: as is in normal mode; in hostile mode the normal text followed by
 * the echo (a null field — Microsoft's Details, FieldPath — becomes the echo alone).
 */
export function hostileText(normal: string): string;
export function hostileText(normal: string | null): string | null;
export function hostileText(normal: string | null): string | null {
  const echo = current.getStore()?.echo;
  if (echo === undefined) return normal;
  return normal === null ? echo : `${normal} ${echo}`;
}

/** hostileText for a response header: printable ASCII only (Node refuses the rest) and bounded. */
export function hostileHeader(normal: string): string {
  const echo = current.getStore()?.echo;
  if (echo === undefined) return normal;
  return `${normal} ${echo}`.replace(/[^\x20-\x7e]/g, ' ').slice(0, HEADER_ECHO_CHARS);
}

/** An audience name as a listing or creation answer shows it. */
export function hostileName(name: string): string {
  return current.getStore()?.names ? `${HOSTILE_IMG}${name}` : name;
}

function buildEcho(source: EchoSource): string {
  const parts = [HOSTILE_IMG + HOSTILE_SCRIPT];
  // Raw and decoded both, so a secret shows up as sent (%-encoded) and as itself; once when they agree.
  const add = (label: string, raw: string): void => {
    if (raw === '') return;
    const clipped = raw.slice(0, ECHO_CHARS);
    parts.push(`${label}=${clipped}`);
    const decoded = urlDecode(clipped);
    if (decoded !== clipped) parts.push(`${label}(decoded)=${decoded}`);
  };
  for (const name of ECHOED_HEADERS) {
    const value = source.headers[name];
    const raw = Array.isArray(value) ? value.join(', ') : (value ?? '');
    add(name, raw);
    const basic = name === 'authorization' ? /^Basic\s+(\S+)/i.exec(raw) : null;
    if (basic) add('authorization(basic)', Buffer.from(basic[1], 'base64').toString('utf8'));
  }
  const q = source.rawUrl.indexOf('?');
  add('query', q < 0 ? '' : source.rawUrl.slice(q + 1));
  // 4 bytes a character at most: enough bytes for ECHO_CHARS characters without decoding a 7 MB body.
  add('body', source.body.subarray(0, ECHO_CHARS * 4).toString('utf8'));
  return parts.join(' ');
}

/** Form/URL decoding that keeps malformed %-escapes as they are instead of giving up on the whole text. */
function urlDecode(value: string): string {
  return value.replace(/\+/g, ' ').replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
