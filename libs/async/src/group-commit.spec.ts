import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

/** A commit function that records its groups and finishes when told. */
function recorder() {
  const groups: number[][] = [];
  const finish: (() => void)[] = [];
  let fail: Error | undefined;
  const commit = (items: number[]) =>
    new Promise<void>((resolve, reject) => {
      groups.push(items);
      finish.push(() => (fail ? reject(fail) : resolve()));
    });
  return { groups, commit, release: () => finish.shift()!(), failNext: (error: Error | undefined) => (fail = error) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('commits the writes of one tick together, and those made while a commit is in flight together next', async () => {
    const { groups, commit, release } = recorder();
    const group = new GroupCommit(commit, 100);
    const first = [group.add([1]), group.add([2, 3])];
    await tick();
    expect(groups).toEqual([[1, 2, 3]]);
    const second = [group.add([4]), group.add([5])];
    await tick();
    expect(groups).toHaveLength(1);
    release();
    await Promise.all(first);
    await tick();
    expect(groups).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    release();
    await Promise.all(second);
    await group.idle();
  });

  it('caps a group at maxItems, keeping call order, but never splits one call', async () => {
    const { groups, commit, release } = recorder();
    const group = new GroupCommit(commit, 3);
    const writes = [group.add([1, 2]), group.add([3]), group.add([4, 5, 6, 7]), group.add([8])];
    for (let round = 0; round < 3; round++) {
      await tick();
      release();
    }
    await Promise.all(writes);
    expect(groups).toEqual([[1, 2, 3], [4, 5, 6, 7], [8]]);
  });

  it('rejects the writes of a failed commit only, and goes on with the next group', async () => {
    const { groups, commit, release, failNext } = recorder();
    const group = new GroupCommit(commit, 10);
    failNext(new Error('redis went away'));
    const failed = group.add([1]);
    await tick();
    const later = group.add([2]);
    release();
    await expect(failed).rejects.toThrow('redis went away');
    failNext(undefined);
    await tick();
    release();
    await expect(later).resolves.toBeUndefined();
    expect(groups).toEqual([[1], [2]]);
  });
});
