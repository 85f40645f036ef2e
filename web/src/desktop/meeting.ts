/**
 * "Host a meeting": starts and stops the shell's local relay (a utilityProcess in main) and shows the
 * addresses participants open, with a QR code of the first, as the server's --lan mode prints them.
 * The state lives in this module, so the card shows a running meeting again when it is rendered anew.
 */
import { h } from '../ui/dom';
import { qrSvg } from '../editor/qr';
import type { DesktopApi, MeetingState } from './api';
import { dt } from './strings';

type MeetingApi = Required<Pick<DesktopApi, 'startMeeting' | 'stopMeeting'>>;

let state: MeetingState = { state: 'stopped' };

export const hasMeeting = (api: DesktopApi): api is DesktopApi & MeetingApi =>
  typeof api.startMeeting === 'function' && typeof api.stopMeeting === 'function';

/** Only http(s) addresses are shown: they become link text and a QR code a phone will open. */
const isShowable = (u: unknown): u is string => typeof u === 'string' && /^https?:\/\/[^\s]{1,200}$/.test(u);

function normalized(s: MeetingState): MeetingState {
  if (s.state === 'running') return { state: 'running', urls: s.urls.filter(isShowable).slice(0, 16) };
  return s;
}

export function renderMeetingCard(api: MeetingApi): HTMLElement {
  const body = h('div', { class: 'meeting-body', testid: 'meeting-status' });
  const button = h('button', { class: 'btn', testid: 'meeting-toggle', attrs: { type: 'button' } });

  const paint = (): void => {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = state.state === 'running' ? dt('meetingStop') : dt('meetingStart');
    body.replaceChildren();
    if (state.state === 'failed') {
      body.append(
        h('p', { class: 'error', testid: 'meeting-error', text: dt('meetingFailed', { reason: state.reason }) }),
      );
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
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    if (!running) button.textContent = dt('meetingStarting');
    void (running ? api.stopMeeting() : api.startMeeting()).then(
      (s) => {
        state = normalized(s);
        paint();
      },
      (e: unknown) => {
        state = { state: 'failed', reason: e instanceof Error ? e.message : String(e) };
        paint();
      },
    );
  });
  paint();
  return h(
    'section',
    { class: 'card', testid: 'desktop-meeting', attrs: { 'aria-labelledby': 'set-meeting-h' } },
    h('h2', { text: dt('meetingTitle'), attrs: { id: 'set-meeting-h' } }),
    h('p', { class: 'hint', text: dt('meetingHint') }),
    button,
    body,
  );
}
