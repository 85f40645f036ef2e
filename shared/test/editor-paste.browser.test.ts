/**
 * Pasting from Microsoft Word and Google Docs keeps headings, lists, links and tables; remote images
 * in pasted HTML are never fetched; pasted image files go through storeImage.
 *
 * The clipboard HTML below is what Word 365 (Windows) and Google Docs (Chromium) put on the clipboard,
 * trimmed to a few elements of each kind with their real attributes and cruft.
 */
import { Editor } from '@tiptap/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { createEditorExtensions, type EditorExtensionOptions } from '../src/editor/extensions';
import { cleanPastedHTML } from '../src/editor/paste';

const WORD_HTML = String.raw`<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml"
xmlns="http://www.w3.org/TR/REC-html40">

<head>
<meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<meta name=Originator content="Microsoft Word 15">
<link rel=File-List href="file:///C:/Users/minji/AppData/Local/Temp/msohtmlclip1/01/clip_filelist.xml">
<!--[if gte mso 9]><xml>
 <o:OfficeDocumentSettings>
  <o:AllowPNG/>
 </o:OfficeDocumentSettings>
</xml><![endif]-->
<style>
<!--
 /* Style Definitions */
 p.MsoNormal, li.MsoNormal, div.MsoNormal
	{mso-style-unhide:no;
	mso-style-qformat:yes;
	mso-style-parent:"";
	margin:0cm;
	mso-pagination:widow-orphan;
	font-size:11.0pt;
	font-family:"맑은 고딕";}
@list l0
	{mso-list-id:1234567890;
	mso-list-type:hybrid;}
@list l0:level1
	{mso-level-number-format:bullet;
	mso-level-text:\F0B7;}
-->
</style>
</head>

<body lang=KO style='tab-interval:40.0pt;word-wrap:break-word'>
<!--StartFragment-->

<h1><span lang=EN-US>Meeting minutes</span><span lang=EN-US><o:p></o:p></span></h1>

<h2><span style='font-family:"맑은 고딕"'>회의록</span><span lang=EN-US><o:p></o:p></span></h2>

<p class=MsoNormal><span lang=EN-US>Plain paragraph with a </span><a
href="https://example.org/agenda"><span lang=EN-US>link to the agenda</span></a><span
lang=EN-US>.<o:p></o:p></span></p>

<p class=MsoListParagraphCxSpFirst style='margin-left:38.0pt;mso-add-space:
auto;text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
lang=EN-US style='font-family:Symbol;mso-fareast-font-family:Symbol;mso-bidi-font-family:
Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]><span lang=EN-US>First bullet<o:p></o:p></span></p>

<p class=MsoListParagraphCxSpMiddle style='margin-left:78.0pt;mso-add-space:
auto;text-indent:-18.0pt;mso-list:l0 level2 lfo1'><![if !supportLists]><span
lang=EN-US style='font-family:"Courier New";mso-fareast-font-family:"Courier New"'><span
style='mso-list:Ignore'>o<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;
</span></span></span><![endif]><span lang=EN-US>Nested bullet<o:p></o:p></span></p>

<p class=MsoListParagraphCxSpLast style='margin-left:38.0pt;mso-add-space:
auto;text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
lang=EN-US style='font-family:Symbol;mso-fareast-font-family:Symbol;mso-bidi-font-family:
Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]><span lang=EN-US>Second bullet<o:p></o:p></span></p>

<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>

<p class=MsoListParagraphCxSpFirst style='margin-left:38.0pt;mso-add-space:
auto;text-indent:-18.0pt;mso-list:l1 level1 lfo2'><![if !supportLists]><span
lang=EN-US><span style='mso-list:Ignore'>1.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]><span style='font-family:"맑은 고딕"'>첫째 항목</span><span
lang=EN-US><o:p></o:p></span></p>

<p class=MsoListParagraphCxSpLast style='margin-left:38.0pt;mso-add-space:
auto;text-indent:-18.0pt;mso-list:l1 level1 lfo2'><![if !supportLists]><span
lang=EN-US><span style='mso-list:Ignore'>2.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]><span style='font-family:"맑은 고딕"'>둘째 항목</span><span
lang=EN-US><o:p></o:p></span></p>

<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0
 style='border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;
 mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>
 <tr style='mso-yfti-irow:0;mso-yfti-firstrow:yes'>
  <td width=301 valign=top style='width:225.4pt;border:solid windowtext 1.0pt;
  mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt'>
  <p class=MsoNormal><b><span lang=EN-US>Name</span></b><span lang=EN-US><o:p></o:p></span></p>
  </td>
  <td width=301 valign=top style='width:225.4pt;border:solid windowtext 1.0pt;
  border-left:none;mso-border-left-alt:solid windowtext .5pt;mso-border-alt:
  solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt'>
  <p class=MsoNormal><b><span style='font-family:"맑은 고딕"'>역할</span></b><span lang=EN-US><o:p></o:p></span></p>
  </td>
 </tr>
 <tr style='mso-yfti-irow:1;mso-yfti-lastrow:yes'>
  <td width=301 valign=top style='width:225.4pt;border:solid windowtext 1.0pt;
  border-top:none;padding:0cm 5.4pt 0cm 5.4pt'>
  <p class=MsoNormal><span lang=EN-US>Kim Minji<o:p></o:p></span></p>
  </td>
  <td width=301 valign=top style='width:225.4pt;border-top:none;border-left:
  none;border-bottom:solid windowtext 1.0pt;border-right:solid windowtext 1.0pt;
  padding:0cm 5.4pt 0cm 5.4pt'>
  <p class=MsoNormal><span style='font-family:"맑은 고딕"'>서기</span><span lang=EN-US><o:p></o:p></span></p>
  </td>
 </tr>
</table>

<p class=MsoNormal><span lang=EN-US><!--[if gte vml 1]><v:shape id="Picture_x0020_1"
 o:spid="_x0000_i1025" type="#_x0000_t75" style='width:75pt;height:37.5pt'>
 <v:imagedata src="file:///C:/Users/minji/AppData/Local/Temp/msohtmlclip1/01/clip_image001.png"
  o:title=""/>
</v:shape><![endif]--><![if !vml]><img width=100 height=50
src="file:///C:/Users/minji/AppData/Local/Temp/msohtmlclip1/01/clip_image002.png"
alt="Dure logo" v:shapes="Picture_x0020_1"><![endif]></span></p>

<!--EndFragment-->
</body>

</html>
`;

const GDOCS_HTML = String.raw`<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-6a1f3c2e-7fff-1b2c-9d3e-0a1b2c3d4e5f"><h1 dir="ltr" style="line-height:1.38;margin-top:20pt;margin-bottom:6pt;"><span style="font-size:20pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">성명서 초안</span></h1><h2 dir="ltr" style="line-height:1.38;margin-top:18pt;margin-bottom:6pt;"><span style="font-size:16pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">Background</span></h2><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">See </span><a href="https://example.org/report" style="text-decoration:none;"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#1155cc;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:underline;-webkit-text-decoration-skip:none;text-decoration-skip-ink:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">the report</span></a><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:700;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;"> now</span><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">.</span></p><ul style="margin-top:0;margin-bottom:0;padding-inline-start:48px;"><li dir="ltr" style="list-style-type:disc;font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;" aria-level="1"><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;" role="presentation"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">Point one</span></p></li><li dir="ltr" style="list-style-type:disc;font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;" aria-level="1"><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;" role="presentation"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">두 번째 요점</span></p></li></ul><ol style="margin-top:0;margin-bottom:0;padding-inline-start:48px;"><li dir="ltr" style="list-style-type:decimal;font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;" aria-level="1"><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;" role="presentation"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">Step one</span></p></li></ol><br /><div dir="ltr" style="margin-left:0pt;" align="left"><table style="border:none;border-collapse:collapse;"><colgroup><col width="301" /><col width="301" /></colgroup><tbody><tr style="height:0pt"><td style="border-left:solid #000000 1pt;border-right:solid #000000 1pt;border-bottom:solid #000000 1pt;border-top:solid #000000 1pt;vertical-align:top;padding:5pt 5pt 5pt 5pt;overflow:hidden;overflow-wrap:break-word;"><p dir="ltr" style="line-height:1.2;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">이름</span></p></td><td style="border-left:solid #000000 1pt;border-right:solid #000000 1pt;border-bottom:solid #000000 1pt;border-top:solid #000000 1pt;vertical-align:top;padding:5pt 5pt 5pt 5pt;overflow:hidden;overflow-wrap:break-word;"><p dir="ltr" style="line-height:1.2;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">역할</span></p></td></tr><tr style="height:0pt"><td style="border-left:solid #000000 1pt;border-right:solid #000000 1pt;border-bottom:solid #000000 1pt;border-top:solid #000000 1pt;vertical-align:top;padding:5pt 5pt 5pt 5pt;overflow:hidden;overflow-wrap:break-word;"><p dir="ltr" style="line-height:1.2;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">Kim</span></p></td><td style="border-left:solid #000000 1pt;border-right:solid #000000 1pt;border-bottom:solid #000000 1pt;border-top:solid #000000 1pt;vertical-align:top;padding:5pt 5pt 5pt 5pt;overflow:hidden;overflow-wrap:break-word;"><p dir="ltr" style="line-height:1.2;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;">Editor</span></p></td></tr></tbody></table></div><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;"><span style="border:none;display:inline-block;overflow:hidden;width:100px;height:50px;"><img src="http://127.0.0.1:9/gdocs-pixel.png?key=xyz" width="100" height="50" style="margin-left:0px;margin-top:0px;" /></span></span></p></b><br class="Apple-interchange-newline">
`;

const editors: Editor[] = [];
afterEach(() => {
  for (const e of editors.splice(0)) {
    const el = e.options.element as HTMLElement | null;
    e.destroy();
    el?.remove();
  }
});

function mount(extra: Partial<EditorExtensionOptions> = {}): { editor: Editor; ydoc: Y.Doc } {
  const ydoc = new Y.Doc();
  const element = document.createElement('div');
  document.body.append(element);
  const editor = new Editor({ element, extensions: createEditorExtensions({ ydoc, ...extra }) });
  editors.push(editor);
  return { editor, ydoc };
}

/** A real paste event, as the browser fires it: ProseMirror's whole clipboard path runs. */
function paste(editor: Editor, data: { html?: string; text?: string; files?: File[] }): void {
  const dt = new DataTransfer();
  if (data.html !== undefined) dt.setData('text/html', data.html);
  if (data.text !== undefined) dt.setData('text/plain', data.text);
  for (const f of data.files ?? []) dt.items.add(f);
  editor.commands.focus('end');
  editor.view.dom.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
}

/**
 * Asserts that no request was made to a URL containing `marker`. A same-origin control image is
 * loaded first and awaited, so the check would see a request if the page had made one.
 */
async function expectNotFetched(marker: string): Promise<void> {
  const control = `dure-control-${Math.random().toString(36).slice(2)}`;
  const img = new Image();
  img.src = `${location.origin}/${control}.png`;
  await vi.waitFor(() =>
    expect(performance.getEntriesByType('resource').some((e) => e.name.includes(control))).toBe(true),
  );
  expect(performance.getEntriesByType('resource').filter((e) => e.name.includes(marker))).toEqual([]);
}

function texts(root: Element, selector: string): string[] {
  return Array.from(root.querySelectorAll(selector)).map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim());
}

describe('paste from Word', () => {
  it('keeps headings, nested bullet and numbered lists, the link and the table; drops the cruft', () => {
    const { editor, ydoc } = mount();
    paste(editor, { html: WORD_HTML, text: 'Meeting minutes' });
    const root = editor.view.dom;
    expect(texts(root, 'h1')).toEqual(['Meeting minutes']);
    expect(texts(root, 'h2')).toEqual(['회의록']);
    const link = root.querySelector('a');
    expect(link?.getAttribute('href')).toBe('https://example.org/agenda');
    expect(link?.textContent).toBe('link to the agenda');
    // bullets: two top-level items, the first holding a nested list; markers (· o 1.) are gone
    const ul = root.querySelector(':scope > ul')!;
    expect(ul).not.toBeNull();
    expect(texts(ul, ':scope > li > p')).toEqual(['First bullet', 'Second bullet']);
    expect(texts(ul, ':scope > li > ul > li')).toEqual(['Nested bullet']);
    expect(texts(root, ':scope > ol > li')).toEqual(['첫째 항목', '둘째 항목']);
    expect(texts(root, 'table tr:first-child > *')).toEqual(['Name', '역할']);
    expect(texts(root, 'table tr:last-child > *')).toEqual(['Kim Minji', '서기']);
    expect(root.querySelector('table strong')?.textContent).toBe('Name');
    // the local file image is replaced by its alt text, nothing else of Word survives
    expect(root.textContent).toContain('Dure logo');
    expect(root.querySelector('img:not(.ProseMirror-separator)')).toBeNull();
    expect(root.innerHTML).not.toMatch(/mso-|Mso|o:p|supportLists|file:/);
    expect(root.textContent).not.toMatch(/·|\u00a0{3}/);
    // and it is in the shared document, not only on screen
    const y = ydoc.getXmlFragment('default').toString();
    expect(y).toContain('<heading level="1">Meeting minutes</heading>');
    expect(y).toContain('<bulletlist><listitem><paragraph>First bullet</paragraph><bulletlist>');
    expect(y).toContain('<orderedlist start="1"><listitem><paragraph>첫째 항목');
    expect(y).toContain('<table><tablerow>');
  });
});

describe('paste from Google Docs', () => {
  it('keeps headings, lists, link and table, is not all bold, and never fetches the image', async () => {
    const { editor } = mount();
    // a same-origin URL: it would show up in resource timing even as a 404
    const marker = `gdocs-pixel-${Math.random().toString(36).slice(2)}`;
    paste(editor, {
      html: GDOCS_HTML.replace('http://127.0.0.1:9/gdocs-pixel.png', `${location.origin}/${marker}.png`),
      text: '성명서 초안',
    });
    const root = editor.view.dom;
    expect(texts(root, 'h1')).toEqual(['성명서 초안']);
    expect(texts(root, 'h2')).toEqual(['Background']);
    expect(texts(root, 'ul > li')).toEqual(['Point one', '두 번째 요점']);
    expect(texts(root, 'ol > li')).toEqual(['Step one']);
    expect(root.querySelector('a')?.getAttribute('href')).toBe('https://example.org/report');
    expect(texts(root, 'td, th')).toEqual(['이름', '역할', 'Kim', 'Editor']);
    // the docs-internal-guid <b> wrapper is not bold; the one span with font-weight:700 is
    expect(texts(root, 'strong')).toEqual(['now']);
    // (ProseMirror's own separator <img> after a trailing hard break has no src)
    expect(root.querySelector('img:not(.ProseMirror-separator)')).toBeNull();
    for (const img of Array.from(root.querySelectorAll('img'))) expect(img.hasAttribute('src')).toBe(false);
    await expectNotFetched(marker);
  });
});

describe('cleanPastedHTML', () => {
  it('replaces foreign images by alt text and keeps our blob images without src', () => {
    const out = cleanPastedHTML(
      '<p>a<img src="https://tracker.example/p.gif" alt="chart">b<img src="x" onerror="x()"></p><img data-blob-id="AAAAAAAAAAAAAAAAAAAAAA" src="https://evil/">',
    );
    expect(out).toBe('<p>achartb</p><img data-blob-id="AAAAAAAAAAAAAAAAAAAAAA">');
  });
  it('moves a nested list that sits directly in its parent list into the item before it', () => {
    expect(cleanPastedHTML('<ul><li>a</li><ul><li>b</li><ol><li>c</li></ol></ul><li>d</li></ul>')).toBe(
      '<ul><li>a<ul><li>b<ol><li>c</li></ol></li></ul></li><li>d</li></ul>',
    );
  });

  it('Google Docs nested lists stay nested in the editor', () => {
    const { editor } = mount();
    paste(editor, {
      html: '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1"><ul><li aria-level="1"><p role="presentation"><span>상위</span></p></li><ul><li aria-level="2"><p role="presentation"><span>하위</span></p></li></ul><li aria-level="1"><p role="presentation"><span>다음</span></p></li></ul></b>',
    });
    const root = editor.view.dom;
    expect(texts(root, ':scope > ul > li > p')).toEqual(['상위', '다음']);
    expect(texts(root, ':scope > ul > li > ul > li')).toEqual(['하위']);
  });

  it('leaves ordinary HTML alone', () => {
    expect(cleanPastedHTML('<h2>제목</h2><ul><li><p>x</p></li></ul>')).toBe('<h2>제목</h2><ul><li><p>x</p></li></ul>');
  });
});

describe('copy and paste between Dure documents', () => {
  it('keeps structure, links and blob images (without src) across editors', async () => {
    const resolveBlob = async () => URL.createObjectURL(new Blob([new Uint8Array([1])], { type: 'image/png' }));
    const a = mount({ resolveBlob }).editor;
    a.commands.setContent(
      '<h2>제목</h2><ol><li><p>하나</p></li></ol><p><a href="https://example.org/">링크</a></p>' +
        '<img data-blob-id="EEEEEEEEEEEEEEEEEEEEEE" alt="그림"><table><tr><td><p>칸</p></td></tr></table>',
    );
    a.commands.selectAll();
    const copied = new DataTransfer();
    a.view.dom.dispatchEvent(new ClipboardEvent('copy', { clipboardData: copied, bubbles: true, cancelable: true }));
    const html = copied.getData('text/html');
    expect(html).toContain('data-blob-id="EEEEEEEEEEEEEEEEEEEEEE"');
    expect(html).not.toMatch(/src=/);

    const b = mount({ resolveBlob }).editor;
    paste(b, { html, text: copied.getData('text/plain') });
    const root = b.view.dom;
    expect(texts(root, 'h2')).toEqual(['제목']);
    expect(texts(root, 'ol > li')).toEqual(['하나']);
    expect(root.querySelector('a')?.getAttribute('href')).toBe('https://example.org/');
    expect(texts(root, 'td')).toEqual(['칸']);
    await vi.waitFor(() => expect(root.querySelector('.dure-image img')?.getAttribute('src')).toMatch(/^blob:/));
    expect(b.getJSON().content?.find((n) => n.type === 'image')?.attrs?.blobId).toBe('EEEEEEEEEEEEEEEEEEEEEE');
  });
});

describe('pasted image files', () => {
  it('go through storeImage and render from resolveBlob', async () => {
    const stored: File[] = [];
    const blobUrls = new Map<string, string>();
    const { editor } = mount({
      storeImage: async (file) => {
        stored.push(file);
        const id = 'CCCCCCCCCCCCCCCCCCCCCC';
        blobUrls.set(id, URL.createObjectURL(file));
        return id;
      },
      resolveBlob: async (id) => blobUrls.get(id),
    });
    const file = new File([new Uint8Array([137, 80, 78, 71])], 'photo.png', { type: 'image/png' });
    paste(editor, { files: [file], html: `<img src="${location.origin}/copied-image.png">` });
    await vi.waitFor(() => expect(editor.view.dom.querySelector('img')).not.toBeNull());
    expect(stored).toEqual([file]);
    expect(editor.view.dom.querySelector('img')!.getAttribute('src')).toMatch(/^blob:/);
    expect(
      editor.getJSON().content?.some((n) => n.type === 'image' && n.attrs?.blobId === 'CCCCCCCCCCCCCCCCCCCCCC'),
    ).toBe(true);
    expect(editor.getHTML()).toContain('<img data-blob-id="CCCCCCCCCCCCCCCCCCCCCC" alt="photo.png">');
    await expectNotFetched('copied-image');
  });

  it('dropped image files go through storeImage too; a dropped remote <img> is not fetched', async () => {
    const stored: File[] = [];
    const { editor } = mount({
      storeImage: async (file) => {
        stored.push(file);
        return 'DDDDDDDDDDDDDDDDDDDDDD';
      },
      resolveBlob: async () => URL.createObjectURL(new Blob([new Uint8Array([1])], { type: 'image/png' })),
    });
    editor.commands.insertContent('<p>before</p>');
    const rect = editor.view.dom.getBoundingClientRect();
    const file = new File([new Uint8Array([137, 80, 78, 71])], 'drop.png', { type: 'image/png' });
    const dt = new DataTransfer();
    dt.items.add(file);
    editor.view.dom.dispatchEvent(
      new DragEvent('drop', {
        dataTransfer: dt,
        clientX: rect.left + 5,
        clientY: rect.top + 5,
        bubbles: true,
        cancelable: true,
      }),
    );
    await vi.waitFor(() => expect(editor.view.dom.querySelector('img')?.getAttribute('src')).toMatch(/^blob:/));
    expect(stored).toEqual([file]);

    const html = new DataTransfer();
    html.setData('text/html', `<p>dragged <img src="${location.origin}/dragged-${stored.length}.png" alt="pic"></p>`);
    editor.view.dom.dispatchEvent(
      new DragEvent('drop', {
        dataTransfer: html,
        clientX: rect.left + 5,
        clientY: rect.top + 5,
        bubbles: true,
        cancelable: true,
      }),
    );
    await vi.waitFor(() => expect(editor.getText()).toContain('dragged pic'));
    expect(editor.view.dom.querySelectorAll('img:not(.ProseMirror-separator)').length).toBe(1);
    await expectNotFetched('dragged-');
  });

  it('without storeImage, an image file paste inserts nothing', async () => {
    const { editor } = mount();
    const file = new File([new Uint8Array([1])], 'x.png', { type: 'image/png' });
    paste(editor, { files: [file] });
    await new Promise((r) => setTimeout(r, 20));
    expect(editor.getJSON().content?.some((n) => n.type === 'image')).toBe(false);
  });
});
