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

/** `AdApiFaultDetail` (Errors) or `ApiFaultDetail` (OperationErrors, BatchErrors). */
export const FaultSchema = z.looseObject({
  TrackingId: z.string().nullish(),
  Type: z.string().nullish(),
  Errors: z.array(OperationErrorSchema).nullish(),
  OperationErrors: z.array(OperationErrorSchema).nullish(),
  BatchErrors: z.array(BatchErrorSchema).nullish(),
});

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
  Audiences: z
    .array(AudienceSchema.nullable())
    .nullish()
    .transform((audiences) => (audiences ?? []).filter((a): a is Audience => a !== null)),
  PartialErrors: partialErrors,
});

export const AddAudiencesResponseSchema = z.looseObject({
  AudienceIds: z.array(id.nullable()).nullish(),
  PartialErrors: partialErrors,
});

export const ApplyResponseSchema = z.looseObject({ PartialErrors: partialErrors });


