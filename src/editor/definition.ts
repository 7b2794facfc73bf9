import { exportFields } from '../core/export-fields';
import type { FieldDefinition, FieldValue } from '../core/fields';
import { type CredentialField, nodeTypesOf, type PlatformDefinition } from '../core/platform';

/**
 * What the editor's dialogs are told of a node type: a plain JSON projection of a platform
 * definition, written into the built editor file and read by the dialog code (browser.ts). The
 * fields are the same records the runtime validates with, so the dialog's validators, defaults and
 * rows follow the definition and nothing is written twice.
 */
export interface ExportEditorDefinition {
  readonly role: 'export';
  readonly type: string;
  readonly connectionType: string;
  readonly platform: string;
  /** Every export field (the common ones, then the platform's). */
  readonly fields: readonly FieldDefinition[];
  /** The platform lists audiences for the picker. */
  readonly picker: boolean;
}

export interface ConnectionEditorDefinition {
  readonly role: 'connection';
  readonly type: string;
  readonly platform: string;
  readonly fields: readonly FieldDefinition[];
  readonly credentials: readonly CredentialField[];
  /** "Authenticate with …": absent when the platform has no sign-in; `when` limits it to some settings. */
  readonly signIn?: { readonly when?: { readonly field: string; readonly equals: FieldValue }; readonly keeps?: string };
}

export type EditorDefinition = ExportEditorDefinition | ConnectionEditorDefinition;

export function exportEditorDefinition(platform: PlatformDefinition): ExportEditorDefinition {
  const types = nodeTypesOf(platform);
  return {
    role: 'export',
    type: types.export,
    connectionType: types.connection,
    platform: platform.id,
    fields: [...exportFields(platform.limits.defaultMaxProfiles), ...platform.audience.fields],
    picker: platform.connection.audiences !== undefined,
  };
}

export function connectionEditorDefinition(platform: PlatformDefinition): ConnectionEditorDefinition {
  const { signIn } = platform.connection;
  return {
    role: 'connection',
    type: nodeTypesOf(platform).connection,
    platform: platform.id,
    fields: platform.connection.fields,
    credentials: platform.connection.credentials,
    // `keeps`: the credential a sign-in fills (the dialog shows it as stored afterwards); said only when not `refreshToken`.
    ...(signIn ? { signIn: { ...(signIn.when ? { when: signIn.when } : {}), ...(signIn.credentials && signIn.credentials.token !== 'refreshToken' ? { keeps: signIn.credentials.token } : {}) } } : {}),
  };
}

/**
 * The strings a node type's dialog asks for, beside the ones every dialog has: what the build checks
 * each language's catalogue against (a missing one fails `npm run build`). Paths are relative to the
 * type (`label.adAccountId`); the shape follows dialogs.ts and browser.ts.
 */
export function keysNeeded(definition: EditorDefinition): string[] {
  const keys = ['paletteLabel', 'label.credentials'];
  if (definition.role === 'export') keys.splice(1, 1, 'inputLabel', 'outputs.batch', 'outputs.summary', 'label.connection', 'label.addSegment', 'placeholder.segment', 'tip.fields', 'label.audienceSection', 'label.dataSection', 'label.syncSection');
  else keys.push('authenticate', 'label.scope', 'scope.administrators', 'scope.contributors', 'tip.scope.administrators', 'tip.scope.contributors', 'label.privacy', 'label.consent', 'tip.consent', 'tip.consentRequired', 'label.endpoints', 'tip.baseUrls', 'tip.credentials', 'placeholder.name', 'errors.url');
  if (definition.role === 'connection') for (const credential of definition.credentials) keys.push(`label.${credential.name}`);
  for (const field of definition.fields) {
    keys.push(`label.${field.name}`);
    if (field.kind !== 'boolean' && field.kind !== 'url') keys.push(`errors.${field.name}`);
    if (field.kind === 'select') {
      for (const option of field.options) keys.push(`${field.name}.${option}`);
      if (field.tip === 'options') for (const option of field.options) keys.push(`tip.${field.name}.${option}`);
    }
    if (field.tip === 'text') keys.push(`tip.${field.name}`);
    if (field.kind === 'boolean' && field.warnWhenOff) keys.push(`tip.${field.name}Off`);
  }
  return keys.map((key) => `${definition.type}.${key}`);
}
