/**
 * One process, one port: the HTTP server that serves the web app and /healthz. The sync endpoint (a
 * later issue) attaches to the same server's 'upgrade' event, so it shares the port and the headers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVER_CSP } from './csp';
import { METRICS_CONTENT_TYPE } from './metrics';
import type { Logger } from './log';
import { staticHandler } from './static';

/** Sent with every response, including errors and /healthz. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': SERVER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

export interface DureServerOptions {
  readonly host: string;
  readonly port: number;
  readonly webDir: string;
  readonly logger: Logger;
  /** Prometheus text for /metrics; without it /metrics is served like any other path */
  readonly metrics?: () => Promise<string>;
}

export interface DureServer {
  readonly http: Server;
  /** Resolves with the bound address (the real port when port 0 was asked for). */
  listen(): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight responses finish briefly, then drops idle/keep-alive sockets. */
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<number>;

const healthz: Route = async (req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ status: 'ok' }));
  return 200;
};

export function createDureServer(opts: DureServerOptions): DureServer {
  const serveStatic = staticHandler(opts.webDir);
  const routeOf = (req: IncomingMessage): [string, Route] => {
    const url = req.url ?? '/';
    const p = url.split('?', 1)[0];
    if (p === '/healthz') return ['healthz', healthz];
    const metrics = opts.metrics;
    if (p === '/metrics' && metrics) {
      return [
        'metrics',
        async (req, res) => {
          const body = await metrics();
          res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Cache-Control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : body);
          return 200;
        },
      ];
    }
    return ['static', serveStatic];
  };

  const http = createServer((req, res) => {
    const started = performance.now();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const [name, route] = routeOf(req);
    route(req, res)
      .then((status) => {
        // Route name only: no path, no query, no address (see log.ts).
        opts.logger.log('info', 'request', {
          route: name,
          method: req.method,
          status,
          ms: Math.round(performance.now() - started),
        });
      })
      .catch((e: unknown) => {
        opts.logger.log('error', 'request failed', { route: name, error: e instanceof Error ? e.name : 'unknown' });
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('internal error\n');
        } else {
          res.destroy();
        }
      });
  });
  http.requestTimeout = 30_000;
  http.headersTimeout = 10_000;

  return {
    http,
    listen: () =>
      new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(opts.port, opts.host, () => {
          http.off('error', reject);
          resolve(http.address() as AddressInfo);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        http.close(() => resolve());
        http.closeIdleConnections();
        // Bounded: a slow client cannot hold shutdown open.
        setTimeout(() => http.closeAllConnections(), 2_000).unref();
      }),
  };
}
