/** The toolbar's model: data, so the toolbar is rendered from a list and tests can enumerate it. */
import type { Editor } from '@tiptap/core';

export interface ToolbarCommand {
  /** stable name; also the icon name and `data-command` attribute */
  readonly name: string;
  /** i18n key of the button's accessible name */
  readonly labelKey: string;
  readonly group: string;
  /** e.g. 'Mod-b'; shown in the tooltip */
  readonly shortcut?: string;
  /** toggles get aria-pressed */
  readonly toggle: boolean;
  run(editor: Editor): boolean;
  isActive(editor: Editor): boolean;
  canRun(editor: Editor): boolean;
}

/** 'Mod-Shift-z' -> 'Ctrl+Shift+Z' (or ⌘ on Apple keyboards). */
export function formatShortcut(shortcut: string, apple: boolean): string {
  return shortcut
    .split('-')
    .map((k) =>
      k === 'Mod'
        ? apple
          ? '⌘'
          : 'Ctrl'
        : k === 'Shift'
          ? apple
            ? '⇧'
            : 'Shift'
          : k === 'Alt'
            ? apple
              ? '⌥'
              : 'Alt'
            : k.length === 1
              ? k.toUpperCase()
              : k,
    )
    .join(apple ? '' : '+');
}
