/**
 * `npm run bench`: the side-by-side benchmark (issue 6). For each platform (Snapchat 1,000,000;
 * Microsoft 500,000; Criteo 1,000,000; Meta 1,000,000 profiles) against the sandbox (its own process) with 100 ms added
 * to every API call and the platform's rate limits on, it measures
 *   (a) this package in a real Node-RED runtime (bench/export.ts's child run),
 *   (b) the flow an integrator builds by hand without it (bench/flows/hand-built-<platform>.json:
 *       Split → Function (normalise + SHA-256) → Join (batch by count) → Function (request body) →
 *       HTTP Request with a token fetched beforehand), in an embedded Node-RED with core nodes only,
 *   (c) a minimal direct script, the floor: hash, batch, axios at the package's concurrency.
 * Every run is a fresh process (its peak RSS is its own) against a fresh sandbox process; runs alternate
 * between the variants, so a slow spell of a shared machine does not fall on one. Prints wall time, profiles/s and peak RSS,
 * medians, and the ratios (a)/(c) and (b)/(a); checks the sandbox holds every identifier after each run.
 * Then the sequence rows (this package only, Snapchat): 2,000,000 profiles as 20 parts, and 10,000,000 as
 * 100 parts added and then mirrored again with 1% changed (bench/sequence.ts): wall time, profiles/s, the
 * longest event-loop stall and peak RSS, the audience checked exact after every phase.
 * Options: --platform NAME (all), --profiles N, --runs N (3), --runs-b N (3), --timeout-b S (600),
 * --latency MS (100), --only a,b,c (none: sequence rows only), --sequences 2m,10m (none), --runs-10m N (1).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import axios from 'axios';
import { CRITEO_SANDBOX, META_SANDBOX, MICROSOFT_ADS_SANDBOX, SNAPCHAT_SANDBOX } from '../src/sandbox';
import { median, memberCount, peakRssMb, prepareUserDir, ROOT, startRuntime, startSandboxProcess, watchEventLoop } from './runtime';
import type { SequenceResult } from './sequence';

interface Platform {
  readonly profiles: number;
  readonly maxBatch: number;
  readonly concurrency: number;
  readonly audiencesPath: string;
  token(url: string): Promise<string>;
  createAudience(url: string, token: string, name: string): Promise<string>;
  headers(token: string): Record<string, string>;
  method: 'POST' | 'PATCH';
  sendUrl(url: string, audienceId: string): string;
  body(audienceId: string, hashes: string[]): string;
  /** What the hand-built flow's Function nodes read from the global context besides url, token and audience. */
  extraGlobals: Record<string, string>;
}

async function postJson(url: string, body: unknown, headers: Record<string, string>): Promise<Record<string, unknown>> {
  let response = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  for (let tries = 0; response.status === 429 && tries < 70; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    response = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function formToken(url: string, form: Record<string, string>): Promise<string> {
  const response = await fetch(url, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no access token from ${url}: HTTP ${response.status}`);
  return body.access_token;
}

const PLATFORMS: Record<string, Platform> = {
  snapchat: {
    profiles: 1_000_000,
    maxBatch: 100_000,
    concurrency: 4,
    audiencesPath: '/_sandbox/snapchat/segments',
    token: (url) =>
      formToken(`${url}${SNAPCHAT_SANDBOX.paths.token}`, { grant_type: 'refresh_token', refresh_token: SNAPCHAT_SANDBOX.refreshToken, client_id: SNAPCHAT_SANDBOX.clientId, client_secret: SNAPCHAT_SANDBOX.clientSecret }),
    async createAudience(url, token, name) {
      const body = await postJson(
        `${url}/v1/adaccounts/${SNAPCHAT_SANDBOX.adAccountId}/segments`,
        { segments: [{ name, description: 'bench', source_type: 'FIRST_PARTY', retention_in_days: 180, ad_account_id: SNAPCHAT_SANDBOX.adAccountId }] },
        { Authorization: `Bearer ${token}` },
      );
      return (body.segments as Array<{ segment: { id: string } }>)[0].segment.id;
    },
    headers: (token) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }),
    method: 'POST',
    sendUrl: (url, id) => `${url}/v1/segments/${id}/users`,
    body: (_id, hashes) => `{"users":[{"schema":["EMAIL_SHA256"],"data":[${hashes.map((h) => `["${h}"]`).join(',')}]}]}`,
    extraGlobals: {},
  },
  'microsoft-ads': {
    profiles: 500_000,
    maxBatch: 1_000,
    concurrency: 8,
    audiencesPath: '/_sandbox/microsoft-ads/audiences',
    token: (url) =>
      formToken(`${url}${MICROSOFT_ADS_SANDBOX.paths.token}`, {
        grant_type: 'refresh_token',
        refresh_token: MICROSOFT_ADS_SANDBOX.refreshToken,
        scope: MICROSOFT_ADS_SANDBOX.scope,
        client_id: MICROSOFT_ADS_SANDBOX.clientId,
        client_secret: MICROSOFT_ADS_SANDBOX.clientSecret,
      }),
    async createAudience(url, token, name) {
      const audience = { Type: 'CustomerList', Name: name, Description: 'bench', Scope: 'Account', ParentId: MICROSOFT_ADS_SANDBOX.accountId, MembershipDuration: 30 };
      const body = await postJson(`${url}/CampaignManagement/v13/Audiences`, { Audiences: [audience] }, PLATFORMS['microsoft-ads'].headers(token));
      return String((body.AudienceIds as string[])[0]);
    },
    headers: (token) => ({
      Authorization: `Bearer ${token}`,
      DeveloperToken: MICROSOFT_ADS_SANDBOX.developerToken,
      CustomerId: MICROSOFT_ADS_SANDBOX.customerId,
      CustomerAccountId: MICROSOFT_ADS_SANDBOX.accountId,
      'Content-Type': 'application/json',
    }),
    method: 'POST',
    sendUrl: (url) => `${url}/CampaignManagement/v13/CustomerListUserData/Apply`,
    body: (id, hashes) =>
      JSON.stringify({ CustomerListUserData: { AcceptCustomerMatchTerm: true, ActionType: 'Add', AudienceId: id, CustomerListItemSubType: 'Email', CustomerListItems: hashes } }),
    extraGlobals: { developerToken: MICROSOFT_ADS_SANDBOX.developerToken, customerId: MICROSOFT_ADS_SANDBOX.customerId, accountId: MICROSOFT_ADS_SANDBOX.accountId },
  },
  criteo: {
    profiles: 1_000_000,
    maxBatch: 50_000,
    concurrency: 4,
    audiencesPath: '/_sandbox/criteo/segments',
    token: (url) => formToken(`${url}${CRITEO_SANDBOX.paths.token}`, { grant_type: 'client_credentials', client_id: CRITEO_SANDBOX.clientId, client_secret: CRITEO_SANDBOX.clientSecret }),
    async createAudience(url, token, name) {
      const body = await postJson(
        `${url}${CRITEO_SANDBOX.paths.api}/audience-segments/create`,
        { data: [{ type: 'AudienceSegment', attributes: { advertiserId: CRITEO_SANDBOX.advertiserId, name, description: 'bench', contactList: {} } }] },
        { Authorization: `Bearer ${token}` },
      );
      return String((body.data as Array<{ id: string }>)[0].id);
    },
    headers: (token) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }),
    method: 'PATCH',
    sendUrl: (url, id) => `${url}${CRITEO_SANDBOX.paths.api}/audience-segments/${id}/contact-list`,
    body: (_id, hashes) => JSON.stringify({ data: { type: 'ContactlistAmendment', attributes: { operation: 'add', identifierType: 'email', identifiers: hashes } } }),
    extraGlobals: {},
  },
  meta: {
    profiles: 1_000_000,
    maxBatch: 10_000,
    concurrency: 4,
    audiencesPath: '/_sandbox/meta/audiences',
    // A system-user token: nothing to fetch (Meta has no token grant for it).
    token: () => Promise.resolve(META_SANDBOX.accessToken),
    async createAudience(url, token, name) {
      const body = await postJson(
        `${url}/${META_SANDBOX.apiVersion}/act_${META_SANDBOX.adAccountId}/customaudiences`,
        { name, subtype: 'CUSTOM', description: 'bench', customer_file_source: 'USER_PROVIDED_ONLY' },
        { Authorization: `Bearer ${token}` },
      );
      return String(body.id);
    },
    headers: (token) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }),
    method: 'POST',
    sendUrl: (url, id) => `${url}/${META_SANDBOX.apiVersion}/${id}/users`,
    body: (_id, hashes) => JSON.stringify({ payload: { schema: ['EMAIL'], data: hashes.map((hash) => [hash]) } }),
    extraGlobals: {},
  },
};

interface RunResult {
  seconds: number;
  peakRssMb: number;
  held: number;
  /** Longest event-loop stall during the timed span, in ms. */
  longestStallMs: number;
  /** (b) only: requests answered and how many with a 2xx. */
  requests?: number;
  ok?: number;
  timedOut?: boolean;
}

const { values } = parseArgs({
  options: {
    platform: { type: 'string' },
    profiles: { type: 'string' },
    runs: { type: 'string', default: '3' },
    'runs-b': { type: 'string', default: '3' },
    'timeout-b': { type: 'string', default: '600' },
    latency: { type: 'string', default: '100' },
    only: { type: 'string', default: 'a,b,c' },
    /** The sequence rows (this package only): 2m, 10m, both (default) or none. */
    sequences: { type: 'string', default: '2m,10m' },
    'runs-10m': { type: 'string', default: '1' },
    child: { type: 'string' },
    sandbox: { type: 'string' },
  },
});

function generateProfiles(count: number): Array<{ id: number; contact: { email: string } }> {
  const tag = `${process.pid}-${Date.now()}`;
  return Array.from({ length: count }, (_, i) => ({ id: i, contact: { email: `customer${i}.${tag}@example.com` } }));
}

/** (c) the floor: token, audience, hash, batch, send with axios at the package's concurrency. Everything timed. */
async function runDirect(platform: Platform, count: number, url: string): Promise<RunResult> {
  let profiles: Array<{ contact: { email: string } }> | undefined = generateProfiles(count);
  const stopWatching = await watchEventLoop();
  const started = performance.now();
  const token = await platform.token(url);
  const audienceId = await platform.createAudience(url, token, `Direct ${process.pid}-${Date.now()}`);
  const hashes = profiles.map((p) => createHash('sha256').update(p.contact.email.trim().toLowerCase()).digest('hex'));
  profiles = undefined;
  const client = axios.create({ httpAgent: new http.Agent({ keepAlive: true }), maxBodyLength: Infinity, maxContentLength: Infinity, validateStatus: () => true });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < hashes.length) {
      const batch = hashes.slice(next, next + platform.maxBatch);
      next += platform.maxBatch;
      const body = platform.body(audienceId, batch);
      for (;;) {
        const response = await client.request({ method: platform.method, url: platform.sendUrl(url, audienceId), headers: platform.headers(token), data: body });
        if (response.status === 429) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        }
        if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}: ${String(response.data).slice(0, 200)}`);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: platform.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const longestStallMs = stopWatching();
  const held = await memberCount(url, platform.audiencesPath, audienceId);
  return { seconds, peakRssMb: peakRssMb(), held, longestStallMs };
}

/** (b) the hand-built flow in an embedded Node-RED with core nodes only. Token and audience made beforehand (untimed). */
async function runHandBuilt(name: string, platform: Platform, count: number, url: string): Promise<RunResult> {
  const flows = JSON.parse(await fs.readFile(path.join(ROOT, 'bench', 'flows', `hand-built-${name}.json`), 'utf8')) as unknown[];
  const token = await platform.token(url);
  const audienceId = await platform.createAudience(url, token, `Hand-built ${process.pid}-${Date.now()}`);
  const userDir = await prepareUserDir();
  let finish: (outcome: { requests: number; ok: number }) => void = () => undefined;
  const expectedRequests = Math.ceil(count / platform.maxBatch);
  const bench = { url, token, audienceId, expectedRequests, done: (outcome: { requests: number; ok: number }) => finish(outcome), ...platform.extraGlobals };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtime = await startRuntime(userDir, flows, {}, { bench, crypto: require('node:crypto') });
  let payload: unknown[] | undefined = generateProfiles(count);
  const stopWatching = await watchEventLoop();
  const started = performance.now();
  const timeoutMs = Number(values['timeout-b']) * 1000;
  const outcome = await new Promise<{ requests: number; ok: number } | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    finish = (result) => {
      clearTimeout(timer);
      resolve(result);
    };
    runtime.getNode('hb-split').receive({ payload });
    payload = undefined;
  });
  const seconds = (performance.now() - started) / 1000;
  const longestStallMs = stopWatching();
  const held = await memberCount(url, platform.audiencesPath, audienceId);
  return { seconds, peakRssMb: peakRssMb(), held, longestStallMs, requests: outcome?.requests, ok: outcome?.ok, timedOut: !outcome };
}

function runChild(args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24, timeout: timeoutMs }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) {
        reject(new Error(`the run printed no result${error ? ` (${error.message})` : ''}\n${stderr.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line.slice(7)) as RunResult);
    });
  });
}

interface Variant {
  key: 'a' | 'b' | 'c';
  label: string;
  runs: number;
  args: (sandboxUrl: string, name: string, count: number) => string[];
}

const VARIANTS: Variant[] = [
  {
    key: 'a',
    label: '(a) this package in Node-RED',
    runs: Number(values.runs),
    args: (url, name, count) => [...process.execArgv, path.join(__dirname, 'export.ts'), '--child', url, '--platform', name, '--profiles', String(count)],
  },
  {
    key: 'b',
    label: '(b) hand-built flow (core nodes)',
    runs: Number(values['runs-b']),
    args: (url, name, count) => [...process.execArgv, __filename, '--child', 'b', '--sandbox', url, '--platform', name, '--profiles', String(count), '--timeout-b', values['timeout-b'] ?? '600'],
  },
  {
    key: 'c',
    label: '(c) direct script (floor)',
    runs: Number(values.runs),
    args: (url, name, count) => [...process.execArgv, __filename, '--child', 'c', '--sandbox', url, '--platform', name, '--profiles', String(count)],
  },
];

interface Row {
  platform: string;
  profiles: number;
  variant: string;
  seconds: number;
  peakRssMb: number;
  longestStallMs: number;
  runs: number[];
  lowerBound: boolean;
}

async function benchPlatform(name: string, count: number): Promise<Row[]> {
  const latency = values.latency ?? '100';
  console.log(`\n${name}: ${count.toLocaleString('en-US')} profiles, sandbox latency ${latency} ms per call, rate limits on, Node ${process.version}`);
  const wanted = VARIANTS.filter((v) => new Set((values.only ?? 'a,b,c').split(',')).has(v.key));
  const results = new Map<string, RunResult[]>(wanted.map((v) => [v.key, []]));
  const lowerBound = new Set<string>();
  // Runs alternate between the variants (a, b, c, a, b, c, …) so that a slow spell of a shared
  // machine falls on all of them alike instead of on one variant's block of runs.
  const rounds = Math.max(...wanted.map((v) => v.runs));
  for (let run = 1; run <= rounds; run++) {
    for (const variant of wanted) {
      const done = results.get(variant.key) ?? [];
      if (run > variant.runs || lowerBound.has(variant.key)) continue;
      const timeoutMs = variant.key === 'b' ? (Number(values['timeout-b']) + 120) * 1000 : 30 * 60_000;
      // A fresh sandbox per run: every run starts with the platform's full quota and an empty store.
      const sandbox = await startSandboxProcess(['--quiet', '--latency', latency]);
      const result = await runChild(variant.args(sandbox.url, name, count), timeoutMs).finally(() => sandbox.stop());
      done.push(result);
      const complete = result.held === count;
      console.log(
        `  ${variant.label} run ${run}: ${result.timedOut ? '> ' : ''}${result.seconds.toFixed(2)} s, ${Math.round(count / result.seconds).toLocaleString('en-US')} profiles/s, ` +
          `peak RSS ${result.peakRssMb} MB, longest event-loop stall ${result.longestStallMs} ms, sandbox holds ${result.held.toLocaleString('en-US')}${result.requests !== undefined ? `, ${result.ok}/${result.requests} requests 2xx` : ''}${result.timedOut ? ' (timed out)' : ''}`,
      );
      if (variant.key !== 'b' && !complete) throw new Error(`${variant.label}: the sandbox holds ${result.held} identifiers, expected ${count}`);
      // A timed-out or incomplete (b) is reported as a lower bound; no more runs are spent on it.
      if (variant.key === 'b' && (result.timedOut || !complete)) lowerBound.add(variant.key);
    }
  }
  const rows: Row[] = [];
  for (const variant of wanted) {
    const done = results.get(variant.key) ?? [];
    const seconds = median(done.map((r) => r.seconds));
    const row: Row = {
      platform: name,
      profiles: count,
      variant: variant.key,
      seconds,
      peakRssMb: median(done.map((r) => r.peakRssMb)),
      longestStallMs: median(done.map((r) => r.longestStallMs)),
      runs: done.map((r) => r.seconds),
      lowerBound: lowerBound.has(variant.key),
    };
    rows.push(row);
    console.log(`  ${variant.label} median of ${done.length}: ${row.lowerBound ? '≥ ' : ''}${seconds.toFixed(2)} s, ${Math.round(count / seconds).toLocaleString('en-US')} profiles/s, peak RSS ${row.peakRssMb} MB`);
  }
  return rows;
}

function report(rows: Row[]): void {
  console.log('\n| platform | profiles | variant | wall time (median) | runs | profiles/s | peak RSS | longest event-loop stall |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const label = VARIANTS.find((v) => v.key === row.variant)?.label ?? row.variant;
    console.log(
      `| ${row.platform} | ${row.profiles.toLocaleString('en-US')} | ${label} | ${row.lowerBound ? '≥ ' : ''}${row.seconds.toFixed(2)} s | ${row.runs.map((s) => s.toFixed(2)).join(' / ')} | ` +
        `${row.lowerBound ? '≤ ' : ''}${Math.round(row.profiles / row.seconds).toLocaleString('en-US')} | ${row.peakRssMb} MB | ${row.longestStallMs} ms |`,
    );
  }
  console.log('\n| platform | (a)/(c) (target ≤ 1.25) | (b)/(a) (target ≥ 10) | peak RSS (a) (target < 600 MB for 1M) |');
  console.log('|---|---|---|---|');
  for (const name of [...new Set(rows.map((r) => r.platform))]) {
    const get = (key: string): Row | undefined => rows.find((r) => r.platform === name && r.variant === key);
    const a = get('a');
    const b = get('b');
    const c = get('c');
    const ac = a && c ? (a.seconds / c.seconds).toFixed(2) : 'n/a';
    const ba = a && b ? `${b.lowerBound ? '≥ ' : ''}${(b.seconds / a.seconds).toFixed(1)}` : 'n/a';
    console.log(`| ${name} | ${ac} | ${ba} | ${a ? `${a.peakRssMb} MB` : 'n/a'} |`);
  }
}

async function main(): Promise<void> {
  if (values.child) {
    const name = values.platform ?? '';
    const platform = PLATFORMS[name];
    const count = Number(values.profiles);
    const result = values.child === 'b' ? await runHandBuilt(name, platform, count, values.sandbox ?? '') : await runDirect(platform, count, values.sandbox ?? '');
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    return;
  }
  const names = values.platform ? [values.platform] : values.only === 'none' ? [] : Object.keys(PLATFORMS);
  const rows: Row[] = [];
  for (const name of names) {
    if (!PLATFORMS[name]) throw new Error(`unknown platform ${name}: one of ${Object.keys(PLATFORMS).join(', ')}`);
    rows.push(...(await benchPlatform(name, Number(values.profiles ?? PLATFORMS[name].profiles))));
  }
  if (rows.length > 0) report(rows);
  const sequences = new Set((values.sequences ?? '').split(','));
  if (sequences.has('2m')) await benchSequence({ profiles: 2_000_000, parts: 20, mode: 'mirror', rerunChanged: 0, runs: Number(values.runs) });
  if (sequences.has('10m')) await benchSequence({ profiles: 10_000_000, parts: 100, mode: 'add', rerunChanged: 1, runs: Number(values['runs-10m']) });
}

interface SequenceRow {
  readonly profiles: number;
  readonly parts: number;
  readonly mode: string;
  /** Percent of the profiles replaced for a mirror re-run (0: none). */
  readonly rerunChanged: number;
  readonly runs: number;
}

/**
 * A segment too big for one message, as a msg.parts sequence into this package in Node-RED (bench/sequence.ts),
 * to Snapchat with the same latency: each run a fresh process and sandbox.
 */
async function benchSequence(row: SequenceRow): Promise<void> {
  const latency = values.latency ?? '100';
  const title = `snapchat: ${row.profiles.toLocaleString('en-US')} profiles as ${row.parts} parts, ${row.mode}${row.rerunChanged ? `, then a mirror re-run with ${row.rerunChanged}% changed` : ''}`;
  console.log(`\n${title}; sandbox latency ${latency} ms per call, rate limits on, Node ${process.version}`);
  const results: SequenceResult[] = [];
  for (let run = 1; run <= row.runs; run++) {
    const sandbox = await startSandboxProcess(['--quiet', '--latency', latency]);
    const args = [...process.execArgv, path.join(__dirname, 'sequence.ts'), '--sandbox', sandbox.url, '--profiles', String(row.profiles), '--parts', String(row.parts), '--mode', row.mode, '--rerun-changed', String(row.rerunChanged)];
    const result = await runSequenceChild(args).finally(() => sandbox.stop());
    results.push(result);
    const phases = result.phases.map(
      (phase) => `${phase.mode} ${phase.seconds.toFixed(2)} s (${Math.round(row.profiles / phase.seconds).toLocaleString('en-US')} profiles/s, +${phase.added.toLocaleString('en-US')} −${phase.removed.toLocaleString('en-US')}, longest stall ${phase.longestStallMs} ms, sandbox holds ${phase.held.toLocaleString('en-US')})`,
    );
    console.log(`  run ${run}: ${phases.join('; ')}; peak RSS ${result.peakRssMb} MB, heap after GC ${result.heapAfterMb} MB`);
  }
  console.log('\n| segment | phase | wall time (median) | runs | profiles/s | longest event-loop stall | peak RSS (whole run) |');
  console.log('|---|---|---|---|---|---|---|');
  const phaseCount = results[0]?.phases.length ?? 0;
  for (let index = 0; index < phaseCount; index++) {
    const times = results.map((result) => result.phases[index].seconds);
    const seconds = median(times);
    console.log(
      `| ${row.profiles.toLocaleString('en-US')} as ${row.parts} parts | ${results[0].phases[index].mode} | ${seconds.toFixed(2)} s | ${times.map((t) => t.toFixed(2)).join(' / ')} | ` +
        `${Math.round(row.profiles / seconds).toLocaleString('en-US')} | ${median(results.map((result) => result.phases[index].longestStallMs))} ms | ${median(results.map((result) => result.peakRssMb))} MB |`,
    );
  }
}

function runSequenceChild(args: string[]): Promise<SequenceResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 60 * 60_000 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) {
        reject(new Error(`the sequence run printed no result${error ? ` (${error.message})` : ''}\n${stderr.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line.slice(7)) as SequenceResult);
    });
  });
}

main().then(
  // Node-RED leaves timers behind: exit once stdout has drained.
  () => process.stdout.write('', () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.stdout.write('', () => process.exit(1));
  },
);
