/**
 * The offline service worker. It precaches exactly the files of its own build (the list and hash are
 * written in by build/sw-manifest.ts) and serves them cache-first; navigations fall back to the cached
 * index.html. A new build installs beside the old one and WAITS: it takes over only when the user
 * accepts the update in the page (message 'skip-waiting'), so a seized server cannot swap the code
 * silently. Nothing fetched at runtime is cached.
 *
 * Written against minimal local types: the WebWorker lib cannot be loaded next to the DOM lib.
 */
interface Manifest {
  readonly hash: string;
  readonly files: readonly string[];
}
declare const __DURE_MANIFEST__: Manifest;

interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
interface MessageEventLike extends ExtendableEvent {
  readonly data: unknown;
}
interface SwScope {
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEvent) => void): void;
  addEventListener(type: 'message', fn: (e: MessageEventLike) => void): void;
}

const sw = self as unknown as SwScope;
const MANIFEST = __DURE_MANIFEST__;
const CACHE_PREFIX = 'dure-app-';
const CACHE = CACHE_PREFIX + MANIFEST.hash;

const scopeUrl = (): URL => new URL(sw.registration.scope);
const urlOf = (file: string): string => new URL(file, scopeUrl()).href;
const INDEX = 'index.html';

sw.addEventListener('install', (e) => {
  // `cache: 'reload'` skips the HTTP cache so a half-updated server cannot mix two builds.
  e.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(MANIFEST.files.map((f) => new Request(urlOf(f), { cache: 'reload' })))),
  );
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      // The very first worker controls the page that installed it, so that page already works offline.
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (e) => {
  if (e.data === 'skip-waiting') e.waitUntil(sw.skipWaiting());
});

const precached = new Set(MANIFEST.files.map(urlOf));

async function fromCache(url: string, request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(url);
  return hit ?? fetch(request);
}

sw.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== scopeUrl().origin) return;
  if (req.mode === 'navigate' && url.href.startsWith(scopeUrl().href)) {
    // Routes live in the fragment, so every navigation inside the scope is the app itself.
    e.respondWith(fromCache(urlOf(INDEX), req));
    return;
  }
  url.hash = '';
  url.search = '';
  if (precached.has(url.href)) e.respondWith(fromCache(url.href, req));
  // Anything else goes to the network untouched and is never cached.
});

export {};
