/**
 * `dure-server`: parse flags, start, print the URL, exit 0 after a clean close on SIGTERM/SIGINT.
 */
import { installNodeEd25519 } from '@dure/shared/crypto/ed25519-node';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { listenUrl, parseConfig } from './config';
import { jsonLogger } from './log';
import { renderMetrics } from './metrics';
import { attachRelay } from './relay/index';
import { startRetentionSweep } from './retention';
import { createDureServer } from './server';
import { openRelayStore } from './store/index';

async function main(): Promise<number> {
  // create, prove, delete and snapshot signatures are checked through OpenSSL, not JavaScript
  installNodeEd25519();
  const parsed = parseConfig(process.argv.slice(2), process.env);
  if (!parsed.ok) {
    if (parsed.error === 'help') {
      process.stdout.write(parsed.detail ?? '');
      return 0;
    }
    process.stderr.write(`dure-server: ${parsed.detail ?? 'invalid arguments'}\n`);
    return 2;
  }
  const config = parsed.value;
  const logger = jsonLogger();

  // The memory store touches no disk; a meeting (--lan) promises that, so not even an empty folder.
  if (config.store !== 'memory') {
    try {
      await mkdir(config.dataDir, { recursive: true });
    } catch (e) {
      process.stderr.write(
        `dure-server: cannot create the data folder: ${e instanceof Error ? e.message : String(e)}\n`,
      );
      return 1;
    }
  }

  const store =
    config.store === 'memory'
      ? await openRelayStore({ kind: 'memory' })
      : await openRelayStore({ kind: 'sqlite', file: path.join(config.dataDir, 'relay.db') });
  // `relay` is declared below: /metrics runs only once requests arrive, after the server listens.
  const metrics = async (): Promise<string> => {
    const stats = await store.stats().catch(() => undefined);
    return renderMetrics(relay, stats);
  };
  const server = createDureServer({ host: config.host, port: config.port, webDir: config.webDir, logger, metrics });
  const relay = attachRelay(server.http, {
    store,
    logger,
    inviteToken: config.inviteToken,
    maxFrameBytes: config.maxFrameBytes,
    limits: {
      ...(config.framesPerSecond ? { framesPerSecond: config.framesPerSecond } : {}),
      ...(config.documentsPerConnection ? { documentsPerConnection: config.documentsPerConnection } : {}),
      ...(config.devicesPerDocument ? { devicesPerDocument: config.devicesPerDocument } : {}),
    },
  });
  const sweep = config.retentionDays ? startRetentionSweep(store, config.retentionDays, logger) : undefined;
  await sweep?.first;
  // Signal handlers go in before the URL is printed: a script may send SIGTERM the moment it reads it.
  let stopRequested: ((signal: NodeJS.Signals) => void) | undefined;
  const pending: NodeJS.Signals[] = [];
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) stopRequested(signal);
    else pending.push(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let address;
  try {
    address = await server.listen();
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
    process.stderr.write(`dure-server: cannot listen on ${config.host}:${config.port} ${code}\n`);
    return 1;
  }

  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    stopRequested = (signal) => {
      if (stopping) return;
      stopping = true;
      logger.log('info', 'stopping', { signal });
      // Relay first (its in-flight acks finish), then HTTP, then the store they both used.
      sweep?.stop();
      void relay
        .close()
        .then(() => server.close())
        .then(() => store.close())
        .then(() => {
          logger.log('info', 'stopped');
          resolve(0);
        });
    };
  });
  const early = pending[0];
  if (early) stopRequested?.(early);

  logger.log('info', 'started', { port: address.port });
  // The one line scripts wait for (see the automation contract in the README).
  process.stdout.write(`Dure listening on ${listenUrl(config.host, address.port)}\n`);
  if (config.lan) {
    // Loaded only for a meeting: every other start (and every flag error) stays as quick as before.
    const { meetingBanner, meetingUrls } = await import('./lan');
    process.stdout.write(meetingBanner(meetingUrls(config.host, address.port), config.store, process.stdout.isTTY));
  }
  return stopped;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Normally the process ends by itself once closed; this only fires if something still holds it.
    setTimeout(() => process.exit(code), 1_000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`dure-server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
