import { describe, expect, it } from 'vitest';
import {
  installMenu,
  isMenuCommand,
  MENU_STRINGS,
  menuStringsFor,
  menuTemplate,
  type ElectronMenuItem,
  type MenuCommand,
  type MenuItemSpec,
} from '../src/main/menu';

const flat = (items: readonly MenuItemSpec[]): MenuItemSpec[] =>
  items.flatMap((i) => [i, ...(i.submenu ? flat(i.submenu) : [])]);
const byCommand = (items: readonly MenuItemSpec[], c: MenuCommand): MenuItemSpec | undefined =>
  flat(items).find((i) => i.command === c);
const byRole = (items: readonly MenuItemSpec[], r: MenuItemSpec['role']): MenuItemSpec | undefined =>
  flat(items).find((i) => i.role === r);

describe('menuTemplate', () => {
  const win = menuTemplate({ platform: 'win32', strings: MENU_STRINGS.en, dev: false });
  const mac = menuTemplate({ platform: 'darwin', strings: MENU_STRINGS.en, dev: false });

  it('has File, Edit, View, Help on Windows and Linux, and the app and Window menus on macOS', () => {
    expect(win.map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Help']);
    expect(menuTemplate({ platform: 'linux', strings: MENU_STRINGS.en, dev: false }).map((m) => m.label)).toEqual([
      'File',
      'Edit',
      'View',
      'Help',
    ]);
    expect(mac.map((m) => m.label)).toEqual(['Dure', 'File', 'Edit', 'View', 'Window', 'Help']);
  });

  it('puts the file commands in File with the usual shortcuts, and Export in a submenu', () => {
    const file = win[0]!.submenu!;
    expect(file.filter((i) => i.type !== 'separator').map((i) => i.command ?? i.role)).toEqual([
      'new',
      'open',
      'import',
      'save',
      undefined, // Export ▸
      'host-meeting',
      'close',
      'quit',
    ]);
    expect(byCommand(win, 'new')?.accelerator).toBe('CmdOrCtrl+N');
    expect(byCommand(win, 'open')?.accelerator).toBe('CmdOrCtrl+O');
    expect(byCommand(win, 'save')?.accelerator).toBe('CmdOrCtrl+S');
    expect(byCommand(win, 'close')?.accelerator).toBe('CmdOrCtrl+W');
    const exp = file.find((i) => i.label === 'Export')!;
    expect(exp.submenu!.map((i) => i.command)).toEqual(['export-markdown', 'export-html', 'export-docx']);
  });

  it('gives Edit the system roles (so Korean IME composition and native clipboard keep working)', () => {
    expect(win[1]!.submenu!.filter((i) => i.role).map((i) => i.role)).toEqual([
      'undo',
      'redo',
      'cut',
      'copy',
      'paste',
      'selectAll',
    ]);
    expect(byRole(win, 'undo')?.accelerator).toBe('CmdOrCtrl+Z');
    expect(byRole(win, 'redo')?.accelerator).toBe('CmdOrCtrl+Shift+Z');
  });

  it('offers reload and developer tools only in development', () => {
    expect(byRole(win, 'reload')).toBeUndefined();
    expect(byRole(win, 'toggleDevTools')).toBeUndefined();
    const dev = menuTemplate({ platform: 'win32', strings: MENU_STRINGS.en, dev: true });
    expect(byRole(dev, 'reload')?.accelerator).toBe('CmdOrCtrl+R');
    expect(byRole(dev, 'toggleDevTools')).toBeDefined();
    expect(flat(win[2]!.submenu!).map((i) => i.role)).toEqual(
      expect.arrayContaining(['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']),
    );
  });

  it('keeps quit and about in the app menu on macOS, not in File or Help', () => {
    expect(mac[0]!.submenu!.map((i) => i.role).filter(Boolean)).toEqual([
      'about',
      'services',
      'hide',
      'hideOthers',
      'unhide',
      'quit',
    ]);
    expect(mac[1]!.submenu!.some((i) => i.role === 'quit')).toBe(false);
    expect(byCommand(mac, 'about')).toBeUndefined();
    expect(byCommand(win, 'about')).toBeDefined();
  });

  it('speaks Korean for a Korean locale, with every item labelled', () => {
    expect(menuStringsFor('ko-KR')).toBe(MENU_STRINGS.ko);
    expect(menuStringsFor('en-US')).toBe(MENU_STRINGS.en);
    const ko = menuTemplate({ platform: 'linux', strings: MENU_STRINGS.ko, dev: true });
    expect(ko.map((m) => m.label)).toEqual(['파일', '편집', '보기', '도움말']);
    expect(byCommand(ko, 'new')?.label).toBe('새 문서');
    for (const item of flat(ko)) if (item.type !== 'separator') expect(item.label, JSON.stringify(item)).toBeTruthy();
    // The two languages name the same keys.
    expect(Object.keys(MENU_STRINGS.ko).sort()).toEqual(Object.keys(MENU_STRINGS.en).sort());
  });
});

describe('installMenu', () => {
  it('builds the menu with a click for each command that sends that command, and installs it', () => {
    const sent: MenuCommand[] = [];
    let installed: ElectronMenuItem[] | null = null;
    const api = {
      buildFromTemplate: (t: ElectronMenuItem[]) => t,
      setApplicationMenu: (m: ElectronMenuItem[] | null) => (installed = m),
    };
    installMenu(api, { platform: 'linux', strings: MENU_STRINGS.en, dev: false }, (c) => sent.push(c));
    const all = (items: ElectronMenuItem[]): ElectronMenuItem[] =>
      items.flatMap((i) => [i, ...(i.submenu ? all(i.submenu) : [])]);
    const items = all(installed!);
    items.find((i) => i.label === 'Word (.docx)…')!.click!();
    items.find((i) => i.label === 'New Document')!.click!();
    expect(sent).toEqual(['export-docx', 'new']);
    // Role items are Electron's own: no click of ours, and no stray `command` key reaches Electron.
    expect(items.find((i) => i.role === 'copy')!.click).toBeUndefined();
    expect(items.every((i) => !('command' in i))).toBe(true);
  });

  it('recognises only its own commands', () => {
    expect(isMenuCommand('export-markdown')).toBe(true);
    expect(isMenuCommand('rm -rf')).toBe(false);
    expect(isMenuCommand(1)).toBe(false);
  });
});
