import { z } from 'zod';

/**
 * Meta Graph API answers for customer-list Custom Audiences (reference: meta.md §1–§6). Parsed
 * leniently where the sources disagree (§9): numbers may come as numeric strings, `audience_id` or
 * `account_id`, `invalid_entry_samples` as a map or an array.
 */

/** An integer that may arrive as a numeric string (sessions, counts). */
const count = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);
const id = z.union([z.string(), z.number()]).transform(String);

/** The Graph API error envelope: `{"error":{message,type,code,error_subcode,error_user_title,error_user_msg,fbtrace_id}}`. */
export const GraphErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().nullish(),
    type: z.string().nullish(),
    code: count.nullish(),
    error_subcode: count.nullish(),
    error_user_title: z.string().nullish(),
    error_user_msg: z.string().nullish(),
    fbtrace_id: z.string().nullish(),
    is_transient: z.boolean().nullish(),
  }),
});
export type GraphError = z.infer<typeof GraphErrorSchema>['error'];

/** `GET /debug_token?input_token=…`: whose token it is, of which type, until when (`expires_at` 0 = never). */
export const DebugTokenSchema = z.looseObject({
  data: z.looseObject({
    app_id: id.nullish(),
    application: z.string().nullish(),
    type: z.string().nullish(),
    is_valid: z.boolean().nullish(),
    expires_at: count.nullish(),
    data_access_expires_at: count.nullish(),
    user_id: id.nullish(),
    scopes: z.array(z.string()).nullish(),
  }),
});
export type DebugToken = z.infer<typeof DebugTokenSchema>['data'];

/** `GET act_{id}?fields=name,tos_accepted`: `{"tos_accepted":{"custom_audience_tos":1}}` once a human accepted the terms. */
export const AdAccountSchema = z.looseObject({
  id: id.nullish(),
  name: z.string().nullish(),
  tos_accepted: z.record(z.string(), count).nullish(),
});

export const AudienceSummarySchema = z.looseObject({
  id,
  name: z.string().nullish(),
  subtype: z.string().nullish(),
});

/** A page of `act_{id}/customaudiences`: `{data:[…], paging:{cursors:{before,after}, next}}`. */
export const AudiencePageSchema = z.looseObject({
  data: z.array(z.unknown()).nullish().transform((list) => list ?? []),
  paging: z
    .looseObject({
      cursors: z.looseObject({ before: z.string().nullish(), after: z.string().nullish() }).nullish(),
      next: z.string().nullish(),
    })
    .nullish(),
});

export const CreatedSchema = z.looseObject({ id });

/** `{code, description}`; the replace-era strings (`replace_in_progress`) are accepted as well as the numbers (§9 #10). */
const status = z
  .looseObject({ code: z.union([count, z.string()]).nullish(), description: z.string().nullish() })
  .nullish();

export const AudienceSchema = z.looseObject({
  id,
  name: z.string().nullish(),
  subtype: z.string().nullish(),
  approximate_count_lower_bound: count.nullish(),
  approximate_count_upper_bound: count.nullish(),
  operation_status: status,
  delivery_status: status,
});
export type Audience = z.infer<typeof AudienceSchema>;

/** `/users` and `/usersreplace` answers; the samples are read for their count only (they are identifiers). */
export const UsersResponseSchema = z.looseObject({
  audience_id: id.nullish(),
  account_id: id.nullish(),
  session_id: id.nullish(),
  num_received: count.nullish(),
  num_invalid_entries: count.nullish(),
  invalid_entry_samples: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish(),
});

/** `oauth/access_token` (code exchange and the long-lived exchange). */
export const TokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().nullish(),
  expires_in: count.nullish(),
});
