/**
 * The local sandbox: one HTTP server on loopback that simulates the platforms' OAuth and audience APIs
 * (DESIGN §8). Tests, the benchmark and the demo talk to it over real HTTP. Platforms live in sibling
 * folders (snapchat/, later microsoft-ads/ and criteo/) and share the router, faults, recorder and token
 * registry; adding one means registering it below.
 */
import { registerSandboxControl } from './control';
import { FaultInjector, type FaultControls } from './faults';
import { HostileMode, type HostileSettings } from './hostile';
import { resolveOptions, type SandboxOptions } from './options';
import type { SandboxPlatform } from './platform';
import { Recorder, type RequestRecorder } from './recorder';
import { Router } from './router';
import { startServer } from './server';
import { registerSnapchat, type SnapchatSandbox } from './snapchat';
import { registerCriteo, type CriteoSandbox } from './criteo';
import { registerMicrosoftAds, type MicrosoftAdsSandbox } from './microsoft-ads';

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

export interface Sandbox {
  /** e.g. http://127.0.0.1:45123 — both authBaseUrl and apiBaseUrl of a connection point here. */
  readonly url: string;
  readonly faults: FaultControls;
  readonly snapchat: SnapchatSandbox;
  readonly criteo: CriteoSandbox;
  readonly microsoftAds: MicrosoftAdsSandbox;
  readonly recorder: RequestRecorder;
  /**
   * Hostile mode (hostile.ts): `on` — error answers echo the request's secrets and carry HTML; `names` —
   * audience names come back as HTML. Sets the whole state (`names` left out = off).
   */
  setHostile(settings: { on: boolean; names?: boolean }): void;
  getHostile(): Readonly<HostileSettings>;
  /** Back to the fixtures: every platform's state, tokens and rate limits, the faults, the recorder, hostile mode and the answer-shape switches (both to the options'). */
  reset(): void;
  /** Closes the server and all sockets (keep-alive ones too). */
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const resolved = resolveOptions(options);
  const router = new Router();
  const recorder = new Recorder(resolved.recordBodies);

  const snapchat = registerSnapchat(router, { options: resolved });
  const criteo = registerCriteo(router, { options: resolved });
  const microsoftAds = registerMicrosoftAds(router, { options: resolved });
  const faults = new FaultInjector(() => {
    snapchat.api.expireAccessTokens();
    criteo.api.expireAccessTokens();
    microsoftAds.api.expireAccessTokens();
  });
  const platforms: ReadonlyArray<SandboxPlatform<unknown>> = [snapchat, criteo, microsoftAds];
  const hostile = new HostileMode({ on: resolved.hostile, names: resolved.hostileNames });

  const reset = (): void => {
    for (const platform of platforms) platform.reset();
    faults.reset();
    recorder.clear();
    hostile.reset();
  };
  registerSandboxControl(router, { faults, recorder, hostile, platforms: platforms.map((p) => p.name), reset });

  const server = await startServer({ router, faults, recorder, hostile, options: resolved });
  return {
    url: server.url,
    faults,
    snapchat: snapchat.api,
    criteo: criteo.api,
    microsoftAds: microsoftAds.api,
    recorder,
    setHostile: (settings) => hostile.set(settings),
    getHostile: () => hostile.get(),
    reset,
    close: () => server.close(),
  };
}
