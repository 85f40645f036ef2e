/**
 * Normalizing plugins (autolink, prosemirror-tables' fixTables) that run only for this user's own edits.
 *
 * The Yjs binding turns every remote change, and the first render, into one transaction that replaces
 * the whole document. A plugin's `appendTransaction` then sees the whole document as changed and walks
 * it: O(document) per remote keystroke, on every client. It would also be wrong to let it act there:
 * what arrives from Yjs was already normalized by its author, and a fix appended here would be a new
 * local edit that every other client makes at the same time (a table padded twice, a link mark applied
 * twice). So these plugins skip transactions that all come from the binding.
 */
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import { Plugin, type Transaction } from '@tiptap/pm/state';

/** True when every transaction of the batch came from Yjs (remote change, first render, Yjs undo/redo). */
export function allFromYjs(transactions: readonly Transaction[]): boolean {
  return transactions.length > 0 && transactions.every((tr) => isChangeOrigin(tr));
}

/** The same plugin (same key, state, props) whose appendTransaction ignores batches that all came from Yjs. */
export function localOnlyAppend(plugin: Plugin): Plugin {
  const append = plugin.spec.appendTransaction;
  if (!append) return plugin;
  return new Plugin({
    ...plugin.spec,
    appendTransaction(transactions, oldState, newState) {
      return allFromYjs(transactions) ? null : append.call(this, transactions, oldState, newState);
    },
  });
}
