import { describe, expect, it } from 'vitest';
import type { Event } from '@app/events';
import type { JobInHand } from './job-in-hand.js';
import { jobsAtOnce, laneOf, Lanes, type Ordering, type Pending } from './ordering.js';

const event = (id: string, repository: string) => ({ id, target: { repository } }) as Event;
const pending = (id: string, repository = 'a'): Pending => ({ event: event(id, repository), job: {} as JobInHand });
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Lanes whose deliveries the test settles by hand: `sent` lists each envelope's ids as it went out. */
function lanes(ordering: Ordering, size = 1) {
  const sent: string[][] = [];
  const open: { ids: string[]; settle: (going: boolean) => void }[] = [];
  const subject = new Lanes(ordering, {
    take: async (lane) => lane.slice(0, size),
    deliver: (envelope) =>
      new Promise<boolean>((settle) => {
        const ids = envelope.map((item) => item.event.id);
        sent.push(ids);
        open.push({ ids, settle });
      }),
  });
  const settle = async (id: string, going = true) => {
    const index = open.findIndex((item) => item.ids.includes(id));
    open.splice(index, 1)[0]!.settle(going);
    await tick();
  };
  return { subject, sent, settle };
}

describe('laneOf and jobsAtOnce', () => {
  it('gives a repository its lane, an endpoint one, and none one for all', () => {
    expect(laneOf('repository', event('1', 'x/y'))).toBe('repository:x/y');
    expect(laneOf('endpoint', event('1', 'x/y'))).toBe(laneOf('endpoint', event('2', 'z')));
    expect(laneOf('none', event('1', 'x/y'))).toBe(laneOf('none', event('2', 'z')));
    expect(jobsAtOnce('endpoint')).toEqual({ count: 1, global: true });
    expect(jobsAtOnce('repository').global).toBe(false);
  });
});

describe('Lanes', () => {
  it('sends a lane envelope by envelope, the next once the last is settled; lanes go side by side', async () => {
    const { subject, sent, settle } = lanes('repository');
    for (const [id, repository] of [
      ['a1', 'a'],
      ['b1', 'b'],
      ['a2', 'a'],
      ['a3', 'a'],
    ])
      subject.add(pending(id, repository));
    await tick();
    expect(sent).toEqual([['a1'], ['b1']]);
    await settle('a1');
    expect(sent.at(-1)).toEqual(['a2']);
    await settle('b1');
    await settle('a2');
    expect(sent).toEqual([['a1'], ['b1'], ['a2'], ['a3']]);
    await settle('a3');
    await subject.idle();
  });

  it('does not wait for one envelope before the next when nothing is ordered', async () => {
    const { subject, sent, settle } = lanes('none', 2);
    for (const id of ['1', '2', '3', '4', '5']) subject.add(pending(id));
    await tick();
    expect(sent).toEqual([['1', '2'], ['3', '4'], ['5']]);
    for (const id of ['1', '3', '5']) await settle(id);
    await subject.idle();
  });

  it('stops a lane when delivery stops, and takes it up again on the next event', async () => {
    const { subject, sent, settle } = lanes('endpoint');
    subject.add(pending('1'));
    subject.add(pending('2'));
    await tick();
    await settle('1', false);
    await subject.idle();
    expect(sent).toEqual([['1']]);
    subject.add(pending('3'));
    await tick();
    expect(sent.at(-1)).toEqual(['3']);
    await settle('3');
    await subject.idle();
  });
});
