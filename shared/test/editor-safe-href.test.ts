import { describe, expect, it } from 'vitest';
import { MAX_HREF_LENGTH, safeHref } from '../src/editor/safe-href';

describe('safeHref allows', () => {
  it.each([
    ['https://example.org/', 'https://example.org/'],
    ['http://example.org/a?b=1&c=2#frag', 'http://example.org/a?b=1&c=2#frag'],
    ['HTTPS://EXAMPLE.ORG/Path', 'https://example.org/Path'],
    ['  https://example.org/x  ', 'https://example.org/x'],
    ['https://한국.example/문서', 'https://xn--3e0b707e.example/%EB%AC%B8%EC%84%9C'],
    ['https://127.0.0.1:8080/', 'https://127.0.0.1:8080/'],
    ['mailto:someone@example.org', 'mailto:someone@example.org'],
    ['MAILTO:someone@example.org?subject=hi', 'mailto:someone@example.org?subject=hi'],
    ['#section-2', '#section-2'],
    ['#제목-1', '#제목-1'],
    ['#', '#'],
  ])('%j -> %j', (raw, expected) => {
    expect(safeHref(raw)).toBe(expected);
  });
});

describe('safeHref refuses', () => {
  it.each([
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    '\u0000javascript:alert(1)',
    '\u001fjavascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(1)',
    'java\rscript:alert(1)',
    'java\u0000script:alert(1)',
    'javascript\t:alert(1)',
    'jav&#x09;ascript:alert(1)',
    '&#106;avascript:alert(1)',
    'javascript&colon;alert(1)',
    'javascript&#58;alert(1)',
    'javascript%3Aalert(1)',
    'javascript：alert(1)', // full-width colon
    'java\u200bscript:alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'DATA:image/svg+xml,<svg onload=alert(1)>',
    'blob:https://example.org/1234',
    'file:///etc/passwd',
    'ftp://example.org/',
    'tel:+821012345678',
    '//evil.example/',
    '\\\\evil.example/',
    '/\\evil.example/',
    '/relative/path',
    'relative.html',
    'example.org',
    'https:',
    'https://',
    'http:///',
    'https://user:pass@example.org/',
    'https://bank.example@evil.example/',
    'https://exa\u202emple.org/', // right-to-left override
    'https://example.org/\u0085',
    'mailto:',
    'mailto:?body=spam',
    '#<script>',
    '#" onmouseover="alert(1)',
    '',
    '   ',
  ])('%j', (raw) => {
    expect(safeHref(raw)).toBeNull();
  });

  it('refuses non-strings', () => {
    for (const v of [null, undefined, 1, {}, [], ['https://example.org'], { toString: () => 'https://example.org' }]) {
      expect(safeHref(v)).toBeNull();
    }
  });

  it('refuses absurdly long hrefs', () => {
    expect(safeHref('https://example.org/' + 'a'.repeat(MAX_HREF_LENGTH))).toBeNull();
    expect(safeHref('https://example.org/' + 'a'.repeat(100))).not.toBeNull();
  });

  it('never returns anything a browser would run, for any prefix/case mix of dangerous schemes', () => {
    const schemes = ['javascript', 'vbscript', 'data', 'livescript'];
    const noise = ['', ' ', '\t', '\n', '\u0001', '\u00a0', '\u3000'];
    for (const s of schemes) {
      for (const pre of noise) {
        for (const mid of noise) {
          const variants = [s, s.toUpperCase(), s[0]!.toUpperCase() + s.slice(1)];
          for (const v of variants) {
            const raw = `${pre}${v.slice(0, 2)}${mid}${v.slice(2)}:alert(1)`;
            const out = safeHref(raw);
            expect(out === null || /^(https?:|mailto:|#)/.test(out), raw).toBe(true);
            expect(out, raw).toBeNull();
          }
        }
      }
    }
  });
});
