/**
 * "Open Link…": the box where a person pastes an edit or view link. It is the safer path than a dure://
 * link, whose secret passes through the command line (and so the process list) on some systems. Takes a
 * whole link (https://…/#1e.…, dure://open#1e.…) or the fragment alone; the app then reads the fragment
 * once and drops it from the address bar, as for a link opened in the browser.
 */
import { promptDialog } from '../ui/dialogs';
import { parseRoute } from '../router';
import { dt } from './strings';

/** The capability fragment (without '#') in what was pasted, or undefined when it holds none. */
export function linkFragment(pasted: string): string | undefined {
  const s = pasted.trim();
  if (s.length === 0 || s.length > 600) return undefined;
  const hash = s.indexOf('#');
  const fragment = hash >= 0 ? s.slice(hash + 1) : s;
  return parseRoute(`#${fragment}`).name === 'capability' ? fragment : undefined;
}

export async function openLinkDialog(open: (fragment: string) => void): Promise<void> {
  const pasted = await promptDialog({
    title: dt('openLinkTitle'),
    message: dt('openLinkHint'),
    confirmLabel: dt('openLinkConfirm'),
    testid: 'open-link-dialog',
    input: { label: dt('openLinkLabel'), value: '', placeholder: dt('openLinkPlaceholder') },
    validate: (v) => (linkFragment(v) === undefined ? dt('openLinkInvalid') : undefined),
  });
  if (pasted === null) return;
  const fragment = linkFragment(pasted);
  if (fragment !== undefined) open(fragment);
}
