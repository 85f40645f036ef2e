/**
 * The app lock card: turn on (passphrase + confirmation), change the passphrase, turn off, lock now.
 * With the lock on, document keys are wrapped by a key derived from the passphrase; locking drops
 * every unwrapped key from memory.
 */
import type { AppContext } from '../app';
import { h, Disposer } from '../ui/dom';
import { t } from '../i18n/i18n';
import { AUTO_LOCK_CHOICES, loadAutoLockMinutes, saveAutoLockMinutes } from '../auto-lock';

/** Short passphrases fall to offline guessing even behind scrypt. */
export const MIN_PASSPHRASE_LENGTH = 8;

let fieldSeq = 0;
function passField(
  label: string,
  testid: string,
  autocomplete: string,
): { wrap: HTMLElement; input: HTMLInputElement } {
  const id = `pf-${++fieldSeq}`;
  const input = h('input', { class: 'input', testid, attrs: { id, type: 'password', autocomplete, required: true } });
  return { wrap: h('div', { class: 'field' }, h('label', { text: label, attrs: { for: id } }), input), input };
}

function form(
  onSubmit: (msg: HTMLElement, btn: HTMLButtonElement) => Promise<void>,
  submitLabel: string,
  testid: string,
  danger: boolean,
  ...fields: HTMLElement[]
): HTMLFormElement {
  const msg = h('p', { class: 'error-text', testid: `${testid}-error`, attrs: { role: 'alert' } });
  const btn = h('button', {
    class: danger ? 'btn danger' : 'btn primary',
    text: submitLabel,
    testid: `${testid}-submit`,
    attrs: { type: 'submit' },
  });
  return h(
    'form',
    {
      testid,
      on: {
        submit: (e) => {
          e.preventDefault();
          msg.textContent = '';
          btn.disabled = true;
          const label = btn.textContent ?? '';
          // Deriving a key from a passphrase is deliberately slow.
          btn.textContent = t('lock.working');
          void onSubmit(msg, btn).finally(() => {
            btn.disabled = false;
            btn.textContent = label;
          });
        },
      },
    },
    ...fields,
    msg,
    btn,
  );
}

const validNew = (p: string, confirm: string): string | undefined => {
  if (p.length < MIN_PASSPHRASE_LENGTH) return t('lock.tooShort', { min: MIN_PASSPHRASE_LENGTH });
  if (p !== confirm) return t('lock.mismatch');
  return undefined;
};

export function renderLockSettings(ctx: AppContext, _disposer: Disposer): HTMLElement {
  const lock = ctx.core.lock;
  const card = h('section', { class: 'card', testid: 'lock-settings', attrs: { 'aria-labelledby': 'set-lock-h' } });
  card.append(
    h('h2', { text: t('lock.settingsTitle'), attrs: { id: 'set-lock-h' } }),
    h('p', {
      class: 'status-line',
      testid: 'lock-state',
      attrs: { 'data-enabled': String(lock.enabled) },
      text: t(lock.enabled ? 'lock.stateOn' : 'lock.stateOff'),
    }),
    h('p', { class: 'hint', text: t('lock.settingsExplain') }),
  );
  if (lock.weakDeviceKey && !lock.enabled) card.append(h('p', { class: 'hint', text: t('lock.weakDeviceKey') }));

  if (!lock.enabled) {
    const p1 = passField(t('lock.newPassphrase'), 'lock-new-passphrase', 'new-password');
    const p2 = passField(t('lock.confirmPassphrase'), 'lock-confirm-passphrase', 'new-password');
    card.append(
      h('p', { class: 'hint', text: t('lock.noRecovery') }),
      form(
        async (msg) => {
          const problem = validNew(p1.input.value, p2.input.value);
          if (problem) {
            msg.textContent = problem;
            return;
          }
          const r = await lock.enable(p1.input.value);
          if (!r.ok) msg.textContent = t('errors.storage');
        },
        t('lock.enable'),
        'lock-enable',
        false,
        p1.wrap,
        p2.wrap,
      ),
    );
    return card;
  }

  card.append(
    h(
      'div',
      { class: 'row' },
      h('button', {
        class: 'btn',
        text: t('lock.lockNow'),
        testid: 'settings-lock-now',
        attrs: { type: 'button' },
        on: { click: () => void ctx.lockNow() },
      }),
    ),
  );
  const autoLock = h('select', {
    class: 'input',
    testid: 'settings-auto-lock',
    attrs: { id: 'set-auto-lock' },
    on: { change: () => saveAutoLockMinutes(Number(autoLock.value)) },
  });
  for (const m of AUTO_LOCK_CHOICES) {
    const o = h('option', {
      text: m === 0 ? t('lock.autoNever') : t('lock.autoAfter', { minutes: m }),
      attrs: { value: m },
    });
    o.selected = m === loadAutoLockMinutes();
    autoLock.append(o);
  }
  card.append(
    h('div', { class: 'field' }, h('label', { text: t('lock.autoLabel'), attrs: { for: 'set-auto-lock' } }), autoLock),
  );
  const oldP = passField(t('lock.currentPassphrase'), 'lock-old-passphrase', 'current-password');
  const newP = passField(t('lock.newPassphrase'), 'lock-change-new', 'new-password');
  const confP = passField(t('lock.confirmPassphrase'), 'lock-change-confirm', 'new-password');
  const changeOk = h('p', { class: 'hint', testid: 'lock-change-ok', attrs: { role: 'status' } });
  card.append(
    h('h3', { text: t('lock.changeTitle') }),
    form(
      async (msg) => {
        const problem = validNew(newP.input.value, confP.input.value);
        if (problem) {
          msg.textContent = problem;
          return;
        }
        const r = await lock.change(oldP.input.value, newP.input.value);
        if (!r.ok) {
          msg.textContent = t(r.error === 'wrong-passphrase' ? 'lock.wrongPassphrase' : 'errors.storage');
          return;
        }
        for (const f of [oldP, newP, confP]) f.input.value = '';
        changeOk.textContent = t('lock.changed');
      },
      t('lock.change'),
      'lock-change',
      false,
      oldP.wrap,
      newP.wrap,
      confP.wrap,
    ),
    changeOk,
  );
  const offP = passField(t('lock.currentPassphrase'), 'lock-disable-passphrase', 'current-password');
  card.append(
    h('h3', { text: t('lock.disableTitle') }),
    form(
      async (msg) => {
        const r = await lock.disable(offP.input.value);
        if (!r.ok) msg.textContent = t(r.error === 'wrong-passphrase' ? 'lock.wrongPassphrase' : 'errors.storage');
      },
      t('lock.disable'),
      'lock-disable',
      true,
      offP.wrap,
    ),
  );
  return card;
}
