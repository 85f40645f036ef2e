/**
 * Words of the desktop-only UI, in Korean and English. Kept beside the desktop code rather than in the
 * app's catalogues so that the web build's catalogues carry nothing it never shows.
 */
import { format, getLocale } from '../i18n/i18n';

const en = {
  plainTextKey:
    'This computer keeps Dure’s device key in plain text (no system keyring was found). Anyone who copies your profile folder can read your documents. Turn on the app lock in Settings to protect them with a passphrase.',
  meetingTitle: 'Host a meeting',
  meetingHint:
    'Runs a relay on this computer for people on the same network, without internet. Documents are kept in memory only and are gone when the meeting stops.',
  meetingStart: 'Host a meeting',
  meetingStop: 'Stop the meeting',
  meetingStarting: 'Starting…',
  meetingOpen: 'On the same network, open:',
  meetingNoAddress: 'No local network address found: join a network (Wi-Fi) and start again.',
  meetingFailed: 'The meeting could not start.',
  meetingPortInUse: 'The meeting could not start: its port is taken by another program.',
  meetingCrashed:
    'The meeting stopped unexpectedly. Its documents were in memory only; each person still has their own copy.',
  meetingQr: 'QR code of {url}',
  saved: 'Saved {name}.',
  saveFailed: 'The file could not be saved.',
  openFailed: 'The file could not be opened.',
  noDocument: 'Open a document first, then export it.',
  openLinkTitle: 'Open a link',
  openLinkHint: 'Paste an edit or view link someone shared with you.',
  openLinkLabel: 'Link',
  openLinkConfirm: 'Open',
  openLinkPlaceholder: 'https://…/#1e.…',
  openLinkInvalid: 'This is not a Dure edit or view link.',
  reloadForRelay: 'A relay you chose is allowed now: reload Dure to connect to it.',
  savedAsYouType: 'Every change is saved on this device as you type.',
  aboutTitle: 'About Dure',
  about:
    'Dure: local-first, end-to-end encrypted documents. The desktop app keeps its documents in its own profile on this computer.',
} as const;

type Key = keyof typeof en;

const ko: Record<Key, string> = {
  plainTextKey:
    '이 컴퓨터는 Dure의 기기 키를 평문으로 보관합니다(시스템 키링을 찾지 못했습니다). 프로필 폴더를 복사한 사람은 문서를 읽을 수 있습니다. 설정에서 앱 잠금을 켜 암호로 보호하세요.',
  meetingTitle: '회의 열기',
  meetingHint:
    '같은 네트워크에 있는 사람들을 위해 이 컴퓨터에서 중계 서버를 실행합니다. 인터넷이 없어도 됩니다. 문서는 메모리에만 보관되며 회의를 마치면 사라집니다.',
  meetingStart: '회의 열기',
  meetingStop: '회의 마치기',
  meetingStarting: '시작하는 중…',
  meetingOpen: '같은 네트워크에서 다음 주소를 여세요:',
  meetingNoAddress: '로컬 네트워크 주소가 없습니다. 네트워크(Wi-Fi)에 연결한 뒤 다시 시작하세요.',
  meetingFailed: '회의를 시작하지 못했습니다.',
  meetingPortInUse: '회의를 시작하지 못했습니다: 다른 프로그램이 포트를 쓰고 있습니다.',
  meetingCrashed: '회의가 예기치 않게 멈췄습니다. 회의 문서는 메모리에만 있었고, 각자의 기기에는 사본이 남아 있습니다.',
  meetingQr: '{url}의 QR 코드',
  saved: '{name} 파일을 저장했습니다.',
  saveFailed: '파일을 저장하지 못했습니다.',
  openFailed: '파일을 열지 못했습니다.',
  noDocument: '먼저 문서를 연 다음 내보내세요.',
  openLinkTitle: '링크 열기',
  openLinkHint: '공유받은 편집 링크나 보기 링크를 붙여 넣으세요.',
  openLinkLabel: '링크',
  openLinkConfirm: '열기',
  openLinkPlaceholder: 'https://…/#1e.…',
  openLinkInvalid: 'Dure 편집 링크나 보기 링크가 아닙니다.',
  reloadForRelay: '선택한 중계 서버가 허용되었습니다. 연결하려면 Dure를 다시 불러오세요.',
  savedAsYouType: '모든 변경은 입력하는 대로 이 기기에 저장됩니다.',
  aboutTitle: 'Dure 정보',
  about: 'Dure: 로컬 우선, 종단 간 암호화 문서. 데스크톱 앱은 문서를 이 컴퓨터의 자체 프로필에 보관합니다.',
};

export function dt(key: Key, params?: Readonly<Record<string, string | number>>): string {
  return format(getLocale() === 'ko' ? ko[key] : en[key], params);
}
