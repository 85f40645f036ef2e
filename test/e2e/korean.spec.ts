/**
 * Hangul through the browser's IME path (CDP Input.imeSetComposition + Input.insertText, as an IME
 * does it: one composition per syllable), checked in the visible text AND in the Yjs document.
 * FEATURES.md §2 P1 lists the bugs of this stack these cases come from.
 */
import type { CDPSession, Page } from '@playwright/test';
import {
  createDocument,
  editorContent,
  editorHtml,
  editorText,
  focusEnd,
  gotoList,
  linkOn,
  openDocument,
  openLink,
  shareLinks,
  waitForEditor,
  waitForSameText,
  waitForSaved,
  waitForSynced,
  yXml,
} from './app';
import { appUrl, expect, test } from './fixtures';

/** Jamo-by-jamo composition steps for each syllable, the way a 2-set Korean IME reports them. */
const SYLLABLES: Readonly<Record<string, readonly string[]>> = {
  한: ['ㅎ', '하', '한'],
  글: ['ㄱ', '그', '글'],
  두: ['ㄷ', '두'],
  레: ['ㄹ', '레'],
  회: ['ㅎ', '호', '회'],
  의: ['ㅇ', '으', '의'],
  록: ['ㄹ', '로', '록'],
};

async function ime(page: Page): Promise<CDPSession> {
  return page.context().newCDPSession(page);
}

/** Composes and commits each syllable of `word`. */
async function compose(cdp: CDPSession, word: string): Promise<void> {
  for (const ch of word) {
    if (ch === ' ') {
      await cdp.send('Input.insertText', { text: ' ' });
      continue;
    }
    const steps = SYLLABLES[ch];
    if (!steps) throw new Error(`no composition steps for ${ch}`);
    for (const s of steps) {
      await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
    }
    await cdp.send('Input.insertText', { text: steps.at(-1)! });
  }
}

const visible = (page: Page): Promise<string> => editorContent(page).innerText();

/**
 * Puts the caret at text offset `offset` of the first paragraph and waits until the editor really has
 * the focus (TipTap's focus() is deferred: keys typed before it lands go to the title field).
 */
async function caretAtOffset(page: Page, offset: number): Promise<void> {
  await editorContent(page).click();
  await page.evaluate((at) => {
    const ed = window.__dure!.editor;
    ed.commands.setTextSelection(1 + at);
    ed.commands.focus();
  }, offset);
  await page.waitForFunction(
    (at) =>
      document.activeElement?.classList.contains('ProseMirror') &&
      window.__dure!.editor.state.selection.from === 1 + at,
    offset,
  );
}

/**
 * Counts the relay's `update` frames (PROTOCOL.md: byte 1 = 0x05) this page's WebSockets deliver. The
 * counting listener is added in the constructor, before the app's own, and the session handles a frame
 * synchronously: once the count has moved, the collaborator's update is in the page (held or applied).
 */
async function countRelayUpdates(page: Page): Promise<{ count(): Promise<number> }> {
  await page.addInitScript(() => {
    const w = window as unknown as { __relayUpdates: number };
    w.__relayUpdates = 0;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (e: MessageEvent) => {
          if (e.data instanceof ArrayBuffer && new Uint8Array(e.data)[1] === 0x05) w.__relayUpdates++;
        });
      }
    };
  });
  return { count: () => page.evaluate(() => (window as unknown as { __relayUpdates: number }).__relayUpdates) };
}

/**
 * From now on, notes every update record of `docId` this page reads from IndexedDB (another tab's edit
 * arriving through LocalDoc). The returned wait resolves once one has been read: the LocalDoc code that
 * applies or holds it runs in the same task, before the next test step can observe the page.
 */
async function watchRecordReads(page: Page, docId: string): Promise<() => Promise<void>> {
  await page.evaluate((prefix) => {
    const w = window as unknown as { __recordReads?: string[] };
    w.__recordReads = [];
    const get = IDBObjectStore.prototype.get;
    IDBObjectStore.prototype.get = function (this: IDBObjectStore, query: IDBValidKey | IDBKeyRange) {
      const req = get.call(this, query);
      if (typeof query === 'string' && query.startsWith(prefix)) {
        req.addEventListener('success', () => w.__recordReads?.push(query));
      }
      return req;
    };
  }, `doc/${docId}/u/`);
  return async () => {
    await page.waitForFunction(
      () => ((window as unknown as { __recordReads?: string[] }).__recordReads ?? []).length > 0,
    );
  };
}

test.describe('Korean IME composition', () => {
  test('in the middle of a paragraph', async ({ page }) => {
    await createDocument(page);
    await focusEnd(page);
    await page.keyboard.type('AB');
    await expect.poll(() => editorText(page)).toBe('AB');
    await page.keyboard.press('ArrowLeft');
    // Composition starts where the DOM selection is: wait until the caret has really moved between A and B
    // (paragraph start = 1, so between the letters = 2), or a loaded machine composes after B.
    await expect.poll(() => page.evaluate(() => window.__dure!.editor.state.selection.from)).toBe(2);
    const cdp = await ime(page);
    await compose(cdp, '한글');
    expect(await editorText(page)).toBe('A한글B');
    expect(await visible(page)).toBe('A한글B');
    expect(await yXml(page)).toBe('<paragraph>A한글B</paragraph>');
  });

  test('at the start of a line', async ({ page }) => {
    await createDocument(page);
    await focusEnd(page);
    const cdp = await ime(page);
    await compose(cdp, '두레');
    await page.keyboard.press('Enter');
    await compose(cdp, '한글');
    expect(await editorHtml(page)).toBe('<p>두레</p><p>한글</p>');
    expect(await yXml(page)).toBe('<paragraph>두레</paragraph><paragraph>한글</paragraph>');
  });

  test('in a list item', async ({ page }) => {
    await createDocument(page);
    await focusEnd(page);
    await page.keyboard.type('- ');
    const cdp = await ime(page);
    await compose(cdp, '회의록');
    await page.keyboard.press('Enter');
    await compose(cdp, '두레');
    await expect(editorContent(page).locator('ul > li')).toHaveText(['회의록', '두레']);
    expect(await editorHtml(page)).toBe('<ul><li><p>회의록</p></li><li><p>두레</p></li></ul>');
    expect(await yXml(page)).toBe(
      // Y.XmlElement.toString() lower-cases node names.
      '<bulletlist><listitem><paragraph>회의록</paragraph></listitem><listitem><paragraph>두레</paragraph></listitem></bulletlist>',
    );
  });

  test('Enter right after composing keeps the last syllable', async ({ page }) => {
    await createDocument(page);
    await focusEnd(page);
    const cdp = await ime(page);
    for (const s of ['ㅎ', '하', '한']) {
      await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
    }
    await cdp.send('Input.insertText', { text: '한' });
    for (const s of ['ㄱ', '그', '글']) {
      await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
    }
    // The IME commits the syllable and the Enter key arrives immediately after it (tiptap#4108).
    await cdp.send('Input.insertText', { text: '글' });
    await page.keyboard.press('Enter');
    await compose(cdp, '두레');
    expect(await editorHtml(page)).toBe('<p>한글</p><p>두레</p>');
    expect(await yXml(page)).toBe('<paragraph>한글</paragraph><paragraph>두레</paragraph>');
    await waitForSaved(page);
    await page.reload();
    await waitForEditor(page);
    expect(await editorHtml(page)).toBe('<p>한글</p><p>두레</p>');
  });

  test('Enter pressed while the last syllable is still composing keeps it', async ({ page }) => {
    await createDocument(page);
    await focusEnd(page);
    const cdp = await ime(page);
    await compose(cdp, '한');
    for (const s of ['ㄱ', '그', '글']) {
      await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
    }
    // No commit from the IME: Enter arrives as a keydown with isComposing = true (tiptap#4108, #5605).
    await page.keyboard.press('Enter');
    await expect.poll(() => editorHtml(page)).toBe('<p>한글</p><p></p>');
    expect(await yXml(page)).toBe('<paragraph>한글</paragraph><paragraph></paragraph>');
    await page.keyboard.type('next');
    await expect.poll(() => editorHtml(page)).toBe('<p>한글</p><p>next</p>');
    expect(await visible(page)).toBe('한글\n\nnext');
  });

  test('at a line start with a stored mark (bold toggled before composing)', async ({ page }) => {
    await createDocument(page);
    await focusEnd(page);
    await page.keyboard.type('plain');
    await page.keyboard.press('Enter');
    await page.keyboard.press('ControlOrMeta+b');
    const cdp = await ime(page);
    await compose(cdp, '한글');
    expect(await editorHtml(page)).toBe('<p>plain</p><p><strong>한글</strong></p>');
    expect(await yXml(page)).toBe('<paragraph>plain</paragraph><paragraph><bold>한글</bold></paragraph>');
    expect(await visible(page)).toBe('plain\n\n한글');
  });

  test('undo after Korean undoes it, redo brings it back', async ({ page }) => {
    await createDocument(page);
    await focusEnd(page);
    await page.keyboard.type('keep ');
    // Typing pauses split undo steps; this one must be a separate step from the Korean below.
    await waitForSaved(page);
    await page.waitForTimeout(600);
    const cdp = await ime(page);
    await compose(cdp, '한글');
    expect(await editorText(page)).toBe('keep 한글');
    await page.keyboard.press('ControlOrMeta+z');
    await expect.poll(() => editorText(page)).not.toContain('한글');
    expect(await editorText(page)).toContain('keep');
    expect(await yXml(page)).not.toContain('한');
    await page.keyboard.press('ControlOrMeta+Shift+z');
    await expect.poll(() => editorText(page)).toBe('keep 한글');
    expect(await yXml(page)).toBe('<paragraph>keep 한글</paragraph>');
  });
});

test.describe('Korean IME next to a collaborator', () => {
  test('a remote edit landing in the paragraph being composed loses no syllable', async ({ page, context }) => {
    // The stock binding redraws the composing text node when a remote character lands in its paragraph
    // and Chrome commits the jamo ("두레하한글", tiptap#5250). The CompositionGate holds other tabs'
    // records (LocalDoc.holdRemote) until the syllable has committed (shared/src/editor/README.md).
    const docId = await createDocument(page);
    await focusEnd(page);
    await page.keyboard.type('shared line: ');
    await waitForSaved(page);
    const other = await context.newPage();
    await openDocument(other, docId);
    await expect(other.getByTestId('editor')).toContainText('shared line:');

    const cdp = await ime(page);
    await compose(cdp, '두레');
    for (const s of ['ㅎ', '하']) {
      await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
    }
    // The collaborator types inside the same text node while "하" is still composing, which defeats
    // ProseMirror's composition protection in the stock binding (BINDING.md, IME).
    // One step (not arrow keys, which race this tab's own records arriving there and redrawing).
    await caretAtOffset(other, 'shared'.length);
    const read = await watchRecordReads(page, docId);
    await other.keyboard.type('B');
    // The other tab's record has reached this tab (read from IndexedDB) while "하" is composing; it is
    // held, so the composing text node stays as the IME left it, and "B" shows once the syllable commits.
    await read();
    expect(await editorText(page)).toBe('shared line: 두레하');
    await cdp.send('Input.imeSetComposition', { text: '한', selectionStart: 1, selectionEnd: 1 });
    await cdp.send('Input.insertText', { text: '한' });
    await compose(cdp, '글');

    const expected = 'sharedB line: 두레한글';
    await expect.poll(() => editorText(page)).toBe(expected);
    await expect.poll(() => editorText(other)).toBe(expected);
    expect(await yXml(page)).toBe(`<paragraph>${expected}</paragraph>`);
  });
});

test.describe('Korean IME next to a collaborator in another profile, over the relay', () => {
  /** Profile A holds the document; profile B opens its edit link. Both synced, caret of A at the end. */
  async function twoProfiles(a: Page, browser: import('@playwright/test').Browser, start: string) {
    const frames = await countRelayUpdates(a);
    await createDocument(a);
    await focusEnd(a);
    await a.keyboard.type(start);
    await waitForSynced(a);
    const { edit } = await shareLinks(a);
    const ctxB = await browser.newContext();
    const b = await ctxB.newPage();
    await openLink(b, linkOn(edit!, appUrl()));
    await expect(b.getByTestId('editor')).toContainText(start.trim());
    await waitForSynced(b);
    await focusEnd(a);
    return { b, ctxB, frames };
  }

  /** B puts its caret at text offset `at` of the first paragraph and types `s`. */
  async function typeInB(b: Page, at: number, s: string): Promise<void> {
    await caretAtOffset(b, at);
    await b.keyboard.type(s);
  }

  test('B types into the paragraph A is composing: both end with every syllable and every letter', async ({
    page: a,
    browser,
  }) => {
    test.setTimeout(120_000);
    const { b, ctxB, frames } = await twoProfiles(a, browser, 'shared line: ');
    try {
      const cdp = await ime(a);
      await compose(cdp, '두레');
      for (const s of ['ㅎ', '하']) {
        await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
      }
      const before = await frames.count();
      await typeInB(b, 'shared'.length, 'B');
      // B's update has reached A while "하" is composing; A holds it, the composing node stays intact.
      await expect.poll(() => frames.count()).toBeGreaterThan(before);
      expect(await editorText(a)).toBe('shared line: 두레하');
      await cdp.send('Input.imeSetComposition', { text: '한', selectionStart: 1, selectionEnd: 1 });
      await cdp.send('Input.insertText', { text: '한' });
      await compose(cdp, '글');

      const expected = 'sharedB line: 두레한글';
      await expect.poll(() => editorText(a)).toBe(expected);
      await expect.poll(() => editorText(b)).toBe(expected);
      expect(await yXml(a)).toBe(`<paragraph>${expected}</paragraph>`);
      expect(await yXml(b)).toBe(`<paragraph>${expected}</paragraph>`);
      await waitForSynced(a);
      await waitForSynced(b);
    } finally {
      await ctxB.close();
    }
  });

  test('B types inside the paragraph during every syllable A composes: nothing lost on either side', async ({
    page: a,
    browser,
  }) => {
    test.setTimeout(120_000);
    const { b, ctxB, frames } = await twoProfiles(a, browser, '회의: ');
    try {
      const cdp = await ime(a);
      const word = '회의록두레';
      let i = 0;
      for (const ch of word) {
        const steps = SYLLABLES[ch]!;
        for (const s of steps.slice(0, -1)) {
          await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
        }
        const before = await frames.count();
        // Inside the text node A is composing in: what defeats ProseMirror's composition protection
        // (a letter before or after the whole node would leave it findable, BINDING.md D.2).
        await typeInB(b, 1, String.fromCharCode(97 + i++));
        await expect.poll(() => frames.count()).toBeGreaterThan(before);
        const last = steps.at(-1)!;
        await cdp.send('Input.imeSetComposition', {
          text: last,
          selectionStart: last.length,
          selectionEnd: last.length,
        });
        await cdp.send('Input.insertText', { text: last });
      }
      const text = await waitForSameText(a, b);
      expect(text.replace(/[a-e]/g, '')).toBe('회의: 회의록두레');
      for (const letter of 'abcde') expect(text).toContain(letter);
      // No jamo left behind by a broken composition.
      expect(text).not.toMatch(/[\u3131-\u318e]/u);
      expect(await yXml(a)).toBe(await yXml(b));
      await waitForSynced(a);
      await waitForSynced(b);
    } finally {
      await ctxB.close();
    }
  });
});

test.describe('Korean titles', () => {
  test('a Hangul title typed through the IME is listed and found by searching with the IME', async ({ page }) => {
    const titles = ['회의록 두레', 'Budget 2026', '한글 회의'];
    const ids: string[] = [];
    for (const title of titles) {
      ids.push(await createDocument(page));
      const field = page.getByTestId('document-title');
      await field.click();
      if (/^[A-Za-z]/.test(title)) await field.fill(title);
      else {
        const cdp = await ime(page);
        await compose(cdp, title);
      }
      await expect(field).toHaveValue(title);
      await waitForSaved(page);
    }
    await gotoList(page);
    for (const title of titles) await expect(page.getByTestId('document-list')).toContainText(title);

    await page.getByTestId('document-search').click();
    const cdp = await ime(page);
    await compose(cdp, '회의');
    const items = page.locator('[data-testid="document-item"]');
    await expect(items).toHaveCount(2);
    await expect(page.locator(`[data-testid="document-item"][data-doc-id="${ids[1]}"]`)).toHaveCount(0);
    await page.getByTestId('document-search').fill('두레');
    await expect(items).toHaveCount(1);
    await expect(items).toContainText('회의록 두레');
  });
});

test.describe('Korean interface', () => {
  test.use({ locale: 'ko-KR' });

  test('with a Korean browser the interface is in Korean', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByTestId('document-list')).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'ko');
    await expect(page.getByTestId('new-document')).toHaveText(/[가-힣]/);
    await page.getByTestId('new-document').click();
    await waitForEditor(page);
    await expect(page.getByTestId('sync-status')).toHaveText(/[가-힣]/);
  });
});

test.describe('English interface', () => {
  test.use({ locale: 'en-US' });

  test('with an English browser the interface is in English', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByTestId('new-document')).not.toHaveText(/[가-힣]/);
    await expect(page.getByTestId('new-document')).toHaveText(/[A-Za-z]/);
  });
});
