import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_STATE,
  loadWindowState,
  MIN_HEIGHT,
  MIN_WIDTH,
  saveWindowState,
  trackWindowState,
  validateWindowState,
  WINDOW_STATE_FILE,
  type Rect,
  type TrackedWindow,
  type WindowState,
} from '../src/main/window-state';

const laptop: Rect = { x: 0, y: 0, width: 1440, height: 875 };
const rightMonitor: Rect = { x: 1440, y: 0, width: 2560, height: 1400 };

describe('validateWindowState', () => {
  it('keeps a window that sits on a display', () => {
    const s = { x: 100, y: 80, width: 1000, height: 700, maximized: false };
    expect(validateWindowState(s, [laptop])).toEqual(s);
    expect(validateWindowState({ ...s, x: 2000 }, [laptop, rightMonitor])).toEqual({ ...s, x: 2000 });
  });

  it('drops the position of a window left on a monitor that is gone, keeping its size', () => {
    const s = { x: 2000, y: 100, width: 1200, height: 800, maximized: true };
    expect(validateWindowState(s, [laptop])).toEqual({ width: 1200, height: 800, maximized: true });
  });

  it('drops a position whose title bar is off screen (above the top, or only a sliver visible)', () => {
    expect(validateWindowState({ x: 100, y: -500, width: 800, height: 600 }, [laptop])).not.toHaveProperty('x');
    expect(validateWindowState({ x: 1430, y: 10, width: 800, height: 600 }, [laptop])).not.toHaveProperty('x');
  });

  it('clamps sizes to at least the minimum and at most the largest display', () => {
    expect(validateWindowState({ width: 10, height: 10 }, [laptop])).toEqual({
      width: MIN_WIDTH,
      height: MIN_HEIGHT,
      maximized: false,
    });
    expect(validateWindowState({ width: 90_000, height: 90_000 }, [laptop, rightMonitor])).toEqual({
      width: 2560,
      height: 1400,
      maximized: false,
    });
  });

  it('falls back to the default for anything that is not a state', () => {
    for (const bad of [null, 'x', 42, [], {}, { width: '800', height: 600 }, { width: 1.5, height: 600 }]) {
      expect(validateWindowState(bad, [laptop])).toEqual(DEFAULT_STATE);
    }
    expect(validateWindowState({ width: NaN, height: Infinity }, [laptop])).toEqual(DEFAULT_STATE);
    expect(validateWindowState({ width: 800, height: 600 }, [])).toEqual(DEFAULT_STATE);
  });
});

describe('load and save', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dure-winstate-'));
  });
  afterEach(async () => {
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through window-state.json', async () => {
    const s: WindowState = { x: 50, y: 60, width: 900, height: 650, maximized: true };
    await saveWindowState(dir, s);
    expect(JSON.parse(await readFile(path.join(dir, WINDOW_STATE_FILE), 'utf8'))).toEqual(s);
    expect(await loadWindowState(dir, [laptop])).toEqual(s);
  });

  it('starts with the default when the file is missing or damaged', async () => {
    expect(await loadWindowState(dir, [laptop])).toEqual(DEFAULT_STATE);
    await writeFile(path.join(dir, WINDOW_STATE_FILE), '{"width": 9');
    expect(await loadWindowState(dir, [laptop])).toEqual(DEFAULT_STATE);
  });

  it('saves once after a burst of moves, and at once on close, recording the unmaximized bounds', async () => {
    vi.useFakeTimers();
    const listeners = new Map<string, () => void>();
    let bounds: Rect = { x: 0, y: 0, width: 800, height: 600 };
    let maximized = false;
    const win: TrackedWindow = {
      getNormalBounds: () => bounds,
      isMaximized: () => maximized,
      on: (ev, l) => listeners.set(ev, l),
    };
    const saved: WindowState[] = [];
    trackWindowState(win, { debounceMs: 500, save: async (s) => void saved.push(s) });
    for (let i = 1; i <= 20; i++) {
      bounds = { ...bounds, x: i * 10 };
      listeners.get('move')!();
    }
    expect(saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(saved).toEqual([{ x: 200, y: 0, width: 800, height: 600, maximized: false }]);

    maximized = true;
    listeners.get('maximize')!();
    listeners.get('close')!();
    await vi.advanceTimersByTimeAsync(0);
    expect(saved.at(-1)).toEqual({ x: 200, y: 0, width: 800, height: 600, maximized: true });
    // The close write replaced the pending one: nothing more fires later.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(saved).toHaveLength(2);
  });

  it('reports a failed write instead of throwing', async () => {
    const errors: unknown[] = [];
    const listeners = new Map<string, () => void>();
    const win: TrackedWindow = {
      getNormalBounds: () => ({ x: 0, y: 0, width: 800, height: 600 }),
      isMaximized: () => false,
      on: (ev, l) => listeners.set(ev, l),
    };
    const flush = trackWindowState(win, {
      save: () => Promise.reject(new Error('disk full')),
      onError: (e) => errors.push(e),
    });
    await flush();
    expect(errors).toHaveLength(1);
  });
});
