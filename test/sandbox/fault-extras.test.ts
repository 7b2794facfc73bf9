import assert from 'node:assert/strict';
import { FaultInjector } from '../../src/sandbox/faults';
import { TokenRegistry } from '../../src/sandbox/oauth';

describe('sandbox: expireTokensEvery and restoreRefreshTokens', () => {
  it('expires the tokens before every Nth API call, never on control or auth calls', () => {
    let expired = 0;
    const faults = new FaultInjector(() => void (expired += 1));
    faults.set({ expireTokensEvery: 3 });
    for (let i = 0; i < 7; i++) faults.decide('api', 'GET', '/x');
    faults.decide('auth', 'POST', '/token');
    faults.decide('control', 'GET', '/_sandbox/health');
    assert.equal(expired, 2);
    assert.equal(faults.tokenExpiries(), 2);
    assert.throws(() => faults.set({ expireTokensEvery: 1.5 }), RangeError);
    faults.reset();
    assert.equal(faults.tokenExpiries(), 0);
    for (let i = 0; i < 7; i++) faults.decide('api', 'GET', '/x');
    assert.equal(expired, 2, 'off after reset');
  });

  it('restoreRefreshTokens undoes a revoke, and a rotated token stays used', () => {
    const subject = { clientId: 'c', userId: 'u', scope: 's' };
    const tokens = new TokenRegistry({ ttlSeconds: 60, rotateRefreshTokens: true });
    tokens.seedRefreshToken('seed', subject);
    const first = tokens.refresh('seed', 'c');
    assert.ok(first.ok);
    tokens.revokeRefreshTokens();
    assert.equal(tokens.refresh(first.tokens.refreshToken, 'c').ok, false);
    tokens.restoreRefreshTokens();
    assert.equal(tokens.refresh('seed', 'c').ok, false, 'the rotated one is still used up');
    assert.equal(tokens.refresh(first.tokens.refreshToken, 'c').ok, true);
  });
});
