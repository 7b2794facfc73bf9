import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256Hex } from '../../src/core/email';
import type { ExportSummary } from '../../src/core/export-run';
import { type Sandbox, SNAPCHAT_SANDBOX } from '../../src/sandbox';
import { coreNode, type FlowNode, helper, packageNodes, snapchatCredentials, useSandboxRuntime } from './harness';

/**
 * What real upstream nodes send (issue "Real inputs, real answers"): the core File-in, CSV, Split and
 * Join nodes of the runtime under test, wired in front of an export node the way Node-RED users build
 * segments, against the sandbox. Each flow must give exactly one summary and an exact audience.
 */
const CORE = ['common/20-inject.js', 'storage/10-file.js', 'parsers/70-CSV.js', 'sequence/17-split.js', 'common/25-catch.js'].map(coreNode);
const ROWS = Number(process.env.UPSTREAM_ROWS ?? 200_000);

interface Probe {
  on(event: 'input', listener: (msg: { payload: ExportSummary; error?: { message: string; code?: string } }) => void): void;
}

/** A CSV export of a CDP segment: a header, an address column named as CSV headers name it, quoted commas. */
async function csvFile(rows: number, finalNewline: boolean): Promise<{ file: string; emails: string[] }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-csv-'));
  const file = path.join(dir, 'segment.csv');
  const emails = Array.from({ length: rows }, (_, i) => `member${i}@example.com`);
  const lines = ['id,E-Mail Address,Full Name,Note', ...emails.map((email, i) => `${i},"${i % 7 === 0 ? email.toUpperCase() : email}","Member, Number ${i}","likes a, b and c"`)];
  await fs.writeFile(file, lines.join('\n') + (finalNewline ? '\n' : ''));
  return { file, emails };
}

describe('upstream core nodes → export (a real runtime against the sandbox)', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  useSandboxRuntime({}, { set: (started) => (sandbox = started), get: () => sandbox });

  /** inject → …upstream → export (Snapchat, the sandbox) → summaries probe; Catch → errors probe. */
  async function run(upstream: FlowNode[], exportProps: Record<string, unknown>, inject: Record<string, unknown> = {}): Promise<{ summaries: ExportSummary[]; errors: string[] }> {
    const flow: FlowNode[] = [
      { id: 'tab', type: 'tab', label: 'upstream' },
      { id: 'conn', type: 'snapchat-connection', name: 'sandbox', consent: true, scope: 'administrators', authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url },
      { id: 'inj', type: 'inject', z: 'tab', props: [{ p: 'topic', vt: 'str' }], topic: 'Uploaded segment', x: 50, y: 50, wires: [[upstream[0]?.id ?? 'exp']], ...inject },
      ...upstream.map((node, i) => ({ z: 'tab', x: 150 + 100 * i, y: 50, ...node, wires: [[upstream[i + 1]?.id ?? 'exp']] })),
      { id: 'exp', type: 'snapchat-audience', z: 'tab', x: 600, y: 50, connection: 'conn', adAccountId: SNAPCHAT_SANDBOX.adAccountId, mode: 'mirror', wires: [[], ['summaries']], ...exportProps },
      { id: 'summaries', type: 'helper', z: 'tab', x: 800, y: 50 },
      { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, x: 50, y: 200, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab', x: 200, y: 200 },
    ];
    await helper.load([...packageNodes, ...CORE], flow, snapchatCredentials());
    const summaries: ExportSummary[] = [];
    const errors: string[] = [];
    (helper.getNode('summaries') as unknown as Probe).on('input', (msg) => summaries.push(msg.payload));
    (helper.getNode('caught') as unknown as Probe).on('input', (msg) => errors.push(`${msg.error?.code}: ${msg.error?.message}`));
    (helper.getNode('inj') as unknown as { receive(msg: object): void }).receive({});
    const deadline = Date.now() + 100_000;
    while (summaries.length + errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for a second summary, if one were coming
    return { summaries, errors };
  }

  const members = (summary: ExportSummary) => new Set(sandbox.snapchat.members(summary.audienceId ?? ''));
  const hashes = (emails: string[]) => new Set(emails.map((email) => sha256Hex(email)));

  for (const finalNewline of [true, false]) {
    it(`File-in (a msg per line) → CSV (first row = header) → export: one summary, exact audience, ${finalNewline ? 'with' : 'without'} a final newline`, async () => {
      const { file, emails } = await csvFile(ROWS, finalNewline);
      const { summaries, errors } = await run(
        [
          { id: 'read', type: 'file in', filename: file, filenameType: 'str', format: 'lines', chunk: false, sendError: false, encoding: 'none', allProps: false },
          { id: 'csv', type: 'csv', spec: 'rfc', sep: ',', hdrin: true, hdrout: 'none', multi: 'one', ret: '\\r\\n', temp: '', skip: '0', strings: true, include_empty_strings: '', include_null_values: '' },
        ],
        { emailField: 'E-Mail Address' },
      );
      assert.deepEqual(errors, []);
      assert.equal(summaries.length, 1, `exactly one summary (got ${summaries.length})`);
      const [summary] = summaries;
      assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
      assert.equal(summary.segment, 'Uploaded segment');
      assert.deepEqual({ profiles: summary.profiles, invalid: summary.invalid, added: summary.added }, { profiles: ROWS, invalid: 0, added: ROWS });
      assert.deepEqual(members(summary), hashes(emails));
    });
  }

  it('File-in (whole file) → CSV ("a single message [array]") → export', async () => {
    const { file, emails } = await csvFile(5000, true);
    const { summaries, errors } = await run(
      [
        { id: 'read', type: 'file in', filename: file, filenameType: 'str', format: 'utf8', chunk: false, sendError: false, encoding: 'none', allProps: false },
        { id: 'csv', type: 'csv', spec: 'rfc', sep: ',', hdrin: true, hdrout: 'none', multi: 'mult', ret: '\\r\\n', temp: '', skip: '0', strings: true, include_empty_strings: '', include_null_values: '' },
      ],
      { emailField: 'E-Mail Address' },
    );
    assert.deepEqual(errors, []);
    assert.equal(summaries.length, 1);
    assert.equal(summaries[0].added, 5000);
    assert.deepEqual(members(summaries[0]), hashes(emails));
  });

  for (const [label, arraySplt] of [
    ['into single objects', 1],
    ['by 1,000', 1000],
  ] as const) {
    it(`Split of an array ${label} → export, with a property expression for the field`, async () => {
      const emails = Array.from({ length: 3000 }, (_, i) => `split${i}@example.com`);
      const profiles = JSON.stringify(emails.map((email, i) => ({ id: i, contact: { 'e-mail': email } })));
      const { summaries, errors } = await run(
        [{ id: 'split', type: 'split', splt: '\\n', spltType: 'str', arraySplt, arraySpltType: 'len', stream: false, addname: '' }],
        { emailField: 'contact["e-mail"]' },
        { props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], payload: profiles, payloadType: 'json' },
      );
      assert.deepEqual(errors, []);
      assert.equal(summaries.length, 1);
      assert.equal(summaries[0].added, 3000);
      assert.deepEqual(members(summaries[0]), hashes(emails));
    });
  }

  it('a CSV text handed over as it is gets an error that points to the CSV node; one object is one profile', async () => {
    const { summaries, errors } = await run([], { emailField: 'E-Mail Address' }, { props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], payload: 'id,E-Mail Address\n1,a@example.com', payloadType: 'str' });
    assert.equal(summaries[0]?.error?.code, 'invalid_input');
    assert.match(summaries[0]?.error?.message ?? '', /looks like CSV\. Put a CSV node before this node/);
    assert.equal(errors.length, 1);
    await helper.unload();
    const single = await run([], { emailField: 'E-Mail Address' }, { props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], payload: '{"E-Mail Address":"one@example.com"}', payloadType: 'json' });
    assert.equal(single.summaries[0]?.status, 'completed', JSON.stringify(single.summaries[0]?.error));
    assert.equal(single.summaries[0]?.added, 1);
  });

  it('File-in (a msg per line) straight into the export: a CSV file is refused with the way to read it, nothing sent; a list of addresses works, its heading one invalid row', async () => {
    const { file } = await csvFile(3000, true);
    const read = { id: 'read', type: 'file in', filename: file, filenameType: 'str', format: 'lines', chunk: false, sendError: false, encoding: 'none', allProps: false };
    const csv = await run([read], { emailField: 'E-Mail Address' });
    assert.equal(csv.summaries.length, 1, 'one failed summary for the file');
    assert.equal(csv.summaries[0].error?.code, 'invalid_input');
    assert.match(csv.summaries[0].error?.message ?? '', /looks like CSV\. Put a CSV node before this node/);
    assert.equal(sandbox.recorder.requests.filter((r) => r.path.endsWith('/users')).length, 0, 'no row was hashed as an address');
    await helper.unload();

    const list = path.join(path.dirname(file), 'list.txt');
    const emails = Array.from({ length: 3000 }, (_, i) => `listed${i}@example.com`);
    await fs.writeFile(list, ['email', ...emails].join('\n') + '\n');
    const listed = await run([{ ...read, filename: list }], { emailField: 'email' });
    assert.equal(listed.summaries.length, 1);
    assert.equal(listed.summaries[0].status, 'completed', JSON.stringify(listed.summaries[0].error));
    assert.deepEqual({ profiles: listed.summaries[0].profiles, invalid: listed.summaries[0].invalid }, { profiles: 3001, invalid: 1 });
    assert.deepEqual(members(listed.summaries[0]), hashes(emails));
  });
});
