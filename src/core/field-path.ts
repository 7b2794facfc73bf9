/** Dotted paths (`contact.email`, `emails.0`) into profile objects, validated once and read fast. */

const SEGMENT = /^[^.\s[\]]+$/;

export function isValidFieldPath(path: string): boolean {
  return path.length > 0 && path.length <= 200 && path.split('.').every((part) => SEGMENT.test(part));
}

export type FieldReader = (profile: unknown) => unknown;

export function fieldReader(path: string): FieldReader {
  const parts = path.split('.');
  if (parts.length === 1) {
    const key = parts[0];
    return (profile) => (isRecord(profile) ? profile[key] : undefined);
  }
  return (profile) => {
    let value: unknown = profile;
    for (const key of parts) {
      if (!isRecord(value)) return undefined;
      value = value[key];
    }
    return value;
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
