/** A full-page message for when the app cannot run at all (no IndexedDB, e.g. some private modes). */
import { h, mount } from '../ui/dom';
import { t } from '../i18n/i18n';

export function renderFatal(root: HTMLElement, kind: 'unavailable' | 'failed', detail?: string): void {
  mount(
    root,
    h(
      'main',
      { class: 'center-screen', testid: 'fatal-error' },
      h(
        'div',
        { class: 'card fatal', attrs: { role: 'alert' } },
        h('h1', { text: t(`fatal.${kind}.title`) }),
        h('p', { text: t(`fatal.${kind}.body`) }),
        h('p', { class: 'hint', text: t('fatal.hint') }),
        detail !== undefined && h('p', { class: 'hint', text: t('fatal.detail', { detail }) }),
        h('button', {
          class: 'btn primary',
          text: t('fatal.retry'),
          attrs: { type: 'button' },
          on: { click: () => location.reload() },
        }),
      ),
    ),
  );
}

const restart = (): void => {
  history.replaceState(null, '', '#/');
  location.reload();
};

/** After "erase this device": nothing of Dure is left here; reloading starts from scratch. */
export function renderErased(root: HTMLElement): void {
  document.title = t('app.name');
  mount(
    root,
    h(
      'main',
      { class: 'center-screen', testid: 'erased' },
      h(
        'div',
        { class: 'card fatal erased', attrs: { role: 'status' } },
        h('h1', { text: t('erase.doneTitle') }),
        h('p', { text: t('erase.doneBody') }),
        h('button', {
          class: 'btn primary',
          text: t('erase.restart'),
          attrs: { type: 'button' },
          on: { click: restart },
        }),
      ),
    ),
  );
}
