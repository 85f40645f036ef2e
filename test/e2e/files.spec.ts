/**
 * Import and export as a user does them, on the built app: a Markdown file through the list's file
 * picker becomes a new document; "Export → Markdown" downloads it back; that download re-imports as
 * the same document. Everything happens in the page (no server is involved).
 */
import { readFile } from 'node:fs/promises';
import type { Download, Page } from '@playwright/test';
import { editorContent, gotoList, waitForEditor, waitForSaved, yXml } from './app';
import { expect, test } from './fixtures';

const INPUT = `# 회의록 두레

첫 문단에 **굵게**와 [링크](https://example.org/) 그리고 \`코드\`.

## 할 일

- 사과
- 배
  - 작은 배

1. 하나
2. 둘

| 이름 | 값 |
| --- | --- |
| 가 | 1 |
| 나 | 2 |

> 인용문
`;

/** Line endings and table cell padding are presentation, not content. */
const normalise = (md: string): string =>
  md
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => (l.startsWith('|') ? l.replace(/ +/g, ' ') : l).trimEnd())
    .join('\n')
    .trim();

async function importThroughPicker(page: Page, name: string, text: string, mimeType: string): Promise<string> {
  await gotoList(page);
  await expect(page.getByTestId('import-document')).toBeVisible();
  await page.getByTestId('import-file').setInputFiles({ name, mimeType, buffer: Buffer.from(text, 'utf8') });
  const docId = await waitForEditor(page);
  await waitForSaved(page);
  return docId;
}

async function exportMarkdown(page: Page): Promise<Download> {
  await page.getByTestId('export-document').click();
  const download = page.waitForEvent('download');
  await page.getByTestId('export-markdown').click();
  return download;
}

test('a Markdown file imports as a new document, exports back equal, and re-imports identically', async ({ page }) => {
  const firstId = await importThroughPicker(page, 'notes.md', INPUT, 'text/markdown');
  const content = editorContent(page);
  await expect(content.locator('h1')).toHaveText('회의록 두레');
  await expect(content.locator('a[href="https://example.org/"]')).toHaveText('링크');
  await expect(content.locator('table td').first()).toHaveText('가');
  await expect(content.locator('ul ul li')).toHaveText('작은 배');
  await expect(content.locator('blockquote')).toHaveText('인용문');
  const firstXml = await yXml(page);

  const download = await exportMarkdown(page);
  expect(download.suggestedFilename()).toBe('회의록 두레.md');
  const exported = await readFile((await download.path())!, 'utf8');
  expect(normalise(exported)).toBe(normalise(INPUT));

  // the exported file is a new, separate document with the same content and title
  const secondId = await importThroughPicker(page, download.suggestedFilename(), exported, 'text/markdown');
  expect(secondId).not.toBe(firstId);
  expect(await yXml(page)).toBe(firstXml);
  await expect(page.getByTestId('document-title')).toHaveValue('회의록 두레');

  await gotoList(page);
  await expect(page.getByTestId('document-item')).toHaveCount(2);
  await expect(page.getByTestId('document-item').first()).toContainText('회의록 두레');
});

test('an imported file that is too large is refused with a message, and no document is made', async ({ page }) => {
  await gotoList(page);
  const big = 'a'.repeat(5 * 1024 * 1024 + 1);
  await page
    .getByTestId('import-file')
    .setInputFiles({ name: 'big.md', mimeType: 'text/markdown', buffer: Buffer.from(big) });
  await expect(page.getByTestId('import-error')).toContainText('5 MB');
  await expect(page.getByTestId('document-list-empty')).toBeVisible();
});
