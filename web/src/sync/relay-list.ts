/**
 * One open document's relay list, live: the list inside the document (changed by collaborators or
 * another tab) joined with this device's choices (changed here or in another tab: the `storage`
 * event), as a plan of which relays to use. The sync view follows `used`; the details dialog shows
 * `plan` and calls add/remove/choose.
 */
import type * as Y from 'yjs';
import type { PrefStore } from './prefs';
import {
  choicesKey,
  listedRelays,
  listRelays,
  loadRelayChoices,
  planRelays,
  RELAYS_MAP,
  saveRelayChoice,
  unlistRelay,
  usedRelays,
  type ListError,
  type PlannedRelay,
} from './relays';
import { normalizeServerUrl } from './prefs';

export interface RelayListView {
  readonly plan: readonly PlannedRelay[];
  /** the relays this device connects to for the document, sorted */
  readonly used: readonly string[];
  /** an edit link: may change the document's list (a view link may only choose) */
  readonly canEdit: boolean;
  on(cb: (plan: readonly PlannedRelay[]) => void): () => void;
  /** Lists a relay in the document (and this device's own relay with it, if the list was empty) and uses it. */
  add(raw: string): ListError | 'view-only' | undefined;
  /** Takes a relay off the document's list: every device stops using it. Data already there stays. */
  remove(url: string): void;
  /** This device's answer to a suggestion (or "stop using" a relay on a view link). */
  choose(url: string, use: boolean): void;
  dispose(): void;
}

export interface RelayListOptions {
  readonly docId: string;
  readonly ydoc: Y.Doc;
  /** this device's relay from Settings; undefined when sync is off or the page has no server */
  readonly own: string | undefined;
  readonly canEdit: boolean;
  readonly store: PrefStore | undefined;
  /** where `storage` events arrive (window); undefined in node tests */
  readonly events?: Pick<Window, 'addEventListener' | 'removeEventListener'>;
}

/** localStorage, or nothing where the browser refuses it (choices then hold for the page only). */
export function localPrefs(): PrefStore | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

const sameUrls = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((u, i) => u === b[i]);

export class RelayList implements RelayListView {
  plan: readonly PlannedRelay[] = [];
  used: readonly string[] = [];
  readonly canEdit: boolean;
  private readonly listeners = new Set<(plan: readonly PlannedRelay[]) => void>();
  private readonly map: Y.Map<unknown>;

  constructor(private readonly opts: RelayListOptions) {
    this.canEdit = opts.canEdit;
    this.map = opts.ydoc.getMap(RELAYS_MAP);
    this.map.observe(this.refresh);
    opts.events?.addEventListener('storage', this.onStorage);
    this.compute();
  }

  on(cb: (plan: readonly PlannedRelay[]) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  add(raw: string): ListError | 'view-only' | undefined {
    if (!this.canEdit) return 'view-only';
    const url = normalizeServerUrl(raw);
    if (url === undefined) return 'invalid';
    // Listing only the new relay would quietly move everyone off the one they use now.
    const withOwn = listedRelays(this.opts.ydoc).length === 0 && this.opts.own !== undefined ? [this.opts.own] : [];
    const e = listRelays(this.opts.ydoc, [...withOwn, url]);
    if (e) return e;
    saveRelayChoice(this.opts.docId, url, true, this.opts.store);
    this.refresh();
    return undefined;
  }

  remove(url: string): void {
    if (this.canEdit) unlistRelay(this.opts.ydoc, url);
    // Someone may list it again later: then it is a fresh suggestion, not an old "yes".
    saveRelayChoice(this.opts.docId, url, this.canEdit ? undefined : false, this.opts.store);
    this.refresh();
  }

  choose(url: string, use: boolean): void {
    saveRelayChoice(this.opts.docId, url, use, this.opts.store);
    this.refresh();
  }

  dispose(): void {
    this.map.unobserve(this.refresh);
    this.opts.events?.removeEventListener('storage', this.onStorage);
    this.listeners.clear();
  }

  private readonly onStorage = (e: StorageEvent): void => {
    if (e.key === null || e.key === choicesKey(this.opts.docId)) this.refresh();
  };

  private readonly refresh = (): void => {
    const before = this.plan;
    this.compute();
    const same =
      before.length === this.plan.length &&
      before.every(
        (p, i) => p.url === this.plan[i]!.url && p.use === this.plan[i]!.use && p.listed === this.plan[i]!.listed,
      );
    if (!same) this.listeners.forEach((cb) => cb(this.plan));
  };

  private compute(): void {
    const choices = loadRelayChoices(this.opts.docId, this.opts.store);
    this.plan = planRelays(listedRelays(this.opts.ydoc), this.opts.own, choices);
    const used = usedRelays(this.plan);
    if (!sameUrls(used, this.used)) this.used = used;
  }
}
