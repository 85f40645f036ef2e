/**
 * Settings: direct connections to collaborators (WebRTC) on or off, and the optional STUN/TURN servers
 * (none by default: such a server learns this device's IP address). Stored on this device only; the
 * change applies to documents opened afterwards, like the sync server setting.
 */
import { h } from '../ui/dom';
import { t } from '../i18n/i18n';
import { loadIceServers, loadP2pEnabled, saveIceServers, saveP2pEnabled } from '../sync/webrtc';

function iceText(servers: readonly RTCIceServer[]): string {
  return servers
    .map((s) => [s.urls, s.username, s.credential].filter((x): x is string => typeof x === 'string').join(' '))
    .join('\n');
}

export function renderP2pSettings(): HTMLElement {
  const enabled = h('input', { testid: 'settings-p2p', attrs: { id: 'set-p2p', type: 'checkbox' } });
  enabled.checked = loadP2pEnabled();
  enabled.addEventListener('change', () => saveP2pEnabled(enabled.checked));

  const ice = h('textarea', {
    class: 'input',
    testid: 'settings-ice-servers',
    attrs: {
      id: 'set-ice',
      rows: '3',
      spellcheck: 'false',
      autocomplete: 'off',
      placeholder: t('p2pSettings.icePlaceholder'),
    },
  });
  ice.value = iceText(loadIceServers());
  const iceError = h('p', { class: 'error-text', testid: 'settings-ice-error', attrs: { role: 'alert' } });
  ice.addEventListener('change', () => {
    const r = saveIceServers(ice.value);
    iceError.textContent = r.ok ? '' : t('p2pSettings.iceBad', { line: String(r.line) });
  });

  return h(
    'section',
    { class: 'card', testid: 'p2p-settings', attrs: { 'aria-labelledby': 'set-p2p-h' } },
    h('h2', { text: t('p2pSettings.title'), attrs: { id: 'set-p2p-h' } }),
    h('p', { class: 'hint', text: t('p2pSettings.intro') }),
    h(
      'div',
      { class: 'field' },
      h('label', { attrs: { for: 'set-p2p' } }, enabled, h('span', { text: ` ${t('p2pSettings.enabled')}` })),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { text: t('p2pSettings.ice'), attrs: { for: 'set-ice' } }),
      ice,
      h('p', { class: 'hint', text: t('p2pSettings.iceHint') }),
      iceError,
    ),
    h('p', { class: 'hint', text: t('syncSettings.appliesLater') }),
  );
}
