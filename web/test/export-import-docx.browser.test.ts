/**
 * Word (.docx) export and import in real Chromium, on the real core and IndexedDB, through the
 * buttons a user presses: the .docx the export menu downloads reads back with its structure, and a
 * Word-style file picked in the list becomes a new document (its javascript: link left out and told).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '../src/styles.css';
import { docxToDoc } from '@dure/shared/convert/docx';
import { App } from '../src/app';
import { LocalCore } from '../src/core/local-core';
import { setLocale } from '../src/i18n/i18n';
import { convertFile, MAX_IMPORT_DOCX_BYTES } from '../src/pages/import';
import fixtureUrl from '../../shared/test/fixtures/word-style.docx?url';
import imageFixtureUrl from '../../shared/test/fixtures/word-image.docx?url';

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
  const root = document.createElement('div');
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

async function pick(file: File): Promise<void> {
  const input = await until(() => byId<HTMLInputElement>('import-file'), 'the file input');
  const files = new DataTransfer();
  files.items.add(file);
  input.files = files.files;
  input.dispatchEvent(new Event('change'));
}

describe('Word export', () => {
  it('downloads a .docx named after the title that reads back with headings, list, table and link', async () => {
    (await until(() => byId<HTMLButtonElement>('new-document'), 'new-document')).click();
    const handle = await until(() => window.__dure, 'the editor');
    const title = await until(() => byId<HTMLInputElement>('document-title'), 'title');
    title.value = '회의록: 초안';
    title.dispatchEvent(new Event('input'));
    handle.editor.commands.setContent(
      '<h1>회의록</h1><p>첫 문단 <strong>굵게</strong> <a href="https://example.org/a">링크</a></p>' +
        '<ul><li><p>사과</p><ul><li><p>풋사과</p></li></ul></li></ul>' +
        '<table><tbody><tr><th><p>이름</p></th></tr><tr><td><p>가</p></td></tr></tbody></table>',
    );
    byId<HTMLButtonElement>('export-document')!.click();
    expect(byId('export-docx')!.textContent).toBe('Word (.docx)');
    byId<HTMLButtonElement>('export-docx')!.click();
    const d = await until(() => downloads[0], 'the docx download');
    expect(d.name).toBe('회의록_ 초안.docx');
    const bytes = new Uint8Array(await (await fetch(d.href)).arrayBuffer());
    const r = await docxToDoc(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.doc.toJSON()).toEqual(handle.editor.getJSON());
  });
});

describe('Word import', () => {
  it('a Word-style file becomes a new document with its heading, lists, table and safe link; the unsafe link is told', async () => {
    const bytes = await (await fetch(fixtureUrl)).arrayBuffer();
    await pick(new File([bytes], '회의.docx'));
    const editor = await until(() => byId('editor'), 'the editor');
    await until(() => editor.querySelector('h1')?.textContent === '두레 회의록', 'the heading');
    expect(byId<HTMLInputElement>('document-title')!.value).toBe('두레 회의록');
    expect([...editor.querySelectorAll('ul > li > p')].map((p) => p.textContent)).toEqual([
      '첫째 항목',
      'nested bullet',
      'second item',
    ]);
    expect([...editor.querySelectorAll('ol > li')].map((li) => li.textContent)).toEqual(['one', 'two']);
    expect([...editor.querySelectorAll('th')].map((th) => th.textContent)).toEqual(['이름', '역할']);
    expect([...editor.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual([
      'https://example.org/%EB%91%90%EB%A0%88',
    ]);
    const report = await until(() => byId('import-report'), 'the report');
    expect(report.textContent).toContain('1 unsafe link(s)');
  });

  it('a picture in a Word file is stored in the new document and shown, with its alt text', async () => {
    const bytes = await (await fetch(imageFixtureUrl)).arrayBuffer();
    await pick(new File([bytes], 'picture.docx'));
    const editor = await until(() => byId('editor'), 'the editor');
    const img = await until(
      () => editor.querySelector<HTMLImageElement>('img[src^="blob:"]'),
      'the picture, from the blob store',
    );
    await img.decode();
    expect([img.naturalWidth, img.naturalHeight]).toEqual([2, 2]);
    expect(img.alt).toBe('빨간 점');
    expect(editor.textContent).toContain('그림 아래');
    expect(byId('import-report')).toBeNull();
    const blobId = (window.__dure!.editor.getJSON().content ?? []).find((n) => n.type === 'image')?.attrs?.blobId;
    expect(blobId).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    expect(blobId).not.toMatch(/^docximport/);

    // and exported again, the picture goes into the Word file from the blob store
    byId<HTMLButtonElement>('export-document')!.click();
    byId<HTMLButtonElement>('export-docx')!.click();
    const d = await until(() => downloads[0], 'the docx download');
    const kept: { type: string; head: number[] }[] = [];
    const r = await docxToDoc(new Uint8Array(await (await fetch(d.href)).arrayBuffer()), undefined, {
      keepImage: (image) => {
        kept.push({ type: image.contentType, head: [...image.bytes.slice(0, 4)] });
        return Promise.resolve(null);
      },
    });
    expect(r.ok && r.value.doc.textContent).toBe('그림 아래');
    expect(kept).toEqual([{ type: 'image/png', head: [0x89, 0x50, 0x4e, 0x47] }]);
  });

  it('a .docx that is not a Word file is refused with a message and makes no document', async () => {
    await pick(new File(['not a zip'], 'fake.docx'));
    const error = await until(() => byId('import-error'), 'the error');
    expect(error.textContent).toContain('could not be read as Markdown, HTML or a Word document');
    expect(byId('document-list-empty')).not.toBeNull();
  });

  it('a Word file over the limit is refused before it is read, naming the limit', async () => {
    const big = new File([new Uint8Array(MAX_IMPORT_DOCX_BYTES + 1)], 'big.docx');
    expect(await convertFile(big)).toMatchObject({ ok: false, error: 'too-large' });
    await pick(big);
    const error = await until(() => byId('import-error'), 'the error');
    expect(error.textContent).toContain(`larger than ${MAX_IMPORT_DOCX_BYTES / 1024 / 1024} MB`);
  });
});
