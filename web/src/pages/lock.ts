/** The lock screen: the only thing on screen while the app lock is closed. */
import type { LockControl } from '../core/types';
import { h } from '../ui/dom';
import { icon } from '../ui/icons';
import { t } from '../i18n/i18n';

export function renderLockScreen(lock: LockControl): HTMLElement {
  const input = h('input', {
    class: 'input',
    testid: 'unlock-passphrase',
    attrs: { id: 'unlock-passphrase', type: 'password', autocomplete: 'current-password', required: true },
  });
  const error = h('p', {
    class: 'error-text',
    testid: 'unlock-error',
    attrs: { role: 'alert', 'aria-live': 'assertive' },
  });
  const submit = h('button', {
    class: 'btn primary',
    text: t('lock.unlock'),
    testid: 'unlock-submit',
    attrs: { type: 'submit' },
  });
  const form = h(
    'form',
    {
      on: {
        submit: (e) => {
          e.preventDefault();
          void unlock();
        },
      },
    },
    h(
      'div',
      { class: 'field' },
      h('label', { text: t('lock.passphrase'), attrs: { for: 'unlock-passphrase' } }),
      input,
    ),
    error,
    submit,
  );
  async function unlock(): Promise<void> {
    if (!input.value) return;
    submit.disabled = true;
    error.textContent = '';
    // The key derivation is deliberately slow; say so instead of looking frozen.
    submit.textContent = t('lock.unlocking');
    const r = await lock.unlock(input.value);
    if (!r.ok) {
      submit.disabled = false;
      submit.textContent = t('lock.unlock');
      error.textContent = t('lock.wrongPassphrase');
      input.select();
      input.focus();
    }
    // On success the app re-renders through the lock's onChange.
  }
  const card = h(
    'div',
    { class: 'lock-card' },
    icon('lock', 32),
    h('h1', { text: t('lock.title'), attrs: { id: 'lock-title' } }),
    h('p', { class: 'hint', text: t('lock.explain') }),
    form,
  );
  const screen = h(
    'main',
    { class: 'center-screen', testid: 'lock-screen', attrs: { 'aria-labelledby': 'lock-title' } },
    card,
  );
  queueMicrotask(() => input.focus());
  return screen;
}
