import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExportError } from './errors';

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
