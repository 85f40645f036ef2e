/** The desktop-only cards of the Settings page; nothing on the web. */
import { desktopApi } from './api';
import { hasMeeting, renderMeetingCard } from './meeting';

export function renderDesktopSettings(): HTMLElement | null {
  const api = desktopApi();
  return api && hasMeeting(api) ? renderMeetingCard(api) : null;
}
