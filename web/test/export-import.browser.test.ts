/**
 * Export and import in real Chromium, on the real core and IndexedDB, through the buttons a user
 * presses: the files the export menu downloads, and the documents the list's file picker makes
 * (hostile HTML included: nothing in it runs or loads).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '../src/styles.css';
import { App } from '../src/app';
import { LocalCore } from '../src/core/local-core';
import { setLocale } from '../src/i18n/i18n';
import { fileNameFor } from '../src/editor/export';

const WAIT_MS = 10_000;

async function until<T>(f: () => T | undefined | null | false, what: string): Promise<T> {
  const end = performance.now() + WAIT_MS;
  for (;;) {
    const v = f();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const byId = <E extends Element = HTMLElement>(id: string): E | null =>
  document.querySelector<E>(`[data-testid="${id}"]`);

function deleteDb(): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase('dure');
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
  });
}

let app: App | undefined;
let core: LocalCore | undefined;
let root: HTMLElement;
/** Downloads the page started: `<a download>` clicks are caught before the browser saves anything. */
let downloads: { name: string; href: string }[] = [];
const catchDownload = (e: MouseEvent): void => {
  const a = e.target instanceof HTMLAnchorElement ? e.target : null;
  if (a?.hasAttribute('download')) {
    e.preventDefault();
    downloads.push({ name: a.download, href: a.href });
  }
};

beforeEach(async () => {
  localStorage.clear();
  setLocale('en');
  await deleteDb();
  root = document.createElement('div');
  document.body.replaceChildren(root);
  downloads = [];
  document.addEventListener('click', catchDownload, true);
  history.replaceState(null, '', '#/');
  core = await LocalCore.open();
  app = new App(root, core);
  app.start();
});

afterEach(async () => {
  document.removeEventListener('click', catchDownload, true);
  await app?.stop();
  core?.close();
  app = undefined;
  core = undefined;
});

const BODY =
  '<h1>회의록</h1><h2>안건</h2><p>첫 문단 <strong>굵게</strong> <a href="https://example.org/a">링크</a></p>' +
  '<ul><li><p>사과</p></li><li><p>배</p></li></ul><ol><li><p>하나</p></li></ol>' +
  '<table><tbody><tr><th><p>이름</p></th><th><p>값</p></th></tr><tr><td><p>가</p></td><td><p>1</p></td></tr></tbody></table>';

async function documentWith(title: string, html: string): Promise<void> {
  (await until(() => byId<HTMLButtonElement>('new-document'), 'new-document')).click();
  const handle = await until(() => window.__dure, 'the editor');
  const input = await until(() => byId<HTMLInputElement>('document-title'), 'title');
  input.value = title;
  input.dispatchEvent(new Event('input'));
  handle.editor.commands.setContent(html);
}

async function exportAs(testid: string): Promise<{ name: string; text: string }> {
  const before = downloads.length;
  byId<HTMLButtonElement>('export-document')!.click();
  expect(byId('export-menu')!.hidden).toBe(false);
  byId<HTMLButtonElement>(testid)!.click();
  const d = await until(() => downloads[before], `the ${testid} download`);
  return { name: d.name, text: await (await fetch(d.href)).text() };
}

async function importThroughPicker(name: string, text: string, type: string): Promise<void> {
  const previous = window.__dure?.docId;
  location.hash = '#/';
  const input = await until(() => byId<HTMLInputElement>('import-file'), 'the file input');
  const files = new DataTransfer();
  files.items.add(new File([text], name, { type }));
  input.files = files.files;
  input.dispatchEvent(new Event('change'));
  await until(() => window.__dure && window.__dure.docId !== previous && window.__dure, 'the imported document');
}

describe('export', () => {
  it('downloads Markdown, a standalone HTML page and JSON of the open document, named after its title', async () => {
    await documentWith('회의록: 초안', BODY);

    const md = await exportAs('export-markdown');
    expect(md.name).toBe('회의록_ 초안.md');
    expect(md.text).toBe(
      '---\ntitle: "회의록: 초안"\n---\n\n# 회의록\n\n## 안건\n\n첫 문단 **굵게** [링크](https://example.org/a)\n\n' +
        '- 사과\n- 배\n\n1. 하나\n\n| 이름  | 값   |\n| --- | --- |\n| 가   | 1   |\n',
    );

    const html = await exportAs('export-html');
    expect(html.name).toBe('회의록_ 초안.html');
    const page = new DOMParser().parseFromString(html.text, 'text/html');
    expect(page.title).toBe('회의록: 초안');
    expect(page.querySelector('meta[http-equiv="Content-Security-Policy"]')!.getAttribute('content')).toContain(
      "default-src 'none'",
    );
    expect(page.querySelector('script')).toBeNull();
    expect(page.querySelector('h1')!.textContent).toBe('회의록');
    expect(page.querySelector('a')!.getAttribute('href')).toBe('https://example.org/a');
    expect([...page.querySelectorAll('ul li')].map((li) => li.textContent)).toEqual(['사과', '배']);
    expect([...page.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['가', '1']);

    const json = await exportAs('export-json');
    expect(json.name).toBe('회의록_ 초안.json');
    const parsed = JSON.parse(json.text) as { title: string; doc: { type: string; content: { type: string }[] } };
    expect(parsed.title).toBe('회의록: 초안');
    expect(parsed.doc.content.map((n) => n.type)).toEqual([
      'heading',
      'heading',
      'paragraph',
      'bulletList',
      'orderedList',
      'table',
    ]);
  });

  it('makes file names every system accepts, keeping Hangul', () => {
    expect(fileNameFor('두레 / 메모?', 'markdown')).toBe('두레 _ 메모_.md');
    expect(fileNameFor('  ..  ', 'html', '제목 없음')).toBe('제목 없음.html');
    expect(fileNameFor('CON', 'json')).toBe('document.json');
    expect(fileNameFor('가'.repeat(300), 'markdown')).toBe('가'.repeat(80) + '.md');
  });
});

describe('import', () => {
  it('a Markdown file becomes a new document with its title, listed on the device', async () => {
    await importThroughPicker(
      'notes.md',
      '# 두레 노트\n\n- 하나\n- **둘**\n\n[여기](https://example.org/)\n',
      'text/markdown',
    );
    const editor = byId('editor')!;
    await until(() => editor.querySelector('h1')?.textContent === '두레 노트', 'the heading');
    expect([...editor.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['하나', '둘']);
    expect(editor.querySelector('strong')!.textContent).toBe('둘');
    expect(editor.querySelector('a')!.getAttribute('href')).toBe('https://example.org/');
    expect(byId<HTMLInputElement>('document-title')!.value).toBe('두레 노트');
    expect(byId('import-report')).toBeNull();
    location.hash = '#/';
    await until(() => byId('document-item'), 'the list');
    expect(byId('document-item')!.textContent).toContain('두레 노트');
  });

  it('hostile HTML stays inert: no script runs, nothing loads, and what was left out is told', async () => {
    const w = window as { __pwned?: unknown };
    delete w.__pwned;
    const hostile =
      '<html><head><title>적대적 문서</title><script>window.__pwned = 1</script></head><body>' +
      '<h2>제목</h2><p>본문 <a href="javascript:window.__pwned=3">클릭</a></p>' +
      '<img src="http://127.0.0.1:9/pixel.png" onerror="window.__pwned = 2">' +
      '<iframe src="http://127.0.0.1:9/frame"></iframe><svg onload="window.__pwned = 4"></svg></body></html>';
    await importThroughPicker('evil.html', hostile, 'text/html');
    const editor = byId('editor')!;
    await until(() => editor.querySelector('h2')?.textContent === '제목', 'the heading');
    expect(byId<HTMLInputElement>('document-title')!.value).toBe('적대적 문서');
    expect(editor.textContent).toContain('본문 클릭');
    expect(editor.querySelector('a')).toBeNull();
    expect(editor.querySelector('img, iframe, script, svg')).toBeNull();
    const report = await until(() => byId('import-report'), 'the report');
    expect(report.textContent).toContain('1 image(s) from outside this document');
    expect(report.textContent).toContain('1 unsafe link(s)');
    // give any event handler or fetch a chance to happen before saying none did
    await new Promise((r) => setTimeout(r, 200));
    expect(w.__pwned).toBeUndefined();
    expect(performance.getEntriesByType('resource').filter((e) => e.name.includes('127.0.0.1:9'))).toEqual([]);
  });

  it('a file of another kind is refused with a message and makes no document', async () => {
    const input = await until(() => byId<HTMLInputElement>('import-file'), 'the file input');
    const files = new DataTransfer();
    files.items.add(new File(['%PDF-1.7'], 'scan.pdf', { type: 'application/pdf' }));
    input.files = files.files;
    input.dispatchEvent(new Event('change'));
    const error = await until(() => byId('import-error'), 'the error');
    expect(error.textContent).toContain('Only Markdown');
    expect(byId('document-list-empty')).not.toBeNull();
  });
});
