/**
 * A QR code as an SVG element built through the DOM (no innerHTML, no network, no canvas): one path
 * of dark modules, so a phone in a meeting can pick a link up from the screen.
 */
import qrcode from 'qrcode-generator';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Quiet zone in modules: the QR specification asks for four. */
const MARGIN = 4;

/** The dark modules of `text`'s QR code (byte mode, error correction M, smallest version that fits). */
export function qrModules(text: string): boolean[][] {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)));
}

export function qrSvg(text: string, label: string): SVGSVGElement {
  const modules = qrModules(text);
  const size = modules.length + 2 * MARGIN;
  const d: string[] = [];
  modules.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (dark) d.push(`M${c + MARGIN} ${r + MARGIN}h1v1h-1z`);
    }),
  );
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'qr');
  svg.setAttribute('shape-rendering', 'crispEdges');
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', String(size));
  bg.setAttribute('height', String(size));
  bg.setAttribute('fill', '#ffffff');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', d.join(''));
  path.setAttribute('fill', '#000000');
  svg.append(bg, path);
  return svg;
}
