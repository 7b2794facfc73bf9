import { z } from 'zod';
import { type ExportSettings, exportFields } from '../core/export-fields';
import { booleanish, settingsSchema } from '../core/fields';

/**
 * Node properties arrive from flow files as the editor or a hand-written flow left them: coerce
 * gently, reject what makes no sense. The settings themselves are declared as fields (core/fields.ts);
 * this module adds what only nodes have: a name, a connection, a scope and a consent.
 */

/** Properties every connection config node has (DESIGN §3). */
export const ConnectionBaseSchema = z.object({
  name: z.string().default(''),
  scope: z.enum(['administrators', 'contributors']).default('administrators'),
  consent: booleanish.default(false),
});
export type ConnectionBase = z.infer<typeof ConnectionBaseSchema>;

/** The export node's own properties besides its settings. */
const ExportNodeSchema = z.object({
  name: z.string().default(''),
  connection: z.string({ message: 'a connection is required' }).min(1, 'a connection is required'),
});

export type ExportBase = z.infer<typeof ExportNodeSchema> & ExportSettings;

/** Every export's properties (DESIGN §3), with the platform's guard as the `maxProfiles` default. */
export function exportBaseSchema(defaultMaxProfiles: number): z.ZodType<ExportBase> {
  return ExportNodeSchema.and(settingsSchema(exportFields(defaultMaxProfiles))) as unknown as z.ZodType<ExportBase>;
}

/** msg.segment: `"name"` or `{ name, id? }`; msg.topic is the fallback. */
export const SegmentInputSchema = z.union([
  z.string().trim().min(1).max(500),
  z.looseObject({ name: z.string().trim().min(1).max(500), id: z.union([z.string(), z.number()]).optional() }).transform((s) => s.name),
]);

/** One readable line out of a zod error, naming the property. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ');
}
