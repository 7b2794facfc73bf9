/**
 * The contract between the sandbox core and one simulated platform folder (snapchat/, later
 * microsoft-ads/ and criteo/): the folder registers its routes on the shared router and hands back
 * its test-facing API plus a reset hook.
 */
import type { ResolvedSandboxOptions } from './options';

export interface SandboxPlatform<Api> {
  /** Also the path segment of its control routes: /_sandbox/<name>/… */
  readonly name: string;
  readonly api: Api;
  /** Back to the fixtures: stores, tokens, rate-limit buckets, counters. */
  reset(): void;
}

export interface PlatformContext {
  readonly options: ResolvedSandboxOptions;
}
