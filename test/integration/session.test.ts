/** The sync session end to end: real relay process, real WebSocket transport, real Yjs documents. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server';
import { Device, newDocKeys, until } from './sessions';

let server: TestServer;
const devices: Device[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const d of devices) await d.close().catch(() => {});
  await server?.stop();
});

function device(keys: ReturnType<typeof newDocKeys>['edit'], extra = {}): Device {
  const d = new Device(server.url, keys, extra);
  devices.push(d);
  return d;
}

describe('sync session against the real relay', () => {
  it('two edit sessions converge, and whenAcknowledged/whenSynced resolve', async () => {
    const { edit } = newDocKeys();
    const a = device(edit);
    const b = device(edit);
    const sa = await a.start();
    await sa.whenSynced();
    a.ydoc.getText('t').insert(0, '안녕하세요 ');
    await sa.whenAcknowledged();
    expect(sa.status.pending).toBe(0);
    expect(sa.status.state).toBe('synced');

    const sb = await b.start();
    await sb.whenSynced();
    await until(() => b.text === '안녕하세요 ', 'b to receive a');
    b.ydoc.getText('t').insert(b.text.length, 'world');
    await sb.whenAcknowledged();
    await until(() => a.text === '안녕하세요 world', 'a to receive b');
    expect(a.text).toBe(b.text);
  });
});
