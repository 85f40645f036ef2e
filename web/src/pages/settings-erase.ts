/**
 * "Erase this device": every document, image, key and preference of Dure on this device, in every
 * tab, for a laptop about to be handed over or taken. Deliberately hard to hit by accident: the user
 * types a confirmation word.
 */
import type { AppContext } from '../app';
import { h } from '../ui/dom';
import { promptDialog } from '../ui/dialogs';
import { t } from '../i18n/i18n';

export function renderEraseSettings(ctx: AppContext): HTMLElement {
  const msg = h('p', { class: 'error-text', testid: 'erase-error', attrs: { role: 'alert' } });
  const btn = h('button', {
    class: 'btn danger',
    text: t('erase.button'),
    testid: 'erase-device',
    attrs: { type: 'button' },
    on: { click: () => void erase() },
  });
  async function erase(): Promise<void> {
    const word = t('erase.word');
    const typed = await promptDialog({
      title: t('erase.confirmTitle'),
      message: t('erase.confirmBody'),
      confirmLabel: t('erase.confirm'),
      danger: true,
      testid: 'erase-dialog',
      input: { label: t('erase.typeWord', { word }), value: '' },
      validate: (v) => (v.trim() === word ? undefined : t('erase.typeWord', { word })),
    });
    if (typed === null) return;
    btn.disabled = true;
    msg.textContent = '';
    const r = await ctx.eraseDevice();
    // On success the whole app is replaced by the "erased" screen.
    if (!r.ok) {
      btn.disabled = false;
      msg.textContent = t(r.error === 'blocked' ? 'erase.blocked' : 'erase.failed');
    }
  }
  return h(
    'section',
    { class: 'card danger-zone', testid: 'erase-settings', attrs: { 'aria-labelledby': 'set-erase-h' } },
    h('h2', { text: t('erase.title'), attrs: { id: 'set-erase-h' } }),
    h('p', { class: 'hint', text: t('erase.explain') }),
    h('div', { class: 'row' }, btn),
    msg,
  );
}
