import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExportError } from '../../src/core/errors';
import { redact } from '../../src/core/redact';
import { EncryptedRefreshTokenFile } from '../../src/core/secret-store';
import { type TokenGrant, TokenManager } from '../../src/core/token-manager';

describe('token manager', () => {
  it('refreshes once for many concurrent callers and reuses the token until near expiry', async () => {
    let now = 0;
    const seen: Array<string | undefined> = [];
    const tokens = new TokenManager({
      refreshToken: 'refresh-1',
      now: () => now,
      skewMs: 60_000,
      requestToken: async (refreshToken) => {
        seen.push(refreshToken);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return { accessToken: `access-${seen.length}`, expiresInSeconds: 1800 };
      },
    });
    const first = await Promise.all(Array.from({ length: 20 }, () => tokens.get()));
    assert.equal(seen.length, 1);
    assert.ok(first.every((t) => t.value === 'access-1' && t.generation === 1));
    now = 1_000_000; // still 800 s before expiry, beyond the 60 s skew
    assert.equal((await tokens.get()).value, 'access-1');
    now = 1_750_000; // inside the skew: refresh before expiry
    assert.equal((await tokens.get()).value, 'access-2');
    assert.deepEqual(seen, ['refresh-1', 'refresh-1']);
  });

  it('refreshes a short-lived token ahead of expiry, not on every call', async () => {
    let now = 0;
    let requests = 0;
    const tokens = new TokenManager({ refreshToken: 'r', now: () => now, requestToken: async () => ({ accessToken: `a${++requests}`, expiresInSeconds: 2 }) });
    await tokens.get();
    now = 1000;
    await tokens.get();
    assert.equal(requests, 1, 'still fresh half-way through its life');
    now = 1600; // inside the last quarter of the 2 s lifetime
    assert.equal((await tokens.get()).value, 'a2');
  });

  it('refreshes on a refused token only when the refused generation is current', async () => {
    let count = 0;
    const tokens = new TokenManager({ refreshToken: 'r', requestToken: async () => ({ accessToken: `a${++count}`, expiresInSeconds: 3600 }) });
    const one = await tokens.get();
    tokens.invalidate(one.generation);
    const two = await tokens.get();
    assert.equal(two.value, 'a2');
    tokens.invalidate(one.generation); // a late 401 from a batch that used the old token
    assert.equal((await tokens.get()).value, 'a2');
    assert.equal(count, 2);
  });

  it('asks the consent gate before every token request', async () => {
    let requested = 0;
    const tokens = new TokenManager({
      refreshToken: 'r',
      assertAllowed: () => {
        throw new ExportError('consent_required', 'no');
      },
      requestToken: async () => {
        requested++;
        return { accessToken: 'a' };
      },
    });
    await assert.rejects(tokens.get(), (error: unknown) => error instanceof ExportError && error.code === 'consent_required');
    assert.equal(requested, 0);
  });

  it('keeps a rotated refresh token durably, encrypted, and uses it after a restart', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-token-'));
    const file = path.join(dir, 'conn.json');
    const keys = { clientSecret: 'client-secret-value', connectionId: 'conn1', credentialRefreshToken: 'refresh-original', hosts: 'hosts-key' };
    const seen: Array<string | undefined> = [];
    const rotate = async (refreshToken: string | undefined): Promise<TokenGrant> => {
      seen.push(refreshToken);
      return { accessToken: 'a', expiresInSeconds: 3600, refreshToken: `refresh-rotated-${seen.length}` };
    };
    await new TokenManager({ refreshToken: 'refresh-original', store: new EncryptedRefreshTokenFile(file, keys), requestToken: rotate }).get();
    const onDisk = await fs.readFile(file, 'utf8');
    assert.ok(!onDisk.includes('refresh-rotated-1'), 'the token is not stored in the clear');
    // A new runtime (same credentials) starts from the rotated token, not the stale credential.
    await new TokenManager({ refreshToken: 'refresh-original', store: new EncryptedRefreshTokenFile(file, keys), requestToken: rotate }).get();
    assert.deepEqual(seen, ['refresh-original', 'refresh-rotated-1']);
    // Re-authenticating in the editor (a new credential) makes the stored token obsolete.
    const reauth = { ...keys, credentialRefreshToken: 'refresh-new-signin' };
    assert.equal(await new EncryptedRefreshTokenFile(file, reauth).load(), undefined);
    // Another client secret cannot read it.
    assert.equal(await new EncryptedRefreshTokenFile(file, { ...keys, clientSecret: 'other' }).load(), undefined);
  });
});

describe('token manager and redaction', () => {
  it('masks the current and the previous access token, and lets older ones go', async () => {
    let count = 0;
    const tokens = new TokenManager({ refreshToken: 'r-redaction', requestToken: async () => ({ accessToken: `access-token-number-${++count}`, expiresInSeconds: 3600 }) });
    for (let i = 0; i < 3; i++) tokens.invalidate((await tokens.get()).generation);
    await tokens.get();
    const text = redact('seen access-token-number-1 access-token-number-3 access-token-number-4');
    assert.ok(text.includes('access-token-number-1'), 'an old token is no longer tracked');
    assert.ok(!text.includes('access-token-number-3') && !text.includes('access-token-number-4'), text);
  });
});
