import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { MailReport } from './mail-report.js';

const PENDING = /^[\w-]+\.json$/;
const CLAIMED = /^([\w-]+\.json)\.sending-(\d+)$/;

/**
 * Panic mails that neither Redis nor SMTP took, one fsync'd JSON file each, sent by the next start of either
 * app. A file is claimed by renaming it (`.sending-<pid>`), so two apps starting at once send it once; a claim
 * left by a dead process is taken over.
 */
export class MailSpool {
  constructor(readonly dir: string) {}

  /** Synchronous on purpose: it runs while the process is going down. */
  write(report: MailReport): string {
    mkdirSync(this.dir, { recursive: true });
    const name = `${Date.now()}-${randomUUID()}.json`;
    const temp = join(this.dir, `.${name}.tmp`);
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(report));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, join(this.dir, name));
    return join(this.dir, name);
  }

  /** Hands every spooled report to `send`, oldest first; a file is deleted once sent. Returns the count sent. */
  async drain(send: (report: MailReport) => Promise<void>): Promise<number> {
    let sent = 0;
    for (const name of this.pendingFiles()) {
      const claimed = join(this.dir, `${name}.sending-${process.pid}`);
      try {
        renameSync(join(this.dir, name), claimed);
      } catch {
        continue;
      }
      try {
        await send(JSON.parse(readFileSync(claimed, 'utf8')) as MailReport);
        unlinkSync(claimed);
        sent++;
      } catch (error) {
        renameSync(claimed, join(this.dir, name));
        throw error;
      }
    }
    return sent;
  }

  /** Spooled files waiting (including claims of processes that died). */
  pendingFiles(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    for (const name of names) {
      const match = CLAIMED.exec(name);
      if (match && !alive(Number(match[2]))) {
        try {
          renameSync(join(this.dir, name), join(this.dir, match[1]));
        } catch {
          // Another process took it over first.
        }
      }
    }
    return readdirSync(this.dir)
      .filter((name) => PENDING.test(name))
      .sort();
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
