/**
 * Structured logs: one JSON object per line on stdout. By design they carry no IP addresses, no
 * request paths (only the route name: a path could one day carry a document id) and no document
 * content, so that handing logs to someone reveals as little as the server itself knows.
 */
export type Level = 'info' | 'warn' | 'error';
export type Fields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  log(level: Level, msg: string, fields?: Fields): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  return {
    log(level, msg, fields = {}) {
      write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }) + '\n');
    },
  };
}

export const silentLogger: Logger = { log() {} };
