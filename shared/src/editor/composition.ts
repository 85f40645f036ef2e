/**
 * CompositionGate: keeps remote changes away from the editor while an IME composition is open, and
 * replays Enter/Tab pressed mid-composition once the composition has committed.
 *
 * Why: the stock y-tiptap binding turns every remote Yjs change into a whole-document replace. A remote
 * letter in the paragraph being composed defeats ProseMirror's composition protection, the composing
 * text node is redrawn, and Chrome commits the half-built syllable ("두레하한글" instead of "두레한글",
 * tiptap#5250). So remote updates are held back from the Y.Doc from compositionstart until the
 * composition has ended and ProseMirror has read the committed text, then applied at once: before the
 * next syllable's compositionstart, so Korean's back-to-back compositions never starve them.
 * The full decision, its limits and the watchdog: README.md, "Remote updates and an open composition".
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';

/** Opens a hold on remote updates; the returned function releases it (calling it again does nothing). */
export type HoldRemote = () => () => void;

/** One hold over several sources (the sync session, LocalDoc's other-tab records): all open, all released. */
export function combineHolds(...sources: readonly (HoldRemote | null | undefined)[]): HoldRemote {
  const live = sources.filter((s): s is HoldRemote => typeof s === 'function');
  return () => {
    const releases = live.map((hold) => hold());
    let done = false;
    return () => {
      if (done) return;
      done = true;
      // Reverse order: the innermost (last opened) source applies first, like nested locks.
      for (const release of releases.reverse()) release();
    };
  };
}

export interface CompositionGateOptions {
  /** Where remote updates come from; null = nothing to hold (the gate still fixes Enter mid-composition). */
  hold: HoldRemote | null;
  /** Watchdog: a composition open this long ... */
  maxComposeMs: number;
  /** ... that has had no compositionupdate for this long is treated as stuck: remote updates flow again. */
  idleMs: number;
  /** How often the watchdog looks. */
  watchdogTickMs: number;
  /** A second Enter/Tab (or a native paragraph insert) this soon after a replayed one is the same key press. */
  dedupMs: number;
  /** Called when the watchdog released a hold (for logs and tests). */
  onWatchdog: (() => void) | null;
}

export const compositionGateKey = new PluginKey('dureCompositionGate');

/** Hangul jamo, compatibility jamo, syllables: a Korean IME, where Enter commits AND starts a new line. */
const HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/u;

/** Keys that change structure and that the IME does not consume. Backspace is left to the IME: it edits jamo. */
type ReplayKey = 'Enter' | 'Tab';

function replayKeyOf(event: KeyboardEvent): ReplayKey | null {
  // `code` survives keyCode 229 / key "Process", which Windows Chrome reports for IME-handled keys.
  if (event.key === 'Enter' || event.code === 'Enter' || event.code === 'NumpadEnter') return 'Enter';
  if (event.key === 'Tab' || event.code === 'Tab') return 'Tab';
  return null;
}

/** ProseMirror reads composed text from DOM mutations in a microtask; make sure it has, before Yjs moves. */
function flushDom(view: EditorView): void {
  (view as unknown as { domObserver?: { flush(): void } }).domObserver?.flush();
}

class Gate {
  private release: (() => void) | null = null;
  private composingSince = 0;
  private lastUpdate = 0;
  private data = '';
  private releaseQueued = false;
  private pendingKey: { key: ReplayKey; shift: boolean } | null = null;
  private replayed: { key: ReplayKey; at: number } | null = null;
  private watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly view: EditorView,
    private readonly opts: CompositionGateOptions,
  ) {}

  compositionStart(): void {
    // Script-dispatched or same-listener sequences can start the next composition before the
    // previous one's release ran: release it now, while no composing text node exists yet.
    if (this.releaseQueued) this.finish();
    this.data = '';
    this.composingSince = this.lastUpdate = Date.now();
    if (!this.release && this.opts.hold) {
      this.release = this.opts.hold();
      this.watchdog = setInterval(() => this.checkStuck(), this.opts.watchdogTickMs);
    }
  }

  compositionUpdate(event: CompositionEvent): void {
    this.lastUpdate = Date.now();
    this.data = event.data;
  }

  compositionEnd(event: CompositionEvent): void {
    if (event.data) this.data = event.data;
    if (this.releaseQueued) return;
    this.releaseQueued = true;
    // A microtask: for browser-dispatched events it runs right after this event's listeners, so
    // before the next syllable's compositionstart (Korean ends one composition and starts the next
    // in the same keystroke), and after ProseMirror's own compositionend handler.
    queueMicrotask(() => {
      if (this.releaseQueued) this.finish();
    });
  }

  /** The composition has ended: commit what ProseMirror saw, replay a held key, let remote updates in. */
  private finish(): void {
    this.releaseQueued = false;
    flushDom(this.view);
    const key = this.pendingKey;
    this.pendingKey = null;
    if (key && !this.view.isDestroyed) this.replay(key);
    this.letGo();
  }

  private replay(key: { key: ReplayKey; shift: boolean }): void {
    const event = new KeyboardEvent('keydown', {
      key: key.key,
      code: key.key,
      keyCode: key.key === 'Enter' ? 13 : 9,
      shiftKey: key.shift,
    } as KeyboardEventInit);
    const handled = this.view.someProp('handleKeyDown', (f) => f(this.view, event)) ?? false;
    // Only a key the editor acted on makes a following copy of it an echo (Tab outside a list does
    // nothing here, so the IME's own Tab keeps its default).
    this.replayed = handled ? { key: key.key, at: Date.now() } : null;
  }

  keyDown(event: KeyboardEvent): boolean {
    const key = replayKeyOf(event);
    if (!key) return false;
    const composing = event.isComposing || this.view.composing;
    if (composing && event.keyCode === 229) {
      // The IME's own key (keyCode 229): it commits the syllable, and nobody acts on the key itself, or
      // a browser splits inside the composition (tiptap#4108). Korean expects the key to act as well; a
      // Japanese or Chinese IME uses Enter to confirm a conversion, so that is left to the IME.
      if (!HANGUL.test(this.data) && !this.pendingKey) return false;
      this.pendingKey ??= { key, shift: event.shiftKey };
      return true;
    }
    if (!composing && this.isEcho(key)) {
      // The IME passed the same key on after committing: it was replayed already.
      event.preventDefault();
      this.replayed = null;
      return true;
    }
    // A key the browser reports as itself while composing is handled by the browser (it commits and
    // splits natively, keeping the syllable): ProseMirror ignores keys while composing, so do we.
    return false;
  }

  beforeInput(event: InputEvent): boolean {
    const structural = event.inputType === 'insertParagraph' || event.inputType === 'insertLineBreak';
    if (!structural || event.isComposing || !this.isEcho('Enter')) return false;
    // Some platforms insert the committed Enter natively (no keydown we could match): same key press.
    event.preventDefault();
    this.replayed = null;
    return true;
  }

  private isEcho(key: ReplayKey): boolean {
    return this.replayed !== null && this.replayed.key === key && Date.now() - this.replayed.at <= this.opts.dedupMs;
  }

  /** Blur, mousedown, destroy: the composition is over (or abandoned); nothing may stay held. */
  flushNow(): void {
    if (!this.release) return;
    flushDom(this.view);
    this.letGo();
  }

  private checkStuck(): void {
    const now = Date.now();
    if (!this.release) return;
    if (now - this.composingSince < this.opts.maxComposeMs || now - this.lastUpdate < this.opts.idleMs) return;
    // Stuck (Android, a lost compositionend): liveness wins. If a held change lands in the composing
    // paragraph the browser may commit the jamo shown; it is already in the document, so nothing is lost.
    this.flushNow();
    this.opts.onWatchdog?.();
  }

  private letGo(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    const release = this.release;
    this.release = null;
    release?.();
  }

  destroy(): void {
    this.pendingKey = null;
    this.releaseQueued = false;
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    const release = this.release;
    this.release = null;
    release?.();
  }
}

export const CompositionGate = Extension.create<CompositionGateOptions>({
  name: 'dureCompositionGate',

  addOptions() {
    return { hold: null, maxComposeMs: 5000, idleMs: 2000, watchdogTickMs: 500, dedupMs: 50, onWatchdog: null };
  },

  addProseMirrorPlugins() {
    const opts = this.options;
    const gates = new WeakMap<EditorView, Gate>();
    const gate = (view: EditorView): Gate | undefined => gates.get(view);
    return [
      new Plugin({
        key: compositionGateKey,
        view(view) {
          const g = new Gate(view, opts);
          gates.set(view, g);
          return { destroy: () => g.destroy() };
        },
        props: {
          handleDOMEvents: {
            compositionstart(view) {
              gate(view)?.compositionStart();
              return false;
            },
            compositionupdate(view, e) {
              gate(view)?.compositionUpdate(e);
              return false;
            },
            compositionend(view, e) {
              gate(view)?.compositionEnd(e);
              return false;
            },
            keydown: (view, e) => gate(view)?.keyDown(e) ?? false,
            beforeinput: (view, e) => gate(view)?.beforeInput(e) ?? false,
            blur(view) {
              gate(view)?.flushNow();
              return false;
            },
            mousedown(view) {
              gate(view)?.flushNow();
              return false;
            },
          },
        },
      }),
    ];
  },
});
