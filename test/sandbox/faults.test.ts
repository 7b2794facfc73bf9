import should from 'should';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { accessToken, fakeHashes, http, obj, SNAP, sendUsers, tokenRequest, usersBody, type ErrorEnvelope, type HttpResult, useSandbox } from './helpers';

const segmentsPath = `/v1/adaccounts/${SNAP.adAccountId}/segments`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const burst = (n: number, call: () => Promise<HttpResult>): Promise<HttpResult[]> => Promise.all(Array.from({ length: n }, call));

describe('sandbox: rate limits', () => {
  it('limits one access token to a burst of 10 then ~10/s, with the E1008 envelope and no Retry-After by default', async () => {
    const sb = await startSandbox();
    try {
      const token = await accessToken(sb);
      const results = await burst(30, () => http(sb, 'GET', segmentsPath, { token }));
      const ok = results.filter((r) => r.status === 200).length;
      const limited = results.filter((r) => r.status === 429);
      ok.should.be.within(10, 20); // 10 burst + refill while the burst is in flight
      limited.length.should.equal(30 - ok);
      const body = limited[0].json as ErrorEnvelope;
      body.should.have.properties({ request_status: 'ERROR', debug_message: 'Rate limit exceeded', error_code: 'E1008' });
      should(limited[0].headers.get('retry-after')).be.null();
      // A refused request consumed nothing: after a short pause the token works again.
      await sleep(250);
      (await http(sb, 'GET', segmentsPath, { token })).status.should.equal(200);
    } finally {
      await sb.close();
    }
  });

  it('limits the app (client id) to 20/s across tokens', async () => {
    const sb = await startSandbox();
    try {
      const tokens = [await accessToken(sb), await accessToken(sb), await accessToken(sb)];
      // 10 a token stays within each token's burst; 30 in all exceeds the app's 20.
      const results = await Promise.all(tokens.flatMap((token) => Array.from({ length: 10 }, () => http(sb, 'GET', segmentsPath, { token }))));
      const limited = results.filter((r) => r.status === 429).length;
      limited.should.be.within(1, 10); // ~10 unless the machine is very slow
    } finally {
      await sb.close();
    }
  });

  it('sends Retry-After (whole seconds) on 429 when retryAfterOn429 is set', async () => {
    const sb = await startSandbox({ retryAfterOn429: true });
    try {
      const token = await accessToken(sb);
      const results = await burst(20, () => http(sb, 'GET', segmentsPath, { token }));
      const limited = results.filter((r) => r.status === 429);
      limited.length.should.be.above(0);
      for (const r of limited) (r.headers.get('retry-after') ?? '').should.match(/^[1-9]\d*$/);
    } finally {
      await sb.close();
    }
  });

  it('enforces nothing with rateLimit: false', async () => {
    const sb = await startSandbox({ rateLimit: false });
    try {
      const token = await accessToken(sb);
      const results = await burst(40, () => http(sb, 'GET', segmentsPath, { token }));
      results.filter((r) => r.status !== 200).should.have.length(0);
    } finally {
      await sb.close();
    }
  });
});

describe('sandbox: faults', () => {
  let sb: Sandbox;
  let token: string;
  let segmentId: string;
  useSandbox((sandbox, fresh) => {
    [sb, token] = [sandbox, fresh];
    segmentId = sb.snapchat.createSegment({ adAccountId: SNAP.adAccountId, name: 'faults' }).id;
  });
  const members = (): number => sb.snapchat.members(segmentId).size;

  it('failNext 500: answers the E5000 envelope, changes nothing, then clears', async () => {
    sb.faults.failNext({ status: 500 });
    const res = await sendUsers(sb, 'POST', segmentId, token, usersBody(fakeHashes(3)));
    res.status.should.equal(500);
    obj(res.json).should.have.properties({ request_status: 'ERROR', debug_message: 'Internal error', error_code: 'E5000' });
    members().should.equal(0);
    sb.snapchat.calls.usersPost.should.equal(0);
    (await sendUsers(sb, 'POST', segmentId, token, usersBody(fakeHashes(3)))).status.should.equal(200);
    members().should.equal(3);
    sb.faults.injected().should.eql({ '429': 0, '5xx': 1, drop: 0 });
  });

  it('failNext drop: the connection closes without an answer and nothing is applied', async () => {
    sb.faults.failNext({ status: 'drop' });
    await sendUsers(sb, 'POST', segmentId, token, usersBody(fakeHashes(3))).should.be.rejected();
    members().should.equal(0);
    sb.faults.injected().drop.should.equal(1);
    await sleep(20);
    sb.recorder.requests.filter((r) => r.path.endsWith('/users')).map((r) => r.status).should.eql([0]);
  });

  it('dropAfterApply: applied but the answer is lost; the retry is idempotent', async () => {
    const hashes = fakeHashes(3);
    sb.faults.failNext({ status: 'dropAfterApply', pathIncludes: '/users' });
    await sendUsers(sb, 'POST', segmentId, token, usersBody(hashes)).should.be.rejected();
    members().should.equal(3);
    const retry = await sendUsers(sb, 'POST', segmentId, token, usersBody(hashes));
    retry.status.should.equal(200);
    members().should.equal(3);
    // Same for a removal.
    sb.faults.failNext({ status: 'drop', afterApply: true, method: 'DELETE' });
    await sendUsers(sb, 'DELETE', segmentId, token, usersBody(hashes.slice(0, 1))).should.be.rejected();
    members().should.equal(2);
  });

  it('afterApply with a status: applied, then answered with the error (a plain-text 503)', async () => {
    sb.faults.failNext({ status: 503, afterApply: true });
    const res = await sendUsers(sb, 'POST', segmentId, token, usersBody(fakeHashes(2)));
    res.status.should.equal(503);
    res.text.should.equal('Service Unavailable');
    members().should.equal(2);
  });

  it('failNext targets by path and method, counts, and sends retryAfterSeconds', async () => {
    sb.faults.failNext({ status: 429, count: 2, pathIncludes: '/users', method: 'POST', retryAfterSeconds: 7 });
    (await http(sb, 'GET', segmentsPath, { token })).status.should.equal(200);
    for (let i = 0; i < 2; i++) {
      const res = await sendUsers(sb, 'POST', segmentId, token, usersBody(fakeHashes(1)));
      res.status.should.equal(429);
      should(res.headers.get('retry-after')).equal('7');
      (res.json as ErrorEnvelope).error_code.should.equal('E1008');
    }
    (await sendUsers(sb, 'POST', segmentId, token, usersBody(fakeHashes(1)))).status.should.equal(200);
    sb.faults.injected()['429'].should.equal(2);
  });

  it('an untargeted failNext skips the token endpoint unless includeAuth; a targeted one can hit it', async () => {
    sb.faults.failNext({ status: 500 });
    (await tokenRequest(sb, { grant_type: 'refresh_token', refresh_token: SNAP.refreshToken, client_id: SNAP.clientId, client_secret: SNAP.clientSecret })).status.should.equal(200);
    (await http(sb, 'GET', segmentsPath, { token })).status.should.equal(500);
    sb.faults.failNext({ status: 503, pathIncludes: '/oauth2/access_token' });
    await accessToken(sb).should.be.rejectedWith(/503/);
  });

  it('error429Rate 1 answers every API call 429 and applies nothing; token calls too only with includeAuth', async () => {
    sb.faults.set({ error429Rate: 1 });
    for (let i = 0; i < 5; i++) (await sendUsers(sb, 'POST', segmentId, token, usersBody(fakeHashes(1)))).status.should.equal(429);
    members().should.equal(0);
    sb.faults.injected()['429'].should.equal(5);
    (await accessToken(sb)).should.be.a.String();
    sb.faults.set({ includeAuth: true });
    await accessToken(sb).should.be.rejectedWith(/429/);
    sb.faults.reset();
    (await http(sb, 'GET', segmentsPath, { token })).status.should.equal(200);
  });

  it('random 5xx are 500/502 envelopes or plain-text 503; random drops close the socket', async () => {
    sb.faults.set({ error5xxRate: 1, seed: 7 });
    const seen = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const res = await http(sb, 'GET', segmentsPath, { token });
      seen.add(res.status);
      if (res.status === 503) res.text.should.equal('Service Unavailable');
      else (res.json as ErrorEnvelope).error_code.should.equal('E5000');
    }
    [...seen].sort().should.eql([500, 502, 503]);
    sb.faults.set({ error5xxRate: 0, dropRate: 1 });
    await http(sb, 'GET', segmentsPath, { token }).should.be.rejected();
  });

  it('a seed makes the random fault sequence reproducible', async () => {
    const run = async (): Promise<number[]> => {
      sb.faults.reset();
      sb.faults.set({ error429Rate: 0.3, error5xxRate: 0.3, seed: 1234 });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await http(sb, 'GET', segmentsPath, { token })).status);
      return statuses;
    };
    const first = await run();
    first.should.containEql(200);
    first.should.containEql(429);
    (await run()).should.eql(first);
  });

  it('refuses out-of-range settings', () => {
    should.throws(() => sb.faults.set({ error429Rate: 1.5 }), RangeError);
    should.throws(() => sb.faults.failNext({ status: 42 }), RangeError);
    sb.faults.get().error429Rate.should.equal(0);
  });
});

describe('sandbox: latency', () => {
  it('adds latencyMs to API calls (not token calls) and FaultSettings.latencyMs on top', async () => {
    const sb = await startSandbox({ latencyMs: 150, rateLimit: false });
    try {
      const started = performance.now();
      const token = await accessToken(sb);
      (performance.now() - started).should.be.below(150);
      const res = await http(sb, 'GET', segmentsPath, { token });
      res.status.should.equal(200);
      res.ms.should.be.aboveOrEqual(148);
      sb.faults.set({ latencyMs: 100 });
      (await http(sb, 'GET', segmentsPath, { token })).ms.should.be.aboveOrEqual(248);
    } finally {
      await sb.close();
    }
  });

  it('close() is prompt even with keep-alive sockets and a request waiting out its latency', async () => {
    const sb = await startSandbox({ latencyMs: 5000 });
    const token = await accessToken(sb);
    const pending = http(sb, 'GET', segmentsPath, { token }).then(
      () => 'answered',
      () => 'closed',
    );
    await sleep(50);
    const started = performance.now();
    await sb.close();
    (performance.now() - started).should.be.below(1000);
    (await pending).should.equal('closed');
  });
});
