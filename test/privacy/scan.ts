import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import type { RecordedRequest } from '../../src/sandbox';

/**
 * Privacy canary scanner (issue 6 §4). Give it the canary emails and secrets (client secrets, refresh
 * tokens, developer tokens, every access token the sandbox issued) and everything a suite produced:
 * texts (log lines, output messages, status texts…), directories (state and token files, scanned as raw
 * bytes), and what the sandbox recorded (paths and bodies; it never records headers or token-endpoint
 * bodies). It returns every place a canary shows up where it must not:
 *  - an email (case-insensitive, trimmed, also URL-encoded, also its unique local part) only in request
 *    bodies `allowEmailIn` accepts (Criteo plain mode's PATCH bodies);
 *  - a secret or token (raw, URL-encoded, hex, base64/base64url at any alignment) nowhere at all: its
 *    own header and the token endpoint are the only legitimate places, and neither is captured.
 */

export interface Canaries {
  emails: ReadonlyArray<string>;
  secrets: ReadonlyArray<string>;
}

export interface LeakSources {
  /** name → captured text (or any value: it is rendered with util.inspect, nothing elided). */
  texts?: Record<string, unknown>;
  /** Every file under these directories, raw bytes. */
  dirs?: ReadonlyArray<string>;
  requests?: ReadonlyArray<RecordedRequest>;
  /** A request whose body may carry a raw canary email (default: none may). */
  allowEmailIn?: (request: RecordedRequest) => boolean;
}

export interface Leak {
  kind: 'email' | 'secret';
  canary: string;
  /** Which form matched: raw, url, local-part, hex, base64… */
  form: string;
  where: string;
  excerpt: string;
}

/** Render anything (circular, Errors, Buffers) in full. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  return inspect(value, { depth: null, maxArrayLength: null, maxStringLength: null, breakLength: Infinity, showHidden: false });
}

interface Pattern {
  kind: Leak['kind'];
  canary: string;
  form: string;
  needle: string;
  caseInsensitive: boolean;
}

/** Base64 (both alphabets) of `value` as it shows inside a longer encoded string, at each of the 3 byte alignments. */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (const shift of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const start = [0, 2, 3][shift];
    const middle = encoded.slice(start, encoded.length - 4);
    if (middle.length >= 8) forms.push(middle, middle.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(forms)];
}

function patternsFor(canaries: Canaries): Pattern[] {
  const patterns: Pattern[] = [];
  for (const raw of canaries.emails) {
    const email = raw.trim().toLowerCase();
    const add = (form: string, needle: string) => patterns.push({ kind: 'email', canary: email, form, needle: needle.toLowerCase(), caseInsensitive: true });
    add('raw', email);
    add('url', encodeURIComponent(email));
    const local = email.slice(0, email.indexOf('@'));
    if (local.length >= 12) add('local-part', local);
  }
  for (const secret of new Set(canaries.secrets)) {
    if (!secret) continue;
    const add = (form: string, needle: string) => patterns.push({ kind: 'secret', canary: secret, form, needle, caseInsensitive: false });
    add('raw', secret);
    if (encodeURIComponent(secret) !== secret) add('url', encodeURIComponent(secret));
    const hex = Buffer.from(secret, 'utf8').toString('hex');
    add('hex', hex);
    patterns.push({ kind: 'secret', canary: secret, form: 'HEX', needle: hex.toUpperCase(), caseInsensitive: false });
    for (const b64 of base64Forms(secret)) add('base64', b64);
  }
  return patterns;
}

function excerptAt(haystack: string, index: number, length: number): string {
  return haystack.slice(Math.max(0, index - 60), index + length + 60).replace(/\s+/g, ' ');
}

function scanText(patterns: Pattern[], text: string, where: string, skipEmails: boolean, leaks: Leak[]): void {
  const lower = text.toLowerCase();
  for (const p of patterns) {
    if (p.kind === 'email' && skipEmails) continue;
    const haystack = p.caseInsensitive ? lower : text;
    const index = haystack.indexOf(p.needle);
    if (index >= 0) leaks.push({ kind: p.kind, canary: p.canary, form: p.form, where, excerpt: excerptAt(text, index, p.needle.length) });
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

export async function scanForLeaks(canaries: Canaries, sources: LeakSources): Promise<Leak[]> {
  const patterns = patternsFor(canaries);
  const leaks: Leak[] = [];
  for (const [name, value] of Object.entries(sources.texts ?? {})) scanText(patterns, render(value), name, false, leaks);
  for (const dir of sources.dirs ?? []) {
    for (const file of await filesUnder(dir)) {
      // A temporary file renamed into place between the listing and the read is read under its final name.
      const bytes = await fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!bytes) continue;
      // latin1 maps every byte to one char: binary files are searched byte for byte.
      scanText(patterns, bytes.toString('latin1'), `file ${path.relative(dir, file) || file}`, false, leaks);
      scanText(patterns, file, `file name ${file}`, false, leaks);
    }
  }
  for (const [i, request] of (sources.requests ?? []).entries()) {
    const label = `request #${i} ${request.method} ${request.path}`;
    scanText(patterns, request.path, `${label} (path)`, false, leaks);
    if (request.body !== undefined) scanText(patterns, request.body, `${label} (body)`, sources.allowEmailIn?.(request) ?? false, leaks);
  }
  return leaks;
}

/** Throws with every leak listed (canary values masked to a prefix). */
export function assertNoLeaks(leaks: ReadonlyArray<Leak>): void {
  if (leaks.length === 0) return;
  const lines = leaks.slice(0, 50).map((l) => `- ${l.kind} ${l.canary.slice(0, 10)}… (${l.form}) in ${l.where}: …${l.excerpt}…`);
  throw new Error(`${leaks.length} canary leak(s):\n${lines.join('\n')}${leaks.length > 50 ? `\n… and ${leaks.length - 50} more` : ''}`);
}

/** A canary email unique to this run, e.g. `canary-3f9a0c1d2b4e@leak-canary.test`. */
export function canaryEmail(): string {
  return `canary-${Math.random().toString(16).slice(2, 10)}${Date.now().toString(16).slice(-6)}@leak-canary.test`;
}
