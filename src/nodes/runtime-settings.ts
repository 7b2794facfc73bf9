import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { DEFAULT_RETRY, type RetryPolicy } from '../core/retry';
import type { NodeRedApi } from './red-types';

/**
 * Where durable files live and how hard to retry, from Node-RED's settings.js:
 * `audienceExportDir` (default `<userDir>/audience-export`), `audienceExportRetry` and
 * `audienceExportPartsTimeoutMs`.
 */
const RetrySettingsSchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(20),
    baseDelayMs: z.number().min(0),
    maxDelayMs: z.number().min(0),
    maxRetryAfterMs: z.number().min(0),
  })
  .partial();

export function dataDirectory(RED: NodeRedApi): string {
  const configured = RED.settings.audienceExportDir;
  if (typeof configured === 'string' && configured) return configured;
  const userDir = RED.settings.userDir;
  return path.join(typeof userDir === 'string' && userDir ? userDir : path.join(os.homedir(), '.node-red'), 'audience-export');
}

/** An incomplete msg.parts sequence expires after this long without a new part (settings.js `audienceExportPartsTimeoutMs`). */
export const DEFAULT_PARTS_TIMEOUT_MS = 10 * 60 * 1000;

export function partsTimeoutMs(RED: NodeRedApi): number {
  return z.number().int().min(1).catch(DEFAULT_PARTS_TIMEOUT_MS).parse(RED.settings.audienceExportPartsTimeoutMs ?? DEFAULT_PARTS_TIMEOUT_MS);
}

export function retryPolicy(RED: NodeRedApi): RetryPolicy {
  const parsed = RetrySettingsSchema.safeParse(RED.settings.audienceExportRetry ?? {});
  return parsed.success ? { ...DEFAULT_RETRY, ...parsed.data } : DEFAULT_RETRY;
}
