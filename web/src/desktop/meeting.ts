/**
 * "Host a meeting": starts and stops the shell's local relay (a utilityProcess in main) and shows the
 * addresses participants open, with a QR code of the first, as the server's --lan mode prints them.
 * The status lives in this module and follows main's reports (a crash included), so every card on
 * screen, and one rendered later, shows the meeting as it is.
 */
import { h } from '../ui/dom';
import { qrSvg } from '../editor/qr';
import type { DesktopApi, MeetingState } from './api';
import { dt } from './strings';

type MeetingApi = DesktopApi & Required<Pick<DesktopApi, 'meetingStart' | 'meetingStop'>>;

let state: MeetingState = { state: 'stopped' };
const painters = new Set<() => void>();

export const hasMeeting = (api: DesktopApi): api is MeetingApi =>
  typeof api.meetingStart === 'function' && typeof api.meetingStop === 'function';

/** Only http(s) addresses are shown: they become text and a QR code a phone will open. */
const isShowable = (u: unknown): u is string => typeof u === 'string' && /^https?:\/\/[^\s]{1,200}$/.test(u);

function normalized(s: MeetingState): MeetingState {
  if (s.state === 'running') return { state: 'running', urls: (s.urls ?? []).filter(isShowable).slice(0, 16) };
  return s;
}

function setState(s: MeetingState): void {
  state = normalized(s);
  for (const paint of [...painters]) paint();
}

/** Follows main's meeting status from now on (called once by startDesktop); returns the unsubscribe. */
export function followMeeting(api: DesktopApi): () => void {
  void api.meetingStatus?.().then(setState, () => undefined);
  return api.onMeetingStatus?.(setState) ?? (() => undefined);
}

const FAILURES: Record<string, Parameters<typeof dt>[0]> = {
  'port-in-use': 'meetingPortInUse',
  crashed: 'meetingCrashed',
};

export function renderMeetingCard(api: MeetingApi): HTMLElement {
  const body = h('div', { class: 'meeting-body', testid: 'meeting-status' });
  const button = h('button', { class: 'btn', testid: 'meeting-toggle', attrs: { type: 'button' } });
  let busy = false;

  const paint = (): void => {
    if (!card.isConnected && card.dataset.painted === 'true') {
      painters.delete(paint);
      return;
    }
    card.dataset.painted = 'true';
    const running = state.state === 'running';
    button.disabled = busy || state.state === 'starting';
    button.toggleAttribute('aria-busy', button.disabled);
    button.textContent =
      state.state === 'starting' ? dt('meetingStarting') : running ? dt('meetingStop') : dt('meetingStart');
    body.replaceChildren();
    if (state.state === 'failed') {
      const key = FAILURES[state.reason] ?? 'meetingFailed';
      body.append(h('p', { class: 'error', testid: 'meeting-error', text: dt(key) }));
    } else if (state.state === 'running') {
      const first = state.urls[0];
      if (first === undefined) {
        body.append(h('p', { testid: 'meeting-no-address', text: dt('meetingNoAddress') }));
        return;
      }
      body.append(
        h('p', { text: dt('meetingOpen') }),
        h('ul', {}, ...state.urls.map((u) => h('li', {}, h('code', { testid: 'meeting-url', text: u })))),
        h('div', { class: 'meeting-qr', testid: 'meeting-qr' }, qrSvg(first, dt('meetingQr', { url: first }))),
      );
    }
  };

  button.addEventListener('click', () => {
    const running = state.state === 'running';
    busy = true;
    paint();
    void (running ? api.meetingStop() : api.meetingStart())
      .then(setState, () => setState({ state: 'failed', reason: 'start-failed' }))
      .finally(() => {
        busy = false;
        paint();
      });
  });
  const card = h(
    'section',
    { class: 'card', testid: 'desktop-meeting', attrs: { 'aria-labelledby': 'set-meeting-h' } },
    h('h2', { text: dt('meetingTitle'), attrs: { id: 'set-meeting-h' } }),
    h('p', { class: 'hint', text: dt('meetingHint') }),
    button,
    body,
  );
  painters.add(paint);
  paint();
  return card;
}
