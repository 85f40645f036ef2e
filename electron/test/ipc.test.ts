import { describe, expect, it } from 'vitest';
import { CHANNELS, type Channel } from '../src/shared-api';
import { createIpc, IpcRefused, MAX_PAYLOAD_BYTES, v, type InvokeEvent, type InvokeFrame } from '../src/main/ipc';

type Listener = (event: InvokeEvent, ...args: unknown[]) => unknown;

/** ipcMain as Electron runs it: one listener per channel; an unknown channel has no listener at all. */
function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  return {
    ipcMain: { handle: (channel: string, listener: Listener) => void handlers.set(channel, listener) },
    /** What ipcRenderer.invoke would get: the handler's value, or a rejection. */
    invoke: async (channel: string, event: InvokeEvent, ...args: unknown[]) => {
      const h = handlers.get(channel);
      if (!h) throw new Error(`No handler registered for '${channel}'`);
      return h(event, ...args);
    },
  };
}

const OURS = 7;
const frame = (url: string, extra: Partial<InvokeFrame> = {}): InvokeFrame => ({
  url,
  parent: null,
  processId: 3,
  routingId: 1,
  ...extra,
});
const mainFrame = frame('app://dure/index.html');
const event = (senderFrame: InvokeFrame | null = mainFrame, id = OURS): InvokeEvent => ({
  senderFrame,
  sender: { id, mainFrame },
});

function setup() {
  const f = fakeIpcMain();
  const ipc = createIpc({ ipcMain: f.ipcMain, isOurContents: (s) => s.id === OURS });
  const seen: unknown[] = [];
  ipc.handle(CHANNELS.setRelays, v.args(v.array(v.string(512), 32)), ([relays]) => {
    seen.push(relays);
    return relays.length;
  });
  return { ...f, ipc, seen };
}

describe('ipc handle()', () => {
  it('runs the handler for a valid message from our window’s main frame at app://dure/', async () => {
    const { invoke, seen } = setup();
    expect(await invoke(CHANNELS.setRelays, event(), ['wss://a.example', '릴레이'])).toBe(2);
    expect(seen).toEqual([['wss://a.example', '릴레이']]);
  });

  it('refuses wrong senders: another origin, a subframe, a window not ours, a vanished frame', async () => {
    const { invoke, seen } = setup();
    const wrong: [string, InvokeEvent][] = [
      ['https origin', event(frame('https://evil.example/', { routingId: 1 }))],
      ['file:', event(frame('file:///tmp/x.html'))],
      ['other app host', event(frame('app://evil/index.html'))],
      ['subframe', event(frame('app://dure/index.html', { parent: mainFrame, routingId: 9 }))],
      ['other frame in the same page', event(frame('app://dure/index.html', { routingId: 2 }))],
      ['not our window', event(mainFrame, 99)],
      ['no frame', event(null)],
    ];
    for (const [name, e] of wrong) {
      await expect(invoke(CHANNELS.setRelays, e, ['wss://a.example']), name).rejects.toBeInstanceOf(IpcRefused);
    }
    expect(seen).toEqual([]);
  });

  it('refuses wrong argument types and shapes, and too much of anything', async () => {
    const { invoke, seen } = setup();
    const bad: unknown[][] = [
      [],
      ['wss://a.example'],
      [[1, 2]],
      [[null]],
      [{ length: 1, 0: 'wss://a.example' }],
      [['wss://a.example'], 'extra'],
      [['x'.repeat(513)]],
      [Array.from({ length: 33 }, () => 'wss://a.example')],
    ];
    for (const args of bad) {
      await expect(invoke(CHANNELS.setRelays, event(), ...args), JSON.stringify(args).slice(0, 60)).rejects.toThrow(
        IpcRefused,
      );
    }
    expect(seen).toEqual([]);
  });

  it('has no handler for a channel that was never registered, and registers only shared-api channels', async () => {
    const { invoke, ipc } = setup();
    await expect(invoke('dure:evil', event(), 'x')).rejects.toThrow(/No handler/);
    expect(() => ipc.handle('dure:evil' as Channel, v.args(), () => 1)).toThrow(/not in shared-api/);
    expect(() => ipc.handle(CHANNELS.setRelays, v.args(), () => 1)).toThrow(/twice/);
  });
});

describe('validators', () => {
  it('refuses path traversal and other non-names as file names', () => {
    const name = v.fileName();
    expect(name('보고서 2026.docx', 'n')).toBe('보고서 2026.docx');
    for (const bad of [
      '../secret',
      '..',
      '.',
      'a/b',
      'a\\b',
      '/etc/passwd',
      'C:\\Windows\\win.ini',
      'C:x',
      'a\u0000b.txt',
      'con',
      'NUL.txt',
      'trailing.',
      'trailing ',
      '',
      'x'.repeat(256),
      42,
      null,
    ]) {
      expect(() => name(bad, 'n'), String(bad)).toThrow(IpcRefused);
    }
  });

  it('limits byte payloads to 50 MiB and accepts only Uint8Array', () => {
    const bytes = v.bytes();
    expect(bytes(new Uint8Array(10), 'b').byteLength).toBe(10);
    expect(MAX_PAYLOAD_BYTES).toBe(50 * 1024 * 1024);
    expect(() => bytes(new Uint8Array(MAX_PAYLOAD_BYTES + 1), 'b')).toThrow(/more than/);
    expect(() => bytes([1, 2, 3], 'b')).toThrow(IpcRefused);
    expect(() => bytes('AAAA', 'b')).toThrow(IpcRefused);
    expect(() => v.bytes(4)(new Uint8Array(5), 'b')).toThrow(IpcRefused);
  });

  it('takes exactly the keys of an object shape, and only plain objects', () => {
    const shape = v.object({ name: v.fileName(), size: v.integer(0, 10), kind: v.oneOf('docx', 'md') });
    expect(shape({ name: 'a.md', size: 3, kind: 'md' }, 'o')).toEqual({ name: 'a.md', size: 3, kind: 'md' });
    expect(() => shape({ name: 'a.md', size: 3, kind: 'md', extra: 1 }, 'o')).toThrow(/unexpected key/);
    expect(() => shape({ name: 'a.md', size: 3.5, kind: 'md' }, 'o')).toThrow(IpcRefused);
    expect(() => shape({ name: 'a.md', size: 3, kind: 'exe' }, 'o')).toThrow(IpcRefused);
    expect(() => shape(new Date(), 'o')).toThrow(/plain object/);
    expect(() => shape(['a.md', 3, 'md'], 'o')).toThrow(IpcRefused);
    expect(() => v.boolean()('true', 'b')).toThrow(IpcRefused);
  });
});
