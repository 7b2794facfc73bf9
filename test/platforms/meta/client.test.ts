import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ExportError } from '../../../src/core/errors';
import { holdSecrets } from '../../../src/core/redact';
import { actId, appSecretProof, describeToken, EXPIRY_WARNING_DAYS, graphError, metaAuthorizeUrl, regainAccessMs, termsLink } from '../../../src/platforms/meta';
import { AudienceSchema, DebugTokenSchema, UsersResponseSchema } from '../../../src/platforms/meta/schemas';

/** Samples as reference/meta.md quotes them (docs, SDKs, peers' fixtures). */
const context = { adAccountId: '1000000001', apiVersion: 'v26.0' };
const answer = (status: number, headers: Record<string, string> = {}) => ({ status, headers });
const envelope = (code: number, subcode?: number, message = 'message') => ({ error: { message, type: 'OAuthException', code, ...(subcode !== undefined ? { error_subcode: subcode } : {}), fbtrace_id: 'AbCdEf' } });

describe('Meta client pieces, against the reference samples', () => {
  it('makes appsecret_proof as hex(HMAC-SHA256(app secret, token))', () => {
    assert.equal(appSecretProof('secret', 'token'), createHmac('sha256', 'secret').update('token').digest('hex'));
    assert.match(appSecretProof('secret', 'token'), /^[0-9a-f]{64}$/);
  });

  it('writes the ad account with act_ whichever way it was typed', () => {
    assert.equal(actId('123'), 'act_123');
    assert.equal(actId('act_123'), 'act_123');
  });

  it('reads estimated_time_to_regain_access (minutes) from either usage header name, the longest of all entries', () => {
    const value = JSON.stringify({ '1000000001': [{ type: 'custom_audience', call_count: 100, total_cputime: 20, total_time: 20, estimated_time_to_regain_access: 3, ads_api_access_tier: 'standard_access' }], '2': [{ type: 'ads_management', estimated_time_to_regain_access: 1 }] });
    assert.equal(regainAccessMs({ 'x-business-use-case-usage': value }), 180_000);
    assert.equal(regainAccessMs({ 'X-Business-Use-Case': value }), 180_000);
    assert.equal(regainAccessMs({ 'x-business-use-case-usage': JSON.stringify({ '1': [{ estimated_time_to_regain_access: 0 }] }) }), undefined);
    assert.equal(regainAccessMs({ 'x-business-use-case-usage': 'not json' }), undefined);
  });

  for (const [code, subcode] of [[190, undefined], [190, 463], [190, 460], [190, 467]] as const) {
    it(`classifies ${code}${subcode ? `/${subcode}` : ''} as re-authenticate, not retried, whatever the status`, () => {
      for (const status of [400, 401, 403, 200]) {
        const error = graphError(answer(status), envelope(code, subcode), context);
        assert.equal(error.code, 'reauth_required');
        assert.equal(error.retryable, false);
      }
    });
  }

  for (const code of [4, 17, 32, 341, 613, 80003]) {
    it(`classifies throttle code ${code} as rate limited, waiting what the usage header says`, () => {
      const header = { 'x-business-use-case-usage': JSON.stringify({ '1000000001': [{ estimated_time_to_regain_access: 2 }] }) };
      const error = graphError(answer(400, header), envelope(code, code === 80003 ? 2446079 : undefined), context);
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 120_000);
      assert.equal(graphError(answer(500), envelope(code), context).retryAfterMs, 60_000, 'a minute when no header says');
    });
  }

  for (const [code, subcode] of [[200, 1870090], [100, 1487390]] as const) {
    it(`classifies ${code}/${subcode} as terms not accepted, with the acceptance link`, () => {
      const error = graphError(answer(403), envelope(code, subcode, 'Custom Audience Terms Not Accepted'), context);
      assert.equal(error.code, 'terms_not_accepted');
      assert.ok(error.message.includes(termsLink('1000000001')));
      assert.equal(termsLink('1000000001'), 'https://business.facebook.com/ads/manage/customaudiences/tos/?act=1000000001');
    });
  }

  it('classifies the rest on the code: deprecated version, replace in progress, missing object, transient, permanent', () => {
    assert.equal(graphError(answer(400), envelope(2635), context).code, 'api_version_retired');
    const busy = graphError(answer(400), envelope(2650, 1870145), context);
    assert.equal(busy.code, 'platform_unavailable');
    assert.ok(busy.retryable);
    assert.equal(graphError(answer(400), envelope(2650, 1870147), context).retryable, false);
    assert.equal(graphError(answer(400), envelope(100, 33), context).code, 'not_found');
    assert.ok(graphError(answer(500), envelope(1, 99, 'An unknown error occurred'), context).retryable);
    assert.ok(graphError(answer(400), envelope(2), context).retryable);
    assert.ok(graphError(answer(400), envelope(803), context).retryable, '#803 just after create: retried');
    assert.equal(graphError(answer(403), envelope(200), context).code, 'forbidden');
    assert.equal(graphError(answer(400), envelope(100), context).code, 'rejected');
    assert.equal(graphError(answer(200), envelope(100), context).retryable, false);
  });

  it('takes an HTML page (no envelope) as a transient outage', () => {
    const error = graphError(answer(500), undefined, context);
    assert.equal(error.code, 'platform_unavailable');
    assert.ok(error.retryable);
  });

  it('never repeats a token, a secret or an address that an error message echoes', () => {
    const release = holdSecrets(['EAAsecrettoken1234567890']);
    try {
      const error = graphError(answer(400), envelope(100, undefined, 'bad access_token=EAAsecrettoken1234567890 for mary@example.com <b>x</b>'), context);
      assert.ok(!error.message.includes('EAAsecrettoken1234567890'));
      assert.ok(!error.message.includes('mary@example.com'));
      assert.ok(!error.message.includes('<b>'));
    } finally {
      release();
    }
  });

  it('parses /users answers as documented and as observed: numbers or numeric strings, samples as map or array', () => {
    const observed = UsersResponseSchema.parse({ audience_id: '23850000000000', session_id: '123456789', num_received: 3, num_invalid_entries: 0, invalid_entry_samples: {} });
    assert.equal(observed.num_invalid_entries, 0);
    assert.equal(observed.session_id, '123456789');
    const replace = UsersResponseSchema.parse({ account_id: '1000000001', session_id: 9, num_received: '10', num_invalid_entries: '2', invalid_entry_samples: ['x', 'y'] });
    assert.equal(replace.num_invalid_entries, 2);
    assert.equal(replace.num_received, 10);
  });

  it('parses an audience with a size range and the status codes as numbers or words', () => {
    const audience = AudienceSchema.parse({ id: '1', approximate_count_lower_bound: 1000, approximate_count_upper_bound: 1200, operation_status: { code: 200, description: 'Normal' }, delivery_status: { code: 300, description: 'too small' } });
    assert.equal(audience.approximate_count_lower_bound, 1000);
    assert.equal(AudienceSchema.parse({ id: '1', operation_status: { code: 'replace_in_progress' } }).operation_status?.code, 'replace_in_progress');
  });

  it('describes the token: owner, type, expiry; never-expiring system users; a warning inside 14 days; invalid is re-authenticate', () => {
    const now = Date.UTC(2026, 11, 1);
    const systemUser = DebugTokenSchema.parse({ data: { app_id: '100', type: 'SYSTEM_USER', application: 'Exporter', expires_at: 0, is_valid: true, user_id: '200', scopes: ['ads_management'] } }).data;
    assert.equal(describeToken(systemUser, now), 'system user 200 of app Exporter, never expires');
    const soon = { ...systemUser, type: 'USER', expires_at: now / 1000 + (EXPIRY_WARNING_DAYS - 5) * 86400 };
    assert.match(describeToken(soon, now), /user 200 .*expires on 2026-12-10, in 9 days: WARNING/);
    const later = { ...systemUser, expires_at: now / 1000 + 50 * 86400 };
    assert.doesNotMatch(describeToken(later, now), /WARNING/);
    assert.throws(() => describeToken({ ...systemUser, is_valid: false }, now), (thrown: unknown) => thrown instanceof ExportError && thrown.code === 'reauth_required');
  });

  it('builds the login dialog URL with the app id, redirect, state and the permissions', () => {
    const url = new URL(metaAuthorizeUrl({ authBaseUrl: 'https://www.facebook.com', apiBaseUrl: 'https://graph.facebook.com', apiVersion: 'v26.0' }, { clientId: '100', redirectUri: 'https://nr.example/cb', state: 's1' }));
    assert.equal(url.origin + url.pathname, 'https://www.facebook.com/v26.0/dialog/oauth');
    assert.deepEqual(Object.fromEntries(url.searchParams), { client_id: '100', redirect_uri: 'https://nr.example/cb', state: 's1', scope: 'ads_management,business_management', response_type: 'code' });
  });
});
