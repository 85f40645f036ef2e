/**
 * `npm run cli -- <command> …`: export a document given its link, or import a Markdown file as a new
 * document. See README.md beside this file.
 */
import { parseArgs } from 'node:util';
import { installNodeEd25519 } from '../src/crypto/ed25519-node';
import { CliError, EXIT, exportCommand, importCommand, type Format, type Io } from './commands';

const USAGE = `usage:
  npm run cli -- export <link|-> [--server <url>] [--format md|json|html] [--out <file>] [--timeout <s>]
  npm run cli -- import <file.md> --server <url> [--invite-token <token>] [--timeout <s>]
A link given as "-" is read from stdin (keeps it out of the process list).`;

const DEFAULT_TIMEOUT_S = 30;

function timeoutMs(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TIMEOUT_S * 1000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0 || s > 3600)
    throw new CliError(EXIT.usage, '--timeout is a number of seconds, 1 to 3600');
  return Math.round(s * 1000);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(c);
    size += c.length;
    if (size > 4096) break; // a link is short; do not slurp a whole file by mistake
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE + '\n');
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      strict: true,
      options: {
        server: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string', short: 'o' },
        timeout: { type: 'string' },
        'invite-token': { type: 'string' },
      },
    });
  } catch (e) {
    // parseArgs names the option, never a value: safe to show
    throw new CliError(EXIT.usage, `${(e as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new CliError(EXIT.usage, USAGE);
  const timeout = timeoutMs(values.timeout);
  if (command === 'export') {
    const format = values.format ?? 'md';
    if (format !== 'md' && format !== 'json' && format !== 'html')
      throw new CliError(EXIT.usage, '--format is md, json or html');
    if (values['invite-token'] !== undefined) throw new CliError(EXIT.usage, '--invite-token is for import');
    return exportCommand(
      { link: positionals[0]!, server: values.server, format: format as Format, out: values.out, timeoutMs: timeout },
      io,
    );
  }
  if (command === 'import') {
    if (values.format !== undefined && values.format !== 'md')
      throw new CliError(EXIT.usage, 'import reads Markdown files only');
    if (values.out !== undefined) throw new CliError(EXIT.usage, '--out is for export');
    return importCommand(
      { file: positionals[0]!, server: values.server, inviteToken: values['invite-token'], timeoutMs: timeout },
      io,
    );
  }
  throw new CliError(EXIT.usage, `unknown command "${command.slice(0, 40)}"\n${USAGE}`);
}

async function main(): Promise<void> {
  // envelopes are signed and verified through OpenSSL (~20× noble's JavaScript)
  installNodeEd25519();
  const io: Io = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
    readStdin,
  };
  let code: number;
  try {
    code = await run(process.argv.slice(2), io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`dure: ${e.message}`);
      code = e.exitCode;
    } else {
      io.err(`dure: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      code = EXIT.internal;
    }
  }
  process.exitCode = code;
  // Sockets and timers are closed above; this only guards against a stray handle keeping us alive.
  setTimeout(() => process.exit(code), 2000).unref();
}

await main();
