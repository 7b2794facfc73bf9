import { z } from 'zod';

/**
 * A setting of a connection or an export, declared once as a plain record (DESIGN §9): the runtime's
 * validation, the defaults a flow may leave out, what binds an approval, and the editor's dialog row
 * and validator are all made from it. Never a Node-RED type: a platform folder declares its fields
 * here and knows nothing of the node glue or the editor that read them.
 */
export type FieldDefinition = FieldCommon & FieldKind;

interface FieldCommon {
  /** The node property (flow JSON contract). */
  readonly name: string;
  /** Font Awesome 4.7 icon of its dialog row. */
  readonly icon: string;
  /** The dialog section the row sits in (each node type knows its sections). */
  readonly section: string;
  /** A tip under the row: one text, or one per option of a select (`tip.<name>.<option>`). */
  readonly tip?: 'text' | 'options';
  /**
   * The audience picker: `query` fields are sent with the listing request (the ad account), the
   * `target` field receives the picked audience's id.
   */
  readonly picker?: 'query' | 'target';
  /** False for settings that may change without an administrator's approval (what only shapes the node's own outputs). */
  readonly approval?: boolean;
  /** A connection setting that decides where secrets go: changing it in the dialog asks for the secrets again. */
  readonly host?: boolean;
  /** A checkbox that shows a warning (`tip.<name>Off`) while it is unticked. */
  readonly warnWhenOff?: boolean;
  /** Values the dialog suggests for a text or URL (the user may type another). */
  readonly suggestions?: readonly string[];
}

export type FieldKind =
  /** Free text; `pattern` (a regular expression's source) and `maxLength` narrow it. Blank means the default when `blankIsDefault`. */
  | { readonly kind: 'text'; readonly default: string; readonly required?: boolean; readonly pattern?: string; readonly maxLength?: number; readonly blankIsDefault?: boolean }
  /** An identifier: text without spaces, or digits only (64-bit ids stay text). */
  | { readonly kind: 'id'; readonly default: string; readonly required?: boolean; readonly digits?: boolean }
  /** An http(s) base URL; blank means the default. */
  | { readonly kind: 'url'; readonly default: string }
  /** A whole number from `min` to `max`, or one of `also` (such as -1 for "no expiry"). */
  | { readonly kind: 'integer'; readonly default: number; readonly min: number; readonly max: number; readonly also?: readonly number[] }
  /** A number from `min` to `max`, decimals allowed. */
  | { readonly kind: 'number'; readonly default: number; readonly min: number; readonly max: number }
  /** A list of names (an array, or one comma-separated text); blanks dropped. */
  | { readonly kind: 'names'; readonly default: readonly string[] }
  | { readonly kind: 'select'; readonly default: string; readonly options: readonly string[] }
  | { readonly kind: 'boolean'; readonly default: boolean };

export type FieldValue = string | number | boolean | readonly string[];

/** `true`/`false` as the editor and hand-written flows spell them. */
export const booleanish = z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());

/** An empty field means the default (`z.coerce.number()` would make 0 of it). */
const blankAs =
  (fallback: FieldValue) =>
  (value: unknown): unknown =>
    value === undefined || value === null || (typeof value === 'string' && value.trim() === '') ? fallback : value;

const URL_MESSAGE = 'must be an http(s) URL';

/** The runtime's reading of one field: coerce gently, default what is missing, refuse what makes no sense. */
export function fieldSchema(field: FieldDefinition): z.ZodType<FieldValue> {
  const { name } = field;
  switch (field.kind) {
    case 'text': {
      let text = z.string({ message: `${name} must be text` }).trim();
      if (field.maxLength !== undefined) text = text.max(field.maxLength, `${name} must be at most ${field.maxLength} characters`);
      if (field.pattern !== undefined) text = text.regex(new RegExp(field.pattern), `${name} has the wrong form`);
      if (field.required) text = text.min(1, `${name} is required`);
      const value = field.blankIsDefault ? z.preprocess(blankAs(field.default), text) : text;
      return value.prefault(field.default) as z.ZodType<FieldValue>;
    }
    case 'id': {
      const message = field.digits ? `${name} must be the numeric id` : `${name} must not contain spaces`;
      const text = z.string().trim().regex(field.digits ? /^\d*$/ : /^\S*$/, message);
      const id = z.preprocess((value) => (typeof value === 'number' ? String(value) : (value ?? '')), field.required ? text.min(1, `${name} is required`) : text);
      return id.prefault(field.default) as z.ZodType<FieldValue>;
    }
    case 'url':
      return z
        .preprocess(
          (value) => blankAs(field.default)(typeof value === 'string' ? value.trim() : value),
          // A base URL: the node appends the paths, so a query or fragment would end up in the middle.
          z.url({ protocol: /^https?$/, message: `${name} ${URL_MESSAGE}` }).refine((url) => !/[?#]/.test(url), `${name} ${URL_MESSAGE} without query or fragment`),
        )
        .prefault(field.default) as z.ZodType<FieldValue>;
    case 'integer': {
      const { min, max, also = [] } = field;
      const range = `${min}–${max}${also.length > 0 ? ` or ${also.join(', ')}` : ''}`;
      return z
        .preprocess(blankAs(field.default), z.coerce.number().int(`${name} must be a whole number`).refine((n) => (n >= min && n <= max) || also.includes(n), `${name} must be ${range}`))
        .prefault(field.default) as z.ZodType<FieldValue>;
    }
    case 'number':
      return z
        .preprocess(blankAs(field.default), z.coerce.number({ message: `${name} must be a number` }).min(field.min, `${name} must be ${field.min}–${field.max}`).max(field.max, `${name} must be ${field.min}–${field.max}`))
        .prefault(field.default) as z.ZodType<FieldValue>;
    case 'names':
      return z
        .preprocess(
          (value) => (typeof value === 'string' ? value.split(',') : (value ?? field.default)),
          z.array(z.string({ message: `${name} must be names` }).trim()).transform((names) => names.filter((one) => one.length > 0)),
        )
        .prefault([...field.default]) as z.ZodType<FieldValue>;
    case 'select':
      return z.enum(field.options as [string, ...string[]], { message: `${name} must be one of ${field.options.join(', ')}` }).prefault(field.default) as z.ZodType<FieldValue>;
    case 'boolean':
      return booleanish.prefault(field.default) as z.ZodType<FieldValue>;
  }
}

/** The settings object made of `fields`, as the runtime reads it from a node's configuration. */
export function settingsSchema(fields: readonly FieldDefinition[]): z.ZodType<Record<string, FieldValue>> {
  return z.object(Object.fromEntries(fields.map((field) => [field.name, fieldSchema(field)]))) as unknown as z.ZodType<Record<string, FieldValue>>;
}

/** Each field's default: what a flow that leaves the property out means. */
export function defaultsOf(fields: readonly FieldDefinition[]): Record<string, FieldValue> {
  return Object.fromEntries(fields.map((field) => [field.name, field.default]));
}
