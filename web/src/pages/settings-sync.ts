/**
 * Settings: the sync server (the one that served this page, another one, or none: "this device
 * only"), its invite token, and how this person appears to collaborators. Changes apply to
 * documents opened afterwards.
 */
import { h } from '../ui/dom';
import { t } from '../i18n/i18n';
import {
  defaultServerUrl,
  inviteBytes,
  loadInviteToken,
  loadServerPref,
  normalizeServerUrl,
  saveInviteToken,
  saveServerPref,
  type ServerPref,
} from '../sync/prefs';
import { createIdentityFields } from '../editor/identity-fields';

export function renderSyncSettings(): HTMLElement {
  const pref = loadServerPref();
  const fallback = defaultServerUrl(location);
  const mode = h('select', { class: 'input', testid: 'settings-sync-mode', attrs: { id: 'set-sync-mode' } });
  const options: [ServerPref['mode'], string][] = [
    ['default', fallback ? t('syncSettings.default', { url: fallback }) : t('syncSettings.defaultNone')],
    ['custom', t('syncSettings.custom')],
    ['off', t('syncSettings.off')],
  ];
  for (const [v, label] of options) {
    const o = h('option', { text: label, attrs: { value: v } });
    o.selected = v === pref.mode;
    mode.append(o);
  }
  const url = h('input', {
    class: 'input',
    testid: 'settings-sync-url',
    attrs: { id: 'set-sync-url', type: 'url', placeholder: t('syncSettings.urlPlaceholder'), spellcheck: 'false' },
  });
  url.value = pref.mode === 'custom' ? pref.url : '';
  const urlError = h('p', { class: 'error-text', testid: 'settings-sync-url-error', attrs: { role: 'alert' } });
  const current = h('p', { class: 'status-line', testid: 'settings-sync-current' });
  const urlField = h(
    'div',
    { class: 'field' },
    h('label', { text: t('syncSettings.url'), attrs: { for: 'set-sync-url' } }),
    url,
    urlError,
  );

  const refresh = (): void => {
    const p = loadServerPref();
    current.dataset.mode = p.mode;
    current.textContent =
      p.mode === 'off'
        ? t('syncSettings.nowOff')
        : t('syncSettings.now', { url: p.mode === 'custom' ? p.url : (fallback ?? t('syncSettings.none')) });
    urlField.hidden = mode.value !== 'custom';
  };
  const apply = (): void => {
    urlError.textContent = '';
    if (mode.value === 'custom') {
      if (url.value.trim() === '') return refresh();
      const normalized = normalizeServerUrl(url.value);
      if (normalized === undefined) {
        urlError.textContent = t('syncSettings.badUrl');
        return refresh();
      }
      url.value = normalized;
      saveServerPref({ mode: 'custom', url: normalized });
    } else saveServerPref({ mode: mode.value === 'off' ? 'off' : 'default' });
    refresh();
  };
  mode.addEventListener('change', apply);
  url.addEventListener('change', apply);

  const invite = h('input', {
    class: 'input',
    testid: 'settings-invite-token',
    attrs: { id: 'set-invite', type: 'password', autocomplete: 'off', spellcheck: 'false' },
  });
  invite.value = loadInviteToken();
  const inviteError = h('p', { class: 'error-text', testid: 'settings-invite-error', attrs: { role: 'alert' } });
  invite.addEventListener('change', () => {
    const tooLong = invite.value.trim() !== '' && inviteBytes(invite.value) === undefined;
    inviteError.textContent = tooLong ? t('syncSettings.inviteTooLong') : '';
    if (!tooLong) saveInviteToken(invite.value);
  });

  refresh();
  return h(
    'section',
    { class: 'card', testid: 'sync-settings', attrs: { 'aria-labelledby': 'set-sync-h' } },
    h('h2', { text: t('syncSettings.title'), attrs: { id: 'set-sync-h' } }),
    h('p', { class: 'hint', text: t('syncSettings.intro') }),
    h('div', { class: 'field' }, h('label', { text: t('syncSettings.server'), attrs: { for: 'set-sync-mode' } }), mode),
    urlField,
    current,
    h(
      'div',
      { class: 'field' },
      h('label', { text: t('syncSettings.invite'), attrs: { for: 'set-invite' } }),
      invite,
      h('p', { class: 'hint', text: t('syncSettings.inviteHint') }),
      inviteError,
    ),
    h('p', { class: 'hint', text: t('syncSettings.appliesLater') }),
    h('h3', { text: t('identity.title') }),
    createIdentityFields('settings-user', () => undefined),
  );
}
