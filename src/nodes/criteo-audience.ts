import { z } from 'zod';
import { CRITEO_LIMITS, type CriteoConnection } from '../platforms/criteo';
import { registerExportNode } from './export-node';
import type { NodeRedApi } from './red-types';

const optionalId = (name: string) =>
  z.preprocess((value) => (typeof value === 'number' ? String(value) : (value ?? '')), z.string().trim().regex(/^\d*$/, `${name} must be a numeric id`)).default('');

const SettingsSchema = z.object({
  advertiserId: optionalId('advertiserId'),
  audienceName: z.string().trim().max(255).default(''),
  audienceId: optionalId('audienceId'),
  emailEncoding: z.enum(['sha256', 'plain']).default('sha256'),
});

export = function register(RED: NodeRedApi): void {
  registerExportNode(RED, {
    type: 'criteo-audience',
    connectionType: 'criteo-connection',
    platform: 'criteo',
    defaultMaxProfiles: CRITEO_LIMITS.defaultMaxProfiles,
    settingsSchema: SettingsSchema,
    // Plain mode: Criteo hashes on arrival (the one case an address leaves the process, by the user's choice).
    encoding: (settings) => settings.emailEncoding,
    adapter: (connection: CriteoConnection, settings) => connection.adapter(settings),
  });
};
