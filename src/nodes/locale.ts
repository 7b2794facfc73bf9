import type { NodeRedApi } from './red-types';

/**
 * The runtime's language, as Node-RED picks it for `RED._`: `lang` in settings.js, else the
 * environment's (LC_ALL, LC_MESSAGES, LANG), else English. Numbers in statuses and error sentences
 * are written the way that language writes them (12,345 · 12 345 · 12.345).
 */
export function runtimeLocale(RED: Pick<NodeRedApi, 'settings'>, env: NodeJS.ProcessEnv = process.env): string {
  const configured = RED.settings.lang;
  const fromEnv = ['LC_ALL', 'LC_MESSAGES', 'LANG'].map((name) => env[name]).find((value) => value !== undefined);
  const language = (typeof configured === 'string' && configured ? configured : fromEnv?.slice(0, 2)) ?? 'en-US';
  // Norwegian Bokmål is `nb` to Node-RED and `nb-NO` to Intl; `C`/`POSIX` locales name no language.
  if (language === 'nb') return 'nb-NO';
  return /^[a-z]{2}(-[A-Za-z]{2})?$/.test(language) ? language : 'en-US';
}

/**
 * What `RED._` gets: the substitutions with their numbers written for `locale`, and `count` as the
 * number itself, from which i18next picks the plural form (`key_one`, `key_many`, `key_other`).
 */
export function translationValues(locale: string, values: Readonly<Record<string, string | number>> = {}): Record<string, string | number> {
  return { ...localNumbers(locale, values), ...(typeof values.count === 'number' ? { count: values.count } : {}) };
}

/** i18n substitutions with their numbers written for `locale` (non-numbers as they are). */
export function localNumbers(locale: string, values: Readonly<Record<string, string | number>> = {}): Record<string, string> {
  const format = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, typeof value === 'number' ? format.format(value) : value]));
}
