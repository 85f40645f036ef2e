/**
 * Every IPC handler goes through `handle(channel, args, fn)`: the renderer is treated as untrusted
 * input (a hostile document is the threat), so before a handler runs we check who sent the message
 * (the main frame of a window we created, showing app://dure/) and what it sent (hand-written
 * validators with length and size limits). A refusal rejects the renderer's promise; the handler
 * never sees the message.
 */
import { CHANNELS, type Channel } from '../shared-api';

/** Files cross IPC whole; nothing the app reads or writes is larger. */
export const MAX_PAYLOAD_BYTES = 50 * 1024 * 1024;

/** A message that failed the sender or argument checks. Misuse by the renderer, so it throws. */
export class IpcRefused extends Error {
  override readonly name = 'IpcRefused';
}

/** Checks an unknown value and returns it typed, or throws IpcRefused naming where it failed. */
export type Validator<T> = (value: unknown, at: string) => T;

const refuse = (at: string, why: string): never => {
  throw new IpcRefused(`${at}: ${why}`);
};

// A Windows reserved name or a trailing dot/space would let one name mean another file there.
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

export const v = {
  string:
    (max: number, min = 0): Validator<string> =>
    (value, at) => {
      if (typeof value !== 'string') return refuse(at, 'not a string');
      if (value.length > max) return refuse(at, `longer than ${max}`);
      if (value.length < min) return refuse(at, `shorter than ${min}`);
      return value;
    },
  boolean: (): Validator<boolean> => (value, at) => (typeof value === 'boolean' ? value : refuse(at, 'not a boolean')),
  integer:
    (min: number, max: number): Validator<number> =>
    (value, at) =>
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
        ? value
        : refuse(at, `not an integer in ${min}..${max}`),
  oneOf:
    <const T extends string>(...values: readonly T[]): Validator<T> =>
    (value, at) =>
      typeof value === 'string' && (values as readonly string[]).includes(value)
        ? (value as T)
        : refuse(at, 'not an allowed value'),
  /** Bytes arrive as a Uint8Array (structured clone keeps the type); nothing else is accepted. */
  bytes:
    (max: number = MAX_PAYLOAD_BYTES): Validator<Uint8Array> =>
    (value, at) => {
      if (!(value instanceof Uint8Array)) return refuse(at, 'not bytes');
      if (value.byteLength > max) return refuse(at, `more than ${max} bytes`);
      return value;
    },
  /**
   * A bare file name chosen by the renderer (a suggested name for a save dialog, say): never a path.
   * Separators, `.`/`..`, NUL and control characters, and Windows' reserved names are refused.
   */
  fileName:
    (max = 255): Validator<string> =>
    (value, at) => {
      const name = v.string(max, 1)(value, at);
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f/\\:*?"<>|]/.test(name)) return refuse(at, 'separator or control character');
      if (name === '.' || name === '..' || /[. ]$/.test(name)) return refuse(at, 'not a plain name');
      if (WINDOWS_RESERVED.test(name)) return refuse(at, 'reserved name');
      return name;
    },
  array:
    <T>(item: Validator<T>, max: number): Validator<T[]> =>
    (value, at) => {
      if (!Array.isArray(value)) return refuse(at, 'not an array');
      if (value.length > max) return refuse(at, `more than ${max} items`);
      return value.map((x, i) => item(x, `${at}[${i}]`));
    },
  /** A plain object with exactly these keys (an extra key is refused, not ignored). */
  object:
    <S extends Record<string, Validator<unknown>>>(shape: S): Validator<{ [K in keyof S]: ReturnType<S[K]> }> =>
    (value, at) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse(at, 'not an object');
      if (Object.getPrototypeOf(value) !== Object.prototype) return refuse(at, 'not a plain object');
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) if (!(key in shape)) refuse(`${at}.${key}`, 'unexpected key');
      const out: Record<string, unknown> = {};
      for (const [key, check] of Object.entries(shape)) out[key] = check(record[key], `${at}.${key}`);
      return out as { [K in keyof S]: ReturnType<S[K]> };
    },
  /** The whole argument list: exactly these arguments, in order. */
  args:
    <T extends unknown[]>(...items: { [K in keyof T]: Validator<T[K]> }): Validator<T> =>
    (value, at) => {
      if (!Array.isArray(value) || value.length !== items.length)
        return refuse(at, `expected ${items.length} arguments`);
      return items.map((check, i) => (check as Validator<unknown>)(value[i], `${at}[${i}]`)) as T;
    },
};

/** The parts of Electron's IpcMainInvokeEvent we read; structural so tests can build one. */
export interface InvokeFrame {
  readonly url: string;
  readonly parent: unknown;
  readonly processId: number;
  readonly routingId: number;
}
export interface InvokeEvent {
  readonly senderFrame: InvokeFrame | null;
  readonly sender: { readonly id: number; readonly mainFrame: InvokeFrame };
}

export interface IpcDeps {
  readonly ipcMain: { handle(channel: string, listener: (event: InvokeEvent, ...args: unknown[]) => unknown): void };
  /** True for the webContents of a window this app created (window.ts keeps the list). */
  readonly isOurContents: (sender: InvokeEvent['sender']) => boolean;
}

export type Handler<A extends unknown[], R> = (args: A, event: InvokeEvent) => R | Promise<R>;

export interface Ipc {
  handle<A extends unknown[], R>(channel: Channel, args: Validator<A>, fn: Handler<A, R>): void;
}

/** True when the URL is the app itself: app://dure/ and nothing else (not a file:, not another host). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'app:' && u.host === 'dure' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** Why a sender is refused, or null when it may talk to main. */
export function senderProblem(event: InvokeEvent, isOurContents: IpcDeps['isOurContents']): string | null {
  const frame = event.senderFrame;
  // null: the frame navigated away or was destroyed while the message was in flight
  if (frame === null) return 'no sender frame';
  if (!isOurContents(event.sender)) return 'not a window of ours';
  const main = event.sender.mainFrame;
  if (frame.parent !== null || frame.processId !== main.processId || frame.routingId !== main.routingId) {
    return 'not the main frame';
  }
  if (!isAppUrl(frame.url)) return 'not app://dure/';
  return null;
}

const KNOWN: ReadonlySet<string> = new Set(Object.values(CHANNELS));

export function createIpc(deps: IpcDeps): Ipc {
  const registered = new Set<string>();
  return {
    handle(channel, args, fn) {
      if (!KNOWN.has(channel)) throw new Error(`ipc: ${channel} is not in shared-api CHANNELS`);
      if (registered.has(channel)) throw new Error(`ipc: ${channel} registered twice`);
      registered.add(channel);
      deps.ipcMain.handle(channel, (event, ...raw) => {
        const problem = senderProblem(event, deps.isOurContents);
        if (problem !== null) throw new IpcRefused(`${channel}: ${problem}`);
        return fn(args(raw, channel), event);
      });
    },
  };
}
