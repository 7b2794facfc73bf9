import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExportError } from './errors';
import { onePer } from './one-per';

/** What readJsonFile answers for a file that does not exist. */
export const MISSING = Symbol('missing');

/**
 * A small JSON file of the data directory (approvals, host pins, tokens): its value, `undefined` when
 * it is not JSON (the caller's schema says it is damaged), or MISSING. Any other read error is a
 * `state_io` error saying `unreadable`.
 */
export async function readJsonFile(file: string, unreadable: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException).code === 'ENOENT') return MISSING;
    throw new ExportError('state_io', unreadable);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes atomically (a random temporary name, then rename), readable by the owner only. */
export async function writeJsonFile(file: string, value: unknown, indent?: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(value, null, indent), { mode: 0o600 });
  await fs.rename(temporary, file);
}

/**
 * One small JSON document of the durable state (approvals, host pins, a connection's rotated token),
 * wherever the store keeps it: a file under the data directory, or a Redis key shared by instances.
 */
export interface JsonDocument {
  /** Its value, `undefined` when it is not JSON, or MISSING; a failure to read is `state_io` saying `unreadable`. */
  read(unreadable: string): Promise<unknown>;
  write(value: unknown, indent?: number): Promise<void>;
  /**
   * Read, change and write back as one step against every other writer of the document (inside the
   * process; for a shared store, other instances too). `change` returns the value to write; if it
   * throws, nothing is written and the error is the update's.
   */
  update(unreadable: string, change: (current: unknown) => unknown, indent?: number): Promise<void>;
}

/** A document as a file (mode 0600, written atomically); updates of one file are serialised in the process. */
export const fileDocument = onePer((file: string): JsonDocument & { readonly file: string } => {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    file,
    async read(unreadable) {
      await chain.catch(() => undefined);
      return readJsonFile(file, unreadable);
    },
    write: (value, indent) => writeJsonFile(file, value, indent),
    update(unreadable, change, indent) {
      const next = chain
        .catch(() => undefined)
        .then(async () => writeJsonFile(file, change(await readJsonFile(file, unreadable)), indent));
      chain = next;
      return next;
    },
  };
});
