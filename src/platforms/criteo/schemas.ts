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

/** The OpenAPI file makes `id`, `attributes` and `attributes.name` nullable: all three are read as optional. */
export const SegmentEntitySchema = z.looseObject({
  id: id.nullish(),
  type: z.string().nullish(),
  attributes: z
    .looseObject({
      advertiserId: id.nullish(),
      name: z.string().nullish(),
      type: z.string().nullish(),
    })
    .nullish(),
});

/** A segment this package can use: one with an id and a name (an unnamed one cannot be found by name). */
export interface Segment {
  readonly id: string;
  readonly name: string;
}

const segmentEntities = z
  .array(SegmentEntitySchema)
  .nullish()
  .transform((list) => list ?? []);

/** Segments with an id and a name; entries without them are skipped, not fatal. */
export function usableSegments(entities: ReadonlyArray<z.infer<typeof SegmentEntitySchema>>): Segment[] {
  return entities.flatMap((entry) => (entry.id && typeof entry.attributes?.name === 'string' ? [{ id: entry.id, name: entry.attributes.name }] : []));
}

export const SearchResponseSchema = z.looseObject({
  data: segmentEntities,
  meta: z.looseObject({ totalItems: z.number().int().nullish(), offset: z.number().int().nullish(), limit: z.number().int().nullish() }).nullish(),
  errors: problems,
  warnings: problems,
});

export const CreateResponseSchema = z.looseObject({
  data: segmentEntities,
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

/** `data` and `data.attributes` are nullable in the OpenAPI file: no statistics yet is not an error. */
export const StatisticsResponseSchema = z.looseObject({
  data: z
    .looseObject({
      attributes: z
        .looseObject({
          numberOfIdentifiers: z.number().nullish(),
          numberOfMatches: z.number().nullish(),
          matchRate: z.number().nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

export const ErrorsEnvelopeSchema = z.looseObject({ errors: problems, warnings: problems });



/** `GET /{v}/marketing-solutions/me`: the application the token belongs to (the spec's shape has no `data.id`). */
export const MeResponseSchema = z.looseObject({
  data: z.looseObject({ attributes: z.looseObject({ name: z.string().nullish(), organizationId: id.nullish(), applicationId: id.nullish() }).nullish() }).nullish(),
});
