import { z } from 'zod';

/** Microsoft Advertising REST (Campaign Management v13) answers. Ids are int64: strings, or numbers kept as strings by the parser. */

const id = z.union([z.string(), z.number()]).transform(String);
/** `Code` sometimes arrives as a string ("117"): normalise before comparing (reference §7). */
const code = z.union([z.number(), z.string()]).transform((value) => Number(value));

export const OperationErrorSchema = z.looseObject({
  Code: code,
  ErrorCode: z.string().nullish(),
  Message: z.string().nullish(),
});

export const BatchErrorSchema = z.looseObject({
  Code: code,
  ErrorCode: z.string().nullish(),
  Message: z.string().nullish(),
  Index: z.coerce.number().int().nullish(),
});
export type BatchError = z.infer<typeof BatchErrorSchema>;

const FaultDetailSchema = z.looseObject({
  TrackingId: z.string().nullish(),
  Type: z.string().nullish(),
  Errors: z.array(OperationErrorSchema).nullish(),
  OperationErrors: z.array(OperationErrorSchema).nullish(),
  BatchErrors: z.array(BatchErrorSchema).nullish(),
});

/**
 * `AdApiFaultDetail` (Errors) or `ApiFaultDetail` (OperationErrors, BatchErrors): as the SDKs parse it,
 * the body itself, or as Microsoft's PHP migration guide shows it, wrapped in `{ "ApplicationFault": … }`.
 */
export const FaultSchema = z.preprocess(
  (body) => (typeof body === 'object' && body !== null && 'ApplicationFault' in body ? (body as { ApplicationFault: unknown }).ApplicationFault : body),
  FaultDetailSchema,
);

const partialErrors = z
  .array(BatchErrorSchema)
  .nullish()
  .transform((errors) => errors ?? []);

export const AudienceSchema = z.looseObject({
  Id: id,
  Name: z.string(),
  Type: z.string().nullish(),
  SearchSize: z.coerce.number().nullish(),
  AudienceNetworkSize: z.coerce.number().nullish(),
});
export type Audience = z.infer<typeof AudienceSchema>;

export const QueryAudiencesResponseSchema = z.looseObject({
  // An audience this package cannot read (no name, say) is skipped like a null one, not fatal.
  Audiences: z
    .array(AudienceSchema.nullable().catch(null))
    .nullish()
    .transform((audiences) => (audiences ?? []).filter((a): a is Audience => a !== null)),
  PartialErrors: partialErrors,
});

export const AddAudiencesResponseSchema = z.looseObject({
  AudienceIds: z.array(id.nullable()).nullish(),
  PartialErrors: partialErrors,
});

export const ApplyResponseSchema = z.looseObject({ PartialErrors: partialErrors });


