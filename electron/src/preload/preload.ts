/**
 * The sandboxed preload: exposes `window.dure` (shared-api.ts DureApi) and nothing else. Bundled to
 * one file by build.mjs; in a sandboxed preload `require` knows only 'electron', so everything else
 * is inlined.
 *
 * Each method forwards its arguments to one named channel and returns only the handler's answer:
 * the renderer never holds ipcRenderer, an IpcRendererEvent or a function that takes a channel name.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, DURE_API_VERSION, type DureApi } from '../shared-api';

const api: DureApi = {
  version: DURE_API_VERSION,
  platform: process.platform,
  setRelays: (relays) => ipcRenderer.invoke(CHANNELS.setRelays, relays),
  openExternal: (url) => ipcRenderer.invoke(CHANNELS.openExternal, url),
  openFile: () => ipcRenderer.invoke(CHANNELS.openFile),
  saveFile: (file) => ipcRenderer.invoke(CHANNELS.saveFile, file),
};

contextBridge.exposeInMainWorld('dure', api);
