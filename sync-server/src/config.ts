/**
 * Server configuration from flags and environment. Flags win over environment, environment over
 * defaults. The defaults are safe for a laptop: loopback only, so nothing is exposed until the operator
 * says --host 0.0.0.0 (or a LAN address) on purpose.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '@dure/shared';
import { MAX_FRAME_BYTES, MAX_INVITE_TOKEN_BYTES } from '@dure/shared/protocol/index';

export interface Config {
  readonly host: string;
  /**
   * Meeting mode (--lan): all interfaces unless --host says otherwise, the memory store unless --store or
   * --data-dir says otherwise, and the addresses participants open are printed.
   */
  readonly lan?: true;
  /** 0 asks the OS for a free port; the real one is printed */
  readonly port: number;
  readonly dataDir: string;
  /** the built web app (web/dist) */
  readonly webDir: string;
  /** the relay's storage: SQLite (relay.db in dataDir) or memory (nothing survives a restart) */
  readonly store: 'sqlite' | 'memory';
  /** when set, only a create frame carrying these bytes (UTF-8) registers a document */
  readonly inviteToken?: string;
  /** documents nobody touched for this many days are deleted by an hourly sweep; unset: kept forever */
  readonly retentionDays?: number;
  /** limits; unset means the relay's defaults (relay/index.ts) */
  readonly maxFrameBytes?: number;
  readonly framesPerSecond?: number;
  readonly documentsPerConnection?: number;
  readonly devicesPerDocument?: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_WEB_DIR = path.resolve(here, '../../web/dist');

export const USAGE = `Usage: dure-server [--lan] [--host HOST] [--port PORT] [--data-dir DIR] [--web-dir DIR] [--store sqlite|memory]
                   [--invite-token TOKEN] [--retention-days N] [--max-frame-bytes N] [--frames-per-second N]
                   [--docs-per-connection N] [--devices-per-document N]

  --lan       host a meeting on the local network: --host defaults to 0.0.0.0 and --store to memory
              (nothing on disk unless --store sqlite or --data-dir is given); prints the addresses to open
  --host      address to listen on          (env DURE_HOST,     default 127.0.0.1)
  --port      TCP port, 0 = any free port   (env DURE_PORT,     default 8080)
  --data-dir  folder for the server's data  (env DURE_DATA_DIR, default ./data)
  --web-dir   the built web app             (env DURE_WEB_DIR,  default web/dist)
  --store     sqlite (data-dir/relay.db) or memory (env DURE_STORE, default sqlite)
  --invite-token         only clients with this token may create documents (env DURE_INVITE_TOKEN)
  --retention-days       delete documents untouched this many days, hourly (env DURE_RETENTION_DAYS)
  --max-frame-bytes      largest WebSocket message, at most ${MAX_FRAME_BYTES} (env DURE_MAX_FRAME_BYTES)
  --frames-per-second    per connection (env DURE_FRAMES_PER_SECOND)
  --docs-per-connection  documents one connection may open (env DURE_DOCS_PER_CONNECTION)
  --devices-per-document devices that may write to one document (env DURE_DEVICES_PER_DOCUMENT)
`;

const FLAGS = {
  '--host': 'host',
  '--port': 'port',
  '--data-dir': 'dataDir',
  '--web-dir': 'webDir',
  '--store': 'store',
  '--invite-token': 'inviteToken',
  '--retention-days': 'retentionDays',
  '--max-frame-bytes': 'maxFrameBytes',
  '--frames-per-second': 'framesPerSecond',
  '--docs-per-connection': 'documentsPerConnection',
  '--devices-per-document': 'devicesPerDocument',
} as const;
type Key = (typeof FLAGS)[keyof typeof FLAGS];

const isFlag = (s: string): s is keyof typeof FLAGS => Object.hasOwn(FLAGS, s);

function parsePort(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** `argv` without node and the script; `cwd` resolves relative folders. */
export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): Result<Config, 'help' | 'invalid'> {
  const raw: Partial<Record<Key, string>> = {
    host: env.DURE_HOST,
    port: env.DURE_PORT,
    dataDir: env.DURE_DATA_DIR,
    webDir: env.DURE_WEB_DIR,
    store: env.DURE_STORE,
    inviteToken: env.DURE_INVITE_TOKEN,
    retentionDays: env.DURE_RETENTION_DAYS,
    maxFrameBytes: env.DURE_MAX_FRAME_BYTES,
    framesPerSecond: env.DURE_FRAMES_PER_SECOND,
    documentsPerConnection: env.DURE_DOCS_PER_CONNECTION,
    devicesPerDocument: env.DURE_DEVICES_PER_DOCUMENT,
  };
  let lan = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return err('help', USAGE);
    if (arg === '--lan') {
      lan = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!isFlag(name)) return err('invalid', `unknown option ${JSON.stringify(arg)}\n\n${USAGE}`);
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined || value === '') return err('invalid', `${name} needs a value\n\n${USAGE}`);
    raw[FLAGS[name]] = value;
  }

  // Only --lan widens the defaults, and only what the operator did not set (flag or environment).
  const host = raw.host?.trim() || (lan ? '0.0.0.0' : '127.0.0.1');
  const port = raw.port === undefined || raw.port === '' ? 8080 : parsePort(raw.port.trim());
  if (port === undefined)
    return err('invalid', `port must be a number from 0 to 65535, got ${JSON.stringify(raw.port)}`);
  const dataDir = path.resolve(cwd, raw.dataDir || 'data');
  const webDir = raw.webDir ? path.resolve(cwd, raw.webDir) : DEFAULT_WEB_DIR;
  const store = raw.store?.trim() || (lan && !raw.dataDir ? 'memory' : 'sqlite');
  if (store !== 'sqlite' && store !== 'memory') {
    return err('invalid', `--store must be sqlite or memory, got ${JSON.stringify(raw.store)}`);
  }
  const inviteToken = raw.inviteToken || undefined;
  if (inviteToken !== undefined && new TextEncoder().encode(inviteToken).length > MAX_INVITE_TOKEN_BYTES) {
    return err('invalid', `--invite-token is longer than ${MAX_INVITE_TOKEN_BYTES} bytes`);
  }
  const numbers: Partial<
    Record<
      'retentionDays' | 'maxFrameBytes' | 'framesPerSecond' | 'documentsPerConnection' | 'devicesPerDocument',
      number
    >
  > = {};
  const bounds = {
    retentionDays: [1, 36_500],
    maxFrameBytes: [1024, MAX_FRAME_BYTES],
    framesPerSecond: [1, 1_000_000],
    documentsPerConnection: [1, 1_000_000],
    devicesPerDocument: [1, 1_000_000],
  } as const;
  for (const key of Object.keys(bounds) as (keyof typeof bounds)[]) {
    const v = raw[key]?.trim();
    if (v === undefined || v === '') continue;
    const [lo, hi] = bounds[key];
    const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
    if (!(n >= lo && n <= hi)) {
      const flag = Object.keys(FLAGS).find((f) => FLAGS[f as keyof typeof FLAGS] === key) ?? key;
      return err('invalid', `${flag} must be a whole number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
    }
    numbers[key] = n;
  }
  return ok({
    host,
    port,
    dataDir,
    webDir,
    store,
    ...(lan ? { lan: true as const } : {}),
    ...(inviteToken ? { inviteToken } : {}),
    ...numbers,
  });
}

/** The URL a person types; IPv6 literals need brackets. */
export function listenUrl(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}/`;
}
