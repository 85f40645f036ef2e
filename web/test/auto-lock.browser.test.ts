import { afterEach, describe, expect, it } from 'vitest';
import { saveAutoLockMinutes, watchIdle } from '../src/auto-lock';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('auto-lock', () => {
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    localStorage.clear();
  });

  it('locks after the chosen idle time, and activity postpones it', async () => {
    let clock = 0;
    let locks = 0;
    saveAutoLockMinutes(5);
    stop = watchIdle(() => locks++, { now: () => clock, tickMs: 5 });
    clock = 4 * 60_000;
    await sleep(30);
    expect(locks).toBe(0);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    clock = 8 * 60_000; // 4 minutes after the key press
    await sleep(30);
    expect(locks).toBe(0);
    clock = 9 * 60_000 + 1;
    await sleep(30);
    expect(locks).toBe(1);
  });

  it('never locks when set to never', async () => {
    let clock = 0;
    let locks = 0;
    saveAutoLockMinutes(0);
    stop = watchIdle(() => locks++, { now: () => clock, tickMs: 5 });
    clock = 24 * 3600_000;
    await sleep(30);
    expect(locks).toBe(0);
  });
});
