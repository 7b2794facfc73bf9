/** Request-body schemas for the segment endpoints (small bodies, so zod's cost does not matter here). */
import { z } from 'zod';

const name = z.string().min(1, { error: 'name must not be empty' }).max(375, { error: 'name must be at most 375 characters' });
const retention = z
  .number({ error: 'retention_in_days must be a number' })
  .int({ error: 'retention_in_days must be an integer' })
  .min(1, { error: 'retention_in_days must be 1..9999' })
  .max(9999, { error: 'retention_in_days must be 1..9999' });
// Customer lists only: the other source types (ENGAGEMENT, PIXEL, LOOKALIKE, …) are other products.
const sourceType = z.literal('FIRST_PARTY', { error: 'source_type must be FIRST_PARTY for customer lists' });

export const createSegmentsBody = z.object({
  segments: z
    .array(
      z.object({
        name,
        description: z.string().max(2000).optional(),
        source_type: sourceType,
        // Required in the docs, but 9999 is the documented default and Segment sends `|| 9999`.
        retention_in_days: retention.optional(),
        ad_account_id: z.string().optional(),
      }),
    )
    .min(1, { error: 'segments must not be empty' }),
});

export const updateSegmentsBody = z.object({
  segments: z
    .array(
      z.object({
        id: z.string().min(1),
        name: name.optional(),
        description: z.string().max(2000).optional(),
        source_type: sourceType.optional(),
        retention_in_days: retention.optional(),
        ad_account_id: z.string().optional(),
      }),
    )
    .min(1, { error: 'segments must not be empty' }),
});

/** "segments.0.name: name must be at most 375 characters; …" — for debug_message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
