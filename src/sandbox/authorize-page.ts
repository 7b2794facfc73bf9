import { escapeHtml, html } from './reply';
import type { Reply } from './router';

/** The pieces every platform's sandbox authorize page shares: the consent form, the error page, URL helpers. */

export interface ConsentPage {
  readonly title: string;
  /** Plain text; escaped here. */
  readonly heading: string;
  /** Already-escaped HTML for the explanation paragraph. */
  readonly explanationHtml: string;
  readonly action: string;
  /** Hidden fields carried to the decision; undefined ones are left out. */
  readonly fields: Readonly<Record<string, string | undefined>>;
  readonly allowLabel?: string;
  readonly denyLabel?: string;
}

/** A consent form whose Allow (id="allow") and Deny (id="deny") buttons post the decision. */
export function consentPage(page: ConsentPage): Reply {
  const hidden = Object.entries(page.fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('\n');
  return html(
    200,
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title></head>
<body>
<h1>${escapeHtml(page.heading)}</h1>
<p>${page.explanationHtml}</p>
<form method="post" action="${escapeHtml(page.action)}">
${hidden}
<button id="allow" type="submit" name="decision" value="allow">${escapeHtml(page.allowLabel ?? 'Allow')}</button>
<button id="deny" type="submit" name="decision" value="deny">${escapeHtml(page.denyLabel ?? 'Deny')}</button>
</form>
</body></html>`,
  );
}

/** A 400 page for requests that cannot be redirected back (unknown client, bad redirect URI). */
export function errorPage(message: string, title = 'Authorization error', heading = 'Authorization error'): Reply {
  return html(400, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(heading)}</h1><p>${escapeHtml(message)}</p></body></html>`);
}

export function withParams(url: string, params: Record<string, string | undefined>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) target.searchParams.set(key, value);
  return target.toString();
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
