/**
 * Collaborators' carets and selections, with names and colours, from the sync session's awareness
 * (y-tiptap's cursor plugin: it also publishes this person's caret). Registered when this tab runs
 * the session, which may happen after the editor exists (another tab closed the document).
 *
 * The stock caret builders set style *attributes*, which the CSP forbids; these set CSSOM properties.
 * Names and colours come from other people: names are text nodes, colours are checked by the session
 * (`#rrggbb`) and again here.
 */
import type { Editor } from '@tiptap/core';
import type { Awareness } from 'y-protocols/awareness';
import { yCursorPlugin, yCursorPluginKey } from '@tiptap/y-tiptap';
import type { SyncView } from '../sync/doc-sync';
import { isColor, textColorOn } from '../sync/prefs';

const FALLBACK = '#455a64';

interface CaretUser {
  name?: unknown;
  color?: unknown;
}

const colorOf = (u: CaretUser): string => (isColor(u.color) ? u.color : FALLBACK);
const nameOf = (u: CaretUser): string => (typeof u.name === 'string' ? u.name.slice(0, 64) : '');

export function caretElement(user: CaretUser, clientId: number): HTMLElement {
  const color = colorOf(user);
  const caret = document.createElement('span');
  caret.className = 'collab-caret';
  caret.dataset.testid = 'remote-caret';
  caret.dataset.clientId = String(clientId);
  caret.style.borderColor = color;
  const label = document.createElement('span');
  label.className = 'collab-caret-label';
  label.textContent = nameOf(user);
  label.style.backgroundColor = color;
  label.style.color = textColorOn(color);
  // Word joiners keep the widget from breaking a line on its own (as y-prosemirror's builder does).
  caret.append('\u2060', label, '\u2060');
  return caret;
}

export function attachCarets(editor: Editor, sync: Pick<SyncView, 'awareness' | 'on'>): () => void {
  let current: Awareness | undefined;
  const register = (a: Awareness | undefined): void => {
    if (editor.isDestroyed || a === current) return;
    if (current) editor.unregisterPlugin(yCursorPluginKey);
    current = a;
    if (!a) return;
    editor.registerPlugin(
      yCursorPlugin(a, {
        cursorBuilder: caretElement,
        selectionBuilder: (user: CaretUser) => ({
          class: 'collab-selection',
          // 0x40 alpha: a tint that keeps the text readable in both themes.
          style: `background-color: ${colorOf(user)}40`,
        }),
      }),
    );
  };
  register(sync.awareness);
  const off = sync.on('awareness', register);
  return () => {
    off();
    if (current && !editor.isDestroyed) editor.unregisterPlugin(yCursorPluginKey);
    current = undefined;
  };
}
