import assert from 'node:assert/strict';
import { toExportError } from '../../src/core/errors';
import { heldSecretCount, holdSecrets, platformCodeOf, redact } from '../../src/core/redact';

describe('redaction', () => {
  it('masks emails, bearer tokens, secret parameters and held secrets', () => {
    const release = holdSecrets(['s3cr3t-client-value']);
    const text = redact(
      'user Jane.Doe+x@Example.co.uk failed; Authorization: Bearer abc.def-123; refresh_token=xyz789&client_secret=s3cr3t-client-value; "access_token":"tok"',
    );
    release();
    for (const leak of ['Jane.Doe', 'abc.def-123', 'xyz789', 's3cr3t-client-value', '"tok"']) assert.ok(!text.includes(leak), `${leak} in ${text}`);
    assert.match(text, /\[email\]/);
  });

  it('masks what a hostile platform echoes: a secret URL-encoded, an address inside JSON or quotes, an unregistered token', () => {
    const release = holdSecrets(['p+ss/w=rd-123']);
    const echoed = redact(
      'grant_type=refresh_token&x=p%2Bss%2Fw%3Drd-123 p+ss/w=rd-123 {"identifiers":["a\\"b@example.com","c@d.org"]} <a@x.io> Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u',
      { maxLength: 1000 },
    );
    release();
    for (const leak of ['p%2Bss', 'p+ss', 'example.com', 'c@d', 'x.io', 'Zm9vYmFy']) assert.ok(!echoed.includes(leak), `${leak} in ${echoed}`);
    assert.equal(redact('Criteo answered HTTP 404: audience-invalid — 1234567'), 'Criteo answered HTTP 404: audience-invalid — 1234567', 'ordinary text is left alone');
  });

  it('drops markup a platform puts in its text', () => {
    assert.equal(redact('bad <img src=x onerror="alert(1)">request<script>steal()</script> (a < b)'), 'bad requeststeal() (a < b)');
  });

  it('holds secrets only while somebody holds them: the registry does not grow with every request', () => {
    const before = heldSecretCount();
    const releases = Array.from({ length: 1000 }, (_, i) => holdSecrets([`posted-secret-${i}`]));
    assert.equal(heldSecretCount(), before + 1000);
    const shared = holdSecrets(['posted-secret-1']);
    for (const release of releases) release();
    assert.equal(heldSecretCount(), before + 1, 'a value two holders held stays until both let go');
    assert.ok(redact('x posted-secret-1 y').includes('[secret]'));
    shared();
    shared();
    assert.equal(heldSecretCount(), before);
    assert.ok(redact('x posted-secret-1 y').includes('posted-secret-1'));
  });

  it('keeps a platform code only when it looks like one', () => {
    assert.equal(platformCodeOf('E3002'), 'E3002');
    assert.equal(platformCodeOf(117), '117');
    assert.equal(platformCodeOf('name-must-be-unique'), 'name-must-be-unique');
    assert.equal(platformCodeOf('<img src=x onerror=alert(1)>'), undefined);
    assert.equal(platformCodeOf('a@example.com'), undefined);
    assert.equal(platformCodeOf('Bearer abc'), undefined);
    assert.equal(platformCodeOf({}), undefined);
  });

  it('an unexpected error\'s text is masked too', () => {
    const error = toExportError(new Error('failed to send {"email":"x@example.com"} with Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9abc123'));
    assert.ok(!/example\.com|eyJ0eXAi/.test(error.message), error.message);
  });

  it('caps the length of what a platform echoes', () => {
    assert.ok(redact('x'.repeat(10_000)).length <= 301);
  });
});
