import { z } from 'zod';
import { SNAPCHAT_LIMITS, type SnapchatConnection } from '../platforms/snapchat';
import { registerExportNode } from './export-node';
import type { NodeRedApi } from './red-types';

const SettingsSchema = z.object({
  adAccountId: z.string({ message: 'adAccountId is required' }).trim().min(1, 'adAccountId is required'),
  audienceId: z.string().trim().default(''),
  retentionDays: z.coerce.number().int().min(1).max(9999).default(9999),
});

export = function register(RED: NodeRedApi): void {
  registerExportNode(RED, {
    type: 'snapchat-audience',
    connectionType: 'snapchat-connection',
    platform: 'snapchat',
    defaultMaxProfiles: SNAPCHAT_LIMITS.defaultMaxProfiles,
    settingsSchema: SettingsSchema,
    adapter: (connection: SnapchatConnection, settings) => connection.adapter(settings),
  });
};
