import { TokenRegistry } from '../../src/sandbox/oauth';

/**
 * Every access token, refresh token and authorization code the sandbox mints while installed (all three
 * platforms share TokenRegistry), so a privacy scan can look for them. Patches the prototype; call
 * `restore()` in an after-hook.
 */
export function captureIssuedTokens(): { readonly tokens: Set<string>; restore(): void } {
  const tokens = new Set<string>();
  const proto = TokenRegistry.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = { issue: proto.issue, newRefreshToken: proto.newRefreshToken, issueCode: proto.issueCode };
  for (const [name, fn] of Object.entries(originals)) if (typeof fn !== 'function') throw new Error(`TokenRegistry.${name} is gone: update captureIssuedTokens`);
  proto.issue = function (this: unknown, ...args: unknown[]) {
    const issued = originals.issue.apply(this, args) as { accessToken: string; refreshToken: string };
    tokens.add(issued.accessToken);
    tokens.add(issued.refreshToken);
    return issued;
  };
  proto.newRefreshToken = function (this: unknown, ...args: unknown[]) {
    const token = originals.newRefreshToken.apply(this, args) as string;
    tokens.add(token);
    return token;
  };
  proto.issueCode = function (this: unknown, ...args: unknown[]) {
    const code = originals.issueCode.apply(this, args) as string;
    tokens.add(code);
    return code;
  };
  return {
    tokens,
    restore() {
      Object.assign(proto, originals);
    },
  };
}
