/**
 * Server configuration from flags and environment. Flags win over environment, environment over
 * defaults. The defaults are safe for a laptop: loopback only, so nothing is exposed until the operator
 * says --host 0.0.0.0 (or a LAN address) on purpose.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '@dure/shared';

export interface Config {
  readonly host: string;
  /** 0 asks the OS for a free port; the real one is printed */
  readonly port: number;
  readonly dataDir: string;
  /** the built web app (web/dist) */
  readonly webDir: string;
  /** the relay's storage: SQLite (relay.db in dataDir) or memory (nothing survives a restart) */
  readonly store: 'sqlite' | 'memory';
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_WEB_DIR = path.resolve(here, '../../web/dist');

export const USAGE = `Usage: dure-server [--host HOST] [--port PORT] [--data-dir DIR] [--web-dir DIR] [--store sqlite|memory]

  --host      address to listen on          (env DURE_HOST,     default 127.0.0.1)
  --port      TCP port, 0 = any free port   (env DURE_PORT,     default 8080)
  --data-dir  folder for the server's data  (env DURE_DATA_DIR, default ./data)
  --web-dir   the built web app             (env DURE_WEB_DIR,  default web/dist)
  --store     sqlite (data-dir/relay.db) or memory (env DURE_STORE, default sqlite)
`;

const FLAGS = {
  '--host': 'host',
  '--port': 'port',
  '--data-dir': 'dataDir',
  '--web-dir': 'webDir',
  '--store': 'store',
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
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return err('help', USAGE);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!isFlag(name)) return err('invalid', `unknown option ${JSON.stringify(arg)}\n\n${USAGE}`);
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined || value === '') return err('invalid', `${name} needs a value\n\n${USAGE}`);
    raw[FLAGS[name]] = value;
  }

  const host = raw.host?.trim() || '127.0.0.1';
  const port = raw.port === undefined || raw.port === '' ? 8080 : parsePort(raw.port.trim());
  if (port === undefined)
    return err('invalid', `port must be a number from 0 to 65535, got ${JSON.stringify(raw.port)}`);
  const dataDir = path.resolve(cwd, raw.dataDir || 'data');
  const webDir = raw.webDir ? path.resolve(cwd, raw.webDir) : DEFAULT_WEB_DIR;
  const store = raw.store?.trim() || 'sqlite';
  if (store !== 'sqlite' && store !== 'memory') {
    return err('invalid', `--store must be sqlite or memory, got ${JSON.stringify(raw.store)}`);
  }
  return ok({ host, port, dataDir, webDir, store });
}

/** The URL a person types; IPv6 literals need brackets. */
export function listenUrl(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}/`;
}
