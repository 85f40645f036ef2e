/**
 * The application menu as data: a pure function of the platform and the UI language, so every item,
 * accelerator and role is checked in Node without Electron. Commands that the renderer handles (new, open,
 * export…) carry a `command`; installMenu turns those into clicks that send one IPC event each.
 */

import { MENU_COMMANDS, type MenuCommand } from '../shared-api';

/** What a menu click asks the renderer to do (listed in shared-api.ts; sent as EVENTS.menu). */
export { MENU_COMMANDS, type MenuCommand };

export const isMenuCommand = (x: unknown): x is MenuCommand =>
  typeof x === 'string' && (MENU_COMMANDS as readonly string[]).includes(x);

/** A subset of Electron's MenuItemConstructorOptions roles: the ones this menu uses. */
export type MenuRole =
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'selectAll'
  | 'reload'
  | 'forceReload'
  | 'toggleDevTools'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'about'
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'minimize'
  | 'zoom'
  | 'front'
  | 'close';

export interface MenuItemSpec {
  readonly label?: string;
  readonly role?: MenuRole;
  readonly accelerator?: string;
  readonly type?: 'separator' | 'submenu';
  readonly submenu?: readonly MenuItemSpec[];
  readonly command?: MenuCommand;
}

export interface MenuStrings {
  readonly file: string;
  readonly new: string;
  readonly open: string;
  readonly import: string;
  readonly save: string;
  readonly export: string;
  readonly exportMarkdown: string;
  readonly exportHtml: string;
  readonly exportDocx: string;
  readonly hostMeeting: string;
  readonly close: string;
  readonly edit: string;
  readonly undo: string;
  readonly redo: string;
  readonly cut: string;
  readonly copy: string;
  readonly paste: string;
  readonly selectAll: string;
  readonly view: string;
  readonly reload: string;
  readonly devTools: string;
  readonly resetZoom: string;
  readonly zoomIn: string;
  readonly zoomOut: string;
  readonly fullScreen: string;
  readonly window: string;
  readonly minimize: string;
  readonly zoomWindow: string;
  readonly front: string;
  readonly help: string;
  readonly about: string;
  readonly services: string;
  readonly hide: string;
  readonly hideOthers: string;
  readonly showAll: string;
  readonly quit: string;
}

export const MENU_STRINGS: Readonly<Record<'en' | 'ko', MenuStrings>> = {
  en: {
    file: 'File',
    new: 'New Document',
    open: 'Open Link…',
    import: 'Import…',
    save: 'Save',
    export: 'Export',
    exportMarkdown: 'Markdown (.md)…',
    exportHtml: 'HTML (.html)…',
    exportDocx: 'Word (.docx)…',
    hostMeeting: 'Host a Meeting…',
    close: 'Close Document',
    edit: 'Edit',
    undo: 'Undo',
    redo: 'Redo',
    cut: 'Cut',
    copy: 'Copy',
    paste: 'Paste',
    selectAll: 'Select All',
    view: 'View',
    reload: 'Reload',
    devTools: 'Developer Tools',
    resetZoom: 'Actual Size',
    zoomIn: 'Zoom In',
    zoomOut: 'Zoom Out',
    fullScreen: 'Full Screen',
    window: 'Window',
    minimize: 'Minimize',
    zoomWindow: 'Zoom',
    front: 'Bring All to Front',
    help: 'Help',
    about: 'About Dure',
    services: 'Services',
    hide: 'Hide Dure',
    hideOthers: 'Hide Others',
    showAll: 'Show All',
    quit: 'Quit Dure',
  },
  ko: {
    file: '파일',
    new: '새 문서',
    open: '링크 열기…',
    import: '가져오기…',
    save: '저장',
    export: '내보내기',
    exportMarkdown: 'Markdown (.md)…',
    exportHtml: 'HTML (.html)…',
    exportDocx: 'Word (.docx)…',
    hostMeeting: '회의 열기…',
    close: '문서 닫기',
    edit: '편집',
    undo: '실행 취소',
    redo: '다시 실행',
    cut: '잘라내기',
    copy: '복사',
    paste: '붙여넣기',
    selectAll: '모두 선택',
    view: '보기',
    reload: '새로 고침',
    devTools: '개발자 도구',
    resetZoom: '실제 크기',
    zoomIn: '확대',
    zoomOut: '축소',
    fullScreen: '전체 화면',
    window: '창',
    minimize: '최소화',
    zoomWindow: '확대/축소',
    front: '모두 앞으로 가져오기',
    help: '도움말',
    about: 'Dure 정보',
    services: '서비스',
    hide: 'Dure 숨기기',
    hideOthers: '기타 숨기기',
    showAll: '모두 보기',
    quit: 'Dure 종료',
  },
};

/** The UI language for a locale such as 'ko-KR'; English otherwise. */
export const menuStringsFor = (locale: string): MenuStrings =>
  locale.toLowerCase().startsWith('ko') ? MENU_STRINGS.ko : MENU_STRINGS.en;

export interface MenuOptions {
  readonly platform: NodeJS.Platform;
  readonly strings: MenuStrings;
  /** unpackaged build: adds reload and developer tools, which a user never needs */
  readonly dev: boolean;
}

const SEP: MenuItemSpec = { type: 'separator' };

export function menuTemplate({ platform, strings: s, dev }: MenuOptions): MenuItemSpec[] {
  const mac = platform === 'darwin';
  const file: MenuItemSpec = {
    label: s.file,
    submenu: [
      { label: s.new, command: 'new', accelerator: 'CmdOrCtrl+N' },
      { label: s.open, command: 'open', accelerator: 'CmdOrCtrl+O' },
      { label: s.import, command: 'import' },
      // Documents save as you type; the shortcut confirms that instead of doing nothing.
      { label: s.save, command: 'save', accelerator: 'CmdOrCtrl+S' },
      SEP,
      {
        label: s.export,
        submenu: [
          { label: s.exportMarkdown, command: 'export-markdown' },
          { label: s.exportHtml, command: 'export-html' },
          { label: s.exportDocx, command: 'export-docx' },
        ],
      },
      SEP,
      { label: s.hostMeeting, command: 'host-meeting' },
      SEP,
      { label: s.close, command: 'close', accelerator: 'CmdOrCtrl+W' },
      // On macOS quitting lives in the app menu.
      ...(mac ? [] : [SEP, { label: s.quit, role: 'quit' as const, accelerator: 'Ctrl+Q' }]),
    ],
  };
  const edit: MenuItemSpec = {
    label: s.edit,
    submenu: [
      { label: s.undo, role: 'undo', accelerator: 'CmdOrCtrl+Z' },
      { label: s.redo, role: 'redo', accelerator: 'CmdOrCtrl+Shift+Z' },
      SEP,
      { label: s.cut, role: 'cut', accelerator: 'CmdOrCtrl+X' },
      { label: s.copy, role: 'copy', accelerator: 'CmdOrCtrl+C' },
      { label: s.paste, role: 'paste', accelerator: 'CmdOrCtrl+V' },
      { label: s.selectAll, role: 'selectAll', accelerator: 'CmdOrCtrl+A' },
    ],
  };
  const view: MenuItemSpec = {
    label: s.view,
    submenu: [
      ...(dev
        ? [
            { label: s.reload, role: 'reload' as const, accelerator: 'CmdOrCtrl+R' },
            { label: s.devTools, role: 'toggleDevTools' as const },
            SEP,
          ]
        : []),
      { label: s.resetZoom, role: 'resetZoom', accelerator: 'CmdOrCtrl+0' },
      { label: s.zoomIn, role: 'zoomIn', accelerator: 'CmdOrCtrl+=' },
      { label: s.zoomOut, role: 'zoomOut', accelerator: 'CmdOrCtrl+-' },
      SEP,
      { label: s.fullScreen, role: 'togglefullscreen', accelerator: mac ? 'Ctrl+Cmd+F' : 'F11' },
    ],
  };
  const help: MenuItemSpec = {
    label: s.help,
    // macOS shows About in the app menu; elsewhere the renderer shows its own about box.
    submenu: mac ? [] : [{ label: s.about, command: 'about' }],
  };
  if (!mac) return [file, edit, view, help];
  const appMenu: MenuItemSpec = {
    label: 'Dure',
    submenu: [
      { label: s.about, role: 'about' },
      SEP,
      { label: s.services, role: 'services' },
      SEP,
      { label: s.hide, role: 'hide', accelerator: 'Cmd+H' },
      { label: s.hideOthers, role: 'hideOthers', accelerator: 'Cmd+Alt+H' },
      { label: s.showAll, role: 'unhide' },
      SEP,
      { label: s.quit, role: 'quit', accelerator: 'Cmd+Q' },
    ],
  };
  const windowMenu: MenuItemSpec = {
    label: s.window,
    submenu: [
      { label: s.minimize, role: 'minimize', accelerator: 'Cmd+M' },
      { label: s.zoomWindow, role: 'zoom' },
      SEP,
      { label: s.front, role: 'front' },
    ],
  };
  return [appMenu, file, edit, view, windowMenu, help];
}

/** Electron's MenuItemConstructorOptions, as far as this menu needs it. */
export interface ElectronMenuItem {
  label?: string;
  role?: MenuRole;
  accelerator?: string;
  type?: 'separator' | 'submenu';
  submenu?: ElectronMenuItem[];
  click?: () => void;
}

/** Attaches a click to every item with a command; `send` delivers it to the focused renderer. */
export function withClicks(items: readonly MenuItemSpec[], send: (c: MenuCommand) => void): ElectronMenuItem[] {
  return items.map(({ command, submenu, ...rest }) => ({
    ...rest,
    ...(submenu ? { submenu: withClicks(submenu, send) } : {}),
    ...(command ? { click: () => send(command) } : {}),
  }));
}

export interface MenuApi<M> {
  buildFromTemplate(template: ElectronMenuItem[]): M;
  setApplicationMenu(menu: M | null): void;
}

/** Builds and installs the menu. Call again when the UI language changes. */
export function installMenu<M>(api: MenuApi<M>, opts: MenuOptions, send: (c: MenuCommand) => void): M {
  const menu = api.buildFromTemplate(withClicks(menuTemplate(opts), send));
  api.setApplicationMenu(menu);
  return menu;
}
