/**
 * Bullet, ordered and task lists from marked's own GFM list tokens.
 *
 * TipTap's Markdown support brings hand-written tokenizers for ordered lists and task lists, and in
 * 3.32.2 both lose content: a second paragraph or a hard break inside a task item comes back as
 * raw Markdown text, and an ordered item's code block gains a space per line on every round trip
 * (shared/test/convert-property.test.ts finds these within a few hundred random documents). marked
 * already parses lists per CommonMark/GFM, task items included, so the converter switches those
 * tokenizers off (schema.ts) and builds every list here, from one token shape.
 */
import { Extension, type JSONContent, type MarkdownParseHelpers, type MarkdownToken } from '@tiptap/core';

type ListKind = 'bulletList' | 'orderedList' | 'taskList';

function withoutCheckbox(tokens: readonly MarkdownToken[]): MarkdownToken[] {
  // the checkbox is an item-level token, or the first inline token of the first paragraph
  return tokens
    .filter((t) => t.type !== 'checkbox')
    .map((t, i) =>
      i === 0 && Array.isArray(t.tokens) ? { ...t, tokens: t.tokens.filter((x) => x.type !== 'checkbox') } : t,
    );
}

function itemContent(item: MarkdownToken, helpers: MarkdownParseHelpers): JSONContent[] {
  const content: JSONContent[] = [];
  for (const t of withoutCheckbox(item.tokens ?? [])) {
    if (t.type === 'space') continue;
    // a tight list's item text: a paragraph of inline tokens
    if (t.type === 'text') content.push({ type: 'paragraph', content: helpers.parseInline(t.tokens ?? []) });
    else content.push(...helpers.parseChildren([t]));
  }
  return content.length > 0 ? content : [{ type: 'paragraph' }];
}

export const MarkdownLists = Extension.create({
  name: 'dureMarkdownLists',
  markdownTokenName: 'list',
  parseMarkdown: (token: MarkdownToken, helpers: MarkdownParseHelpers) => {
    if (token.type !== 'list') return [];
    const ordered = token.ordered === true;
    const start = ordered && typeof token.start === 'number' && Number.isInteger(token.start) ? token.start : 1;
    // a list that mixes task and plain items becomes consecutive lists, as the editor holds them
    const groups: { kind: ListKind; items: JSONContent[] }[] = [];
    for (const item of (token.items ?? []) as MarkdownToken[]) {
      const task = item.task === true;
      const kind: ListKind = task ? 'taskList' : ordered ? 'orderedList' : 'bulletList';
      const content = itemContent(item, helpers);
      const node: JSONContent = task
        ? { type: 'taskItem', attrs: { checked: item.checked === true }, content }
        : { type: 'listItem', content };
      const last = groups[groups.length - 1];
      if (last && last.kind === kind) last.items.push(node);
      else groups.push({ kind, items: [node] });
    }
    return groups.map((g, i) => ({
      type: g.kind,
      ...(g.kind === 'orderedList' && i === 0 && start !== 1 ? { attrs: { start } } : {}),
      content: g.items,
    }));
  },
});
