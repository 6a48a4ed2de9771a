import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync, renameSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { bcryptCost, HtpasswdFile, parseHtpasswd } from './htpasswd.js';

/** bcryptjs writes $2b$; htpasswd -B writes $2y$ (same algorithm). */
const entry = (user: string, password: string) => `${user}:${bcrypt.hashSync(password, 4).replace(/^\$2b\$/, '$2y$')}`;

describe('htpasswd', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const file = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'htpasswd-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'htpasswd'), text);
    return join(dir, 'htpasswd');
  };

  it('parses bcrypt entries and flags other formats', () => {
    const parsed = parseHtpasswd(
      `# comment\n${entry('alice', 'a')}\n\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nbroken-line\n`,
    );
    expect([...parsed.users.keys()]).toEqual(['alice', 'bob']);
    expect(parsed.unsupported).toEqual(['bob']);
  });

  it('verifies $2y$ passwords and refuses wrong ones, unknown users and non-bcrypt entries', async () => {
    const htpasswd = new HtpasswdFile(file(`${entry('alice', 's3cret')}\nbob:plaintext\n`));
    expect(await htpasswd.verify('alice', 's3cret')).toBe(true);
    expect(await htpasswd.verify('alice', 's3cret')).toBe(true);
    expect(await htpasswd.verify('alice', 'wrong')).toBe(false);
    expect(await htpasswd.verify('carol', 's3cret')).toBe(false);
    expect(await htpasswd.verify('bob', 'plaintext')).toBe(false);
  });

  it('an unknown user or a non-bcrypt entry costs a bcrypt check of the same cost as a known user', async () => {
    const checks: number[] = [];
    const counting = async (password: string, hash: string) => {
      checks.push(bcryptCost(hash));
      return bcrypt.compare(password, hash);
    };
    const known = bcrypt.hashSync('s3cret', 6).replace(/^\$2b\$/, '$2y$');
    const htpasswd = new HtpasswdFile(file(`${entry('alice', 'a')}\ncarol:${known}\nbob:plaintext\n`), counting);
    expect(await htpasswd.verify('carol', 'wrong')).toBe(false);
    expect(await htpasswd.verify('nobody', 'wrong')).toBe(false);
    expect(await htpasswd.verify('bob', 'plaintext')).toBe(false);
    expect(await htpasswd.verify('nobody', 's3cret')).toBe(false);
    expect(checks).toEqual([6, 6, 6, 6]);
  });

  it('re-reads the file when it changes, including a replace by rename', async () => {
    const path = file(`${entry('alice', 'one')}\n`);
    const htpasswd = new HtpasswdFile(path);
    expect(await htpasswd.verify('alice', 'one')).toBe(true);
    writeFileSync(`${path}.new`, `${entry('alice', 'two')}\n${entry('dave', 'four')}\n`);
    renameSync(`${path}.new`, path);
    expect(await htpasswd.verify('alice', 'one')).toBe(false);
    expect(await htpasswd.verify('alice', 'two')).toBe(true);
    expect(await htpasswd.verify('dave', 'four')).toBe(true);
  });

  it('keeps the last users while the file is briefly missing', async () => {
    const path = file(`${entry('alice', 'one')}\n`);
    const htpasswd = new HtpasswdFile(path);
    rmSync(path);
    expect(await htpasswd.verify('alice', 'one')).toBe(true);
  });

  it('throws at construction when the file cannot be read', () => {
    expect(() => new HtpasswdFile('/nonexistent/htpasswd')).toThrow(/ENOENT/);
  });
});
