/**
 * The main process: wires the shell's parts together. Each part lives in its own module and takes
 * what it needs as parameters; this file only connects them to Electron (through electron-api.ts).
 *
 * Order matters: the app:// scheme is registered as privileged before 'ready' (Electron refuses it
 * later), every webContents is guarded the moment it exists, and the window opens last.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  utilityProcess,
} from '../electron-api';
import { CHANNELS, EVENTS, RELAY_ORIGIN_MAX, RELAYS_MAX, URL_MAX } from '../shared-api';
import { CspState } from './csp';
import { LinkInbox, registerDeepLinks, registerLinkIpc } from './deep-link';
import { registerFileHandlers } from './files';
import { DeviceKeyStore, registerKeyStoreIpc } from './key-store';
import { MeetingHost, registerMeetingIpc, stopMeetingOnQuit, utilityProcessSpawner } from './meeting';
import { installMenu, menuStringsFor } from './menu';
import { claimSingleInstance, focusWindow } from './single-instance';
import { loadWindowState, saveWindowState, trackWindowState, type TrackedWindow } from './window-state';
import { createIpc, v, type Ipc } from './ipc';
import { guardContents, openExternal, type ExternalDeps } from './navigation';
import { guardPermissions } from './permissions';
import { APP_INDEX_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppHandler } from './protocol';
import { Windows, type WindowFactory } from './window';

/** The built web app: beside the bundle when packaged, web/dist in the source tree otherwise. */
function webRoot(): string {
  if (process.env.DURE_WEB_ROOT) return path.resolve(process.env.DURE_WEB_ROOT);
  return app.isPackaged ? path.join(process.resourcesPath, 'web') : path.resolve(__dirname, '../../web/dist');
}

const external: ExternalDeps = {
  confirm: async (url) => {
    const { response } = await dialog.showMessageBox({
      type: 'question',
      buttons: ['Open', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'Open this link in your browser?',
      detail: url,
    });
    return response === 0;
  },
  open: (url) => shell.openExternal(url),
};

/**
 * The relay origins of the last report, kept so that the first page of the next start is served with
 * them in its CSP (otherwise every start would need a reload before the app could reach its relays).
 */
const relaysFile = (): string => path.join(app.getPath('userData'), 'relays.json');

async function loadRelays(): Promise<string[]> {
  try {
    const list: unknown = JSON.parse(await readFile(relaysFile(), 'utf8'));
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string').slice(0, RELAYS_MAX) : [];
  } catch {
    return [];
  }
}

// One write at a time: two reports in a row must not write the same temporary file at once.
let saving: Promise<void> = Promise.resolve();

function saveRelays(origins: readonly string[]): Promise<void> {
  const write = async () => {
    const tmp = `${relaysFile()}.tmp`;
    await writeFile(tmp, JSON.stringify(origins));
    await rename(tmp, relaysFile());
  };
  saving = saving.then(write, write);
  return saving;
}

/** The shell's own handlers; E2/E3 register theirs on the same Ipc. */
export function registerShellHandlers(ipc: Ipc, csp: CspState): void {
  ipc.handle(CHANNELS.setRelays, v.args(v.array(v.string(RELAY_ORIGIN_MAX), RELAYS_MAX)), ([relays], event) => {
    const result = csp.setRelays(relays, event.sender.id);
    saveRelays(result.allowed).catch((error: unknown) => console.warn('dure: could not keep the relay list', error));
    return result;
  });
  ipc.handle(CHANNELS.openExternal, v.args(v.string(URL_MAX)), ([url]) => openExternal(url, external));
}

export interface Shell {
  readonly windows: Windows;
  readonly ipc: Ipc;
  readonly csp: CspState;
}

/** dure:// links that arrive before (or while) a window listens; see deep-link.ts. */
const links = new LinkInbox();

const contentsById = (id: number) => BrowserWindow.getAllWindows().find((w) => w.webContents.id === id)?.webContents;

/** E3's parts: menu, device key, links, meeting. */
function registerDesktop(ipc: Ipc): void {
  const userData = app.getPath('userData');
  installMenu(
    Menu,
    { platform: process.platform, strings: menuStringsFor(app.getLocale()), dev: !app.isPackaged },
    (command) =>
      (BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0])?.webContents.send(EVENTS.menu, command),
  );
  registerKeyStoreIpc(ipc, new DeviceKeyStore(userData, safeStorage, process.platform));
  registerLinkIpc(ipc, links, (id, fragment) => contentsById(id)?.send(EVENTS.openLink, fragment));
  const meeting = new MeetingHost({
    spawn: utilityProcessSpawner(utilityProcess, path.join(__dirname, 'meeting.cjs')),
    webDir: webRoot(),
  });
  registerMeetingIpc(ipc, meeting, (status) =>
    BrowserWindow.getAllWindows().forEach((w) => w.webContents.send(EVENTS.meetingStatus, status)),
  );
  stopMeetingOnQuit(app, meeting);
}

/** The first window where it was last time (window-state.ts), its place saved as it moves. */
async function openMainWindow(windows: Windows): Promise<void> {
  const userData = app.getPath('userData');
  const state = await loadWindowState(
    userData,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const { maximized, ...bounds } = state;
  const win = await windows.open(APP_INDEX_URL, bounds);
  const real = win as unknown as TrackedWindow & { maximize(): void };
  if (maximized) real.maximize();
  trackWindowState(real, {
    save: (s) => saveWindowState(userData, s),
    onError: (e) => console.warn('dure: could not keep the window state', e),
  });
}

/** Everything up to the first window; resolves once it is loading. */
export async function start(): Promise<Shell> {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  app.on('web-contents-created', (_event, contents) => guardContents(contents, external));
  // Before 'ready': macOS delivers the link that started the app as an early open-url event.
  registerDeepLinks(app, links, {
    argv: process.argv,
    execPath: process.execPath,
    ...(app.isPackaged ? {} : { devEntry: path.resolve(process.argv[1] ?? '.') }),
  });

  await app.whenReady();
  const csp = new CspState();
  csp.setRelays(await loadRelays());
  const handler = createAppHandler({ root: webRoot(), csp: () => csp.policy });
  protocol.handle(APP_SCHEME, (request) => handler(request));
  guardPermissions(session.defaultSession);

  const windows = new Windows(BrowserWindow as unknown as WindowFactory, path.join(__dirname, 'preload.cjs'), {
    documentLoading: (id) => csp.documentLoading(id),
    closed: (id) => csp.forget(id),
  });
  const ipc = createIpc({ ipcMain, isOurContents: (sender) => windows.owns(sender) });
  registerShellHandlers(ipc, csp);
  registerDesktop(ipc);
  // E2's open/save: dialogs modal to the asking window, saves suggested in the user's Documents
  registerFileHandlers(ipc, {
    dialog,
    defaultDir: () => app.getPath('documents'),
    windowOf: (event) => BrowserWindow.getAllWindows().find((w) => w.webContents.id === event.sender.id),
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void windows.open(APP_INDEX_URL);
  });
  await openMainWindow(windows);
  return { windows, ipc, csp };
}

// The bundle's entry (build.mjs) runs start(); tests import the module and call start() themselves.
// A second copy hands its command line (maybe a dure:// link) to the first and quits (single-instance.ts).
if (
  process.env.DURE_MAIN_AUTOSTART !== '0' &&
  claimSingleInstance(app, links, () => focusWindow(BrowserWindow.getAllWindows()[0]))
) {
  start().catch((error: unknown) => {
    console.error('dure: could not start', error);
    app.quit();
  });
}
