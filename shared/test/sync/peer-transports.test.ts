/** The memory and BroadcastChannel (Node's own) transports through the Transport contract suite. */
import { describe, expect, it } from 'vitest';
import { newId } from '@dure/shared/protocol/index';
import { createBroadcastChannelTransport } from '../../src/sync/broadcast-transport';
import { createMemoryTransportPair } from '../../src/sync/memory-transport';
import { echoed, runTransportContract, serveEcho } from './transport-contract';

const request = Uint8Array.of(1, 2, 3);
const probe = {
  request,
  isAnswer: (b: Uint8Array) => b.length === 4 && b[0] === 0xee && b[1] === 1 && b[3] === 3,
};
// the helper the probe relies on
if (echoed(request).length !== 4) throw new Error('echo format changed');

runTransportContract(
  'memory pair',
  () => {
    const stops: (() => void)[] = [];
    return {
      make: () => {
        const pair = createMemoryTransportPair();
        stops.push(serveEcho(pair.b));
        return pair.a;
      },
      makeUnreachable: () => {
        const pair = createMemoryTransportPair();
        pair.cut();
        return pair.a;
      },
      probe,
      cleanup: () => stops.forEach((s) => s()),
    };
  },
  { echoes: true },
);

runTransportContract(
  'BroadcastChannel (Node)',
  () => {
    const stops: (() => void)[] = [];
    return {
      make: () => {
        const name = `test/${newId()}`;
        stops.push(serveEcho(createBroadcastChannelTransport({ name, self: 'b', remote: 'a' })));
        return createBroadcastChannelTransport({ name, self: 'a', remote: 'b' });
      },
      makeUnreachable: () =>
        createBroadcastChannelTransport({
          name: `test/${newId()}`,
          self: 'a',
          remote: 'nobody',
          connectTimeoutMs: 100,
        }),
      probe,
      cleanup: () => stops.forEach((s) => s()),
    };
  },
  { echoes: true },
);

describe('memory pair with a scheduler of the test', () => {
  it('delivers nothing until the test runs the queue, then in queue order; cut closes both ends', () => {
    const queue: (() => void)[] = [];
    const pair = createMemoryTransportPair({ schedule: (fn) => void queue.push(fn) });
    const got: string[] = [];
    const handler = (name: string) => ({
      open: () => void got.push(`${name} open`),
      frame: (b: Uint8Array) => void got.push(`${name} ${b[0]}`),
      close: (c: { code: number }) => void got.push(`${name} close ${c.code}`),
    });
    pair.a.connect(handler('a'));
    pair.b.connect(handler('b'));
    expect(got).toEqual([]);
    // not open until its open() ran: a frame is refused, not queued
    expect(pair.a.send(Uint8Array.of(1))).toBe(false);
    while (queue.length) queue.shift()!();
    expect(got).toEqual(['a open', 'b open']);
    pair.a.send(Uint8Array.of(1));
    pair.a.send(Uint8Array.of(2));
    pair.b.send(Uint8Array.of(3));
    expect(got).toHaveLength(2);
    while (queue.length) queue.shift()!();
    expect(got.slice(2)).toEqual(['b 1', 'b 2', 'a 3']);
    pair.cut();
    while (queue.length) queue.shift()!();
    expect(got.slice(5).sort()).toEqual(['a close 1006', 'b close 1006']);
    expect(pair.a.send(Uint8Array.of(4))).toBe(false);
  });
});
