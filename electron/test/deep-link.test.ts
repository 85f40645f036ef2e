import { formatFragment, newEditCapability, viewCapabilityOf } from '@dure/shared/crypto/capability';
import { describe, expect, it } from 'vitest';
import {
  LinkInbox,
  linkFromArgv,
  parseDeepLink,
  registerDeepLinks,
  registerLinkIpc,
  type DeepLink,
  type DeepLinkApp,
} from '../src/main/deep-link';
import { createIpc, type InvokeEvent } from '../src/main/ipc';
import { CHANNELS } from '../src/shared-api';
import { claimSingleInstance, focusWindow, type SingleInstanceApp } from '../src/main/single-instance';

const cap = newEditCapability();
const edit = formatFragment(cap);
const view = formatFragment(viewCapabilityOf(cap));

describe('parseDeepLink', () => {
  it('opens dure://open#<edit link> and the view link, with or without a slash', () => {
    expect(parseDeepLink(`dure://open#${edit}`)).toEqual({ ok: true, value: { fragment: edit, kind: 'edit' } });
    expect(parseDeepLink(`dure://open/#${view}`)).toEqual({ ok: true, value: { fragment: view, kind: 'view' } });
  });

  it("opens the web app's https link form", () => {
    expect(parseDeepLink(`https://dure.example.org/#${edit}`)).toEqual({
      ok: true,
      value: { fragment: edit, kind: 'edit' },
    });
  });

  it('refuses every other shape', () => {
    const refused = [
      `dure://evil#${edit}`,
      `dure://open/path#${edit}`,
      `dure://open?x=1#${edit}`,
      `dure://user:pw@open#${edit}`,
      `http://dure.example.org/#${edit}`,
      `https://dure.example.org/other#${edit}`,
      `https://dure.example.org/?q#${edit}`,
      `file:///etc/passwd#${edit}`,
      `javascript:alert(1)//#${edit}`,
      'dure://open',
      'dure://open#',
      'dure://open#/settings',
      'not a url',
      `dure://open#${edit}${'A'.repeat(1000)}`,
    ];
    for (const raw of refused) expect(parseDeepLink(raw).ok, raw).toBe(false);
  });

  it('tells a damaged capability from a foreign link', () => {
    expect(parseDeepLink('dure://open#1e.tooShort')).toEqual({ ok: false, error: 'malformed' });
    expect(parseDeepLink(`dure://open#${edit.slice(0, -1)}!`)).toEqual({ ok: false, error: 'malformed' });
    expect(parseDeepLink('mailto:a@b')).toEqual({ ok: false, error: 'not-a-link' });
  });
});

describe('linkFromArgv', () => {
  it('finds the dure:// argument among Chromium switches, ignoring https arguments', () => {
    expect(linkFromArgv(['/opt/Dure/dure', '--no-sandbox', `dure://open#${view}`])).toEqual({
      fragment: view,
      kind: 'view',
    });
    expect(linkFromArgv(['/opt/Dure/dure', `https://dure.example.org/#${edit}`])).toBeUndefined();
    expect(linkFromArgv(['/opt/Dure/dure', 'dure://open#garbage'])).toBeUndefined();
  });
});

describe('LinkInbox', () => {
  it('holds a link that arrives before the window, then delivers each once', () => {
    const inbox = new LinkInbox();
    const a: DeepLink = { fragment: edit, kind: 'edit' };
    const b: DeepLink = { fragment: view, kind: 'view' };
    inbox.push(a);
    const got: DeepLink[] = [];
    const detach = inbox.attach((l) => got.push(l));
    inbox.push(b);
    expect(got).toEqual([a, b]);
    detach();
    inbox.push(a);
    expect(got).toEqual([a, b]);
    const later: DeepLink[] = [];
    inbox.attach((l) => later.push(l));
    expect(later).toEqual([a]);
  });
});

describe('registerDeepLinks', () => {
  function fakeApp(): DeepLinkApp & {
    registered: unknown[][];
    openUrl?: (e: { preventDefault(): void }, u: string) => void;
  } {
    const app = {
      registered: [] as unknown[][],
      openUrl: undefined as undefined | ((e: { preventDefault(): void }, u: string) => void),
      setAsDefaultProtocolClient: (...a: unknown[]) => (app.registered.push(a), true),
      on: (_ev: 'open-url', l: (e: { preventDefault(): void }, u: string) => void) => (app.openUrl = l),
    };
    return app;
  }

  it('registers dure:// (with the script path when unpackaged), reads the first argv and macOS open-url', () => {
    const app = fakeApp();
    const inbox = new LinkInbox();
    const got: DeepLink[] = [];
    inbox.attach((l) => got.push(l));
    registerDeepLinks(app, inbox, {
      argv: ['dure', `dure://open#${edit}`],
      execPath: '/usr/bin/electron',
      devEntry: '/src/app',
    });
    expect(app.registered).toEqual([['dure', '/usr/bin/electron', ['/src/app']]]);
    let prevented = 0;
    app.openUrl!({ preventDefault: () => prevented++ }, `dure://open#${view}`);
    app.openUrl!({ preventDefault: () => prevented++ }, 'dure://open#nope');
    expect(prevented).toBe(2);
    expect(got.map((l) => l.kind)).toEqual(['edit', 'view']);

    const packaged = fakeApp();
    registerDeepLinks(packaged, new LinkInbox(), { argv: ['dure'], execPath: '/opt/Dure/dure' });
    expect(packaged.registered).toEqual([['dure']]);
  });
});

describe('claimSingleInstance', () => {
  function fakeApp(lock: boolean): SingleInstanceApp & {
    quits: number;
    second?: (e: unknown, argv: string[], cwd: string) => void;
  } {
    const app = {
      quits: 0,
      second: undefined as undefined | ((e: unknown, argv: string[], cwd: string) => void),
      requestSingleInstanceLock: () => lock,
      on: (_ev: 'second-instance', l: (e: unknown, argv: string[], cwd: string) => void) => (app.second = l),
      quit: () => void app.quits++,
    };
    return app;
  }

  it('quits a second copy without listening', () => {
    const app = fakeApp(false);
    expect(claimSingleInstance(app, new LinkInbox(), () => {})).toBe(false);
    expect(app.quits).toBe(1);
    expect(app.second).toBeUndefined();
  });

  it("focuses the first copy's window and forwards the second start's link", () => {
    const app = fakeApp(true);
    const inbox = new LinkInbox();
    const got: DeepLink[] = [];
    inbox.attach((l) => got.push(l));
    let focused = 0;
    expect(claimSingleInstance(app, inbox, () => focused++)).toBe(true);
    app.second!({}, ['dure', `dure://open#${edit}`], '/home/u');
    app.second!({}, ['dure'], '/home/u');
    expect(focused).toBe(2);
    expect(got).toEqual([{ fragment: edit, kind: 'edit' }]);
  });

  it('restores a minimized window before focusing it', () => {
    const calls: string[] = [];
    focusWindow({
      isDestroyed: () => false,
      isMinimized: () => true,
      restore: () => calls.push('restore'),
      show: () => calls.push('show'),
      focus: () => calls.push('focus'),
    });
    expect(calls).toEqual(['restore', 'show', 'focus']);
    focusWindow(undefined);
  });
});

describe('registerLinkIpc', () => {
  it('sends queued and later links to the window whose renderer said it listens', async () => {
    const handlers = new Map<string, (event: never, ...args: unknown[]) => unknown>();
    const ipc = createIpc({ ipcMain: { handle: (c, l) => void handlers.set(c, l) }, isOurContents: () => true });
    const inbox = new LinkInbox();
    const sent: [number, string][] = [];
    registerLinkIpc(ipc, inbox, (id, fragment) => sent.push([id, fragment]));
    inbox.push({ fragment: edit, kind: 'edit' });
    expect(sent).toEqual([]);
    const frame = { url: 'app://dure/', parent: null, processId: 1, routingId: 1 };
    const event: InvokeEvent = { senderFrame: frame, sender: { id: 3, mainFrame: frame } };
    await handlers.get(CHANNELS.linksReady)!(event as never);
    inbox.push({ fragment: view, kind: 'view' });
    expect(sent).toEqual([
      [3, edit],
      [3, view],
    ]);
  });
});
