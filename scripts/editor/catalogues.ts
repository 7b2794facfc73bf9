/**
 * The catalogues, merged at build time (DESIGN §9): one per language for the whole node set, made of
 * the shared strings (src/editor/locales/<lang>.json: the runtime's statuses and errors, the sidebar,
 * the palette category, and what every export and connection dialog says) and each platform's own (src/platforms/<p>/locales/<lang>.json),
 * the platform's words winning. `{{platform}}` in a shared string becomes the platform's name.
 */
import { nodeTypesOf, type PlatformDefinition } from '../../src/core/platform';

export type Catalogue = { [key: string]: string | Catalogue };

export interface Sources {
  /** `audience-export` (runtime and helper strings), `export` and `connection` (the dialogs' shared strings). */
  readonly shared: Catalogue;
  /** Per platform id: `export` and `connection`. */
  readonly platforms: ReadonlyMap<string, Catalogue>;
}

function isCatalogue(value: string | Catalogue | undefined): value is Catalogue {
  return typeof value === 'object' && value !== null;
}

/** `over` wins on every leaf it defines; sections are merged key by key. */
export function merge(base: Catalogue, over: Catalogue): Catalogue {
  const merged: Catalogue = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = merged[key];
    merged[key] = isCatalogue(below) && isCatalogue(value) ? merge(below, value) : value;
  }
  return merged;
}

function substitute(catalogue: Catalogue, values: Readonly<Record<string, string>>): Catalogue {
  const out: Catalogue = {};
  for (const [key, value] of Object.entries(catalogue)) {
    out[key] = isCatalogue(value) ? substitute(value, values) : value.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
  }
  return out;
}

function section(catalogue: Catalogue | undefined, name: string): Catalogue {
  const value = catalogue?.[name];
  return isCatalogue(value) ? value : {};
}

/** The node set's catalogue for one language. */
export function catalogueFor(platforms: readonly PlatformDefinition[], sources: Sources): Catalogue {
  // `palette.label.<category>` is where the editor looks for the palette category's name.
  const catalogue: Catalogue = { 'audience-export': section(sources.shared, 'audience-export'), palette: section(sources.shared, 'palette') };
  for (const platform of platforms) {
    const own = sources.platforms.get(platform.id);
    const types = nodeTypesOf(platform);
    const values = { platform: platform.label };
    catalogue[types.export] = substitute(merge(section(sources.shared, 'export'), section(own, 'export')), values);
    catalogue[types.connection] = substitute(merge(section(sources.shared, 'connection'), section(own, 'connection')), values);
  }
  return catalogue;
}

/** Every key of a catalogue, dotted (`snapchat-audience.label.adAccountId`). */
export function keysOf(catalogue: Catalogue, prefix = ''): string[] {
  return Object.entries(catalogue).flatMap(([key, value]) => (isCatalogue(value) ? keysOf(value, `${prefix}${key}.`) : [`${prefix}${key}`]));
}
