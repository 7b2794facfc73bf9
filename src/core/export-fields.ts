import { MAX_FIELD_LENGTH } from './field-path';
import type { FieldDefinition } from './fields';
import type { SyncMode } from './types';

/**
 * The settings every export has, whatever its platform (DESIGN §3), declared once: the runtime's
 * validation, approvals and the editor's rows are made from them. `maxProfiles` defaults to the
 * platform's own guard.
 */
export const SYNC_MODES: readonly SyncMode[] = ['mirror', 'add', 'remove', 'replace'];

/** A mirror or replace run may remove at most half of what this export delivered, unless told otherwise. */
export const DEFAULT_MAX_REMOVAL_PERCENT = 50;

/** Output 1: a message for every batch, or none (a 500-batch run floods Debug). */
export const BATCH_MESSAGES = ['each', 'none'] as const;

export function exportFields(defaultMaxProfiles: number): readonly FieldDefinition[] {
  return [
    { name: 'segments', kind: 'names', default: [], icon: 'list', section: 'data', tip: 'text' },
    { name: 'emailField', kind: 'text', default: 'email', required: true, maxLength: MAX_FIELD_LENGTH, icon: 'envelope', section: 'data' },
    { name: 'consentField', kind: 'text', default: '', maxLength: MAX_FIELD_LENGTH, icon: 'check-square-o', section: 'data' },
    { name: 'mode', kind: 'select', default: 'mirror', options: SYNC_MODES, icon: 'random', section: 'sync', tip: 'options' },
    { name: 'maxProfiles', kind: 'integer', default: defaultMaxProfiles, min: 0, max: Number.MAX_SAFE_INTEGER, icon: 'tachometer', section: 'sync', tip: 'text' },
    { name: 'maxRemovalPercent', kind: 'number', default: DEFAULT_MAX_REMOVAL_PERCENT, min: 0, max: 100, icon: 'shield', section: 'sync', tip: 'text' },
    { name: 'dryRun', kind: 'boolean', default: false, icon: 'eye', section: 'sync' },
    // Output 1's messages change nothing that is sent: no approval is needed to turn them off.
    { name: 'batchMessages', kind: 'select', default: 'each', options: BATCH_MESSAGES, icon: 'th-list', section: 'sync', tip: 'options', approval: false },
  ];
}

/** What every export's settings parse to (the fields above). */
export interface ExportSettings {
  readonly segments: readonly string[];
  readonly emailField: string;
  readonly consentField: string;
  readonly mode: SyncMode;
  readonly maxProfiles: number;
  readonly maxRemovalPercent: number;
  readonly dryRun: boolean;
  readonly batchMessages: (typeof BATCH_MESSAGES)[number];
}
