/**
 * The window's size, position and maximized flag, kept in `window-state.json` in userData. What is read
 * back is checked against the displays of this start: a file from another monitor setup (or a damaged
 * one) must never put the window off screen or make it unusably small or absurdly large.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface WindowState {
  /** absent: let the system place the window (centered on the primary display) */
  readonly x?: number;
  readonly y?: number;
  readonly width: number;
  readonly height: number;
  readonly maximized: boolean;
}

export const WINDOW_STATE_FILE = 'window-state.json';
export const MIN_WIDTH = 480;
export const MIN_HEIGHT = 360;
export const DEFAULT_STATE: WindowState = { width: 1100, height: 800, maximized: false };
/** How much of the window's top edge must lie on a display for it to count as reachable (title bar). */
const VISIBLE_W = 120;
const VISIBLE_H = 40;

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);

function overlap(a: Rect, b: Rect): { w: number; h: number } {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return { w: Math.max(0, w), h: Math.max(0, h) };
}

/**
 * A usable state from whatever was stored. `workAreas` are the displays' work areas, the primary first.
 * Size is clamped to [MIN, the largest work area]; the position is kept only if the window's top strip
 * lies on some display, else dropped (the system centres the window).
 */
export function validateWindowState(raw: unknown, workAreas: readonly Rect[]): WindowState {
  if (typeof raw !== 'object' || raw === null || workAreas.length === 0) return DEFAULT_STATE;
  const r = raw as Record<string, unknown>;
  if (!isInt(r.width) || !isInt(r.height)) return DEFAULT_STATE;
  const maxW = Math.max(...workAreas.map((a) => a.width));
  const maxH = Math.max(...workAreas.map((a) => a.height));
  const width = Math.min(Math.max(r.width, MIN_WIDTH), Math.max(maxW, MIN_WIDTH));
  const height = Math.min(Math.max(r.height, MIN_HEIGHT), Math.max(maxH, MIN_HEIGHT));
  const maximized = r.maximized === true;
  if (!isInt(r.x) || !isInt(r.y)) return { width, height, maximized };
  const top: Rect = { x: r.x, y: r.y, width, height: VISIBLE_H };
  const onScreen = workAreas.some((a) => {
    const o = overlap(top, a);
    return o.w >= Math.min(VISIBLE_W, width) && o.h >= VISIBLE_H;
  });
  return onScreen ? { x: r.x, y: r.y, width, height, maximized } : { width, height, maximized };
}

/** The stored state, validated; DEFAULT_STATE when the file is missing or not JSON. */
export async function loadWindowState(userData: string, workAreas: readonly Rect[]): Promise<WindowState> {
  let text: string;
  try {
    text = await readFile(path.join(userData, WINDOW_STATE_FILE), 'utf8');
  } catch {
    return validateWindowState(DEFAULT_STATE, workAreas);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  return validateWindowState(raw, workAreas);
}

/** Writes through a temporary file and a rename, so a crash mid-write leaves the old file whole. */
export async function saveWindowState(userData: string, state: WindowState): Promise<void> {
  await mkdir(userData, { recursive: true });
  const file = path.join(userData, WINDOW_STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state), 'utf8');
  await rename(tmp, file);
}

/** The parts of a BrowserWindow this module reads. */
export interface TrackedWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
}

/** What to record: the normal (unmaximized) bounds, so un-maximizing next time restores a real size. */
export function captureWindowState(win: TrackedWindow): WindowState {
  const b = win.getNormalBounds();
  return { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
}

export interface TrackOptions {
  /** a drag fires 'move' dozens of times a second; one write after it settles is enough */
  readonly debounceMs?: number;
  readonly save: (s: WindowState) => Promise<void>;
  /** a failed write costs only the window's place next time: reported, never thrown */
  readonly onError?: (e: unknown) => void;
}

/** Saves after moves and resizes settle, and at once when the window closes. Returns a flush. */
export function trackWindowState(win: TrackedWindow, opts: TrackOptions): () => Promise<void> {
  const delay = opts.debounceMs ?? 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    return opts.save(captureWindowState(win)).catch((e: unknown) => opts.onError?.(e));
  };
  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => void write(), delay);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(ev, schedule);
  win.on('close', () => void write());
  return write;
}
