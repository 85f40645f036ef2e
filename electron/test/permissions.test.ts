import { describe, expect, it } from 'vitest';
import { guardPermissions, permissionAllowed, type PermissionSession } from '../src/main/permissions';

function fakeSession() {
  const s: {
    request?: Parameters<PermissionSession['setPermissionRequestHandler']>[0];
    check?: Parameters<PermissionSession['setPermissionCheckHandler']>[0];
    device?: () => boolean;
  } = {};
  const session: PermissionSession = {
    setPermissionRequestHandler: (h) => (s.request = h),
    setPermissionCheckHandler: (h) => (s.check = h),
    setDevicePermissionHandler: (h) => (s.device = h),
  };
  return { session, s };
}

const DENIED = [
  'media',
  'geolocation',
  'notifications',
  'midi',
  'midiSysex',
  'pointerLock',
  'fullscreen',
  'openExternal',
  'clipboard-read',
  'display-capture',
  'hid',
  'serial',
  'usb',
  'idle-detection',
  'unknown',
];

describe('permissions', () => {
  it('denies every request from the app except writing text to the clipboard', () => {
    const { session, s } = fakeSession();
    guardPermissions(session);
    const ask = (permission: string, requestingUrl: string) => {
      let granted: boolean | undefined;
      s.request!({}, permission, (g) => (granted = g), { requestingUrl });
      return granted;
    };
    for (const p of DENIED) expect(ask(p, 'app://dure/index.html'), p).toBe(false);
    expect(ask('clipboard-sanitized-write', 'app://dure/index.html')).toBe(true);
    expect(ask('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
  });

  it('answers permission checks the same way (by origin)', () => {
    const { session, s } = fakeSession();
    guardPermissions(session);
    for (const p of DENIED) expect(s.check!({}, p, 'app://dure', {}), p).toBe(false);
    expect(s.check!({}, 'clipboard-sanitized-write', 'app://dure', {})).toBe(true);
    expect(s.check!({}, 'clipboard-sanitized-write', 'file://', {})).toBe(false);
    expect(s.device!()).toBe(false);
  });

  it('needs a requesting URL', () => {
    expect(permissionAllowed('clipboard-sanitized-write', undefined)).toBe(false);
  });
});
