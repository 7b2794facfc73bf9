import type { ErrorCode, ExportError } from '../core/errors';
import { translationValues } from './locale';
import type { NodeRedApi } from './red-types';

/**
 * What an export node hands `done()`: Node-RED gives a Catch node `msg.error.message` from its
 * `toString()` (without a class-name prefix here) and `msg.error.code` from its `code`, and logs the
 * same one sentence when nothing catches it. No stack: it would only repeat the sentence.
 */
export class NodeError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
    this.name = 'NodeError';
    delete (this as { stack?: string }).stack;
  }

  override toString(): string {
    return this.message;
  }
}

/**
 * The error as one sentence in the runtime's language, from the catalogue's `errors.<code>` with the
 * error's specifics (`params`) written the language's way; `__detail__` is the engine's own words
 * (which setting, what the payload was), for the codes whose sentence needs them. The engine's English
 * sentence is used as it is when the catalogue has no sentence for it (no catalogue loaded), or one that
 * needs specifics this error does not carry. Either way the summary keeps the English detail.
 */
export function nodeErrorOf(RED: Pick<NodeRedApi, '_'>, locale: string, error: ExportError): NodeError {
  const variant = error.params?.variant;
  const sentenceName = typeof variant === 'string' ? `${error.code}_${variant}` : error.code;
  const key = `audience-export.errors.${sentenceName}`;
  const sentence = RED._(key, { detail: error.message, ...translationValues(locale, error.params) });
  const usable = sentence !== key && !sentence.endsWith(`:${key}`) && !/__\w+__/.test(sentence);
  return new NodeError(usable ? sentence : error.message, error.code);
}
