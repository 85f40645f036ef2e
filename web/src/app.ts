/**
 * The app shell: top bar, banners, and the page for the current route. It owns page lifetimes (an
 * editor page is closed, and its edits flushed, before the next page opens) and the lock screen.
 */
import type { AppCore } from './core/types';
import { h, mount } from './ui/dom';
import { Banners } from './ui/banners';
import { icon } from './ui/icons';
import { onLocaleChange, t } from './i18n/i18n';
import { navigate, parseRoute, replaceRoute, type Route } from './router';
import { renderLockScreen } from './pages/lock';
import { renderListPage } from './pages/list';
import { renderEditorPage } from './pages/editor';
import { renderSettingsPage } from './pages/settings';
import { renderNotFound } from './pages/not-found';
import { renderErased } from './pages/fatal';
import { clearPreferences } from './prefs';
import { TabSync } from './tab-sync';
import { watchIdle } from './auto-lock';

export interface Page {
  readonly el: HTMLElement;
  /** Called before the page leaves the screen; an editor flushes and closes its document here. */
  dispose(): void | Promise<void>;
}

export interface AppContext {
  readonly core: AppCore;
  readonly banners: Banners;
  navigate(r: Route): void;
  /** Closes open documents, then drops every key from memory. */
  lockNow(): Promise<void>;
  /** Deletes a document from this device and tells the other tabs. */
  deleteDoc(docId: string): ReturnType<AppCore['deleteDoc']>;
  /** Erases every document, key and preference of Dure on this device (all tabs). */
  eraseDevice(): ReturnType<AppCore['eraseDevice']>;
}

export class App {
  private readonly banners = new Banners();
  private readonly main = h('main', { attrs: { id: 'main', tabindex: -1 } });
  private page: Page | undefined;
  private renderSeq = 0;
  /** A capability link opened while locked: applied after unlock, never kept in the address bar. */
  private pendingFragment: string | undefined;
  private readonly ctx: AppContext;
  private readonly tabs = new TabSync();

  constructor(
    private readonly root: HTMLElement,
    private readonly core: AppCore,
  ) {
    this.ctx = {
      core,
      banners: this.banners,
      navigate: (r) => navigate(r),
      lockNow: () => this.lockNow(),
      eraseDevice: () => this.eraseDevice(),
      deleteDoc: async (docId) => {
        const r = await core.deleteDoc(docId);
        if (r.ok) this.tabs.announceDeleted(docId);
        return r;
      },
    };
  }

  /** The shared banner area, so boot code (service worker updates) can post notices. */
  get bannerArea(): Banners {
    return this.banners;
  }

  private readonly stops: (() => void)[] = [];

  start(): void {
    const onHash = (): void => void this.render();
    window.addEventListener('hashchange', onHash);
    this.stops.push(() => window.removeEventListener('hashchange', onHash));
    this.stops.push(onLocaleChange(() => void this.render()));
    this.stops.push(this.core.lock.onChange(() => void this.render()));
    this.stops.push(this.core.lock.onRewrap(() => this.tabs.announceLockConfig()));
    this.stops.push(
      this.core.onWriteState((state) => {
        if (state === 'saved') this.banners.hide('quota');
        else
          this.banners.show('quota', {
            kind: 'error',
            testid: 'storage-error',
            text: t(state === 'quota' ? 'errors.quotaEditing' : 'errors.storageEditing'),
          });
      }),
    );
    this.stops.push(
      watchIdle(() => {
        if (this.core.lock.enabled && !this.core.lock.locked) void this.lockNow();
      }),
    );
    this.tabs.subscribe({
      locked: () => {
        if (this.core.lock.enabled && !this.core.lock.locked) void this.lockNow(false);
      },
      lockConfig: () => void this.closePage().then(() => location.reload()),
      deleted: (docId) => void this.onDeletedElsewhere(docId),
      erase: () => void this.stopForErase(),
    });
    void this.render();
  }

  /** Closes the current page (flushing its document) and detaches every listener. */
  async stop(): Promise<void> {
    this.renderSeq++;
    for (const f of this.stops.splice(0)) f();
    this.tabs.close();
    await this.closePage();
  }

  private shell(route: Route): HTMLElement {
    const navLink = (label: string, href: string, current: boolean, testid: string): HTMLElement =>
      h('a', { class: 'nav-link', text: label, testid, attrs: { href, 'aria-current': current ? 'page' : undefined } });
    const lockBtn =
      this.core.lock.enabled &&
      h(
        'button',
        {
          class: 'btn small',
          testid: 'lock-now',
          attrs: { type: 'button' },
          on: { click: () => void this.lockNow() },
        },
        icon('lock', 16),
        h('span', { text: t('lock.lockNow') }),
      );
    const brandMark = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    brandMark.setAttribute('viewBox', '0 0 64 64');
    brandMark.setAttribute('class', 'brand-mark');
    brandMark.setAttribute('aria-hidden', 'true');
    for (const [cx, opacity] of [
      ['22', '1'],
      ['42', '0.7'],
    ] as const) {
      const c = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
      c.setAttribute('cx', cx);
      c.setAttribute('cy', '32');
      c.setAttribute('r', '13');
      c.setAttribute('fill', 'var(--accent)');
      c.setAttribute('opacity', opacity);
      brandMark.append(c);
    }
    const skip = h('button', {
      class: 'skip-link btn',
      text: t('app.skipToContent'),
      attrs: { type: 'button' },
      on: { click: () => this.main.focus() },
    });
    return h(
      'div',
      { class: 'shell' },
      skip,
      h(
        'header',
        { class: 'topbar' },
        h(
          'a',
          { class: 'brand', attrs: { href: '#/', 'aria-label': t('app.home') } },
          brandMark,
          h('span', { text: t('app.name') }),
        ),
        h(
          'nav',
          { attrs: { 'aria-label': t('app.navigation') } },
          navLink(t('nav.documents'), '#/', route.name === 'list', 'nav-documents'),
          navLink(t('nav.settings'), '#/settings', route.name === 'settings', 'nav-settings'),
          lockBtn,
        ),
      ),
      this.banners.el,
      this.main,
    );
  }

  private async closePage(): Promise<void> {
    const page = this.page;
    this.page = undefined;
    if (page) {
      try {
        await page.dispose();
      } catch (e) {
        console.error('closing the page failed', e);
      }
    }
  }

  private async render(): Promise<void> {
    const seq = ++this.renderSeq;
    let route = parseRoute(location.hash);
    if (route.name === 'capability') {
      // Read the secret once and drop it from the address bar (and history) before anything else.
      this.pendingFragment = route.fragment;
      replaceRoute({ name: 'list' });
      route = { name: 'list' };
    }
    await this.closePage();
    if (seq !== this.renderSeq) return;

    if (this.core.lock.enabled && this.core.lock.locked) {
      // Nothing of the documents (not even titles) is on screen while locked: not in an open
      // dialog (which lives outside the app root), and not in the tab's title.
      for (const d of document.querySelectorAll('dialog')) d.close();
      document.title = t('app.name');
      mount(this.root, renderLockScreen(this.core.lock));
      return;
    }

    if (this.pendingFragment !== undefined) {
      const fragment = this.pendingFragment;
      this.pendingFragment = undefined;
      const added = await this.core.addFromFragment(fragment);
      if (seq !== this.renderSeq) return;
      if (added.ok) {
        replaceRoute({ name: 'doc', docId: added.value });
        route = { name: 'doc', docId: added.value };
      } else {
        this.banners.show('link', {
          kind: 'error',
          testid: 'link-error',
          text: t(
            added.error === 'malformed' || added.error === 'unsupported-version'
              ? `link.${added.error}`
              : 'link.failed',
          ),
          dismissLabel: t('common.dismiss'),
        });
      }
    }

    mount(this.root, this.shell(route));
    const page = this.pageFor(route);
    this.page = page;
    mount(this.main, page.el);
    // Never a document's title: the browser keeps page titles in its history database, in plaintext,
    // outside the app's encryption and beyond the app lock.
    document.title = route.name === 'list' ? t('app.name') : `${t(`route.${route.name}`)} · ${t('app.name')}`;
  }

  private pageFor(route: Route): Page {
    switch (route.name) {
      case 'list':
        return renderListPage(this.ctx);
      case 'doc':
        return renderEditorPage(this.ctx, route.docId);
      case 'settings':
        return renderSettingsPage(this.ctx);
      default:
        return renderNotFound();
    }
  }

  private async eraseDevice(): ReturnType<AppCore['eraseDevice']> {
    this.tabs.announceErase();
    await this.closePage();
    const r = await this.core.eraseDevice();
    if (r.ok) {
      clearPreferences();
      renderErased(this.root);
    }
    return r;
  }

  /** Another tab erases the device: stop touching storage now (unsaved edits here are meant to go). */
  private async stopForErase(): Promise<void> {
    this.renderSeq++;
    this.core.close();
    await this.closePage();
    renderErased(this.root);
  }

  private async onDeletedElsewhere(docId: string): Promise<void> {
    const route = parseRoute(location.hash);
    if (route.name === 'doc' && route.docId === docId) {
      await this.closePage();
      // Closing flushed this tab's last edits: remove them too, so nothing of the document remains.
      await this.core.deleteDoc(docId);
      this.banners.show('deleted', {
        kind: 'info',
        testid: 'deleted-elsewhere',
        text: t('editor.deletedElsewhere'),
        dismissLabel: t('common.dismiss'),
      });
      replaceRoute({ name: 'list' });
    }
    if (route.name === 'list' || route.name === 'doc') void this.render();
  }

  private async lockNow(announce = true): Promise<void> {
    if (announce) this.tabs.announceLocked();
    await this.closePage();
    // Re-renders through onChange into the lock screen.
    this.core.lock.lock();
  }
}
