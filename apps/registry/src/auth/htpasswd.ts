import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import bcrypt from 'bcryptjs';

/** What distribution accepts: bcrypt entries (`htpasswd -B`); other formats never match. */
const BCRYPT = /^\$2[aby]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

export interface HtpasswdEntries {
  users: Map<string, string>;
  /** Users whose entry is not bcrypt (they can never log in). */
  unsupported: string[];
}

/** Parses an htpasswd file's text: `user:hash` lines; blank lines and `#` comments skipped. */
export function parseHtpasswd(text: string): HtpasswdEntries {
  const users = new Map<string, string>();
  const unsupported: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1).trim();
    users.set(user, hash);
    if (!BCRYPT.test(hash)) unsupported.push(user);
  }
  return { users, unsupported };
}

/** Checks a password against a bcrypt hash (bcryptjs's compare; tests wrap it to see the work done). */
export type BcryptCompare = (password: string, hash: string) => Promise<boolean>;

/** The cost of a bcrypt hash (`$2y$10$...`: 10). */
export function bcryptCost(hash: string): number {
  return Number(hash.split('$')[2]);
}

/**
 * The users of an htpasswd file, re-read when the file changes (size, mtime or inode). A bcrypt check
 * costs milliseconds and clients send Basic credentials on every request, so verified credentials are
 * remembered (as a SHA-256 of user and password) until the file changes. An unknown user (or one whose
 * entry is not bcrypt) costs a bcrypt check of the file's highest cost too, against a hash of a random
 * password, so the time of a refusal does not tell which users exist.
 */
export class HtpasswdFile {
  private entries: HtpasswdEntries;
  private signature: string;
  private verified = new Set<string>();
  private checking?: Promise<void>;
  private decoy?: { cost: number; hash: string };

  /** Reads the file now; throws when it cannot be read. */
  constructor(
    readonly path: string,
    private readonly compare: BcryptCompare = (password, hash) => bcrypt.compare(password, hash),
  ) {
    const stats = statSync(path);
    this.entries = parseHtpasswd(readFileSync(path, 'utf8'));
    this.signature = signatureOf(stats);
  }

  get unsupported(): readonly string[] {
    return this.entries.unsupported;
  }

  get size(): number {
    return this.entries.users.size;
  }

  async verify(username: string, password: string): Promise<boolean> {
    await this.refresh();
    const hash = this.entries.users.get(username);
    if (!hash || !BCRYPT.test(hash)) {
      await this.compare(password, await this.decoyHash());
      return false;
    }
    const key = createHash('sha256').update(`${username}\0${password}\0${hash}`).digest('base64');
    if (this.verified.has(key)) return true;
    const ok = await this.compare(password, hash);
    if (ok) this.verified.add(key);
    return ok;
  }

  /** A bcrypt hash of a random password at the highest cost of the file's entries (10 when it has none). */
  private async decoyHash(): Promise<string> {
    const costs = [...this.entries.users.values()].filter((hash) => BCRYPT.test(hash)).map(bcryptCost);
    const cost = costs.length > 0 ? Math.max(...costs) : 10;
    if (this.decoy?.cost !== cost) {
      this.decoy = { cost, hash: await bcrypt.hash(randomBytes(18).toString('base64'), cost) };
    }
    return this.decoy.hash;
  }

  /**
   * Re-reads the file when it changed. A file that became unreadable keeps the last users it had
   * (a transient rename during an edit must not lock everyone out); an empty file lets nobody in.
   */
  private refresh(): Promise<void> {
    this.checking ??= this.reload().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async reload(): Promise<void> {
    let stats: Stats;
    try {
      stats = await stat(this.path);
    } catch {
      return;
    }
    const signature = signatureOf(stats);
    if (signature === this.signature) return;
    try {
      this.entries = parseHtpasswd(readFileSync(this.path, 'utf8'));
      this.signature = signature;
      this.verified = new Set();
    } catch {
      // Keep the previous users; the next request tries again.
    }
  }
}

function signatureOf(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}
