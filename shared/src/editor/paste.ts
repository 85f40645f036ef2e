/**
 * Clean-up of HTML pasted or dropped from word processors and web pages, before ProseMirror parses it.
 *
 * - Microsoft Word does not emit <ul>/<ol>: a list is a run of <p class=MsoListParagraph...
 *   style="mso-list:l0 level2 lfo1"> with the bullet or number as text inside a
 *   <span style="mso-list:Ignore">. They are rebuilt into nested lists here, and the rest of Word's
 *   cruft (o:p, v:shape, conditional comments, mso-* styles, Mso* classes) is dropped.
 * - Google Docs wraps the whole clipboard in <b style="font-weight:normal" id="docs-internal-guid-…">;
 *   it is unwrapped so the content is not taken for bold.
 * - <img> that is not one of our blob images is replaced by its alt text: a remote src would be a
 *   tracking pixel, and a file: src from Word points at nothing we can read.
 *
 * The HTML is parsed with DOMParser, whose documents have no browsing context: nothing in them loads
 * or runs while we look at it.
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey } from '@tiptap/pm/state';

const REMOVE = 'style, script, meta, link, title, xml, template, iframe, object, embed, base, form, noscript';

function msoListInfo(p: Element): { level: number; ordered: boolean } | null {
  const style = p.getAttribute('style') ?? '';
  const m = /mso-list:\s*([^;"']+)/i.exec(style);
  if (!m || /^\s*(ignore|none)\b/i.test(m[1]!)) {
    if (!/^MsoListParagraph/i.test(p.getAttribute('class') ?? '')) return null;
  }
  const level = Number(/level(\d+)/i.exec(m?.[1] ?? '')?.[1] ?? '1');
  const marker = Array.from(p.querySelectorAll('span'))
    .filter((s) => /mso-list:\s*ignore/i.test(s.getAttribute('style') ?? ''))
    .map((s) => s.textContent ?? '')
    .join('')
    .replace(/[\s\u00a0]+/g, '');
  const ordered = /^\(?([0-9]{1,4}|[a-zA-Z]|[ivxlcdmIVXLCDM]{1,6})[.)]$/.test(marker);
  return { level: Number.isInteger(level) && level >= 1 && level <= 9 ? level : 1, ordered };
}

function removeMarkers(p: Element): void {
  for (const s of Array.from(p.querySelectorAll('span'))) {
    if (/mso-list:\s*ignore/i.test(s.getAttribute('style') ?? '')) s.remove();
  }
}

/** Rebuilds runs of consecutive Word list paragraphs (siblings) into nested <ul>/<ol>. */
function rebuildWordLists(doc: Document): void {
  const paragraphs = Array.from(doc.body.querySelectorAll('p')).filter((p) => msoListInfo(p) !== null);
  const done = new Set<Element>();
  for (const first of paragraphs) {
    if (done.has(first)) continue;
    const run: Element[] = [];
    for (let el: Element | null = first; el && el.localName === 'p' && msoListInfo(el); el = el.nextElementSibling) {
      run.push(el);
      done.add(el);
    }
    const stack: { list: Element; level: number }[] = [];
    for (const p of run) {
      const info = msoListInfo(p)!;
      removeMarkers(p);
      while (stack.length > 0 && stack[stack.length - 1]!.level > info.level) stack.pop();
      let top = stack[stack.length - 1];
      if (!top || top.level < info.level) {
        const list = doc.createElement(info.ordered ? 'ol' : 'ul');
        if (top) {
          const lastItem = top.list.lastElementChild ?? top.list.appendChild(doc.createElement('li'));
          lastItem.appendChild(list);
        } else {
          p.before(list);
        }
        top = { list, level: info.level };
        stack.push(top);
      }
      const li = doc.createElement('li');
      const para = doc.createElement('p');
      para.append(...Array.from(p.childNodes));
      li.appendChild(para);
      top.list.appendChild(li);
      p.remove();
    }
  }
}

function stripOfficeCruft(doc: Document): void {
  // conditional comments and every other comment
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_COMMENT);
  const comments: Node[] = [];
  while (walker.nextNode()) comments.push(walker.currentNode);
  for (const c of comments) c.parentNode?.removeChild(c);
  for (const el of Array.from(doc.body.querySelectorAll('*'))) {
    // Office namespaced elements: o:p (empty paragraph marker), v:shape/v:imagedata (images), w:*
    if (el.localName.includes(':')) {
      el.remove();
      continue;
    }
    const style = el.getAttribute('style');
    if (style !== null) {
      const kept = style
        .split(';')
        .filter((d) => d.trim() !== '' && !/^\s*mso-/i.test(d))
        .join(';');
      if (kept.trim() === '') el.removeAttribute('style');
      else el.setAttribute('style', kept);
    }
    const cls = el.getAttribute('class');
    if (cls !== null && /\bMso/i.test(cls)) el.removeAttribute('class');
  }
}

function unwrap(el: Element): void {
  el.replaceWith(...Array.from(el.childNodes));
}

/**
 * Google Docs (and other editors) put a nested list directly inside its parent list, next to the
 * items (<ul><li>a</li><ul><li>b</li></ul></ul>), which is invalid HTML that ProseMirror would flatten
 * or split. Move such a list into the item before it, where it belongs.
 */
function fixNestedLists(doc: Document): void {
  for (const list of Array.from(doc.body.querySelectorAll('ul > ul, ul > ol, ol > ul, ol > ol'))) {
    const prev = list.previousElementSibling;
    if (prev && prev.localName === 'li') {
      prev.appendChild(list);
      continue;
    }
    const li = doc.createElement('li');
    list.before(li);
    li.appendChild(list);
  }
}

function replaceForeignImages(doc: Document): void {
  for (const img of Array.from(doc.body.querySelectorAll('img'))) {
    if (img.hasAttribute('data-blob-id')) {
      img.removeAttribute('src');
      img.removeAttribute('srcset');
      continue;
    }
    const alt = (img.getAttribute('alt') ?? '').trim();
    if (alt) img.replaceWith(doc.createTextNode(alt));
    else img.remove();
  }
  for (const el of Array.from(doc.body.querySelectorAll('picture, source, video, audio, svg, math'))) el.remove();
}

export function isWordHTML(html: string): boolean {
  return /urn:schemas-microsoft-com:office|class="?Mso|mso-/i.test(html);
}

/** Returns the cleaned HTML. Needs a DOM (browser or Electron renderer). */
export function cleanPastedHTML(html: string): string {
  if (typeof DOMParser === 'undefined') return html;
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const el of Array.from(doc.querySelectorAll(REMOVE))) el.remove();
  for (const b of Array.from(doc.body.querySelectorAll('b[id^="docs-internal-guid"]'))) unwrap(b);
  if (isWordHTML(html)) {
    rebuildWordLists(doc);
    stripOfficeCruft(doc);
  }
  fixNestedLists(doc);
  replaceForeignImages(doc);
  return doc.body.innerHTML;
}

export const PasteCleanup = Extension.create({
  name: 'durePasteCleanup',
  addProseMirrorPlugins() {
    return [new Plugin({ key: new PluginKey('durePasteCleanup'), props: { transformPastedHTML: cleanPastedHTML } })];
  },
});
