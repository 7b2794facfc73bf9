import { z } from 'zod';

/** Snapchat's answers, as loosely as the reference says they vary (status word case, ids as numbers or strings). */

const id = z.union([z.string(), z.number()]).transform(String);

export const SegmentSchema = z.looseObject({
  id,
  name: z.string(),
  ad_account_id: z.string().optional(),
  source_type: z.string().optional(),
  retention_in_days: z.number().optional(),
  approximate_number_users: z.number().optional(),
  upload_status: z.string().optional(),
  targetable_status: z.string().optional(),
  status: z.string().optional(),
  created_at: z.string().optional(),
});
export type Segment = z.infer<typeof SegmentSchema>;

const subRequest = {
  sub_request_status: z.string().optional(),
  sub_request_error_reason: z.string().optional(),
};

export const SegmentsEnvelopeSchema = z.looseObject({
  request_status: z.string(),
  // A listing holds every source type: one segment this package cannot read (no name, say) is skipped, not fatal.
  segments: z.array(z.looseObject({ ...subRequest, segment: SegmentSchema.optional().catch(undefined) })).default([]),
  paging: z.looseObject({ next_link: z.string().optional() }).optional(),
});
export type SegmentsEnvelope = z.infer<typeof SegmentsEnvelopeSchema>;

export const UsersEnvelopeSchema = z.looseObject({
  request_status: z.string(),
  users: z.array(z.looseObject({ ...subRequest, user: z.looseObject({ number_uploaded_users: z.number().optional() }).optional() })).default([]),
});

/** `GET /v1/me`: only the non-personal fields are read. The documented answer has no `request_status`. */
export const MeEnvelopeSchema = z.looseObject({
  request_status: z.string().optional(),
  me: z.looseObject({ id: z.string().optional(), display_name: z.string().optional(), organization_id: z.string().optional() }),
});

export const ErrorEnvelopeSchema = z.looseObject({
  request_status: z.string().optional(),
  debug_message: z.string().optional(),
  display_message: z.string().optional(),
  error_code: z.string().optional(),
  msg: z.string().optional(),
});



/** Snapchat writes `SUCCESS` and `success` alike. */
export function isSuccess(status: string | undefined): boolean {
  return status === undefined || status.toUpperCase() === 'SUCCESS';
}
