import { describe, expect, it } from 'vitest';
import { loadIceServers, loadP2pEnabled, parseIceServers, saveIceServers, saveP2pEnabled } from '../src/sync/webrtc';

function memoryStore() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    map: m,
  };
}

describe('WebRTC settings', () => {
  it('uses no ICE server and links directly unless the user says otherwise', () => {
    const store = memoryStore();
    expect(loadIceServers(store)).toEqual([]);
    expect(loadP2pEnabled(store)).toBe(true);
    saveP2pEnabled(false, store);
    expect(loadP2pEnabled(store)).toBe(false);
    saveP2pEnabled(true, store);
    expect(store.map.size).toBe(0);
  });

  it('keeps STUN and TURN servers one per line, TURN with its username and credential', () => {
    const store = memoryStore();
    const text = '  stun:stun.example.org:3478 \n\nturn:turn.example.org:3478?transport=udp alice s3cret\n';
    expect(saveIceServers(text, store)).toEqual({ ok: true });
    expect(loadIceServers(store)).toEqual([
      { urls: 'stun:stun.example.org:3478' },
      { urls: 'turn:turn.example.org:3478?transport=udp', username: 'alice', credential: 's3cret' },
    ]);
    expect(saveIceServers('', store)).toEqual({ ok: true });
    expect(loadIceServers(store)).toEqual([]);
  });

  it('refuses what is not a STUN or TURN server, naming the line, and keeps the old setting', () => {
    const store = memoryStore();
    saveIceServers('stun:a.example', store);
    for (const [text, line] of [
      ['stun:ok.example\nhttps://evil.example', 2],
      ['turn:t.example onlyuser', 1],
      ['stun:a.example user pass', 1],
      ['stun:a b c d', 1],
    ] as const) {
      expect(parseIceServers(text)).toEqual({ ok: false, line });
      expect(saveIceServers(text, store)).toEqual({ ok: false, line });
    }
    expect(loadIceServers(store)).toEqual([{ urls: 'stun:a.example' }]);
    const many = Array.from({ length: 9 }, (_, i) => `stun:s${i}.example`).join('\n');
    expect(parseIceServers(many)).toEqual({ ok: false, line: 9 });
  });

  it('ignores a stored value that no longer parses', () => {
    const store = memoryStore();
    store.setItem('dure.iceServers', 'garbage here');
    expect(loadIceServers(store)).toEqual([]);
  });
});
