/** The memory and BroadcastChannel (Node's own) transports through the Transport contract suite. */
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
