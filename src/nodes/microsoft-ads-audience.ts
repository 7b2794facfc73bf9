import { z } from 'zod';
import { MICROSOFT_ADS_LIMITS, type MicrosoftAdsConnection } from '../platforms/microsoft-ads';
import { booleanish } from './config-schemas';
import { registerExportNode } from './export-node';
import type { NodeRedApi } from './red-types';

/** Microsoft ids are int64: kept as digit strings, never numbers. */
const int64Id = (name: string) =>
  z.preprocess((value) => (typeof value === 'number' ? String(value) : value), z.string({ message: `${name} is required` }).trim().regex(/^\d{1,19}$/, `${name} must be the numeric id`));

const SettingsSchema = z.object({
  customerId: int64Id('customerId'),
  accountId: int64Id('accountId'),
  membershipDuration: z.coerce
    .number()
    .int()
    .refine((days) => days === -1 || (days >= 1 && days <= 390), 'membershipDuration must be 1–390 days, or -1 for no expiry')
    .default(30),
  acceptTerms: booleanish.default(false),
});

export = function register(RED: NodeRedApi): void {
  registerExportNode(RED, {
    type: 'microsoft-ads-audience',
    connectionType: 'microsoft-ads-connection',
    platform: 'microsoft-ads',
    defaultMaxProfiles: MICROSOFT_ADS_LIMITS.defaultMaxProfiles,
    settingsSchema: SettingsSchema,
    adapter: (connection: MicrosoftAdsConnection, settings) => connection.adapter(settings),
  });
};
