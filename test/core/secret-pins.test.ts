import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExportError } from '../../src/core/errors';
import { FileSecretPins, hostSetKey } from '../../src/core/secret-pins';
import { EncryptedRefreshTokenFile } from '../../src/core/secret-store';

const HOSTS = ['https://accounts.example', 'https://api.example'];
const ELSEWHERE = ['https://accounts.example', 'http://127.0.0.1:9999'];

async function pins() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-pins-'));
  return { file: path.join(dir, 'pins.json'), store: new FileSecretPins(path.join(dir, 'pins.json')) };
}

const refused = (names: RegExp) => (error: unknown) => (error as ExportError).code === 'secrets_required' && names.test((error as ExportError).message);

describe('host pins', () => {
  it('pins a value to the hosts it first arrives with, and refuses it for other hosts', async () => {
    const { store } = await pins();
    await store.verify('conn', { clientSecret: 's3cret', refreshToken: 'r3fresh' }, HOSTS);
    await store.verify('conn', { clientSecret: 's3cret', refreshToken: 'r3fresh' }, [...HOSTS].reverse().map((h) => `${h}/`));
    await assert.rejects(store.verify('conn', { clientSecret: 's3cret', refreshToken: 'r3fresh' }, ELSEWHERE), refused(/clientSecret, refreshToken were entered/));
    // A new value (typed by whoever changed the hosts) is theirs: pinned; the old one still refused.
    await assert.rejects(store.verify('conn', { clientSecret: 'typed-by-them', refreshToken: 'r3fresh' }, ELSEWHERE), refused(/its refreshToken was entered/));
    await store.verify('conn', { clientSecret: 'typed-by-them' }, ELSEWHERE);
  });

  it('entering a value again for new hosts adds them (the old hosts still work); other connections are separate', async () => {
    const { store } = await pins();
    await store.verify('conn', { clientSecret: 's3cret' }, HOSTS);
    await store.enter('conn', { clientSecret: 's3cret' }, ELSEWHERE);
    await store.verify('conn', { clientSecret: 's3cret' }, ELSEWHERE);
    await store.verify('conn', { clientSecret: 's3cret' }, HOSTS);
    await assert.rejects(store.assertEnteredFor('other', { clientSecret: 's3cret' }, HOSTS), refused(/clientSecret/), 'nothing is known of another connection');
  });

  it('values typed in a dialog (by anyone who may open it) never unpin the stored one, however many', async () => {
    const { store } = await pins();
    await store.verify('conn', { clientSecret: 's3cret', refreshToken: 'r3fresh' }, HOSTS);
    for (let n = 0; n < 20; n++) await store.enter('conn', { clientSecret: `made-up-${n}`, refreshToken: `made-up-${n}` }, ELSEWHERE);
    await assert.rejects(store.verify('conn', { clientSecret: 's3cret', refreshToken: 'r3fresh' }, ELSEWHERE), refused(/clientSecret, refreshToken were entered/));
    await store.verify('conn', { clientSecret: 's3cret', refreshToken: 'r3fresh' }, HOSTS);
    // A typed value the deploy then stores is the stored one from then on: the earlier stored one goes.
    await store.enter('conn', { clientSecret: 'made-up-19' }, ELSEWHERE);
    await store.verify('conn', { clientSecret: 'made-up-19' }, ELSEWHERE);
    await assert.rejects(store.assertEnteredFor('conn', { clientSecret: 's3cret' }, HOSTS), refused(/clientSecret/));
  });

  it('reads the earlier one-pin-per-credential file as the stored values', async () => {
    const { file, store } = await pins();
    await store.verify('conn', { clientSecret: 's3cret' }, HOSTS);
    const current = JSON.parse(await fs.readFile(file, 'utf8')) as { connections: { conn: { clientSecret: Array<Record<string, unknown>> } } };
    const [{ stored: _stored, ...legacy }] = current.connections.conn.clientSecret;
    await fs.writeFile(file, JSON.stringify({ ...current, connections: { conn: { clientSecret: legacy } } }));
    await assert.rejects(store.verify('conn', { clientSecret: 's3cret' }, ELSEWHERE), refused(/clientSecret/));
    await store.verify('conn', { clientSecret: 's3cret' }, HOSTS);
  });

  it('admin routes use a stored value only for hosts it was entered for, and never pin it themselves', async () => {
    const { store } = await pins();
    await assert.rejects(store.assertEnteredFor('conn', { clientSecret: 's3cret' }, HOSTS), refused(/clientSecret/), 'unknown values are not trusted');
    await store.verify('conn', { clientSecret: 's3cret' }, HOSTS);
    await store.assertEnteredFor('conn', { clientSecret: 's3cret', refreshToken: undefined }, HOSTS);
    await assert.rejects(store.assertEnteredFor('conn', { clientSecret: 's3cret' }, ELSEWHERE), refused(/clientSecret/));
    await assert.rejects(store.verify('conn', { clientSecret: 's3cret' }, ELSEWHERE), refused(/clientSecret/), 'the refusal pinned nothing');
  });

  it('keeps the file private, holds no secret, and refuses everything when it is damaged', async () => {
    const { file, store } = await pins();
    await store.verify('conn', { clientSecret: 'very-secret-value' }, HOSTS);
    const text = await fs.readFile(file, 'utf8');
    assert.ok(!text.includes('very-secret-value'));
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    await fs.writeFile(file, '{ not json');
    await assert.rejects(new FileSecretPins(file).verify('conn', { clientSecret: 'very-secret-value' }, HOSTS), (error: unknown) => (error as ExportError).code === 'state_io');
  });

  it('host sets ignore order, case and trailing slashes, and tell paths and ports apart', () => {
    assert.equal(hostSetKey(['https://A.example/', 'https://b.example']), hostSetKey(['https://b.example/', 'https://a.example']));
    assert.notEqual(hostSetKey(['https://a.example']), hostSetKey(['https://a.example:8443']));
    assert.notEqual(hostSetKey(['https://a.example']), hostSetKey(['https://a.example/proxy']));
  });
});

describe('rotated refresh tokens', () => {
  it('are read back only for the hosts that answered them', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-rot-'));
    const file = path.join(dir, 'token.json');
    const material = { clientSecret: 'client-secret-1', connectionId: 'conn', credentialRefreshToken: 'from-credentials' };
    await new EncryptedRefreshTokenFile(file, { ...material, hosts: hostSetKey(HOSTS) }).save('rotated-token');
    assert.equal(await new EncryptedRefreshTokenFile(file, { ...material, hosts: hostSetKey(HOSTS) }).load(), 'rotated-token');
    assert.equal(await new EncryptedRefreshTokenFile(file, { ...material, credentialRefreshToken: 'signed-in-again', hosts: hostSetKey(HOSTS) }).load(), undefined);
    await new EncryptedRefreshTokenFile(file, { ...material, hosts: hostSetKey(HOSTS) }).save('rotated-token');
    assert.equal(await new EncryptedRefreshTokenFile(file, { ...material, hosts: hostSetKey(ELSEWHERE) }).load(), undefined, 'after a host change it is not read');
    assert.equal(await new EncryptedRefreshTokenFile(file, { ...material, hosts: hostSetKey(HOSTS) }).load(), undefined, 'and it is gone: going back to the first hosts does not bring it back');
    assert.deepEqual(JSON.parse(await fs.readFile(file, 'utf8')), {});
  });
});
