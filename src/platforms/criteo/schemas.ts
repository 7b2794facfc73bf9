import { z } from 'zod';

/** Criteo Marketing Solutions answers (audience-segments API, reference §4). */

const id = z.union([z.string(), z.number()]).transform(String);

export const ProblemSchema = z.looseObject({
  traceId: z.string().nullish(),
  type: z.string().nullish(),
  code: z.string().nullish(),
  title: z.string().nullish(),
  detail: z.string().nullish(),
});
export type Problem = z.infer<typeof ProblemSchema>;

const problems = z
  .array(ProblemSchema)
  .nullish()
  .transform((list) => list ?? []);

export const SegmentSchema = z.looseObject({
  id,
  type: z.string().nullish(),
  attributes: z.looseObject({
    advertiserId: id.nullish(),
    name: z.string(),
    type: z.string().nullish(),
  }),
});
export type Segment = z.infer<typeof SegmentSchema>;

export const SearchResponseSchema = z.looseObject({
  data: z.array(SegmentSchema).nullish().transform((list) => list ?? []),
  meta: z.looseObject({ totalItems: z.number().int().nullish(), offset: z.number().int().nullish(), limit: z.number().int().nullish() }).nullish(),
  errors: problems,
  warnings: problems,
});

export const CreateResponseSchema = z.looseObject({
  data: z.array(SegmentSchema).nullish().transform((list) => list ?? []),
  errors: problems,
  warnings: problems,
});

export const AmendmentResponseSchema = z.looseObject({
  data: z.looseObject({
    attributes: z.looseObject({
      nbValidIdentifiers: z.number().int().nullish(),
      nbInvalidIdentifiers: z.number().int().nullish(),
    }),
  }),
  errors: problems,
});

export const StatisticsResponseSchema = z.looseObject({
  data: z.looseObject({
    attributes: z.looseObject({
      numberOfIdentifiers: z.number().nullish(),
      numberOfMatches: z.number().nullish(),
      matchRate: z.number().nullish(),
    }),
  }),
});

export const ErrorsEnvelopeSchema = z.looseObject({ errors: problems, warnings: problems });



/** `GET /{v}/marketing-solutions/me`: the application the token belongs to. */
export const MeResponseSchema = z.looseObject({
  data: z.looseObject({ id: id.optional(), attributes: z.looseObject({ name: z.string().nullish(), organizationId: id.nullish() }).optional() }),
});
