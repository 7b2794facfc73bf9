import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ExportError } from './errors';
import { fileDocument, type JsonDocument, MISSING } from './json-file';

/**
 * Host pinning (DESIGN §6): a stored secret (client secret, refresh token, developer token, access
 * token) and every token derived from it go only to the hosts it was entered for. A pin records, per
 * connection and credential, a salted digest of a value and the host sets it was entered for; a
 * credential may hold pins for several values (the one stored now, and values typed in a dialog that
 * a deploy has not stored yet), so entering one value never unpins another.
 * A value seen for the first time at a start is pinned to the hosts it arrives with (it was typed for
 * them, by whoever typed it); a known value whose connection now names other hosts is refused, so a
 * user who can only edit flows cannot point an administrator's secrets at a listener of theirs.
 * Entering the value again (the connection dialog posts it, or a sign-in returns it) adds the new hosts.
 */

/** Host sets remembered per value: an administrator moving between a proxy and the real host keeps both. */
const MAX_HOST_SETS = 4;
/** Values entered but not (yet) stored, kept per credential; the stored one is never evicted by them. */
const MAX_ENTERED_VALUES = 8;

export type Secrets = Readonly<Record<string, string | undefined>>;

export interface SecretPins {
  /** At a connection's start: pin new values to `hosts`; refuse (`secrets_required`) values pinned to other hosts. */
  verify(connectionId: string, secrets: Secrets, hosts: readonly string[]): Promise<void>;
  /** Before a stored value is used for `hosts` (admin routes): refuse unless it was entered for them; never pins. */
  assertEnteredFor(connectionId: string, secrets: Secrets, hosts: readonly string[]): Promise<void>;
  /** These values were entered (again) for `hosts`. */
  enter(connectionId: string, secrets: Secrets, hosts: readonly string[]): Promise<void>;
}

/** The host set as one string: the normalised base URLs, sorted (order and trailing slashes do not matter). */
export function hostSetKey(hosts: readonly string[]): string {
  const normalised = hosts.map((host) => {
    try {
      const url = new URL(host);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`.toLowerCase();
    } catch {
      return host.trim().toLowerCase();
    }
  });
  return createHash('sha256').update([...new Set(normalised)].sort().join('\n')).digest('hex').slice(0, 32);
}

/** `stored`: the value the connection held at its last start (the others were typed and not deployed, or replaced since). */
const PinSchema = z.object({ digest: z.string(), hosts: z.array(z.string()), stored: z.boolean().optional() });
/** Earlier files kept one pin per credential (the value then stored). */
const CredentialPinsSchema = z.union([z.array(PinSchema), PinSchema.transform((pin) => [{ ...pin, stored: true }])]);
const FileSchema = z.object({ salt: z.string(), connections: z.record(z.string(), z.record(z.string(), CredentialPinsSchema)) });
type PinFile = z.infer<typeof FileSchema>;
type Pin = z.infer<typeof PinSchema>;

/**
 * Pins in one document: `<data dir>/pins.json` (mode 0600), or its key in a shared store. Changes are
 * read-change-write steps of the document (serialised in the process; for a shared store, against
 * other instances too) and land whole.
 */
export class DocumentSecretPins implements SecretPins {
  constructor(private readonly document: JsonDocument) {}

  verify(connectionId: string, secrets: Secrets, hosts: readonly string[]): Promise<void> {
    return this.update((pins) => {
      const hostKey = hostSetKey(hosts);
      const connection = (pins.connections[connectionId] ??= {});
      const refused: string[] = [];
      for (const [name, value] of present(secrets)) {
        const digest = digestOf(pins.salt, connectionId, name, value);
        const known = connection[name] ?? [];
        const pin = known.find((candidate) => candidate.digest === digest);
        if (pin && !pin.hosts.includes(hostKey)) {
          refused.push(name);
          continue;
        }
        // This value is the one stored now: a value stored before it is gone from the credentials.
        const others = known.filter((candidate) => candidate !== pin && !candidate.stored);
        connection[name] = [...others, { digest, hosts: pin?.hosts ?? [hostKey], stored: true }];
      }
      if (refused.length > 0) throw hostsChanged(refused);
    });
  }

  async assertEnteredFor(connectionId: string, secrets: Secrets, hosts: readonly string[]): Promise<void> {
    const pins = parsePins(await this.document.read(UNREADABLE));
    const hostKey = hostSetKey(hosts);
    const refused = present(secrets)
      .filter(([name, value]) => {
        const digest = digestOf(pins.salt, connectionId, name, value);
        const pin = pins.connections[connectionId]?.[name]?.find((candidate) => candidate.digest === digest);
        return !pin?.hosts.includes(hostKey);
      })
      .map(([name]) => name);
    if (refused.length > 0) throw hostsChanged(refused);
  }

  enter(connectionId: string, secrets: Secrets, hosts: readonly string[]): Promise<void> {
    return this.update((pins) => {
      const hostKey = hostSetKey(hosts);
      const connection = (pins.connections[connectionId] ??= {});
      for (const [name, value] of present(secrets)) {
        const digest = digestOf(pins.salt, connectionId, name, value);
        const known = connection[name] ?? [];
        const pin = known.find((candidate) => candidate.digest === digest);
        const entered: Pin = { digest, hosts: [...(pin?.hosts.filter((key) => key !== hostKey) ?? []), hostKey].slice(-MAX_HOST_SETS), stored: pin?.stored };
        connection[name] = withoutOldestEntered([...known.filter((candidate) => candidate !== pin), entered]);
      }
    });
  }

  /** Read, change and write back, one change at a time; a change that throws writes nothing else but its pins. */
  private async update(change: (pins: PinFile) => void): Promise<void> {
    let refusal: unknown;
    await this.document.update(
      UNREADABLE,
      (json) => {
        const pins = parsePins(json);
        refusal = undefined;
        try {
          change(pins);
        } catch (thrown) {
          refusal = thrown;
        }
        return pins;
      },
      1,
    );
    if (refusal) throw refusal;
  }
}

/** Values typed again and again (by anyone who may open the dialog) push out the oldest typed ones, never the stored one. */
function withoutOldestEntered(pins: Pin[]): Pin[] {
  const entered = pins.filter((pin) => !pin.stored);
  const evicted = new Set(entered.slice(0, Math.max(0, entered.length - MAX_ENTERED_VALUES)));
  return pins.filter((pin) => !evicted.has(pin));
}

/** Pins in a file of their own (the file store's `pins.json`). */
export class FileSecretPins extends DocumentSecretPins {
  constructor(file: string) {
    super(fileDocument(file));
  }
}

const UNREADABLE = 'The host pins file could not be read';

function parsePins(json: unknown): PinFile {
  if (json === MISSING) return { salt: randomBytes(16).toString('hex'), connections: {} };
  const parsed = FileSchema.safeParse(json);
  // A damaged pins file must not let any secret go anywhere: refuse until it is repaired or removed.
  if (!parsed.success) throw new ExportError('state_io', 'The host pins file is damaged (remove it to pin every connection again on its next start)');
  return parsed.data;
}

function present(secrets: Secrets): Array<[string, string]> {
  return Object.entries(secrets).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '');
}

function digestOf(salt: string, connectionId: string, name: string, value: string): string {
  return createHash('sha256').update(`${salt}\0${connectionId}\0${name}\0${value}`).digest('hex');
}

function hostsChanged(names: readonly string[]): ExportError {
  return new ExportError(
    'secrets_required',
    `The connection's hosts are not those its ${names.join(', ')} ${names.length === 1 ? 'was' : 'were'} entered for: enter ${names.length === 1 ? 'it' : 'them'} again in the connection dialog (they then go to the new hosts); nothing was sent`,
  );
}
