import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@app/testing';
import type { Event } from '@app/events';
import type { RoutedEvent } from './delivery-queues.js';
import { EventSpool } from './event-spool.js';

const routed = (index: number): RoutedEvent => ({ event: { id: `event-${index}` } as Event, endpoints: ['a'] });

async function readGroups(spool: EventSpool, path: string, corrupt: string[] = []): Promise<string[][]> {
  const groups: string[][] = [];
  for await (const batch of spool.read(path, 3, (line) => corrupt.push(line)))
    groups.push(...batch.map((group) => group.map((item) => item.event.id)));
  return groups;
}

async function readAll(spool: EventSpool, path: string, corrupt: string[] = []): Promise<string[]> {
  return (await readGroups(spool, path, corrupt)).flat();
}

describe('EventSpool', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  const newSpool = () => {
    const dir = tempDir('spool-');
    dirs.push(dir);
    return new EventSpool(join(dir.path, 'nested'), 'events-test');
  };
  afterEach(() => dirs.splice(0).forEach((dir) => dir.remove()));

  it('is not pending when empty, and pending from the moment an append is asked for', async () => {
    const spool = newSpool();
    await spool.open();
    expect(spool.pending).toBe(false);
    const appended = spool.append([routed(1)]);
    expect(spool.pending).toBe(true);
    await appended;
    expect(spool.pending).toBe(true);
    expect(readFileSync(join(spool.dir, 'events-test.spool'), 'utf8')).toBe(`${JSON.stringify([routed(1)])}\n`);
  });

  it('keeps concurrent appends whole and in call order, each group read back as one unit', async () => {
    const spool = newSpool();
    await spool.open();
    await Promise.all(
      Array.from({ length: 50 }, (_, index) => spool.append([routed(index * 2), routed(index * 2 + 1)])),
    );
    const file = await spool.takeFile();
    expect(await readGroups(spool, file!)).toEqual(
      Array.from({ length: 50 }, (_, index) => [`event-${index * 2}`, `event-${index * 2 + 1}`]),
    );
  });

  it('rotates to .flushing, takes new appends into a fresh .spool, and is empty once both are completed', async () => {
    const spool = newSpool();
    await spool.open();
    await spool.append([routed(1), routed(2)]);
    const flushing = await spool.takeFile();
    expect(flushing).toMatch(/events-test\.flushing$/);
    expect(await spool.takeFile()).toBe(flushing);
    await spool.append([routed(3)]);
    expect(await readAll(spool, flushing!)).toEqual(['event-1', 'event-2']);
    await spool.complete(flushing!);
    expect(spool.pending).toBe(true);
    const next = await spool.takeFile();
    expect(await readAll(spool, next!)).toEqual(['event-3']);
    await spool.complete(next!);
    expect(spool.pending).toBe(false);
    expect(await spool.takeFile()).toBeUndefined();
    expect(readdirSync(spool.dir)).toEqual([]);
  });

  it('picks up files a previous process left (one event per line, as before group commit), flushing first, and closes off a torn last line', async () => {
    const first = newSpool();
    await first.open();
    writeFileSync(join(first.dir, 'events-test.flushing'), `${JSON.stringify(routed(1))}\n`);
    writeFileSync(
      join(first.dir, 'events-test.spool'),
      `${JSON.stringify(routed(2))}\n${JSON.stringify(routed(9)).slice(0, 20)}`,
    );
    const spool = new EventSpool(first.dir, 'events-test');
    await spool.open();
    expect(spool.pending).toBe(true);
    await spool.append([routed(3)]);
    const corrupt: string[] = [];
    const older = await spool.takeFile();
    expect(await readAll(spool, older!, corrupt)).toEqual(['event-1']);
    await spool.complete(older!);
    const newer = await spool.takeFile();
    expect(await readAll(spool, newer!, corrupt)).toEqual(['event-2', 'event-3']);
    expect(corrupt).toEqual([JSON.stringify(routed(9)).slice(0, 20)]);
  });

  it('skips lines that are not spooled events', async () => {
    const spool = newSpool();
    await spool.open();
    await spool.append([routed(1)]);
    appendFileSync(join(spool.dir, 'events-test.spool'), '{"not":"an event"}\n\n');
    await spool.append([routed(2)]);
    const corrupt: string[] = [];
    expect(await readAll(spool, (await spool.takeFile())!, corrupt)).toEqual(['event-1', 'event-2']);
    expect(corrupt).toEqual(['{"not":"an event"}']);
  });
});
