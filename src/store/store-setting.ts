import { z } from 'zod';

/**
 * settings.js `audienceExportStore`: where the durable state lives. Absent (or `'file'`) = files under
 * `audienceExportDir`, for one Node-RED instance; a `redis://` or `rediss://` URL, or
 * `{ url, keyPrefix?, leaseMs? }`, = a Redis server shared by several instances (README, "Running
 * several instances"). Validated once at start: a malformed value is an error, never a silent
 * fallback to files.
 */
export type StoreSetting =
  | { readonly kind: 'file' }
  | { readonly kind: 'redis'; readonly url: string; readonly keyPrefix: string; readonly leaseMs: number };

export const DEFAULT_KEY_PREFIX = 'audience-export:';
/** A lease lives this long unless renewed (a third of it, while its run lives): a crashed instance's audiences free up after it. */
export const DEFAULT_LEASE_MS = 30_000;

const RedisUrlSchema = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && /^\/?\d*$/.test(url.pathname);
    } catch {
      return false;
    }
  }, 'must be a redis:// or rediss:// URL (redis://[user:password@]host[:port][/db])');

const SettingSchema = z.union([
  z.undefined(),
  z.null(),
  z.literal('file'),
  RedisUrlSchema,
  z
    .object({
      url: RedisUrlSchema,
      keyPrefix: z.string().regex(/^[A-Za-z0-9:_.{}-]{1,64}$/, 'letters, digits and : _ . { } - only, at most 64').optional(),
      leaseMs: z.number().int().min(1_000).max(600_000).optional(),
    })
    .strict(),
]);

/** Throws an Error that says what is wrong with the setting (never its value: a URL may hold a password). */
export function parseStoreSetting(value: unknown): StoreSetting {
  const parsed = SettingSchema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ');
    throw new Error(`settings.js audienceExportStore is not valid (${detail}): leave it out for files, or give a redis:// or rediss:// URL`);
  }
  const setting = parsed.data;
  if (setting === undefined || setting === null || setting === 'file') return { kind: 'file' };
  if (typeof setting === 'string') return { kind: 'redis', url: setting, keyPrefix: DEFAULT_KEY_PREFIX, leaseMs: DEFAULT_LEASE_MS };
  return { kind: 'redis', url: setting.url, keyPrefix: setting.keyPrefix ?? DEFAULT_KEY_PREFIX, leaseMs: setting.leaseMs ?? DEFAULT_LEASE_MS };
}

/** The server as logs and errors may name it: scheme, host, port and database, never the user or password. */
export function describeRedisUrl(value: string): string {
  const url = new URL(value);
  const db = url.pathname.replace(/^\//, '');
  return `${url.protocol}//${url.hostname}:${url.port || '6379'}${db ? `/${db}` : ''}`;
}
