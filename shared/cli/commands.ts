/**
 * The two commands. Each returns an exit code and writes only what the user asked for to stdout
 * (links, or the exported document when there is no --out); everything else goes to stderr.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { viewCapabilityOf, newEditCapability } from '../src/crypto/capability';
import {
  docFromYDoc,
  docToHtml,
  exportMarkdownFile,
  htmlDocument,
  importMarkdownFile,
  writeDocToYDoc,
  type ConvertReport,
} from '../src/convert';
import { checkSchema } from '../src/editor';
import { MAX_INVITE_TOKEN_BYTES } from '../src/protocol/limits';
import { linkFor, parseDocLink, serverAddress, type ServerAddress } from './link';
import { openRemote, type RemoteError } from './remote';

export const EXIT = {
  ok: 0,
  /** anything unexpected (a bug): the only case that prints a stack */
  internal: 1,
  /** bad arguments, bad link, unreadable input file */
  usage: 2,
  /** the server could not be reached or did not answer in time */
  network: 3,
  /** the server refused: invite required, no such document, ... */
  refused: 4,
  /** the output could not be written */
  output: 5,
} as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** the link when it is given as "-" (kept out of the process list) */
  readStdin(): Promise<string>;
}

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

const LINK_ERRORS = {
  'no-fragment': 'the link has no #… part: copy the whole link from the Share dialog',
  'bad-fragment': 'the link is damaged (the part after # is not a Dure key): copy it again',
  'unsupported-version': 'the link was made by a newer Dure than this one',
  'bad-url': 'that is not a Dure link (expected https://…/#… or the #… part with --server)',
} as const;

function remoteMessage(e: RemoteError, server: ServerAddress, detail: string | undefined, invited = false): CliError {
  switch (e) {
    case 'unreachable':
      return new CliError(EXIT.network, `cannot reach the sync server at ${server.ws}${detail ? ` (${detail})` : ''}`);
    case 'timeout':
      return new CliError(EXIT.network, `the sync server at ${server.ws} did not finish in time (see --timeout)`);
    case 'invite-required':
      return new CliError(
        EXIT.refused,
        invited
          ? 'the server did not accept this invite token'
          : 'this server only accepts new documents with an invite token: pass --invite-token (ask its operator)',
      );
    case 'unknown-doc':
      return new CliError(EXIT.refused, `this document is not on ${server.ws} (wrong server, or deleted)`);
    case 'refused':
      return new CliError(EXIT.refused, `the sync server refused the request${detail ? ` (${detail})` : ''}`);
  }
}

function warnReport(io: Io, r: ConvertReport): void {
  if (r.droppedImages > 0)
    io.err(
      `note: ${r.droppedImages} image(s) left out: Dure keeps images only as blobs of the document, never links to them`,
    );
  if (r.droppedLinks > 0)
    io.err(`note: ${r.droppedLinks} link(s) kept as plain text: their target is not an http(s) or mailto address`);
  if (r.droppedNodes > 0) io.err(`note: ${r.droppedNodes} element(s) of a kind Dure does not have were left out`);
  if (r.flattened > 0) io.err(`note: ${r.flattened} part(s) nested too deeply were kept as plain text`);
}

function server(option: string | undefined, origin: string | undefined): ServerAddress {
  const raw = option ?? origin;
  if (raw === undefined) throw new CliError(EXIT.usage, 'no server: pass --server <url> (the link does not name one)');
  const s = serverAddress(raw);
  if (!s.ok)
    throw new CliError(EXIT.usage, 'the --server address must be http(s)://host[:port] or ws(s)://host[:port]/sync');
  return s.value;
}

export type Format = 'md' | 'json' | 'html';

export interface ExportArgs {
  link: string;
  server?: string;
  format: Format;
  out?: string;
  timeoutMs: number;
}

export async function exportCommand(a: ExportArgs, io: Io): Promise<number> {
  const linkText = a.link === '-' ? ((await io.readStdin()).split('\n')[0] ?? '') : a.link;
  const link = parseDocLink(linkText);
  if (!link.ok) throw new CliError(EXIT.usage, LINK_ERRORS[link.error]);
  const srv = server(a.server, link.value.origin);
  // Reading needs only the view capability: an export never writes, and never creates a document.
  const remote = await openRemote({
    wsUrl: srv.ws,
    capability: viewCapabilityOf(link.value.capability),
    signal: AbortSignal.timeout(a.timeoutMs),
  });
  let content: string;
  try {
    const synced = await remote.until((signal) => remote.session.whenSynced({ signal }));
    if (!synced.ok) throw remoteMessage(synced.error, srv, synced.detail);
    const problems = remote.session.status.problems.filter((p) => p.kind !== 'rejected');
    if (problems.length > 0)
      io.err(
        `warning: some changes on the server could not be verified and are not in the export (${problems.map((p) => p.kind).join(', ')})`,
      );
    if (!checkSchema(remote.ydoc).ok)
      io.err('note: a newer Dure wrote this document: what this version does not know is left out of the export');
    const read = docFromYDoc(remote.ydoc);
    if (!read.ok) throw new CliError(EXIT.refused, 'the document on the server cannot be read (it is damaged)');
    warnReport(io, read.value.report);
    const { doc, title } = read.value;
    content =
      a.format === 'json'
        ? JSON.stringify({ title, doc: doc.toJSON() }, null, 2) + '\n'
        : a.format === 'html'
          ? htmlDocument(title, docToHtml(doc))
          : exportMarkdownFile(doc, title);
  } finally {
    await remote.close();
  }
  if (a.out === undefined) {
    io.out(content);
    return EXIT.ok;
  }
  try {
    await writeFile(a.out, content, { encoding: 'utf8', mode: 0o600 });
  } catch (e) {
    throw new CliError(EXIT.output, `cannot write ${a.out}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  io.err(`exported to ${a.out}`);
  return EXIT.ok;
}

export interface ImportArgs {
  file: string;
  server?: string;
  inviteToken?: string;
  timeoutMs: number;
}

export async function importCommand(a: ImportArgs, io: Io): Promise<number> {
  if (a.server === undefined) throw new CliError(EXIT.usage, 'import needs --server <url>: the server to upload to');
  const srv = server(a.server, undefined);
  let invite: Uint8Array | undefined;
  if (a.inviteToken !== undefined) {
    invite = new TextEncoder().encode(a.inviteToken);
    if (invite.length === 0 || invite.length > MAX_INVITE_TOKEN_BYTES)
      throw new CliError(EXIT.usage, `an invite token is 1 to ${MAX_INVITE_TOKEN_BYTES} bytes`);
  }
  let text: string;
  try {
    text = await readFile(a.file, 'utf8');
  } catch (e) {
    throw new CliError(EXIT.usage, `cannot read ${a.file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const parsed = importMarkdownFile(text, a.file);
  if (!parsed.ok)
    throw new CliError(
      EXIT.usage,
      parsed.error === 'too-large' ? `${a.file} is too large to import` : `${a.file} could not be read as Markdown`,
    );
  warnReport(io, parsed.value.report);
  const capability = newEditCapability();
  const remote = await openRemote({
    wsUrl: srv.ws,
    capability,
    ...(invite ? { inviteToken: invite } : {}),
    signal: AbortSignal.timeout(a.timeoutMs),
    fill: (ydoc) => writeDocToYDoc(ydoc, parsed.value.doc, parsed.value.title),
  });
  try {
    const acked = await remote.until((signal) => remote.session.whenAcknowledged({ signal }));
    if (!acked.ok) throw remoteMessage(acked.error, srv, acked.detail, invite !== undefined);
  } finally {
    await remote.close();
  }
  io.err(
    `imported "${parsed.value.title}"; anyone with a link can open it: share them only through a channel you trust`,
  );
  io.out(`edit: ${linkFor(srv, capability)}\n`);
  io.out(`view: ${linkFor(srv, viewCapabilityOf(capability))}\n`);
  return EXIT.ok;
}
