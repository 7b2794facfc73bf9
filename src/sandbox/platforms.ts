/**
 * Every simulated platform, the sandbox's one list: its key names the platform's test API on the
 * Sandbox object (`sandbox.snapchat`), its demo says how flows reach it. Adding a platform is a folder
 * beside these and one line here.
 */
import { CRITEO_DEMO } from './criteo/demo';
import { registerCriteo } from './criteo';
import { META_DEMO } from './meta/demo';
import { registerMeta } from './meta';
import { MICROSOFT_ADS_DEMO } from './microsoft-ads/demo';
import { registerMicrosoftAds } from './microsoft-ads';
import type { SandboxDemo } from './platform';
import { SNAPCHAT_DEMO } from './snapchat/demo';
import { registerSnapchat } from './snapchat';

export const SANDBOX_PLATFORMS = {
  snapchat: { register: registerSnapchat, demo: SNAPCHAT_DEMO },
  microsoftAds: { register: registerMicrosoftAds, demo: MICROSOFT_ADS_DEMO },
  criteo: { register: registerCriteo, demo: CRITEO_DEMO },
  meta: { register: registerMeta, demo: META_DEMO },
} as const;

export type SandboxPlatformKey = keyof typeof SANDBOX_PLATFORMS;

/** Each platform's test API, under its key. */
export type SandboxPlatformApis = {
  readonly [K in SandboxPlatformKey]: ReturnType<(typeof SANDBOX_PLATFORMS)[K]['register']>['api'];
};

/** The demos in the list's order (the order of `npm start`'s tabs). */
export const SANDBOX_DEMOS: readonly SandboxDemo[] = Object.values(SANDBOX_PLATFORMS).map((entry) => entry.demo);

/** The demo of a platform definition's id; throws for a platform the sandbox does not simulate. */
export function demoOf(platform: string): SandboxDemo {
  const demo = SANDBOX_DEMOS.find((candidate) => candidate.platform === platform);
  if (!demo) throw new Error(`the sandbox simulates no platform "${platform}"`);
  return demo;
}
