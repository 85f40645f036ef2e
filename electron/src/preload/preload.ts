/**
 * The sandboxed preload: exposes `window.dure` (shared-api.ts DureApi) and nothing else. Bundled to
 * one file by build.mjs; in a sandboxed preload `require` knows only 'electron', so everything else
 * is inlined.
 *
 * Each method forwards its arguments to one named channel and returns only the handler's answer:
 * the renderer never holds ipcRenderer, an IpcRendererEvent or a function that takes a channel name.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, DURE_API_VERSION, EVENTS, type DureApi } from '../shared-api';

/** Subscribes to one main → renderer event; the callback gets the payload only, never the IPC event. */
function listen<T>(channel: string, cb: (payload: T) => void): () => void {
  const listener = (_event: unknown, payload: T): void => cb(payload);
  ipcRenderer.on(channel, listener);
  return () => void ipcRenderer.removeListener(channel, listener);
}

const api: DureApi = {
  version: DURE_API_VERSION,
  platform: process.platform,
  setRelays: (relays) => ipcRenderer.invoke(CHANNELS.setRelays, relays),
  openExternal: (url) => ipcRenderer.invoke(CHANNELS.openExternal, url),
  openFile: () => ipcRenderer.invoke(CHANNELS.openFile),
  saveFile: (file) => ipcRenderer.invoke(CHANNELS.saveFile, file),
  deviceKek: () => ipcRenderer.invoke(CHANNELS.deviceKek),
  forgetDeviceKek: () => ipcRenderer.invoke(CHANNELS.forgetDeviceKek),
  onMenuCommand: (cb) => listen(EVENTS.menu, cb),
  onOpenLink: (cb) => {
    const off = listen(EVENTS.openLink, cb);
    void ipcRenderer.invoke(CHANNELS.linksReady);
    return off;
  },
  onMeetingStatus: (cb) => listen(EVENTS.meetingStatus, cb),
  meetingStart: () => ipcRenderer.invoke(CHANNELS.meetingStart),
  meetingStop: () => ipcRenderer.invoke(CHANNELS.meetingStop),
  meetingStatus: () => ipcRenderer.invoke(CHANNELS.meetingStatus),
};

contextBridge.exposeInMainWorld('dure', api);
