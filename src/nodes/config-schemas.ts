import { z } from 'zod';
import { ExportError } from '../core/errors';
import { MAX_FIELD_LENGTH } from '../core/field-path';

/** Node properties arrive from flow files as the editor or a hand-written flow left them: coerce gently, reject what makes no sense. */

export const booleanish = z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());

/** A key as it stands in the profiles (`E-Mail Address`) or a property expression (`contact.email`): any text but empty. */
const fieldPath = (what: string) =>
  z.string().trim().min(1, `${what} must name the field, such as email, E-Mail Address or contact.email`).max(MAX_FIELD_LENGTH, `${what} must be at most ${MAX_FIELD_LENGTH} characters`);

/** Properties every connection config node has (DESIGN §3). */
export const ConnectionBaseSchema = z.object({
  name: z.string().default(''),
  scope: z.enum(['administrators', 'contributors']).default('administrators'),
  consent: booleanish.default(false),
});
export type ConnectionBase = z.infer<typeof ConnectionBaseSchema>;

export const baseUrl = (fallback: string) =>
  z
    .string()
    .trim()
    .transform((value) => value || fallback)
    .pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }))
    .default(fallback);

/** An empty field means the default, not 0 (which `z.coerce.number()` would make of it: "no guard"). */
const blankAsDefault = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());

/** A mirror or replace run may remove at most half of what this export delivered, unless told otherwise (DESIGN §3). */
export const DEFAULT_MAX_REMOVAL_PERCENT = 50;

/** Properties every export node has (DESIGN §3). */
export function exportBaseSchema(defaultMaxProfiles: number) {
  return z.object({
    name: z.string().default(''),
    connection: z.string({ message: 'a connection is required' }).min(1, 'a connection is required'),
    segments: z
      .preprocess(
        (value) => (typeof value === 'string' ? value.split(',') : value),
        z.array(z.string().trim()).transform((names) => names.filter((name) => name.length > 0)),
      )
      .default([]),
    emailField: fieldPath('emailField').default('email'),
    consentField: z.union([z.literal(''), fieldPath('consentField')]).default(''),
    mode: z.enum(['mirror', 'add', 'remove', 'replace']).default('mirror'),
    dryRun: booleanish.default(false),
    maxProfiles: blankAsDefault(z.coerce.number().int().min(0)).default(defaultMaxProfiles),
    maxRemovalPercent: blankAsDefault(z.coerce.number().min(0, 'maxRemovalPercent must be 0–100').max(100, 'maxRemovalPercent must be 0–100')).default(DEFAULT_MAX_REMOVAL_PERCENT),
  });
}
export type ExportBase = z.infer<ReturnType<typeof exportBaseSchema>>;

/** msg.segment: `"name"` or `{ name, id? }`; msg.topic is the fallback. */
export const SegmentInputSchema = z.union([
  z.string().trim().min(1).max(500),
  z.looseObject({ name: z.string().trim().min(1).max(500), id: z.union([z.string(), z.number()]).optional() }).transform((s) => s.name),
]);

/** One readable line out of a zod error, naming the property. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ');
}

/** Parse an admin endpoint's query (the audience picker's ids); a bad one is an `invalid_input` error. */
export function parseAdminQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw new ExportError('invalid_input', describeIssues(parsed.error));
  return parsed.data;
}

/** A required id in an admin query. */
export const queryId = (name: string) => z.string({ message: `${name} is required` }).trim().min(1, `${name} is required`).max(100);
