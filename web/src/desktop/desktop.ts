/**
 * The web app inside the desktop shell: native menu commands become app actions, files go through the
 * native dialogs, dure:// links open like pasted links, the relays the user chose reach main's CSP, and
 * a plain-text device key (Linux without a keyring) is said out loud. Loaded only when `window.dure` is
 * there, so the web build's startup carries none of it.
 */
import type { AppCore } from '../core/types';
import type { Banners } from '../ui/banners';
import { infoDialog } from '../ui/dialogs';
import { t } from '../i18n/i18n';
import { navigate, parseRoute, type Route } from '../router';
import { h } from '../ui/dom';
import { importErrorText, importFile, leftOutSentence } from '../pages/import';
import { isMenuCommand, type DesktopApi, type MenuCommand } from './api';
import type { DesktopKeyStore } from './key-store';
import { exportBytes, type DesktopExportFormat } from './files';
import { openLinkDialog } from './open-link';
import { followMeeting, hasMeeting, renderMeetingCard } from './meeting';
import { openDoc } from './open-doc';
import { reportRelays } from './relays-report';
import { dt } from './strings';

export interface DesktopDeps {
  readonly core: AppCore;
  readonly banners: Banners;
  /** the key store the core was opened with, when the shell keeps the device key */
  readonly keyStore?: DesktopKeyStore;
  readonly navigate?: (r: Route) => void;
}

const EXPORTS: Partial<Record<MenuCommand, DesktopExportFormat>> = {
  'export-markdown': 'markdown',
  'export-html': 'html',
  'export-docx': 'docx',
};

export function startDesktop(api: DesktopApi, deps: DesktopDeps): () => void {
  const { core, banners } = deps;
  const go = deps.navigate ?? navigate;
  const stops: (() => void)[] = [];

  const error = (text: string): void =>
    banners.show('desktop', { kind: 'error', testid: 'desktop-error', text, dismissLabel: t('common.dismiss') });
  const info = (testid: string, text: string): void =>
    banners.show('desktop', { kind: 'info', testid, text, dismissLabel: t('common.dismiss') });
  const openFragment = (fragment: string): void => {
    // The app reads a capability fragment once, drops it from the address bar, and opens (after
    // unlock, when locked) the document it grants; only our link shapes get that far.
    if (parseRoute(`#${fragment}`).name === 'capability') location.hash = fragment;
  };

  async function newDocument(): Promise<void> {
    const r = await core.createDoc();
    if (r.ok) go({ name: 'doc', docId: r.value });
    else error(importErrorText(r.error));
  }

  async function importFromDialog(): Promise<void> {
    if (!api.openFile) return;
    let picked: Awaited<ReturnType<NonNullable<DesktopApi['openFile']>>>;
    try {
      picked = await api.openFile();
    } catch (e) {
      // main refused the picked file (electron/src/shared-api.ts openRefusalOf): say which way
      const reason = /dure-file-refused:([a-z-]+)/.exec(e instanceof Error ? e.message : String(e))?.[1];
      error(
        reason === 'extension'
          ? importErrorText('unsupported')
          : reason === 'too-large'
            ? importErrorText('too-large')
            : dt('openFailed'),
      );
      return;
    }
    if (!picked) return;
    banners.hide('import');
    const file = new File([picked.bytes as Uint8Array<ArrayBuffer>], picked.name);
    const r = await importFile(core, file);
    if (!r.ok) {
      banners.show('import', {
        kind: 'error',
        testid: 'import-error',
        text: importErrorText(r.error),
        dismissLabel: t('common.dismiss'),
      });
      return;
    }
    const note = leftOutSentence(r.value.report);
    if (note) {
      banners.show('import', { kind: 'info', testid: 'import-report', text: note, dismissLabel: t('common.dismiss') });
    }
    go({ name: 'doc', docId: r.value.docId });
  }

  async function exportAs(format: DesktopExportFormat): Promise<void> {
    if (!api.saveFile) return;
    const doc = openDoc();
    if (!doc) {
      error(dt('noDocument'));
      return;
    }
    const r = await exportBytes(doc.ydoc, format, t('editor.untitled'));
    if (!r.ok) {
      error(t('export.failed'));
      return;
    }
    const saved = await api.saveFile(r.value);
    if (saved === 'failed') error(dt('saveFailed'));
    else if (saved === 'saved') info('desktop-saved', dt('saved', { name: r.value.name }));
  }

  function hostMeeting(): void {
    if (!hasMeeting(api)) return;
    void infoDialog({ title: dt('meetingTitle'), testid: 'meeting-dialog', body: renderMeetingCard(api) });
  }

  async function run(command: MenuCommand): Promise<void> {
    const format = EXPORTS[command];
    if (format) return exportAs(format);
    switch (command) {
      case 'new':
        return newDocument();
      case 'open':
        return openLinkDialog(openFragment);
      case 'import':
        return importFromDialog();
      case 'save':
        info('saved-as-you-type', dt('savedAsYouType'));
        return;
      case 'close':
        go({ name: 'list' });
        return;
      case 'host-meeting':
        hostMeeting();
        return;
      case 'about':
        void infoDialog({ title: dt('aboutTitle'), testid: 'about-dialog', body: h('p', { text: dt('about') }) });
        return;
      default:
        return;
    }
  }

  if (api.onMenuCommand) {
    stops.push(
      api.onMenuCommand((command) => {
        if (!isMenuCommand(command)) return;
        // Nothing of a locked app is reachable from the menu either.
        if (core.lock.enabled && core.lock.locked) return;
        run(command).catch((e: unknown) => {
          console.error('menu command failed', command, e);
          error(command === 'import' ? dt('openFailed') : dt('saveFailed'));
        });
      }),
    );
  }

  if (api.onOpenLink) {
    stops.push(api.onOpenLink((fragment) => typeof fragment === 'string' && openFragment(fragment)));
  }

  stops.push(
    reportRelays(async (relays) => {
      const r = (await api.setRelays(relays)) as { reloadNeeded?: unknown } | undefined;
      // A page's CSP is fixed when it loads: a relay main just allowed is reachable after a reload.
      if (r?.reloadNeeded !== true) return;
      banners.show('relay-reload', {
        kind: 'info',
        testid: 'desktop-reload-needed',
        text: dt('reloadForRelay'),
        action: { label: t('errors.reload'), run: () => location.reload() },
        dismissLabel: t('common.dismiss'),
      });
    }),
  );

  stops.push(followMeeting(api));

  // Once the app lock has re-wrapped every key record with the passphrase key, main's device key wraps
  // nothing: delete it, so a copy of the profile holds no key that opens anything. Turning the lock off
  // again asks main for a new one.
  stops.push(
    core.lock.onRewrap(() => {
      if (core.lock.enabled) {
        void api.forgetDeviceKek?.().catch((e: unknown) => console.warn('the shell kept its device key', e));
      }
    }),
  );

  const checkKey = (): void => {
    const plain = !core.lock.enabled && deps.keyStore?.plainText === true;
    if (plain) {
      banners.show('plain-text-key', {
        kind: 'warn',
        testid: 'plain-text-key',
        text: dt('plainTextKey'),
        dismissLabel: t('common.dismiss'),
      });
    } else banners.hide('plain-text-key');
  };
  checkKey();
  stops.push(core.lock.onChange(checkKey));

  // Last, so that a page showing it listens to everything above (tests wait for it).
  document.documentElement.dataset.shell = 'desktop';
  return () => {
    for (const f of stops.splice(0)) f();
    delete document.documentElement.dataset.shell;
  };
}
