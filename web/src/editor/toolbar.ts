/**
 * The formatting toolbar, rendered from the command list. One tab stop with arrow-key movement
 * (the WAI-ARIA toolbar pattern); toggles carry aria-pressed; buttons never take focus from the
 * text on mouse use, so the selection survives a click.
 */
import type { Editor } from '@tiptap/core';
import { h } from '../ui/dom';
import { hasIcon, icon } from '../ui/icons';
import { t } from '../i18n/i18n';
import { formatShortcut, type ToolbarCommand } from './commands';

export interface ToolbarExtra {
  readonly name: string;
  readonly labelKey: string;
  readonly group: string;
  run(): void;
  isActive?(): boolean;
}

const isApple = (): boolean => /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

export class Toolbar {
  readonly el: HTMLElement;
  private readonly buttons: { btn: HTMLButtonElement; cmd?: ToolbarCommand; extra?: ToolbarExtra }[] = [];
  private readonly tableGroup: HTMLElement;

  constructor(
    private readonly editor: Editor,
    commands: readonly ToolbarCommand[],
    extras: readonly ToolbarExtra[],
    tableCommands: readonly ToolbarCommand[],
  ) {
    this.el = h('div', {
      class: 'toolbar',
      testid: 'toolbar',
      attrs: { role: 'toolbar', 'aria-label': t('toolbar.label') },
    });
    let lastGroup: string | undefined;
    const groupSep = (g: string): void => {
      if (lastGroup !== undefined && g !== lastGroup)
        this.el.append(h('span', { class: 'sep', attrs: { role: 'separator' } }));
      lastGroup = g;
    };
    const items = [
      ...commands.map((cmd) => ({ cmd, group: cmd.group })),
      ...extras.map((extra) => ({ extra, group: extra.group })),
    ];
    for (const item of items) {
      groupSep(item.group);
      this.el.append(this.button(item));
    }
    this.tableGroup = h('span', {
      class: 'toolbar-table',
      attrs: { role: 'group', 'aria-label': t('toolbar.tableGroup') },
    });
    for (const cmd of tableCommands) this.tableGroup.append(this.button({ cmd }, true));
    this.el.append(this.tableGroup);
    this.el.addEventListener('keydown', (e) => this.onKey(e));
    this.update();
  }

  private button(item: { cmd?: ToolbarCommand; extra?: ToolbarExtra }, textual = false): HTMLButtonElement {
    const name = item.cmd?.name ?? item.extra?.name ?? '';
    const label = t(item.cmd?.labelKey ?? item.extra?.labelKey ?? '');
    const shortcut = item.cmd?.shortcut ? formatShortcut(item.cmd.shortcut, isApple()) : undefined;
    const btn = h('button', {
      class: 'tb-btn',
      attrs: {
        type: 'button',
        'data-command': name,
        'aria-label': label,
        title: shortcut ? t('toolbar.withShortcut', { label, shortcut }) : label,
        tabindex: -1,
      },
      on: {
        // Keep the caret and selection in the document.
        mousedown: (e) => e.preventDefault(),
        click: () => {
          if (item.cmd) item.cmd.run(this.editor);
          else item.extra?.run();
          this.update();
        },
      },
    });
    if (!textual && hasIcon(name)) btn.append(icon(name));
    else btn.append(h('span', { text: t(`toolbar.short.${name}`) }));
    if (item.cmd?.toggle || item.extra?.isActive) btn.setAttribute('aria-pressed', 'false');
    this.buttons.push({ btn, cmd: item.cmd, extra: item.extra });
    return btn;
  }

  /** Reflects the selection: pressed states, disabled commands, the table group. */
  update(): void {
    const editable = this.editor.isEditable;
    for (const { btn, cmd, extra } of this.buttons) {
      if (cmd) {
        if (cmd.toggle) btn.setAttribute('aria-pressed', String(cmd.isActive(this.editor)));
        btn.disabled = !editable || !cmd.canRun(this.editor);
      } else if (extra) {
        if (extra.isActive) btn.setAttribute('aria-pressed', String(extra.isActive()));
        btn.disabled = !editable;
      }
    }
    this.tableGroup.hidden = !editable || !this.editor.isActive('table');
    this.ensureTabStop();
  }

  private visible(): HTMLButtonElement[] {
    return this.buttons.map((b) => b.btn).filter((b) => !b.disabled && !b.closest('[hidden]'));
  }

  private ensureTabStop(): void {
    const vis = this.visible();
    if (vis.some((b) => b.tabIndex === 0)) return;
    for (const b of this.buttons) b.btn.tabIndex = -1;
    if (vis[0]) vis[0].tabIndex = 0;
  }

  private onKey(e: KeyboardEvent): void {
    const vis = this.visible();
    const i = vis.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    const next =
      e.key === 'ArrowRight'
        ? i + 1
        : e.key === 'ArrowLeft'
          ? i - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? vis.length - 1
              : -2;
    if (next === -2) return;
    e.preventDefault();
    const target = vis[(next + vis.length) % vis.length];
    if (!target) return;
    for (const b of vis) b.tabIndex = -1;
    target.tabIndex = 0;
    target.focus();
  }
}
