/**
 * The command-line client as a user runs it: a child process against the real relay process.
 * Import a Markdown file → links; export through the edit link and the view link → the same Markdown;
 * JSON and HTML exports; and the failures a user meets (bad link, dead server, invite, no answer).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docFromYDoc, markdownToDoc } from '@dure/shared/convert/index';
import { deriveDocKeys, formatFragment, parseFragment } from '@dure/shared/crypto/capability';
import * as Y from 'yjs';
import { GOLDEN_MD, normalizeMarkdown } from '../../shared/test/convert-helpers';
import { startTestServer, type TestServer } from './server';
import { Device, newDocKeys, until } from './sessions';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

function cli(args: readonly string[], stdin?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    // node + tsx directly, as `npm run cli` runs it, without npm's own output around it
    const child = spawn(process.execPath, ['--import', 'tsx', 'shared/cli/main.ts', ...args], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdin.end(stdin ?? '');
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** No stack trace, no internal error: what a user should see for an expected failure. */
function expectCleanFailure(r: CliResult, code: number, message: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/\n\s+at |internal error|Error:/);
  expect(r.out).toBe('');
}

let server: TestServer;
let httpOrigin: string;
let dir: string;
let links: { edit: string; view: string };
const devices: Device[] = [];

beforeAll(async () => {
  server = await startTestServer();
  httpOrigin = `http://127.0.0.1:${server.port}`;
  dir = await mkdtemp(path.join(tmpdir(), 'dure-cli-'));
});

afterAll(async () => {
  for (const d of devices) await d.close().catch(() => {});
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// each CLI run is a fresh Node process (~1 s with tsx on this machine); the limit only guards against a hang
describe('CLI against the real relay', { timeout: 60_000 }, () => {
  it('import prints an edit link and a view link on the server', async () => {
    const file = path.join(dir, '회의록.md');
    await writeFile(file, GOLDEN_MD);
    const r = await cli(['import', file, '--server', httpOrigin]);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const m = /^edit: (\S+)\nview: (\S+)\n$/.exec(r.out);
    expect(m).not.toBeNull();
    links = { edit: m![1]!, view: m![2]! };
    expect(links.edit.startsWith(`${httpOrigin}/#1e.`)).toBe(true);
    expect(links.view.startsWith(`${httpOrigin}/#1r.`)).toBe(true);
    // keys appear only in the links the user asked for: nothing on stderr
    for (const l of Object.values(links)) expect(r.err).not.toContain(l.split('#')[1]!.slice(3, 20));
    expect(r.err).toContain('두레 회의록 Meeting notes');
  });

  it('the imported document is a real Dure document: a sync session on the edit link reads it', async () => {
    const cap = parseFragment(links.edit.split('#')[1]!);
    if (!cap.ok) throw new Error(cap.error);
    const d = new Device(server.url, { capability: cap.value, keys: deriveDocKeys(cap.value) });
    devices.push(d);
    const s = await d.start();
    await s.whenSynced();
    const golden = markdownToDoc(GOLDEN_MD);
    if (!golden.ok) throw new Error(golden.error);
    await until(() => {
      const r = docFromYDoc(d.ydoc);
      return r.ok && r.value.doc.eq(golden.value.doc);
    }, 'the imported document on another device');
    expect(d.ydoc.getMap('meta').get('title')).toBe('두레 회의록 Meeting notes');
    await d.close();
  });

  it('export through the edit link gives the input back (after normalisation)', async () => {
    const r = await cli(['export', links.edit]);
    expect(r.code).toBe(0);
    expect(normalizeMarkdown(r.out)).toBe(normalizeMarkdown(GOLDEN_MD));
  });

  it('export through the view link gives the same, and so does a link read from stdin', async () => {
    const r = await cli(['export', links.view]);
    expect(r.code).toBe(0);
    expect(normalizeMarkdown(r.out)).toBe(normalizeMarkdown(GOLDEN_MD));
    const piped = await cli(['export', '-'], links.view + '\n');
    expect(piped.code).toBe(0);
    expect(piped.out).toBe(r.out);
  });

  it('export --format json is the ProseMirror JSON of the document plus its title', async () => {
    const r = await cli(['export', links.view, '--format', 'json']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out) as { title: string; doc: unknown };
    const golden = markdownToDoc(GOLDEN_MD);
    if (!golden.ok) throw new Error(golden.error);
    expect(parsed.title).toBe('두레 회의록 Meeting notes');
    expect(parsed.doc).toEqual(golden.value.doc.toJSON());
  });

  it('export --format html --out writes a standalone file only its owner can read', async () => {
    const out = path.join(dir, 'export.html');
    const r = await cli(['export', links.edit, '--server', httpOrigin, '--format', 'html', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    const html = await readFile(out, 'utf8');
    expect(html).toContain('<title>두레 회의록 Meeting notes</title>');
    expect(html).toContain('<h1>두레 회의록 Meeting notes</h1>');
    expect(html).toContain('<img data-blob-id="Abcdefghijklmnop_-0123" alt="A diagram [draft]">');
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it("a hostile editor's document (javascript: link, remote image, 1 MB attribute, newer schema) exports inert", async () => {
    const { edit, view } = newDocKeys();
    const d = new Device(server.url, edit);
    devices.push(d);
    const s = await d.start();
    await s.whenSynced();
    d.ydoc.transact(() => {
      const f = d.ydoc.getXmlFragment('default');
      const p = new Y.XmlElement('paragraph');
      const t = new Y.XmlText();
      t.insert(0, 'click me', { link: { href: 'javascript:alert(1)' } });
      t.insert(8, ' and ');
      t.insert(13, 'big', { link: { href: `https://example.com/${'A'.repeat(1024 * 1024)}` } });
      p.insert(0, [t]);
      const img = new Y.XmlElement('image');
      img.setAttribute('src', 'https://tracker.example/pixel.png');
      img.setAttribute('onerror', 'alert(1)');
      const script = new Y.XmlElement('script');
      script.insert(0, [new Y.XmlText('alert(2)')]);
      f.insert(0, [p, img, script]);
      d.ydoc.getMap('meta').set('schemaVersion', 99);
      d.ydoc.getMap('meta').set('title', '<img src=x onerror=alert(3)>');
    });
    await s.whenAcknowledged();
    const link = `${httpOrigin}/#${formatFragment(view.capability)}`;
    const md = await cli(['export', link]);
    expect(md.code).toBe(0);
    expect(md.out).toBe('---\ntitle: "<img src=x onerror=alert(3)>"\n---\n\nclick me and big\n\nalert(2)\n');
    expect(md.err).toMatch(/newer Dure wrote this document/);
    expect(md.err).toMatch(/1 image\(s\) left out/);
    expect(md.err).toMatch(/2 link\(s\) kept as plain text/);
    const html = await cli(['export', link, '--format', 'html']);
    expect(html.code).toBe(0);
    expect(html.out).toContain('<title>&lt;img src=x onerror=alert(3)&gt;</title>');
    expect(html.out).toContain('<body>\n<p>click me and big</p><p>alert(2)</p>\n</body>');
    expect(html.out).not.toMatch(/<script|javascript:|tracker\.example|<img/);
    await d.close();
  });

  it('a damaged link: a clear message, exit 2, and the link is not echoed', async () => {
    const bad = `${httpOrigin}/#1e.SECRETSECRETnotakey`;
    const r = await cli(['export', bad]);
    expectCleanFailure(r, 2, /the link is damaged/);
    expect(r.err).not.toContain('SECRETSECRET');
    expectCleanFailure(await cli(['export', `${httpOrigin}/`]), 2, /no #… part/);
    expectCleanFailure(await cli(['export', 'not a link']), 2, /not a Dure link/);
  });

  it('a dead server: a clear message and exit 3', async () => {
    // a port that was free a moment ago: nothing listens there
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const dead = `http://127.0.0.1:${port}`;
    expectCleanFailure(await cli(['export', links.view, '--server', dead]), 3, /cannot reach the sync server/);
    const file = path.join(dir, 'dead.md');
    await writeFile(file, '# x');
    expectCleanFailure(await cli(['import', file, '--server', dead]), 3, /cannot reach the sync server/);
  });

  it('a server that accepts the connection and never answers: timeout, exit 3', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await cli(['export', links.view, '--server', `http://127.0.0.1:${port}`, '--timeout', '1']);
      expectCleanFailure(r, 3, /did not finish in time/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('a document the server does not have: exit 4', async () => {
    // a well-formed view link of a document nobody created
    const other = links.view.replace(/#1r\.(.)/, (_m, c: string) => `#1r.${c === 'A' ? 'B' : 'A'}`);
    expectCleanFailure(await cli(['export', other]), 4, /not on ws:\/\/127\.0\.0\.1:\d+\/sync/);
  });

  it('a server that requires an invite: exit 4 without one, links with the right one', async () => {
    const invited = await startTestServer(['--invite-token', '초대-토큰']);
    try {
      const origin = `http://127.0.0.1:${invited.port}`;
      const file = path.join(dir, 'invite.md');
      await writeFile(file, '초대된 문서\n');
      expectCleanFailure(await cli(['import', file, '--server', origin]), 4, /pass --invite-token/);
      expectCleanFailure(
        await cli(['import', file, '--server', origin, '--invite-token', 'wrong']),
        4,
        /did not accept this invite token/,
      );
      const ok = await cli(['import', file, '--server', origin, '--invite-token', '초대-토큰']);
      expect(ok.code).toBe(0);
      const view = /view: (\S+)/.exec(ok.out)![1]!;
      const back = await cli(['export', view, '--format', 'json']);
      expect(back.code).toBe(0);
      // no heading: the file's name is the title
      expect(JSON.parse(back.out)).toMatchObject({ title: 'invite' });
      const md = await cli(['export', view]);
      expect(md.out).toBe('---\ntitle: "invite"\n---\n\n초대된 문서\n');
    } finally {
      await invited.stop();
    }
  });

  it('usage errors: exit 2 with the usage text', async () => {
    expectCleanFailure(await cli([]), 2, /usage:/);
    expectCleanFailure(await cli(['export', links.view, '--format', 'docx']), 2, /--format is md, json or html/);
    expectCleanFailure(await cli(['import', 'x.md']), 2, /import needs --server/);
  });
});
