import type { PlatformDefinition } from '../core/platform';
import { criteo } from './criteo/definition';
import { meta } from './meta/definition';
import { microsoftAds } from './microsoft-ads/definition';
import { snapchat } from './snapchat/definition';

/** Every platform, the one list (DESIGN §9): the node set, the admin routes, the approvals and the editor build read it. */
export const PLATFORMS: readonly PlatformDefinition[] = [snapchat, microsoftAds, criteo, meta];
