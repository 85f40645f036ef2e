/**
 * What both benchmark pages measure the same way: fixture download, keystrokes, stored bytes, the text
 * check. Each page (baseline.ts, dure.ts) exposes `window.bench` (BenchPage) to the Playwright driver.
 */
import type { Editor } from '@tiptap/core';
import * as Y from 'yjs';

export interface OpenResult {
  /** from the start of opening (storage not yet opened) to an editable editor holding the document */
  readonly readyMs: number;
  /** ... and until the next frame has been produced (layout + paint of the document) */
  readonly paintedMs: number;
  /** where the open's time went: [phase, ms] in order (the last phase ends at ready) */
  readonly phases: readonly (readonly [string, number])[];
}

export interface CheckResult {
  readonly paragraphs: number;
  /** sha256 of the editor's text, paragraphs joined by newlines */
  readonly textSha256: string;
}

export interface KeystrokeResult {
  /** per keystroke: dispatch of the insert -> the Y.Doc's update handlers (incl. persistence's) have run */
  readonly ms: number[];
  /** keystrokes whose Yjs update did not happen inside dispatch (it was awaited) */
  readonly async: number;
}

export interface RemoteResult {
  /** per update, one at a time with a frame between: Y.applyUpdate of another client's one-character insert -> the editor shows it */
  readonly ms: number[];
  /** `burst` such updates applied back to back, total */
  readonly burstMs: number;
  readonly burst: number;
}

export interface StoredResult {
  readonly bytes: number;
  readonly records: number;
}

export interface BenchPage {
  /** Clears this origin's IndexedDB and stores the fixture the stack's own way. */
  setup(fixture: string): Promise<StoredResult>;
  open(): Promise<OpenResult>;
  /** What the open editor shows (outside any timed region). */
  check(): Promise<CheckResult>;
  keystrokes(n: number): Promise<KeystrokeResult>;
  remote(n: number, burst: number): Promise<RemoteResult>;
  /** Ends the session the stack's own way (flushes pending writes). */
  close(): Promise<void>;
  /** Y.encodeStateAsUpdateV2 of the open document */
  v2Length(): number;
}

declare global {
  interface Window {
    bench: BenchPage;
    /** storedBytes(), for the driver, whichever page is loaded */
    benchStored(): Promise<StoredResult>;
  }
}

export async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

export async function clearIndexedDB(): Promise<void> {
  for (const db of await indexedDB.databases()) {
    if (!db.name) continue;
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.deleteDatabase(db.name!);
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error ?? new Error('deleteDatabase failed'));
      // blocked: a closing page still holds a connection; the delete proceeds once it is gone
    });
  }
}

function valueBytes(v: unknown): number {
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return v.byteLength;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (typeof v === 'string') return v.length;
  if (typeof CryptoKey !== 'undefined' && v instanceof CryptoKey) return 0;
  if (v && typeof v === 'object') {
    let n = 0;
    for (const x of Object.values(v as Record<string, unknown>)) n += valueBytes(x);
    return n;
  }
  return 8;
}

/**
 * Bytes of every value in every object store of this origin (keys not counted: both stacks' keys are small).
 * Counted the same way for both stacks, so the figures compare; the browser's on-disk size differs.
 */
export async function storedBytes(): Promise<StoredResult> {
  let bytes = 0;
  let records = 0;
  for (const info of await indexedDB.databases()) {
    if (!info.name) continue;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(info.name!);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('open failed'));
    });
    try {
      for (const store of Array.from(db.objectStoreNames)) {
        const values = await new Promise<unknown[]>((resolve, reject) => {
          const req = db.transaction(store, 'readonly').objectStore(store).getAll();
          req.onsuccess = () => resolve(req.result as unknown[]);
          req.onerror = () => reject(req.error ?? new Error('getAll failed'));
        });
        records += values.length;
        for (const v of values) bytes += valueBytes(v);
      }
    } finally {
      db.close();
    }
  }
  return { bytes, records };
}

const nextFrame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

export async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function editorText(editor: Editor): string {
  const doc = editor.state.doc;
  return doc.textBetween(0, doc.content.size, '\n');
}

/**
 * Times an open; `run` opens storage, loads the document and creates the editor, calling `phase(name)`
 * at the end of each of its steps (the time after the last call is attributed to 'editor').
 */
export async function timeOpen(
  run: (phase: (name: string) => void) => Promise<Editor>,
): Promise<{ editor: Editor; result: OpenResult }> {
  const phases: [string, number][] = [];
  const t0 = performance.now();
  let last = t0;
  const editor = await run((name) => {
    const now = performance.now();
    phases.push([name, now - last]);
    last = now;
  });
  if (!editor.isEditable || !editor.view.dom.isConnected) throw new Error('the editor is not editable');
  const t1 = performance.now();
  phases.push(['editor', t1 - last]);
  await nextFrame();
  const t2 = performance.now();
  return {
    editor,
    result: {
      readyMs: t1 - t0,
      paintedMs: t2 - t0,
      phases,
    },
  };
}

/** Start of the text of top-level block `index` (ProseMirror position), or null if it is not a textblock. */
function blockTextStart(editor: Editor, index: number): { pos: number; size: number } | null {
  let pos = 0;
  const doc = editor.state.doc;
  for (let i = 0; i < index; i++) pos += doc.child(i).nodeSize;
  const node = doc.child(index);
  return node.isTextblock ? { pos: pos + 1, size: node.content.size } : null;
}

/**
 * Types `n` single characters spread through the document (one per block, evenly spaced, mid-line),
 * each as its own ProseMirror transaction like a keystroke. Time: dispatch -> the Y.Doc has emitted the
 * update and every update handler (the persistence layer's included) has returned ('afterAllTransactions').
 * Between keystrokes the page gets a frame, as it would between real key presses.
 */
export async function typeKeystrokes(editor: Editor, ydoc: Y.Doc, n: number): Promise<KeystrokeResult> {
  const ms: number[] = [];
  let asyncCount = 0;
  let done: number | undefined;
  let wake: (() => void) | undefined;
  const onAll = (): void => {
    done = performance.now();
    wake?.();
  };
  ydoc.on('afterAllTransactions', onAll);
  try {
    const blocks = editor.state.doc.childCount;
    for (let i = 0; i < n; i++) {
      const target = blockTextStart(editor, Math.floor(((i + 0.5) * blocks) / n) % blocks);
      const pos = target ? target.pos + Math.floor(target.size / 2) : 1;
      const ch = String.fromCharCode(97 + (i % 26));
      done = undefined;
      const t0 = performance.now();
      const view = editor.view;
      view.dispatch(view.state.tr.insertText(ch, pos));
      if (done === undefined) {
        asyncCount++;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 2000);
        });
        wake = undefined;
        if (done === undefined) throw new Error('a keystroke produced no Yjs update');
      }
      ms.push(done - t0);
      await nextFrame();
    }
  } finally {
    ydoc.off('afterAllTransactions', onAll);
  }
  return { ms, async: asyncCount };
}

window.benchStored = storedBytes;

/**
 * Another client's edits arriving: a replica of the document (another client id) inserts one character
 * mid-paragraph, spread through the document; its update is applied to the editor's Y.Doc with a
 * non-local origin. The editor's binding updates ProseMirror synchronously inside applyUpdate; the text
 * is checked at the end so a binding that skipped updates cannot look fast.
 */
export async function applyRemoteUpdates(editor: Editor, ydoc: Y.Doc, n: number, burst: number): Promise<RemoteResult> {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(ydoc));
  const fragment = replica.getXmlFragment('default');
  const paragraphs = fragment.toArray().filter((p): p is Y.XmlElement => p instanceof Y.XmlElement);
  let seq = 0;
  const nextUpdate = (): Uint8Array => {
    let update: Uint8Array | undefined;
    const grab = (u: Uint8Array): void => {
      update = u;
    };
    replica.on('update', grab);
    const para = paragraphs[(seq * 7919) % paragraphs.length]!;
    const text = para.get(0);
    if (text instanceof Y.XmlText) text.insert(text.length >> 1, 'r');
    else para.insert(0, [new Y.XmlText('r')]);
    replica.off('update', grab);
    seq++;
    if (!update) throw new Error('the replica produced no update');
    return update;
  };
  const before = editorText(editor).length;
  const remoteOrigin = { remote: true };
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = nextUpdate();
    const t0 = performance.now();
    Y.applyUpdate(ydoc, u, remoteOrigin);
    ms.push(performance.now() - t0);
    await nextFrame();
  }
  const updates = Array.from({ length: burst }, nextUpdate);
  const t0 = performance.now();
  for (const u of updates) Y.applyUpdate(ydoc, u, remoteOrigin);
  const burstMs = performance.now() - t0;
  await nextFrame();
  const after = editorText(editor).length;
  replica.destroy();
  if (after !== before + n + burst)
    throw new Error(`the editor shows ${after - before} of ${n + burst} remote characters`);
  return { ms, burstMs, burst };
}

export async function checkEditor(editor: Editor): Promise<CheckResult> {
  return { paragraphs: editor.state.doc.childCount, textSha256: await sha256Hex(editorText(editor)) };
}
