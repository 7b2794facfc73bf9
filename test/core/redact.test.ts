import assert from 'node:assert/strict';
import { redact, registerSecret } from '../../src/core/redact';

describe('redaction', () => {
  it('masks emails, bearer tokens, secret parameters and registered secrets', () => {
    registerSecret('s3cr3t-client-value');
    const text = redact(
      'user Jane.Doe+x@Example.co.uk failed; Authorization: Bearer abc.def-123; refresh_token=xyz789&client_secret=s3cr3t-client-value; "access_token":"tok"',
    );
    for (const leak of ['Jane.Doe', 'abc.def-123', 'xyz789', 's3cr3t-client-value', '"tok"']) assert.ok(!text.includes(leak), `${leak} in ${text}`);
    assert.match(text, /\[email\]/);
  });

  it('caps the length of what a platform echoes', () => {
    assert.ok(redact('x'.repeat(10_000)).length <= 301);
  });
});
