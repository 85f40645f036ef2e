import { describe, expect, it, vi } from 'vitest';
import { externalUrl, guardContents, openExternal, type GuardedContents } from '../src/main/navigation';

type Listener = (event: { preventDefault(): void; url?: string }, url?: string) => void;

/** A webContents that records its listeners, so a test can fire the events Electron would. */
function fakeContents() {
  const listeners = new Map<string, Listener>();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  const contents: GuardedContents = {
    on: (event: string, listener: Listener) => listeners.set(event, listener),
    setWindowOpenHandler: (h) => {
      openHandler = h;
    },
  } as GuardedContents;
  const fire = (event: string, url: string): boolean => {
    let prevented = false;
    listeners.get(event)!({ preventDefault: () => (prevented = true), url }, url);
    return prevented;
  };
  return { contents, fire, open: (url: string) => openHandler!({ url }) };
}

const deps = (answer: boolean) => ({
  confirm: vi.fn(async () => answer),
  open: vi.fn(async () => undefined),
});

describe('navigation guard', () => {
  it('lets the window move within app://dure/ and blocks every other destination', () => {
    const f = fakeContents();
    guardContents(f.contents, deps(false));
    for (const event of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      expect(f.fire(event, 'app://dure/doc/1'), event).toBe(false);
      for (const url of [
        'https://evil.example/',
        'http://127.0.0.1:8080/',
        'file:///etc/passwd',
        'app://evil/index.html',
        'javascript:alert(1)',
        'data:text/html,<script>1</script>',
      ]) {
        expect(f.fire(event, url), `${event} ${url}`).toBe(true);
      }
    }
  });

  it('never opens a new window; an https link goes to the system browser only after the user confirms', async () => {
    const yes = deps(true);
    const f = fakeContents();
    guardContents(f.contents, yes);
    expect(f.open('https://example.org/page')).toEqual({ action: 'deny' });
    expect(f.open('app://dure/index.html')).toEqual({ action: 'deny' });
    expect(f.open('file:///etc/passwd')).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(yes.open).toHaveBeenCalledTimes(1));
    expect(yes.confirm).toHaveBeenCalledWith('https://example.org/page');
    expect(yes.open).toHaveBeenCalledWith('https://example.org/page');
  });

  it('blocks <webview>', () => {
    const f = fakeContents();
    guardContents(f.contents, deps(false));
    expect(f.fire('will-attach-webview', 'about:blank')).toBe(true);
  });

  it('opens only https, never without the user saying yes', async () => {
    const no = deps(false);
    expect(await openExternal('https://example.org/', no)).toBe('declined');
    expect(no.open).not.toHaveBeenCalled();
    const yes = deps(true);
    for (const url of ['http://example.org/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'x']) {
      expect(await openExternal(url, yes), url).toBe('refused');
    }
    expect(await openExternal('https://user:pw@example.org/', yes)).toBe('refused');
    expect(yes.confirm).not.toHaveBeenCalled();
    expect(await openExternal('https://example.org/한글', yes)).toBe('opened');
    expect(yes.open).toHaveBeenCalledWith('https://example.org/%ED%95%9C%EA%B8%80');
    expect(externalUrl('https://' + 'a'.repeat(5000) + '.example')).toBeNull();
  });
});
