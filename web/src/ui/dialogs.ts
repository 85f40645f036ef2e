/**
 * Modal prompts on <dialog>: keyboard-accessible (focus trapped by the browser, Escape cancels),
 * scriptable by tests through data-testid, and free of window.prompt (which blocks the page and
 * cannot be styled or translated).
 */
import { h } from './dom';
import { t } from '../i18n/i18n';

interface DialogSpec {
  readonly title: string;
  readonly message?: string;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  readonly testid: string;
  readonly input?: {
    readonly label: string;
    readonly value: string;
    readonly type?: string;
    readonly placeholder?: string;
  };
  /** Returns an error message to keep the dialog open, or undefined to accept. */
  readonly validate?: (value: string) => string | undefined;
}

function openDialog(spec: DialogSpec): Promise<string | null> {
  return new Promise((resolve) => {
    const inputId = `dlg-input-${Math.random().toString(36).slice(2)}`;
    const titleId = `${inputId}-title`;
    const input = spec.input
      ? h('input', {
          class: 'input',
          testid: `${spec.testid}-input`,
          attrs: {
            id: inputId,
            type: spec.input.type ?? 'text',
            placeholder: spec.input.placeholder,
            autocomplete: 'off',
          },
        })
      : undefined;
    if (input && spec.input) input.value = spec.input.value;
    const error = h('p', { class: 'error-text', attrs: { role: 'alert' } });
    const cancel = h('button', { class: 'btn', text: t('common.cancel'), attrs: { type: 'button', value: 'cancel' } });
    const confirm = h('button', {
      class: spec.danger ? 'btn danger solid' : 'btn primary',
      text: spec.confirmLabel,
      testid: `${spec.testid}-confirm`,
      attrs: { type: 'submit', value: 'ok' },
    });
    const form = h(
      'form',
      { attrs: { method: 'dialog' } },
      h('h2', { text: spec.title, attrs: { id: titleId } }),
      spec.message !== undefined && h('p', { text: spec.message }),
      input &&
        spec.input &&
        h('div', { class: 'field' }, h('label', { text: spec.input.label, attrs: { for: inputId } }), input),
      error,
      h('div', { class: 'dialog-actions' }, cancel, confirm),
    );
    const dialog = h('dialog', { testid: spec.testid, attrs: { 'aria-labelledby': titleId } }, form);
    let result: string | null = null;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = input?.value ?? '';
      const problem = spec.validate?.(value);
      if (problem) {
        error.textContent = problem;
        input?.focus();
        return;
      }
      result = value;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    if (input) {
      input.focus();
      input.select();
    } else confirm.focus();
  });
}

/** Resolves true only when the user confirmed. */
export async function confirmDialog(spec: Omit<DialogSpec, 'input' | 'validate'>): Promise<boolean> {
  return (await openDialog(spec)) !== null;
}

/** Resolves the entered text, or null when cancelled. */
export function promptDialog(spec: DialogSpec & { input: NonNullable<DialogSpec['input']> }): Promise<string | null> {
  return openDialog(spec);
}

/** A dialog that only shows something (keyboard shortcuts); closes with its button or Escape. */
export function infoDialog(spec: { title: string; testid: string; body: Node }): Promise<void> {
  return new Promise((resolve) => {
    const titleId = `dlg-info-${Math.random().toString(36).slice(2)}`;
    const close = h('button', { class: 'btn primary', text: t('common.close'), attrs: { type: 'submit' } });
    const dialog = h(
      'dialog',
      { testid: spec.testid, attrs: { 'aria-labelledby': titleId } },
      h(
        'form',
        { attrs: { method: 'dialog' } },
        h('h2', { text: spec.title, attrs: { id: titleId } }),
        spec.body,
        h('div', { class: 'dialog-actions' }, close),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve();
    });
    document.body.append(dialog);
    dialog.showModal();
    close.focus();
  });
}
