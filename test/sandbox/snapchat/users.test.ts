import should from 'should';
import type { Sandbox } from '../../../src/sandbox';
import { fakeHashes, http, SNAP, sendUsers, usersBody, type ErrorEnvelope, type SegmentsEnvelope, type UsersEnvelope, useSandbox } from '../helpers';

describe('sandbox: Snapchat users (members)', () => {
  let sb: Sandbox;
  let token: string;
  let segmentId: string;
  useSandbox((sandbox, fresh) => {
    [sb, token] = [sandbox, fresh];
    segmentId = sb.snapchat.createSegment({ adAccountId: SNAP.adAccountId, name: 'members' }).id;
  });

  const members = (): string[] => [...sb.snapchat.members(segmentId)].sort();

  it('adds with POST and answers number_uploaded_users = rows', async () => {
    const hashes = fakeHashes(3);
    const res = await sendUsers(sb, 'POST', segmentId, token, usersBody(hashes));
    res.status.should.equal(200);
    const body = res.json as UsersEnvelope;
    body.request_status.should.equal('SUCCESS');
    body.users.should.eql([{ sub_request_status: 'SUCCESS', user: { number_uploaded_users: 3 } }]);
    members().should.eql(hashes);
    sb.snapchat.calls.usersPost.should.equal(1);
  });

  it('is idempotent: re-adding members and removing absent ones change nothing and still count the rows', async () => {
    const hashes = fakeHashes(5);
    await sendUsers(sb, 'POST', segmentId, token, usersBody(hashes));
    const again = await sendUsers(sb, 'POST', segmentId, token, usersBody(hashes));
    (again.json as UsersEnvelope).users[0].user.number_uploaded_users.should.equal(5);
    members().should.eql(hashes);
    const absent = await sendUsers(sb, 'DELETE', segmentId, token, usersBody(fakeHashes(2, 100)));
    absent.status.should.equal(200);
    (absent.json as UsersEnvelope).users[0].user.number_uploaded_users.should.equal(2);
    members().should.eql(hashes);
  });

  it('removes with DELETE, with or without users[0].id', async () => {
    const hashes = fakeHashes(4);
    await sendUsers(sb, 'POST', segmentId, token, usersBody(hashes));
    (await sendUsers(sb, 'DELETE', segmentId, token, usersBody([hashes[0]]))).status.should.equal(200);
    (await sendUsers(sb, 'DELETE', segmentId, token, usersBody([hashes[1]], ['EMAIL_SHA256'], segmentId))).status.should.equal(200);
    members().should.eql(hashes.slice(2));
    const wrongId = await sendUsers(sb, 'DELETE', segmentId, token, usersBody([hashes[2]], ['EMAIL_SHA256'], '42'));
    wrongId.status.should.equal(400);
    members().should.eql(hashes.slice(2));
    sb.snapchat.calls.usersDelete.should.equal(3);
  });

  it('empties a segment with DELETE all_users and answers with the segment', async () => {
    await sendUsers(sb, 'POST', segmentId, token, usersBody(fakeHashes(1500)));
    const res = await http(sb, 'DELETE', `/v1/segments/${segmentId}/all_users`, { token });
    res.status.should.equal(200);
    const seg = (res.json as SegmentsEnvelope).segments[0].segment;
    seg.id.should.equal(segmentId);
    seg.approximate_number_users!.should.equal(0);
    sb.snapchat.members(segmentId).size.should.equal(0);
    sb.snapchat.calls.allUsersDelete.should.equal(1);
  });

  it('accepts exactly 100,000 rows quickly and refuses 100,001', async function () {
    this.timeout(15000);
    const hashes = fakeHashes(100_001);
    const tooMany = await sendUsers(sb, 'POST', segmentId, token, usersBody(hashes));
    tooMany.status.should.equal(400);
    const err = tooMany.json as ErrorEnvelope;
    err.request_status.should.equal('ERROR');
    err.debug_message.should.containEql('100000');
    sb.snapchat.members(segmentId).size.should.equal(0);

    const body = usersBody(hashes.slice(0, 100_000));
    const ok = await sendUsers(sb, 'POST', segmentId, token, body);
    ok.status.should.equal(200);
    (ok.json as UsersEnvelope).users[0].user.number_uploaded_users.should.equal(100_000);
    sb.snapchat.members(segmentId).size.should.equal(100_000);
    ok.ms.should.be.below(2000); // ~7 MB body: the benchmarked path must stay fast
  });

  it('refuses bad rows, schemas and shapes with a 400 envelope that says why, and applies nothing', async () => {
    const good = fakeHashes(2);
    const cases: Array<[string, string, RegExp]> = [
      ['uppercase hex', usersBody([good[0], good[1].replace(/0/g, 'A')]), /lowercase 64-character hex/],
      ['63 chars', usersBody([good[0].slice(1)]), /data\[0\]/],
      ['not hex', usersBody(['z'.repeat(64)]), /hex/],
      ['plain email', usersBody(['person@email.com']), /hex/],
      ['two values in a row', `{"users":[{"schema":["EMAIL_SHA256"],"data":[["${good[0]}","${good[1]}"]]}]}`, /exactly one/],
      ['flat data (SnapAds4J bug)', `{"users":[{"schema":["EMAIL_SHA256"],"data":["${good[0]}"]}]}`, /data\[0\]/],
      ['unknown schema', usersBody(good, ['EMAIL']), /unknown schema/],
      ['two schemas', usersBody(good, ['EMAIL_SHA256', 'PHONE_SHA256']), /one schema/],
      ['no schema', `{"users":[{"data":[["${good[0]}"]]}]}`, /schema/],
      ['no users', '{"data":[]}', /users/],
      ['not JSON', '{"users":', /JSON/],
    ];
    for (const [label, body, why] of cases) {
      const res = await sendUsers(sb, 'POST', segmentId, token, body);
      res.status.should.equal(400, label);
      const err = res.json as ErrorEnvelope;
      err.request_status.should.equal('ERROR', label);
      err.error_code.should.match(/^E\d{4}$/, label);
      should(why.test(err.debug_message)).be.true(`${label}: ${err.debug_message}`);
      err.debug_message.should.not.containEql(good[1].replace(/0/g, 'A')); // never echo identifiers
    }
    sb.snapchat.members(segmentId).size.should.equal(0);
    sb.snapchat.segments()[0].upload_status.should.equal('NO_UPLOAD');
  });

  it('accepts the other documented single schemas', async () => {
    for (const schema of ['PHONE_SHA256', 'MOBILE_AD_ID_SHA256']) {
      (await sendUsers(sb, 'POST', segmentId, token, usersBody(fakeHashes(1), [schema]))).status.should.equal(200, schema);
    }
  });

  it('answers 404 for an unknown segment', async () => {
    const res = await sendUsers(sb, 'POST', '5677923948290000', token, usersBody(fakeHashes(1)));
    res.status.should.equal(404);
    (res.json as ErrorEnvelope).request_status.should.equal('ERROR');
  });

  it('exposes the members to tests, and throws for an unknown segment', () => {
    const seeded = sb.snapchat.createSegment({ adAccountId: SNAP.adAccountId, name: 'seeded', members: fakeHashes(3), retentionDays: 30 });
    seeded.retention_in_days.should.equal(30);
    seeded.upload_status.should.equal('COMPLETE');
    sb.snapchat.members(seeded.id).size.should.equal(3);
    should.throws(() => sb.snapchat.members('nope'));
  });
});
