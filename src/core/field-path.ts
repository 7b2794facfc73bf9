/**
 * Where a profile keeps its email (or consent flag), as the user typed it (DESIGN §3): the key exactly
 * as it stands in the profile when the profile has it (`E-Mail Address`, `email.work`), otherwise a
 * property expression (`contact.email`, `contact["e-mail"]`, `emails[0]`). The expression syntax is
 * Node-RED's own: its parser is handed in by the node glue; without Node-RED, dotted paths.
 */

/** Splits a property expression into keys; throws when it is not one. */
export type PathParser = (expression: string) => ReadonlyArray<string | number>;

/** Dotted paths (`contact.email`, `emails.0`): the syntax available without Node-RED. */
export const dottedPath: PathParser = (expression) => expression.split('.');

/** Longest field name or expression accepted. */
export const MAX_FIELD_LENGTH = 200;

export function isValidField(field: string): boolean {
  return field.length > 0 && field.length <= MAX_FIELD_LENGTH;
}

export type FieldReader = (profile: unknown) => unknown;

export function fieldReader(field: string, parse: PathParser = dottedPath): FieldReader {
  let keys: ReadonlyArray<string | number> | undefined;
  try {
    keys = parse(field);
  } catch {
    keys = undefined; // not an expression: only the exact key can match
  }
  const exact = field;
  if (!keys || (keys.length === 1 && keys[0] === exact)) {
    return (profile) => (isRecord(profile) && Object.hasOwn(profile, exact) ? profile[exact] : undefined);
  }
  const path = keys;
  return (profile) => {
    if (!isRecord(profile)) return undefined;
    if (Object.hasOwn(profile, exact)) return profile[exact];
    let value: unknown = profile;
    for (const key of path) {
      if (!isRecord(value)) return undefined;
      value = value[key as keyof typeof value];
    }
    return value;
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
