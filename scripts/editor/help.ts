/**
 * The help pages, assembled at build time (DESIGN §9): a shared template per node role and language
 * (src/editor/help/<lang>/{export,connection}.md) with the platform's own passages put in its slots
 * (src/platforms/<p>/help/<lang>.md, one passage after each `<!-- role:name -->` line). A template
 * names a slot `{{slot:name}}` (required) or `{{slot:name?}}` (optional); `{{platform}}`, `{{exportLabel}}`,
 * `{{connectionLabel}}`, `{{id}}`, `{{batchSize}}` and `{{maxProfiles}}` are filled in; numbers in the
 * language's own way.
 */
import type { PlatformDefinition } from '../../src/core/platform';
import { nodeTypesOf } from '../../src/core/platform';

export type Role = 'export' | 'connection';

/** A platform's help file as passages: `export:intro` → its text. */
export function passages(source: string, where: string): Map<string, string> {
  const found = new Map<string, string>();
  const marker = /^<!--\s*((?:export|connection):[\w-]+)\s*-->\s*$/gm;
  const matches = [...source.matchAll(marker)];
  if (matches.length === 0 || source.slice(0, matches[0].index).trim() !== '') throw new Error(`${where}: text before the first <!-- role:name --> marker`);
  matches.forEach((match, i) => {
    const end = i + 1 < matches.length ? matches[i + 1].index : source.length;
    if (found.has(match[1])) throw new Error(`${where}: passage ${match[1]} twice`);
    found.set(match[1], source.slice((match.index ?? 0) + match[0].length, end).trim());
  });
  return found;
}

/** The slots a template names: name → required. */
export function slotsOf(template: string): Map<string, boolean> {
  return new Map([...template.matchAll(/\{\{slot:([\w-]+)(\?)?\}\}/g)].map((match) => [match[1], match[2] !== '?']));
}

export interface HelpContext {
  readonly language: string;
  readonly platform: PlatformDefinition;
  readonly exportLabel: string;
  readonly connectionLabel: string;
}

/** One node type's help page (markdown), its slots filled; an unknown passage or a missing required one is a build error. */
export function helpPage(role: Role, template: string, platformPassages: ReadonlyMap<string, string>, context: HelpContext, where: string): string {
  const slots = slotsOf(template);
  for (const name of platformPassages.keys()) {
    const [passageRole, slot] = name.split(':');
    if (passageRole === role && !slots.has(slot)) throw new Error(`${where}: passage ${name} fills no slot of the ${role} template`);
  }
  const number = new Intl.NumberFormat(context.language === 'nb' ? 'nb-NO' : context.language).format;
  const values: Record<string, string> = {
    platform: context.platform.label,
    id: context.platform.id,
    exportType: nodeTypesOf(context.platform).export,
    connectionType: nodeTypesOf(context.platform).connection,
    exportLabel: context.exportLabel,
    connectionLabel: context.connectionLabel,
    batchSize: number(context.platform.limits.maxBatchSize),
    maxProfiles: number(context.platform.limits.defaultMaxProfiles),
  };
  const filled = template.replace(/\{\{slot:([\w-]+)(\?)?\}\}/g, (_whole, name: string, optional?: string) => {
    const text = platformPassages.get(`${role}:${name}`);
    if (text === undefined && !optional) throw new Error(`${where}: no passage ${role}:${name} for its required slot`);
    return text ?? '';
  });
  return filled
    .replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
      if (!(name in values)) throw new Error(`${where}: unknown placeholder ${whole}`);
      return values[name];
    })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
