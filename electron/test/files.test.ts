/**
 * The desktop app's open and save, with a scripted dialog (the user's choice) and a real temporary
 * folder: what the renderer receives, what lands on disk, and what is refused.
 */
import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  openDocumentFile,
  registerFileHandlers,
  saveDocumentFile,
  suggestedName,
  writeAtomically,
  type DialogLike,
  type FilesDeps,
} from '../src/main/files';
import { createIpc, IpcRefused, type InvokeEvent } from '../src/main/ipc';
import { CHANNELS, MAX_OPEN_FILE_BYTES, openRefusalOf } from '../src/shared-api';

let dir: string;
let docs: string;
/** What the user picks in the next dialog: a path, or null to cancel. */
let choice: string | null;
let asked: { kind: 'open' | 'save'; options: unknown }[];

const dialog: DialogLike = {
  showOpenDialog: (_w, options) => {
    asked.push({ kind: 'open', options });
    return Promise.resolve(
      choice === null ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [choice] },
    );
  },
  showSaveDialog: (_w, options) => {
    asked.push({ kind: 'save', options });
    return Promise.resolve(choice === null ? { canceled: true } : { canceled: false, filePath: choice });
  },
};
const deps: FilesDeps = { dialog, defaultDir: () => docs };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dure-files-'));
  docs = path.join(dir, 'Documents');
  await mkdir(docs);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  choice = null;
  asked = [];
});

describe('open', () => {
  it('returns the chosen file’s bytes and bare name, never its path', async () => {
    choice = path.join(docs, '회의록.md');
    await writeFile(choice, '# 두레\n');
    const r = await openDocumentFile(deps);
    expect(r).toEqual({ status: 'opened', name: '회의록.md', bytes: new TextEncoder().encode('# 두레\n') });
    expect(JSON.stringify(asked[0]!.options)).toContain('"docx"');
  });

  it('cancel reads nothing', async () => {
    expect(await openDocumentFile(deps)).toEqual({ status: 'cancelled' });
  });

  it('refuses an extension it does not convert, even when typed past the filter', async () => {
    choice = path.join(dir, 'id_rsa');
    await writeFile(choice, 'SECRET');
    expect(await openDocumentFile(deps)).toEqual({ status: 'refused', reason: 'extension', name: 'id_rsa' });
    choice = path.join(dir, 'notes.md.exe');
    await writeFile(choice, 'MZ');
    expect(await openDocumentFile(deps)).toMatchObject({ status: 'refused', reason: 'extension' });
  });

  it('refuses a file over the limit, and a folder or device named like a document', async () => {
    choice = path.join(dir, 'big.docx');
    await writeFile(choice, new Uint8Array(MAX_OPEN_FILE_BYTES + 1));
    expect(await openDocumentFile(deps)).toEqual({ status: 'refused', reason: 'too-large', name: 'big.docx' });
    choice = path.join(dir, 'folder.md');
    await mkdir(choice);
    expect(await openDocumentFile(deps)).toMatchObject({ status: 'refused', reason: 'not-a-file' });
    choice = path.join(dir, 'zero.md');
    await symlink('/dev/zero', choice);
    expect(await openDocumentFile(deps)).toMatchObject({ status: 'refused', reason: 'not-a-file' });
    choice = path.join(dir, 'missing.md');
    expect(await openDocumentFile(deps)).toMatchObject({ status: 'refused', reason: 'unreadable' });
  });
});

describe('save', () => {
  it('suggests the name in the documents folder and writes the bytes where the user chose', async () => {
    choice = path.join(docs, '두레 회의록.docx');
    const bytes = new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3]);
    expect(await saveDocumentFile(deps, '두레 회의록.docx', bytes)).toEqual({
      result: 'saved',
      name: '두레 회의록.docx',
    });
    expect((asked[0]!.options as { defaultPath: string }).defaultPath).toBe(path.join(docs, '두레 회의록.docx'));
    expect(new Uint8Array(await readFile(choice))).toEqual(bytes);
  });

  it('replaces an existing file whole and leaves no temporary file behind', async () => {
    choice = path.join(docs, 'notes.md');
    await writeFile(choice, 'old '.repeat(1000));
    await saveDocumentFile(deps, 'notes.md', new TextEncoder().encode('new'));
    expect(await readFile(choice, 'utf8')).toBe('new');
    expect((await readdir(docs)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('adds the format’s extension to a name typed without it', async () => {
    choice = path.join(docs, 'plain');
    expect(await saveDocumentFile(deps, 'x.html', new TextEncoder().encode('<p>'))).toEqual({
      result: 'saved',
      name: 'plain.html',
    });
    expect((asked[0]!.options as { filters: unknown }).filters).toEqual([
      { name: 'HTML', extensions: ['html', 'htm'] },
    ]);
    expect(await readFile(path.join(docs, 'plain.html'), 'utf8')).toBe('<p>');
  });

  it('cancel writes nothing', async () => {
    const before = await readdir(docs);
    expect(await saveDocumentFile(deps, 'x.md', new Uint8Array([1]))).toEqual({ result: 'cancelled' });
    expect(await readdir(docs)).toEqual(before);
  });

  it('a folder that cannot be written reports failure and leaves nothing', async () => {
    choice = path.join(dir, 'no-such-folder', 'a.md');
    expect(await saveDocumentFile(deps, 'a.md', new Uint8Array([1]))).toEqual({ result: 'failed', name: 'a.md' });
    await expect(writeAtomically(path.join(dir, 'no-such-folder', 'b.md'), new Uint8Array([1]))).rejects.toThrow();
  });

  it('a suggested name never leaves the documents folder', () => {
    expect(suggestedName('../../etc/notes.md')).toBe('notes.md');
    expect(suggestedName('..\\..\\Windows\\win.html')).toBe('win.html');
    expect(suggestedName('..')).toBe('document');
    expect(suggestedName('.docx')).toBe('document.docx');
    expect(suggestedName('회의록.docx')).toBe('회의록.docx');
  });
});

describe('IPC', () => {
  const frame = { url: 'app://dure/', parent: null, processId: 1, routingId: 1 };
  const event: InvokeEvent = { senderFrame: frame, sender: { id: 1, mainFrame: frame } };
  const handlers = new Map<string, (event: InvokeEvent, ...args: unknown[]) => unknown>();
  const ipc = createIpc({ ipcMain: { handle: (c, l) => void handlers.set(c, l) }, isOurContents: () => true });
  registerFileHandlers(ipc, deps);
  const save = (name: unknown, bytes: unknown = new Uint8Array([1])) =>
    handlers.get(CHANNELS.saveFile)!(event, { name, bytes });
  const open = () => handlers.get(CHANNELS.openFile)!(event) as Promise<unknown>;

  it('refuses a path, a traversal or a reserved name as the suggested name before any dialog opens', () => {
    for (const name of ['../../.bashrc', '/etc/passwd', 'a/b.md', 'C:\\x.md', '..', 'nul.md', 'x\u0000.md']) {
      expect(() => save(name), name).toThrow(IpcRefused);
    }
    for (const name of ['run.exe', 'notes', '.md', 'a.md.sh']) expect(() => save(name), name).toThrow(IpcRefused);
    expect(() => save('a.md', 'not bytes')).toThrow(IpcRefused);
    expect(() => handlers.get(CHANNELS.saveFile)!(event, 'a.md', new Uint8Array([1]))).toThrow(IpcRefused);
    expect(() => handlers.get(CHANNELS.openFile)!(event, '/etc/passwd')).toThrow(IpcRefused);
    expect(asked).toEqual([]);
  });

  it('a valid save goes to the dialog and the disk', async () => {
    choice = path.join(docs, 'via-ipc.md');
    expect(await save('via-ipc.md', new TextEncoder().encode('안녕'))).toBe('saved');
    expect(await readFile(choice, 'utf8')).toBe('안녕');
    choice = null;
    expect(await save('via-ipc.md')).toBe('cancelled');
  });

  it('open answers the file, null on cancel, and a rejection naming the refusal', async () => {
    choice = path.join(docs, 'via-ipc.md');
    expect(await open()).toEqual({ name: 'via-ipc.md', bytes: new TextEncoder().encode('안녕') });
    choice = null;
    expect(await open()).toBeNull();
    choice = path.join(dir, 'id_rsa');
    const e = await open().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(openRefusalOf(e)).toBe('extension');
    expect(openRefusalOf(new Error('other'))).toBeNull();
  });
});
