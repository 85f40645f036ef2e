import type { Page } from '../app';
import { h } from '../ui/dom';
import { t } from '../i18n/i18n';

export function renderNotFound(): Page {
  const el = h(
    'section',
    { class: 'empty' },
    h('h2', { text: t('notFound.title') }),
    h('p', { text: t('notFound.body') }),
    h('a', { class: 'btn', text: t('notFound.back'), attrs: { href: '#/' } }),
  );
  return { el, dispose: () => undefined };
}
