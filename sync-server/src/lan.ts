/**
 * Meeting mode (--lan): the addresses participants type, and a QR code of the first for the terminal.
 * These are the server's own addresses, printed once for the person hosting; client addresses never
 * reach stdout or the logs.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import qrcode from 'qrcode-generator';
import { listenUrl } from './config';

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * `http://<ip>:<port>/` for every non-internal IPv4 address the server is reachable on: all of them when
 * it listens on a wildcard address, else just the one it was told (loopback included: the operator chose it).
 * IPv6 is left out on purpose: link-local addresses need a zone id no phone will type.
 */
export function meetingUrls(host: string, port: number, interfaces: Interfaces = networkInterfaces()): string[] {
  if (!WILDCARDS.has(host)) return [listenUrl(host, port)];
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && !out.includes(listenUrl(a.address, port))) {
        out.push(listenUrl(a.address, port));
      }
    }
  }
  return out;
}

/** Quiet zone in modules; the QR specification asks for four. */
const MARGIN = 4;

/**
 * `text` as a QR code drawn with half blocks (two module rows per line), dark modules black on white
 * through ANSI colours so that it scans on dark and light terminals alike. Meant for a TTY only.
 */
export function terminalQr(text: string): string {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const size = n + 2 * MARGIN;
  const dark = (r: number, c: number): boolean =>
    r >= MARGIN && c >= MARGIN && r < MARGIN + n && c < MARGIN + n && qr.isDark(r - MARGIN, c - MARGIN);
  const lines: string[] = [];
  for (let r = 0; r < size; r += 2) {
    let line = '\x1b[30;47m';
    for (let c = 0; c < size; c++) {
      const top = dark(r, c);
      const bottom = r + 1 < size && dark(r + 1, c);
      // The foreground (black) draws the dark half; the background (white) shows through the rest.
      line += top ? (bottom ? '█' : '▀') : bottom ? '▄' : ' ';
    }
    lines.push(line + '\x1b[0m');
  }
  return lines.join('\n') + '\n';
}

/** What --lan prints after the listening line. */
export function meetingBanner(urls: readonly string[], store: 'sqlite' | 'memory', tty: boolean): string {
  const storeLine =
    store === 'memory'
      ? 'Meeting mode: documents are kept in memory only; nothing is written to disk.'
      : 'Meeting mode: documents are stored in the data folder.';
  if (urls.length === 0) {
    return `${storeLine}\nNo local network address found: join a network (Wi-Fi) and start again.\n`;
  }
  const list = urls.map((u) => `  ${u}\n`).join('');
  return `${storeLine}\nOn the same network, open:\n${list}${tty ? terminalQr(urls[0]!) : ''}`;
}
