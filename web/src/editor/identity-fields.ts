/**
 * "How others see you": a name field and colour swatches, used by the settings page and the share
 * dialog. Saved to this device's preferences and applied to open documents at once.
 */
import type { PeerInfo } from '@dure/shared/sync/types';
import { t } from '../i18n/i18n';
import { h } from '../ui/dom';
import { loadIdentity, MAX_NAME_LENGTH, PALETTE } from '../sync/prefs';
import { setCurrentUser } from '../sync/user';

export function createIdentityFields(prefix: string, apply: (u: PeerInfo) => void): HTMLElement {
  const id = loadIdentity();
  const inputId = `${prefix}-name-input`;
  const name = h('input', {
    class: 'input',
    testid: `${prefix}-name`,
    attrs: {
      id: inputId,
      type: 'text',
      maxlength: MAX_NAME_LENGTH,
      autocomplete: 'nickname',
      placeholder: t('peers.guest', { n: id.guest }),
    },
  });
  name.value = id.name;
  const save = (patch: { name?: string; color?: string }): void => {
    setCurrentUser(patch);
    const u = loadIdentity();
    apply({ name: u.name !== '' ? u.name : t('peers.guest', { n: u.guest }), color: u.color });
  };
  // A Hangul syllable still being composed is not a name yet: save when the composition ends.
  name.addEventListener('input', (e) => {
    if (!(e as InputEvent).isComposing) save({ name: name.value });
  });
  name.addEventListener('compositionend', () => save({ name: name.value }));

  const swatches = h('div', {
    class: 'swatches',
    testid: `${prefix}-color`,
    attrs: { role: 'group', 'aria-label': t('identity.color') },
  });
  const mark = (color: string): void => {
    for (const b of swatches.querySelectorAll('button'))
      b.setAttribute('aria-pressed', String(b.dataset.color === color));
    swatches.dataset.value = color;
  };
  PALETTE.forEach((color, i) => {
    const b = h('button', {
      class: 'swatch',
      attrs: { type: 'button', 'data-color': color, 'aria-label': t('identity.colorN', { n: i + 1 }) },
      on: {
        click: () => {
          save({ color });
          mark(color);
        },
      },
    });
    b.style.backgroundColor = color;
    swatches.append(b);
  });
  mark(id.color);
  return h(
    'div',
    { class: 'identity-fields' },
    h(
      'div',
      { class: 'field' },
      h('label', { text: t('identity.name'), attrs: { for: inputId } }),
      name,
      h('p', { class: 'hint', text: t('identity.nameHint') }),
    ),
    h('div', { class: 'field' }, h('span', { class: 'label', text: t('identity.color') }), swatches),
  );
}
