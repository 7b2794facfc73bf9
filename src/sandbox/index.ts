/**
 * The local sandbox: one HTTP server on loopback that simulates the platforms' OAuth and audience APIs
 * (DESIGN §8). Tests, the benchmark and the demo talk to it over real HTTP. Platforms live in sibling
 * folders listed in platforms.ts and share the router, faults, recorder and hostile mode.
 */
import { registerSandboxControl } from './control';
import { FaultInjector, type FaultControls } from './faults';
import { HostileMode, type HostileSettings } from './hostile';
import { resolveOptions, type SandboxOptions } from './options';
import type { PlatformTestApi, SandboxPlatform } from './platform';
import { Recorder, type RequestRecorder } from './recorder';
import { Router } from './router';
import { SANDBOX_PLATFORMS, type SandboxPlatformApis, type SandboxPlatformKey } from './platforms';
import { startServer } from './server';

export type { CriteoEmptyStatistics, CriteoMatchRateScale, CriteoNullSearchEntry, MsFaultEnvelope, SandboxOptions } from './options';
export type { HostileSettings } from './hostile';
export { HOSTILE_IMG, HOSTILE_SCRIPT } from './hostile';
export type { FaultControls, FaultSettings, FailNextSpec, InjectedCounts } from './faults';
export type { RecordedRequest, RecorderFilter, RequestRecorder } from './recorder';
export type { SnapchatCalls, SnapchatSandbox, SnapchatSwitches, SnapSegmentRecord } from './snapchat';
export { SNAPCHAT_SANDBOX } from './snapchat/fixtures';
export type { CriteoCalls, CriteoSandbox, CriteoSegmentRecord, CriteoSegmentType, DuplicateNameMode } from './criteo';
export { CRITEO_SANDBOX } from './criteo/fixtures';
export type { MicrosoftAdsCalls, MicrosoftAdsSandbox, MicrosoftAdsSwitches, MsAudienceRecord } from './microsoft-ads';
export { MICROSOFT_ADS_SANDBOX } from './microsoft-ads/fixtures';
export type { MetaAudienceRecord, MetaCalls, MetaSandbox, MetaSwitches } from './meta';
export { META_SANDBOX } from './meta/fixtures';
export type { SandboxDemo } from './platform';
export { demoOf, SANDBOX_DEMOS } from './platforms';

/** The sandbox: the shared controls below, and each platform's test API under its key in platforms.ts (`sandbox.snapchat`). */
export type Sandbox = SandboxControls & SandboxPlatformApis;

export interface SandboxControls {
  /** e.g. http://127.0.0.1:45123 — both authBaseUrl and apiBaseUrl of a connection point here. */
  readonly url: string;
  readonly faults: FaultControls;
  readonly recorder: RequestRecorder;
  /**
   * Hostile mode (hostile.ts): `on` — error answers echo the request's secrets and carry HTML; `names` —
   * audience names come back as HTML. Sets the whole state (`names` left out = off).
   */
  setHostile(settings: { on: boolean; names?: boolean }): void;
  getHostile(): Readonly<HostileSettings>;
  /** The live members of an audience of the platform with this definition id (`snapchat`, `microsoft-ads`…). */
  members(platform: string, audienceId: string): ReadonlySet<string>;
  /** Back to the fixtures: every platform's state, tokens and rate limits, the faults, the recorder, hostile mode and the answer-shape switches (both to the options'). */
  reset(): void;
  /** Closes the server and all sockets (keep-alive ones too). */
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const resolved = resolveOptions(options);
  const router = new Router();
  const recorder = new Recorder(resolved.recordBodies);

  const registered = (Object.keys(SANDBOX_PLATFORMS) as SandboxPlatformKey[]).map((key) => ({
    key,
    id: SANDBOX_PLATFORMS[key].demo.platform,
    platform: SANDBOX_PLATFORMS[key].register(router, { options: resolved }),
  }));
  const platforms: ReadonlyArray<SandboxPlatform<PlatformTestApi>> = registered.map((entry) => entry.platform);
  const faults = new FaultInjector(() => {
    for (const platform of platforms) platform.api.expireAccessTokens();
  });
  const hostile = new HostileMode({ on: resolved.hostile, names: resolved.hostileNames });

  const reset = (): void => {
    for (const platform of platforms) platform.reset();
    faults.reset();
    recorder.clear();
    hostile.reset();
  };
  registerSandboxControl(router, { faults, recorder, hostile, platforms: platforms.map((p) => p.name), reset });

  const server = await startServer({ router, faults, recorder, hostile, options: resolved });
  const apis = Object.fromEntries(registered.map((entry) => [entry.key, entry.platform.api])) as unknown as SandboxPlatformApis;
  return {
    ...apis,
    url: server.url,
    faults,
    recorder,
    setHostile: (settings) => hostile.set(settings),
    getHostile: () => hostile.get(),
    members(platform, audienceId) {
      const entry = registered.find((candidate) => candidate.id === platform);
      if (!entry) throw new Error(`the sandbox simulates no platform "${platform}"`);
      return entry.platform.api.members(audienceId);
    },
    reset,
    close: () => server.close(),
  };
}
