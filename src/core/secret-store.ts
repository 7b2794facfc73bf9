import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { fileDocument, type JsonDocument } from './json-file';
import type { RefreshTokenStore } from './token-manager';

/**
 * A rotated refresh token kept in a document (a file, or a key of a shared store), encrypted (AES-256-GCM) with a key derived from the
 * connection's client secret and id, so the document alone reveals nothing. It is tied to the refresh
 * token in the credentials it descends from (re-authenticating in the editor makes it obsolete) and
 * to the hosts it was answered by: after a host change it is dropped unread, whatever those hosts
 * answered.
 */
export class EncryptedRefreshTokenStore implements RefreshTokenStore {
  private readonly key: Buffer;
  private readonly origin: string;

  constructor(
    private readonly document: JsonDocument,
    keyMaterial: { readonly clientSecret: string; readonly connectionId: string; readonly credentialRefreshToken: string; readonly hosts: string },
  ) {
    this.key = Buffer.from(hkdfSync('sha256', keyMaterial.clientSecret, keyMaterial.connectionId, 'audience-export refresh token', 32));
    this.origin = createHmac('sha256', this.key).update(`${keyMaterial.credentialRefreshToken}\n${keyMaterial.hosts}`).digest('hex');
  }

  async load(): Promise<string | undefined> {
    let record: { origin?: string; iv?: string; tag?: string; data?: string } | undefined;
    try {
      const json = await this.document.read('unreadable');
      record = typeof json === 'object' && json !== null ? (json as typeof record) : undefined;
    } catch {
      return undefined; // unreadable: fall back to the credentials
    }
    if (record?.data && record.origin !== this.origin) {
      // Answered by other hosts, or descended from a refresh token the credentials no longer hold: dropped.
      await this.document.write({}).catch(() => undefined);
      return undefined;
    }
    if (!record || !record.iv || !record.tag || !record.data) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(record.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(record.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(record.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      return undefined; // another secret, or a damaged file: fall back to the credentials
    }
  }

  async save(refreshToken: string): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(refreshToken, 'utf8'), cipher.final()]);
    const record = { origin: this.origin, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    await this.document.write(record);
  }
}

/** The token in a file of its own (the file store's `tokens/<digest>.json`). */
export class EncryptedRefreshTokenFile extends EncryptedRefreshTokenStore {
  constructor(file: string, keyMaterial: ConstructorParameters<typeof EncryptedRefreshTokenStore>[1]) {
    super(fileDocument(file), keyMaterial);
  }
}
