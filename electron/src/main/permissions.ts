/**
 * Web permissions (camera, notifications, geolocation, …) are denied. The one exception: writing
 * plain text to the clipboard, which the share panel uses to copy a document's link (web/src/editor/
 * share.ts, navigator.clipboard.writeText); only from the app's own page. Reading the clipboard is not
 * needed — paste comes through the paste event, which needs no permission.
 */
import { isAppUrl } from './ipc';

const ALLOWED: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function permissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return ALLOWED.has(permission) && requestingUrl !== undefined && isAppUrl(requestingUrl);
}

/** The parts of Electron's Session this module sets. */
export interface PermissionSession {
  setPermissionRequestHandler(
    handler: (
      contents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { requestingUrl?: string },
    ) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (contents: unknown, permission: string, requestingOrigin: string, details: unknown) => boolean,
  ): void;
  setDevicePermissionHandler?(handler: () => boolean): void;
}

export function guardPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl)),
  );
  // The check handler gets an origin ('app://dure'), not a URL.
  session.setPermissionCheckHandler((_contents, permission, origin) => permissionAllowed(permission, `${origin}/`));
  session.setDevicePermissionHandler?.(() => false);
}
