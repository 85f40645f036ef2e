/**
 * App-wide notices above the page (storage full, update available, quarantined records). One banner
 * per id, so repeated errors replace rather than stack.
 */
import { h } from './dom';

export interface BannerSpec {
  readonly kind: 'warn' | 'error' | 'info';
  readonly text: string;
  readonly testid?: string;
  readonly action?: { readonly label: string; readonly run: () => void };
  readonly dismissLabel?: string;
}

export class Banners {
  readonly el: HTMLElement = h('div', { class: 'banners', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly byId = new Map<string, HTMLElement>();

  show(id: string, spec: BannerSpec): void {
    const action = spec.action;
    const el = h(
      'div',
      { class: `banner ${spec.kind}`, testid: spec.testid, attrs: { 'data-banner': id } },
      h('p', { text: spec.text }),
      action &&
        h('button', {
          class: 'btn small',
          text: action.label,
          attrs: { type: 'button' },
          on: { click: () => action.run() },
        }),
      spec.dismissLabel !== undefined &&
        h('button', {
          class: 'btn small',
          text: spec.dismissLabel,
          attrs: { type: 'button' },
          on: { click: () => this.hide(id) },
        }),
    );
    const old = this.byId.get(id);
    if (old) old.replaceWith(el);
    else this.el.append(el);
    this.byId.set(id, el);
  }

  hide(id: string): void {
    this.byId.get(id)?.remove();
    this.byId.delete(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }
}
