/**
 * Direct links between collaborators (WebRTC, issue #6) for the web app: each sync session gets a mesh
 * (shared/src/sync/mesh.ts) that signals through the session's own relay connections and hands data
 * channels to the session as peer transports.
 *
 * ICE servers: none by default, so no third party learns anything. Without STUN, direct links form only
 * between devices that can reach each other's local addresses (in practice: the same network). A STUN or
 * TURN server added in the settings learns this device's IP address every time a link is set up (and a
 * TURN server relays the encrypted traffic); the setting is stored on this device only.
 */
import type { DocKeys } from '@dure/shared';
import { createMesh, type Mesh } from '@dure/shared/sync/mesh';
import type { DocSession } from '@dure/shared/sync/types';
import type { SyncEngine } from './doc-sync';
import type { PrefStore } from './prefs';

const KEY_ICE = 'dure.iceServers';
const KEY_P2P = 'dure.p2p';
const MAX_ICE_SERVERS = 8;
const ICE_URL = /^(stun|turns?):[^\s]{1,250}$/;

function defaultStore(): PrefStore | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

/**
 * One server per line: `stun:host[:port]`, or `turn:host[:port] username credential` (TURN needs both).
 * Returns the servers, or the 1-based number of the first line that is not one.
 */
export function parseIceServers(text: string): { ok: true; servers: RTCIceServer[] } | { ok: false; line: number } {
  const servers: RTCIceServer[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const parts = lines[i]!.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) continue;
    const [url, username, credential, ...rest] = parts;
    if (!url || !ICE_URL.test(url) || rest.length > 0 || servers.length >= MAX_ICE_SERVERS)
      return { ok: false, line: i + 1 };
    if (url.startsWith('stun:')) {
      if (username !== undefined) return { ok: false, line: i + 1 };
      servers.push({ urls: url });
    } else {
      if (username === undefined || credential === undefined) return { ok: false, line: i + 1 };
      servers.push({ urls: url, username, credential });
    }
  }
  return { ok: true, servers };
}

function formatIceServers(servers: readonly RTCIceServer[]): string {
  return servers
    .map((s) => [s.urls, s.username, s.credential].filter((x) => typeof x === 'string').join(' '))
    .join('\n');
}

/** The ICE servers this device uses; [] (none) unless the user added some. */
export function loadIceServers(store: PrefStore | undefined = defaultStore()): RTCIceServer[] {
  let raw: string | null = null;
  try {
    raw = store?.getItem(KEY_ICE) ?? null;
  } catch {
    return [];
  }
  if (!raw) return [];
  const parsed = parseIceServers(raw);
  return parsed.ok ? parsed.servers : [];
}

/** Saves the servers in the text (see parseIceServers); an empty text removes them. */
export function saveIceServers(
  text: string,
  store: PrefStore | undefined = defaultStore(),
): { ok: true } | { ok: false; line: number } {
  const parsed = parseIceServers(text);
  if (!parsed.ok) return parsed;
  try {
    if (parsed.servers.length === 0) store?.removeItem(KEY_ICE);
    else store?.setItem(KEY_ICE, formatIceServers(parsed.servers));
  } catch {
    // storage refused: the setting stays as it was
  }
  return { ok: true };
}

/** Direct links are on unless this device turned them off (then everything goes through relays). */
export function loadP2pEnabled(store: PrefStore | undefined = defaultStore()): boolean {
  try {
    return store?.getItem(KEY_P2P) !== 'off';
  } catch {
    return true;
  }
}

export function saveP2pEnabled(on: boolean, store: PrefStore | undefined = defaultStore()): void {
  try {
    if (on) store?.removeItem(KEY_P2P);
    else store?.setItem(KEY_P2P, 'off');
  } catch {
    // storage refused: the setting stays as it was
  }
}

export interface PeersOptions {
  readonly iceServers?: readonly RTCIceServer[];
  /** for tests and the automation contract: the running session's mesh */
  readonly onMesh?: (mesh: Mesh | undefined) => void;
}

/**
 * The engine with a WebRTC mesh per session: the relay transports it makes carry the mesh's signaling,
 * and the session it starts gets the mesh's peers. Closing the session says goodbye to them first.
 */
export function withPeers(engine: SyncEngine, keys: DocKeys, opts: PeersOptions = {}): SyncEngine {
  if (typeof RTCPeerConnection === 'undefined' || !loadP2pEnabled()) return engine;
  let mesh: Mesh | undefined;
  const current = (): Mesh => {
    if (!mesh) {
      mesh = createMesh({ keys, iceServers: opts.iceServers ?? loadIceServers() });
      opts.onMesh?.(mesh);
    }
    return mesh;
  };
  return {
    createTransport: (url) => current().wrapRelay(engine.createTransport(url)),
    async startSession(o) {
      const m = current();
      let session: DocSession;
      try {
        session = await engine.startSession(o);
      } catch (e) {
        m.close();
        if (mesh === m) mesh = undefined;
        opts.onMesh?.(undefined);
        throw e;
      }
      m.attach(session);
      // The session first (its last presence, a removal, still reaches the peers), then the links.
      const close = async (): Promise<void> => {
        try {
          await session.close();
        } finally {
          m.close();
          if (mesh === m) {
            mesh = undefined;
            opts.onMesh?.(undefined);
          }
        }
      };
      // A view of the session with that close; everything else is the session's own, bound to it.
      return new Proxy(session, {
        get(target, key) {
          if (key === 'close') return close;
          const v: unknown = Reflect.get(target, key, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  };
}
