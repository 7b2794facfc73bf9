import should from 'should';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { accessToken, fakeHashes, http, obj, runCli, SNAP, sendUsers, startCli, usersBody, useSandbox } from './helpers';

describe('sandbox: control endpoints', () => {
  let sb: Sandbox;
  let token: string;
  const lines: string[] = [];
  useSandbox((sandbox, fresh) => ([sb, token] = [sandbox, fresh]), { rateLimit: false, log: (line) => lines.push(line) });

  it('GET /_sandbox/health', async () => {
    const res = await http(sb, 'GET', '/_sandbox/health');
    res.status.should.equal(200);
    obj(res.json).should.have.properties({ status: 'ok' });
    (res.json as { platforms: string[] }).platforms.slice().sort().should.eql(['criteo', 'meta', 'microsoft-ads', 'snapchat']);
  });

  it('POST /_sandbox/faults sets partial settings; /faults/next queues one; DELETE resets', async () => {
    const set = await http(sb, 'POST', '/_sandbox/faults', { body: { error429Rate: 1, seed: 3 } });
    set.status.should.equal(200);
    sb.faults.get().should.have.properties({ error429Rate: 1, seed: 3, error5xxRate: 0 });
    (await http(sb, 'GET', `/v1/adaccounts/${SNAP.adAccountId}/segments`, { token })).status.should.equal(429);
    (await http(sb, 'GET', '/_sandbox/health')).status.should.equal(200); // control routes are never faulted
    const got = obj((await http(sb, 'GET', '/_sandbox/faults')).json);
    should(obj(got.injected)['429']).equal(1);
    (await http(sb, 'DELETE', '/_sandbox/faults')).status.should.equal(200);
    sb.faults.get().error429Rate.should.equal(0);

    (await http(sb, 'POST', '/_sandbox/faults/next', { body: { status: 'dropAfterApply', pathIncludes: '/segments' } })).status.should.equal(200);
    await http(sb, 'GET', `/v1/adaccounts/${SNAP.adAccountId}/segments`, { token }).should.be.rejected();

    for (const bad of [{ error429Rate: 2 }, { nope: true }, 'x']) {
      (await http(sb, 'POST', '/_sandbox/faults', { body: bad })).status.should.equal(400);
    }
    (await http(sb, 'POST', '/_sandbox/faults/next', { body: { status: 'later' } })).status.should.equal(400);
  });

  it('lists segments with member counts only, and members on their own route', async () => {
    const seg = sb.snapchat.createSegment({ adAccountId: SNAP.adAccountId, name: 'ctl' });
    const hashes = fakeHashes(3);
    await sendUsers(sb, 'POST', seg.id, token, usersBody(hashes));
    const list = await http(sb, 'GET', '/_sandbox/snapchat/segments');
    list.status.should.equal(200);
    list.text.should.not.containEql(hashes[0]);
    const segments = obj(list.json).segments as Array<Record<string, unknown>>;
    segments.should.have.length(1);
    segments[0].should.have.properties({ id: seg.id, name: 'ctl', ad_account_id: SNAP.adAccountId, members: 3 });

    const members = obj((await http(sb, 'GET', `/_sandbox/snapchat/segments/${seg.id}/members`)).json);
    (members.members as string[]).sort().should.eql(hashes);
    members.count!.should.equal(3);
    (await http(sb, 'GET', '/_sandbox/snapchat/segments/404/members')).status.should.equal(404);
  });

  it('token controls and authorization codes for other processes', async () => {
    (await http(sb, 'POST', '/_sandbox/snapchat/expire-access-tokens')).status.should.equal(200);
    (await http(sb, 'GET', `/v1/adaccounts/${SNAP.adAccountId}/segments`, { token })).text.should.equal('unauthorized');
    const code = obj((await http(sb, 'POST', '/_sandbox/snapchat/authorization-codes', { body: { redirect_uri: 'http://x.example/cb' } })).json).code;
    code!.should.be.a.String();
    (await http(sb, 'POST', '/_sandbox/snapchat/revoke-refresh-tokens')).status.should.equal(200);
    await accessToken(sb).should.be.rejectedWith(/invalid_grant/);
  });

  it('POST /_sandbox/reset restores the fixtures and clears the recorder', async () => {
    sb.snapchat.createSegment({ adAccountId: SNAP.adAccountId, name: 'gone soon' });
    sb.faults.set({ error5xxRate: 1 });
    sb.recorder.count().should.be.above(0);
    (await http(sb, 'POST', '/_sandbox/reset')).status.should.equal(200);
    sb.snapchat.segments().should.have.length(0);
    sb.faults.get().error5xxRate.should.equal(0);
    sb.recorder.count().should.equal(0);
    sb.snapchat.calls.token.should.equal(0);
    // The old access token is gone with the reset.
    (await http(sb, 'GET', `/v1/adaccounts/${SNAP.adAccountId}/segments`, { token })).status.should.equal(401);
  });

  it('records API calls (not control calls) and logs method, path, status and time — never tokens or bodies', async () => {
    lines.length = 0;
    const seg = sb.snapchat.createSegment({ adAccountId: SNAP.adAccountId, name: 'rec' });
    await sendUsers(sb, 'POST', seg.id, token, usersBody(fakeHashes(2)));
    await http(sb, 'GET', '/_sandbox/health');
    await new Promise((r) => setTimeout(r, 20));
    sb.recorder.count({ method: 'POST', pathIncludes: '/users' }).should.equal(1);
    sb.recorder.count({ pathIncludes: '/_sandbox' }).should.equal(0);
    const entry = sb.recorder.requests.find((r) => r.path.endsWith('/users'));
    entry!.should.have.properties({ method: 'POST', status: 200 });
    entry!.bodyBytes.should.be.above(100);
    should(entry!.body).be.undefined(); // recordBodies off
    const userLine = lines.find((l) => l.includes('/users')) ?? '';
    userLine.should.match(/^POST \/v1\/segments\/\d+\/users 200 [\d.]+ms$/);
    lines.join('\n').should.not.containEql(token);
    lines.join('\n').should.not.containEql(fakeHashes(1)[0]);
    sb.recorder.clear();
    sb.recorder.count().should.equal(0);
  });

  it('records bodies of API calls when recordBodies is set', async () => {
    const rec = await startSandbox({ recordBodies: true, rateLimit: false });
    try {
      const seg = rec.snapchat.createSegment({ adAccountId: SNAP.adAccountId, name: 'bodies' });
      const body = usersBody(fakeHashes(1));
      await sendUsers(rec, 'POST', seg.id, await accessToken(rec), body);
      await new Promise((r) => setTimeout(r, 20));
      rec.recorder.requests.find((r) => r.path.endsWith('/users'))!.body!.should.equal(body);
    } finally {
      await rec.close();
    }
  });
});

describe('sandbox: CLI', () => {
  it('prints the real URL and the fixture credentials, answers health, exits cleanly on SIGTERM', async function () {
    this.timeout(15000);
    const cli = await startCli(['--port', '0', '--quiet'], 'Control:');
    try {
      cli.url.should.not.endWith(':0');
      for (const value of [SNAP.clientId, SNAP.clientSecret, SNAP.refreshToken]) cli.out.should.containEql(value);
      (await http(cli.url, 'GET', '/_sandbox/health')).status.should.equal(200);
      should(await cli.stop()).equal(0);
    } finally {
      cli.kill();
    }
  });

  it('--help prints usage; a bad flag exits 2', async () => {
    const [help, bad, badChoice] = await Promise.all([runCli(['--help']), runCli(['--port', 'x']), runCli(['--criteo-match-rate', 'ratio'])]);
    help.code!.should.equal(0);
    help.out.should.containEql('--no-rate-limit');
    for (const flag of ['--snapchat-me-envelope', '--microsoft-ads-sizes-as-numbers', '--microsoft-ads-fault-envelope', '--criteo-match-rate', '--criteo-null-search-entry', '--criteo-empty-statistics']) {
      help.out.should.containEql(flag);
    }
    bad.code!.should.equal(2);
    bad.out.should.containEql('--port');
    badChoice.code!.should.equal(2);
    badChoice.out.should.containEql('--criteo-match-rate must be one of fraction, percent');
  });

  it('the answer-shape flags set the switches the control routes report', async function () {
    this.timeout(15000);
    const shapes = ['--snapchat-me-envelope', '--microsoft-ads-sizes-as-numbers', '--microsoft-ads-fault-envelope', 'wrapped', '--criteo-match-rate', 'percent', '--criteo-null-search-entry', 'name', '--criteo-empty-statistics', 'data-null'];
    const cli = await startCli(['--port', '0', '--quiet', ...shapes], 'ANSWER SHAPES');
    try {
      cli.out.should.containEql(`${cli.url}/request`);
      obj((await http(cli.url, 'GET', '/_sandbox/snapchat/switches')).json).should.eql({ meEnvelope: true });
      obj((await http(cli.url, 'GET', '/_sandbox/microsoft-ads/switches')).json).should.have.properties({ sizesAsNumbers: true, faultEnvelope: 'wrapped' });
      obj((await http(cli.url, 'GET', '/_sandbox/criteo/settings')).json).should.have.properties({ matchRate: 'percent', nullSearchEntry: 'name', emptyStatistics: 'data-null' });
      await cli.stop();
    } finally {
      cli.kill();
    }
  });
});
