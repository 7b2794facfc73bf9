import assert from 'node:assert/strict';
import { type Sandbox, SNAPCHAT_SANDBOX, startSandbox } from '../../src/sandbox';
import { type Embedded, startEmbedded } from '../security/embedded';

/**
 * What a Catch node reads when a guard refuses a run, in a real Node-RED with its catalogues loaded
 * (the test helper has none): the sentences of the issue "Safe runs", with their counts, in the
 * runtime's language and with the plural the count takes.
 */
const profiles = (count: number, from = 0) => Array.from({ length: count }, (_, i) => ({ id: from + i, email: `person${from + i}@example.com`, name: `P${i}` }));

describe('the sentence at Catch, in a runtime with its catalogues', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let runtime: Embedded | undefined;

  before(async () => {
    sandbox = await startSandbox({ rateLimit: false });
  });
  afterEach(async () => {
    await runtime?.stop();
  });
  after(async () => {
    await sandbox?.close();
  });

  /** Injects `inj-<n>` feed the exports; a Catch node writes each `msg.error` as a line of the summaries file. */
  function flow(exports: Array<{ id: string; emailField?: string; mode?: string }>, injects: Array<{ target: string; payload: unknown }>) {
    return [
      { id: 'tab', type: 'tab', label: 'catch' },
      { id: 'conn', type: 'snapchat-connection', name: 'c', scope: 'contributors', consent: true, authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url, credentials: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken } },
      ...exports.map((exporter, i) => ({ type: 'snapchat-audience', z: 'tab', name: '', connection: 'conn', adAccountId: SNAPCHAT_SANDBOX.adAccountId, audienceId: '', retentionDays: 9999, segments: [], emailField: 'email', consentField: '', mode: 'mirror', dryRun: false, x: 300, y: 60 * (i + 1), wires: [[], []], ...exporter })),
      ...injects.map((inject, i) => ({ id: `inj-${i}`, type: 'inject', z: 'tab', name: '', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], repeat: '', once: false, topic: `Catch ${inject.target}`, payload: JSON.stringify(inject.payload), payloadType: 'json', x: 100, y: 60 * (i + 1), wires: [[inject.target]] })),
      { id: 'catch', type: 'catch', z: 'tab', name: '', scope: null, uncaught: false, x: 100, y: 400, wires: [['error']] },
      { id: 'error', type: 'change', z: 'tab', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' }], x: 300, y: 400, wires: [['file']] },
      { id: 'file', type: 'file', z: 'tab', name: '', filename: runtime?.summariesFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 500, y: 400, wires: [] },
    ];
  }

  async function caught(count: number): Promise<Array<{ code: string; message: string }>> {
    const lines = (await (runtime as Embedded).summaries(count)) as unknown as Array<{ code: string; message: string }>;
    return lines.map(({ code, message }) => ({ code, message }));
  }

  it('in English: the email field, the fields the profiles have, the removal counts, a replace that would only wipe', async () => {
    runtime = await startEmbedded({ lang: 'en-US' });
    await runtime.deploy('admin', flow(
      [{ id: 'typo', emailField: 'mail' }, { id: 'mirror' }, { id: 'replace', mode: 'replace' }],
      [
        { target: 'typo', payload: profiles(2) },
        { target: 'typo', payload: profiles(1) },
        { target: 'mirror', payload: profiles(100) },
        { target: 'mirror', payload: profiles(28, 72) },
        { target: 'replace', payload: [] },
      ],
    ));
    await runtime.inject('admin', 'inj-0');
    await runtime.inject('admin', 'inj-1');
    const [two, one] = await caught(2);
    assert.deepEqual(two, { code: 'no_valid_emails', message: 'Email field `mail` matched no address in 2 of 2 profiles; the profiles have the fields id, email, name; nothing was sent.' });
    assert.equal(one.message, 'Email field `mail` matched no address in 1 of 1 profile; it has the fields id, email, name; nothing was sent.');

    // The second mirror waits for the first (one run per audience) and plans against what it delivered.
    await runtime.inject('admin', 'inj-2');
    await runtime.inject('admin', 'inj-3');
    const guard = (await caught(3))[2];
    assert.deepEqual(guard, { code: 'removal_guard', message: 'The run would remove 72 of the 100 identifiers this export last delivered to the audience (72 %), more than maxRemovalPercent (50 %); no one was removed.' });

    await runtime.inject('admin', 'inj-4');
    const wipe = (await caught(4))[3];
    assert.deepEqual(wipe, { code: 'removal_guard', message: 'Replace with no usable identifier would only empty the audience; nothing was sent. To do that on purpose, set maxRemovalPercent to 100 (now 50 %) for this run.' });
  });

  it('in French: the plural the count takes, numbers written the French way', async () => {
    runtime = await startEmbedded({ lang: 'fr' });
    await runtime.deploy('admin', flow([{ id: 'typo', emailField: 'mail' }], [{ target: 'typo', payload: profiles(1) }, { target: 'typo', payload: profiles(1500) }, { target: 'typo', payload: 'id,mail\n1,a@example.com' }]));
    await runtime.inject('admin', 'inj-0');
    await runtime.inject('admin', 'inj-1');
    await runtime.inject('admin', 'inj-2');
    const [one, many, csv] = await caught(3);
    assert.deepEqual(csv, { code: 'invalid_input', message: "Le message ne peut pas être exporté : msg.payload est un texte qui ressemble à du CSV, pas une adresse e-mail. Placez un nœud CSV avant ce nœud (File-in → CSV) pour que chaque ligne devienne un profil." });
    assert.equal(one.message, "Le champ e-mail `mail` ne donne aucune adresse dans 1 profil sur 1 ; il a les champs id, email, name ; rien n'a été envoyé.");
    assert.match(many.message, /^Le champ e-mail `mail` ne donne aucune adresse dans 1[\u202f\u00a0 ]500 profils sur 1[\u202f\u00a0 ]500 ; les profils ont/);
  });
});
