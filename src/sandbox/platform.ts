/**
 * The contract between the sandbox core and one simulated platform folder: the folder registers its
 * routes on the shared router and hands back its test-facing API, a reset hook and a token expiry
 * hook; its demo says how a connection and an export reach it. `platforms.ts` lists the folders.
 */
import type { ResolvedSandboxOptions } from './options';
import type { Router } from './router';

/** What every simulated platform's test API offers, beside its own controls. */
export interface PlatformTestApi {
  /** Every access token issued so far now answers as expired (the fault injector's `expireTokensEvery`). */
  expireAccessTokens(): void;
  /** The live members (hashes, or addresses in a plain list) of an audience; throws for an unknown one. */
  members(audienceId: string): ReadonlySet<string>;
}

export interface SandboxPlatform<Api extends PlatformTestApi> {
  /** Also the path segment of its control routes: /_sandbox/<name>/… */
  readonly name: string;
  readonly api: Api;
  /** Back to the fixtures: stores, tokens, rate-limit buckets, counters. */
  reset(): void;
}

/** The members of a stored audience, or a clear error for a test that names one the sandbox does not hold. */
export function membersOf(audience: { readonly members: ReadonlySet<string> } | undefined, platform: string, id: string): ReadonlySet<string> {
  if (!audience) throw new Error(`${platform} sandbox: unknown audience ${id}`);
  return audience.members;
}

export interface PlatformContext {
  readonly options: ResolvedSandboxOptions;
}

export type RegisterPlatform<Api extends PlatformTestApi> = (router: Router, shared: PlatformContext) => SandboxPlatform<Api>;

/**
 * How a flow reaches this simulated platform: the demo tab of `npm start`, the test flows, the
 * benchmark and the examples test all build their nodes from it. Public fixture values only.
 */
export interface SandboxDemo {
  /** The platform definition's id: the nodes are `<platform>-connection` and `<platform>-audience`, the example `examples/<platform>-export.json`. */
  readonly platform: string;
  /** The demo tab's label. */
  readonly tabLabel: string;
  /** The connection's credentials (flows_cred.json). */
  readonly credentials: Readonly<Record<string, string>>;
  /** The connection's settings pointing at a sandbox at `url` (base URLs and whatever else it needs). */
  connection(url: string): Record<string, unknown>;
  /** The export's settings naming the sandbox's account. */
  readonly exporter: Readonly<Record<string, unknown>>;
}

/** Registers a platform's sets of routes (OAuth, API, control) on the router, each on the one context; returns the context. */
export function withRoutes<Context>(router: Router, context: Context, ...sets: Array<(router: Router, context: Context) => void>): Context {
  for (const register of sets) register(router, context);
  return context;
}
