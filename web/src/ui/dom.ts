/**
 * The one way this app builds DOM: text goes through `text` (textContent, never innerHTML), so no
 * document or user string is ever parsed as HTML.
 */
type Child = Node | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  testid?: string;
  attrs?: Readonly<Record<string, string | number | boolean | undefined>>;
  on?: { readonly [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  if (props.testid) el.dataset.testid = props.testid;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [type, fn] of Object.entries(props.on ?? {})) {
    el.addEventListener(type, fn as EventListener);
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

/** Replaces every child of `parent`. */
export function mount(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node => !!c));
}

/** Collects teardown callbacks so a page can undo everything it attached in one call. */
export class Disposer {
  private fns: (() => void)[] = [];
  add(fn: () => void): void {
    this.fns.push(fn);
  }
  listen<K extends keyof WindowEventMap>(target: Window, type: K, fn: (ev: WindowEventMap[K]) => void): void;
  listen<K extends keyof DocumentEventMap>(target: Document, type: K, fn: (ev: DocumentEventMap[K]) => void): void;
  listen(target: EventTarget, type: string, fn: (ev: Event) => void): void {
    target.addEventListener(type, fn);
    this.add(() => target.removeEventListener(type, fn));
  }
  dispose(): void {
    // Teardown is best-effort: one failing step must not keep the rest attached.
    for (const fn of this.fns.splice(0).reverse()) {
      try {
        fn();
      } catch (e) {
        console.error('teardown step failed', e);
      }
    }
  }
}
