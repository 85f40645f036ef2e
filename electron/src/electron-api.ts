/**
 * The one place the main process imports 'electron'. Every other module imports from here, so a Node
 * test replaces the whole Electron surface with one `vi.mock('../src/electron-api', ...)`: importing
 * 'electron' itself outside Electron tries to download the binary (TOOLCHAIN.md §2).
 *
 * The preload does not use this module: it imports contextBridge and ipcRenderer from 'electron'
 * directly, because the sandboxed preload bundle may require nothing but 'electron'.
 */
export {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  net,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  utilityProcess,
} from 'electron';
export type { BrowserWindowConstructorOptions, IpcMainInvokeEvent, Session, WebContents, WebFrameMain } from 'electron';
