import should from 'should';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { accessToken, fakeHashes, http, SNAP, sendUsers, usersBody, type ErrorEnvelope, type SegmentsEnvelope, useSandbox } from '../helpers';

const segmentsPath = `/v1/adaccounts/${SNAP.adAccountId}/segments`;
const newSegment = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  source_type: 'FIRST_PARTY',
  retention_in_days: 180,
  ad_account_id: SNAP.adAccountId,
  ...extra,
});

describe('sandbox: Snapchat segments', () => {
  let sb: Sandbox;
  let token: string;
  useSandbox((sandbox, fresh) => ([sb, token] = [sandbox, fresh]));

  const create = (segments: unknown[]): ReturnType<typeof http> => http(sb, 'POST', segmentsPath, { token, body: { segments } });

  it('creates a segment with the documented fields and the entity envelope', async () => {
    const res = await create([newSegment('Loyal customers', { description: 'from the CDP' })]);
    res.status.should.equal(200);
    const body = res.json as SegmentsEnvelope;
    body.request_status.should.equal('SUCCESS');
    body.request_id.should.be.a.String().and.not.empty();
    body.segments.should.have.length(1);
    body.segments[0].sub_request_status.should.equal('SUCCESS');
    const seg = body.segments[0].segment;
    seg.should.have.properties({
      name: 'Loyal customers',
      description: 'from the CDP',
      ad_account_id: SNAP.adAccountId,
      source_type: 'FIRST_PARTY',
      retention_in_days: 180,
      status: 'PENDING', // as the docs' create sample has it
      upload_status: 'NO_UPLOAD',
      targetable_status: 'TOO_FEW_USERS',
      approximate_number_users: 0,
    });
    seg.id.should.match(/^\d{16}$/);
    (seg.created_at as string).should.match(/^\d{4}-\d\d-\d\dT/);
    sb.snapchat.segments(SNAP.adAccountId).map((s) => s.id).should.eql([seg.id]);
    sb.snapchat.calls.segmentsCreate.should.equal(1);
  });

  it('defaults retention_in_days to 9999 and allows duplicate names (as Snapchat does)', async () => {
    const { retention_in_days: _r, ...noRetention } = newSegment('Same');
    const a = (await create([noRetention])).json as SegmentsEnvelope;
    a.segments[0].segment.retention_in_days!.should.equal(9999);
    const b = await create([newSegment('Same')]);
    b.status.should.equal(200);
    sb.snapchat.segments().filter((s) => s.name === 'Same').should.have.length(2);
  });

  it('refuses invalid segments with a 400 error envelope and creates nothing', async () => {
    const cases: unknown[][] = [
      [newSegment('x'.repeat(376))],
      [newSegment('')],
      [newSegment('pixel', { source_type: 'PIXEL' })],
      [newSegment('forever', { retention_in_days: 10000 })],
      [newSegment('half', { retention_in_days: 1.5 })],
      [newSegment('elsewhere', { ad_account_id: SNAP.otherAdAccountId })],
      [newSegment('good'), { name: 'no source' }],
      [],
    ];
    for (const segments of cases) {
      const res = await create(segments);
      res.status.should.equal(400, JSON.stringify(segments).slice(0, 80));
      const body = res.json as ErrorEnvelope;
      body.request_status.should.equal('ERROR');
      body.error_code.should.match(/^E\d{4}$/);
      body.debug_message.should.not.be.empty();
    }
    (await create([newSegment('x'.repeat(375))])).status.should.equal(200);
    const notJson = await http(sb, 'POST', segmentsPath, { token, rawBody: '{nope', headers: { 'content-type': 'application/json' } });
    notJson.status.should.equal(400);
    sb.snapchat.segments().should.have.length(1);
  });

  it('lists 120 segments in 3 pages of 50 following absolute next_link URLs', async () => {
    const created = (await create(Array.from({ length: 120 }, (_, i) => newSegment(`s${i}`)))).json as SegmentsEnvelope;
    created.segments.should.have.length(120);
    const pages: SegmentsEnvelope[] = [];
    let next: string | undefined = `${sb.url}${segmentsPath}?limit=50`;
    while (next) {
      next.should.startWith(sb.url); // built from the request's Host
      const res = await http(sb, 'GET', next.slice(sb.url.length), { token });
      res.status.should.equal(200);
      const page = res.json as SegmentsEnvelope;
      pages.push(page);
      next = page.paging?.next_link;
    }
    pages.map((p) => p.segments.length).should.eql([50, 50, 20]);
    should(pages[2].paging).be.undefined();
    const names = pages.flatMap((p) => p.segments.map((s) => s.segment.name));
    names.should.eql(Array.from({ length: 120 }, (_, i) => `s${i}`));
    sb.snapchat.calls.segmentsList.should.equal(3);
  });

  it('uses limit 50 when absent, allows 1000, and refuses limits outside 50..1000 or a bad cursor', async () => {
    await create(Array.from({ length: 60 }, (_, i) => newSegment(`s${i}`)));
    const def = (await http(sb, 'GET', segmentsPath, { token })).json as SegmentsEnvelope;
    def.segments.should.have.length(50);
    new URL(def.paging?.next_link ?? '').searchParams.get('limit')!.should.equal('50');
    const big = (await http(sb, 'GET', `${segmentsPath}?limit=1000`, { token })).json as SegmentsEnvelope;
    big.segments.should.have.length(60);
    should(big.paging).be.undefined();
    for (const query of ['limit=49', 'limit=1001', 'limit=abc', 'limit=50&cursor=%%%', 'cursor=bm9wZQ']) {
      const res = await http(sb, 'GET', `${segmentsPath}?${query}`, { token });
      res.status.should.equal(400, query);
      (res.json as ErrorEnvelope).request_status.should.equal('ERROR');
    }
  });

  it('only lists the ad account in the URL', async () => {
    sb.snapchat.createSegment({ adAccountId: SNAP.otherAdAccountId, name: 'theirs' });
    await create([newSegment('mine')]);
    const body = (await http(sb, 'GET', segmentsPath, { token })).json as SegmentsEnvelope;
    body.segments.map((s) => s.segment.name).should.eql(['mine']);
  });

  it('gets, updates and deletes one segment', async () => {
    const id = ((await create([newSegment('Before')])).json as SegmentsEnvelope).segments[0].segment.id;
    const got = await http(sb, 'GET', `/v1/segments/${id}`, { token });
    got.status.should.equal(200);
    (got.json as SegmentsEnvelope).segments[0].segment.name.should.equal('Before');

    const put = await http(sb, 'PUT', segmentsPath, { token, body: { segments: [{ id, name: 'After', description: 'd', retention_in_days: 180 }] } });
    put.status.should.equal(200);
    (put.json as SegmentsEnvelope).segments[0].segment.should.have.properties({ name: 'After', description: 'd' });

    const retention = await http(sb, 'PUT', segmentsPath, { token, body: { segments: [{ id, retention_in_days: 30 }] } });
    retention.status.should.equal(400);
    const unknown = await http(sb, 'PUT', segmentsPath, { token, body: { segments: [{ id: '1', name: 'x' }] } });
    unknown.status.should.equal(400);
    sb.snapchat.segments()[0].name.should.equal('After');

    const del = await http(sb, 'DELETE', `/v1/segments/${id}`, { token });
    del.status.should.equal(200);
    del.json!.should.have.properties({ request_status: 'SUCCESS', segments: [] });
    const gone = await http(sb, 'GET', `/v1/segments/${id}`, { token });
    gone.status.should.equal(404);
    (gone.json as ErrorEnvelope).request_status.should.equal('ERROR');
    sb.snapchat.segments().should.have.length(0);
  });

  it('reports size, targetable and upload status from the members', async () => {
    const id = ((await create([newSegment('Size')])).json as SegmentsEnvelope).segments[0].segment.id;
    let seg = ((await http(sb, 'GET', `/v1/segments/${id}`, { token })).json as SegmentsEnvelope).segments[0].segment;
    seg.should.have.properties({ status: 'PENDING', upload_status: 'NO_UPLOAD' });
    (await sendUsers(sb, 'POST', id, token, usersBody(fakeHashes(999)))).status.should.equal(200);
    seg = ((await http(sb, 'GET', `/v1/segments/${id}`, { token })).json as SegmentsEnvelope).segments[0].segment;
    seg.should.have.properties({ status: 'ACTIVE', upload_status: 'COMPLETE', targetable_status: 'TOO_FEW_USERS', approximate_number_users: 0 });
    sb.snapchat.segments()[0].status.should.equal('ACTIVE');
    (await sendUsers(sb, 'POST', id, token, usersBody(fakeHashes(1, 999)))).status.should.equal(200);
    seg = ((await http(sb, 'GET', `/v1/segments/${id}`, { token })).json as SegmentsEnvelope).segments[0].segment;
    seg.should.have.properties({ targetable_status: 'READY', approximate_number_users: 1000 });
  });

  it('refuses a 1,001st segment in an ad account', async () => {
    for (let i = 0; i < 1000; i++) sb.snapchat.createSegment({ adAccountId: SNAP.adAccountId, name: `seed${i}` });
    const res = await create([newSegment('one too many')]);
    res.status.should.equal(400);
    (res.json as ErrorEnvelope).debug_message.should.containEql('1000');
  });

  it('answers lowercase status words when statusCase is lower', async () => {
    const lower = await startSandbox({ statusCase: 'lower', rateLimit: false });
    try {
      const t = await accessToken(lower);
      const res = await http(lower, 'POST', segmentsPath, { token: t, body: { segments: [newSegment('lower')] } });
      const body = res.json as SegmentsEnvelope;
      body.request_status.should.equal('success');
      body.segments[0].sub_request_status.should.equal('success');
      const denied = await http(lower, 'GET', `/v1/adaccounts/${SNAP.otherAdAccountId}/segments`, { token: t });
      (denied.json as ErrorEnvelope).request_status.should.equal('error');
    } finally {
      await lower.close();
    }
  });
});

describe('sandbox: Snapchat GET /v1/me', () => {
  let sb: Sandbox;
  let token: string;
  useSandbox((sandbox, fresh) => ([sb, token] = [sandbox, fresh]));

  it('answers the documented {"me":{…}} (SN-DOC Ads-API/user): no request_status, no request_id', async () => {
    const res = await http(sb, 'GET', '/v1/me', { token });
    res.status.should.equal(200);
    const body = res.json as Record<string, unknown>;
    Object.keys(body).should.eql(['me']);
    const me = body.me as Record<string, unknown>;
    me.should.have.properties({ id: SNAP.userId, email: SNAP.email, organization_id: SNAP.organizationId, display_name: SNAP.displayName, member_status: 'MEMBER' });
    (me.created_at as string).should.match(/^\d{4}-\d\d-\d\dT/);
    sb.snapchat.calls.me.should.equal(1);
    sb.snapchat.switches().should.eql({ meEnvelope: false });
  });

  it('setMeEnvelope(true) brings back request_status/request_id (statusCase applies); reset() turns it off', async () => {
    sb.snapchat.setMeEnvelope(true);
    const body = (await http(sb, 'GET', '/v1/me', { token })).json as Record<string, unknown>;
    Object.keys(body).sort().should.eql(['me', 'request_id', 'request_status']);
    body.request_status!.should.equal('SUCCESS');
    (body.request_id as string).should.not.be.empty();
    (body.me as Record<string, unknown>).display_name!.should.equal(SNAP.displayName);
    sb.reset();
    Object.keys((await http(sb, 'GET', '/v1/me', { token: await accessToken(sb) })).json as object).should.eql(['me']);
  });

  it('GET/POST /_sandbox/snapchat/switches; bad bodies are 400', async () => {
    (await http(sb, 'GET', '/_sandbox/snapchat/switches')).json!.should.eql({ meEnvelope: false });
    const set = await http(sb, 'POST', '/_sandbox/snapchat/switches', { body: { meEnvelope: true } });
    set.status.should.equal(200);
    set.json!.should.eql({ meEnvelope: true });
    should(((await http(sb, 'GET', '/v1/me', { token })).json as Record<string, unknown>).request_status).equal('SUCCESS');
    for (const bad of [{ meEnvelope: 'yes' }, { other: true }, 'x']) (await http(sb, 'POST', '/_sandbox/snapchat/switches', { body: bad })).status.should.equal(400);
    (await http(sb, 'POST', '/_sandbox/reset')).status.should.equal(200);
    (await http(sb, 'GET', '/_sandbox/snapchat/switches')).json!.should.eql({ meEnvelope: false });
  });

  it('the snapchatMeEnvelope option starts it on (lowercase with statusCase lower), and reset() goes back to it', async () => {
    const legacy = await startSandbox({ rateLimit: false, snapchatMeEnvelope: true, statusCase: 'lower' });
    try {
      const t = await accessToken(legacy);
      should(((await http(legacy, 'GET', '/v1/me', { token: t })).json as Record<string, unknown>).request_status).equal('success');
      legacy.snapchat.setMeEnvelope(false);
      legacy.reset();
      legacy.snapchat.switches().meEnvelope.should.be.true();
    } finally {
      await legacy.close();
    }
  });
});
