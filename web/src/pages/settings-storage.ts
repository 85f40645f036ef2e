/**
 * Persistent storage: without it the browser may evict every document under storage pressure.
 * Shows whether the browser granted it and asks for it on request.
 */
import { h, Disposer } from '../ui/dom';
import { t } from '../i18n/i18n';

type PersistState = 'unsupported' | 'granted' | 'not-granted';

async function persistState(): Promise<PersistState> {
  if (!navigator.storage?.persisted) return 'unsupported';
  try {
    return (await navigator.storage.persisted()) ? 'granted' : 'not-granted';
  } catch {
    return 'unsupported';
  }
}

const formatBytes = (n: number): string =>
  new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: 'unit',
    unit: n >= 1e6 ? 'megabyte' : 'kilobyte',
    maximumFractionDigits: 1,
  }).format(n >= 1e6 ? n / 1e6 : n / 1e3);

export function renderStorageSettings(_disposer: Disposer): HTMLElement {
  const state = h('p', { class: 'status-line', testid: 'persist-state' });
  const usage = h('p', { class: 'hint', testid: 'storage-usage' });
  const ask = h('button', {
    class: 'btn',
    text: t('storage.ask'),
    testid: 'persist-request',
    attrs: { type: 'button' },
  });
  const result = h('p', { class: 'hint', attrs: { role: 'status' } });

  async function refresh(): Promise<void> {
    const s = await persistState();
    state.dataset.state = s;
    state.textContent = t(`storage.state.${s}`);
    ask.hidden = s !== 'not-granted';
    try {
      const est = await navigator.storage?.estimate?.();
      if (est?.usage !== undefined) usage.textContent = t('storage.usage', { used: formatBytes(est.usage) });
    } catch {
      // The estimate is informative only.
    }
  }
  ask.addEventListener('click', () => {
    void (async () => {
      const granted = await navigator.storage.persist().catch(() => false);
      result.textContent = t(granted ? 'storage.granted' : 'storage.denied');
      await refresh();
    })();
  });
  void refresh();
  return h(
    'section',
    { class: 'card', testid: 'storage-settings', attrs: { 'aria-labelledby': 'set-storage-h' } },
    h('h2', { text: t('storage.title'), attrs: { id: 'set-storage-h' } }),
    h('p', { class: 'hint', text: t('storage.explain') }),
    state,
    usage,
    h('div', { class: 'row' }, ask),
    result,
  );
}
