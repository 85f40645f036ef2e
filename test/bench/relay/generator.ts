/**
 * A load generator: a child process (spawned by fleet.ts, pinned with taskset) holding many clients, each
 * with its own WebSocket connection and Y.Doc. It types on a schedule, logs when other clients' keystrokes
 * become visible in each of its documents, and reports its own CPU and event-loop delay so that a
 * saturated generator is seen, not mistaken for a slow server. Commands arrive over the IPC channel.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { installNodeEd25519 } from '@dure/shared/crypto/ed25519-node';
import * as Y from 'yjs';
import { fragmentText, FRAGMENT } from '../fixture';
import { CLIENT_KINDS, now, type BenchClient, type DocRef, type Marks } from './clients';
import type { Keystroke, ReceiverLog } from './stats';

export interface ClientSpec {
  readonly id: string;
  readonly ref: DocRef;
  readonly write: boolean;
  readonly create?: boolean;
}

export type Command =
  | {
      cmd: 'open';
      kind: string;
      url: string;
      clients: ClientSpec[];
      verify: 'each' | 'process';
      concurrency: number;
      /** dure-frames' batching window (OpenOptions.batchMs); undefined: the engine's default */
      batchMs?: number;
    }
  | { cmd: 'seed'; kind: string; ids: string[]; paragraphs: number; text: string; persist: boolean }
  | { cmd: 'load'; kind: string; id: string; file: string }
  | { cmd: 'record'; on: boolean }
  | {
      cmd: 'type';
      writers: { id: string; paragraph: number; offsetMs: number }[];
      intervalMs: number;
      /** timer ticks per writer */
      count: number;
      /** keystrokes per tick, each its own transaction (default 1): rates past one keystroke per ms */
      perTick?: number;
      startAt: number;
    }
  | { cmd: 'collect' }
  /** how many state advances all clients have logged so far (the orchestrator waits until it stops growing) */
  | { cmd: 'advances' }
  /**
   * how many (held client, writer) pairs still lack some of the writer's keystrokes: `targets` are [Yjs client
   * id, state after its last keystroke]; a client's own keystrokes are not counted (the drain stops at 0)
   */
  | { cmd: 'behind'; targets: [number, number][] }
  | { cmd: 'join'; kind: string; url: string; ref: DocRef; reps: number; textSha256: string; write: boolean }
  | { cmd: 'closeAll' }
  | { cmd: 'exit' };

export interface Collected {
  readonly receivers: ReceiverLog[];
  /** this process's CPU (user + system) since recording started, ms */
  readonly cpuMs: number;
  readonly wallMs: number;
  /** event-loop delay while recording: a busy generator shows it first */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  readonly problems: string[];
}

export interface JoinSample {
  readonly marks: Marks;
  readonly textOk: boolean;
  readonly problems: readonly string[];
}

interface Held {
  readonly client: BenchClient;
  readonly advances: [number, number, number][];
}

// Node devices (the CLI, the server) sign and verify with node:crypto; so do the benchmark's clients.
installNodeEd25519();

const held = new Map<string, Held>();
let recording = false;
let cpuMark = process.cpuUsage();
let wallMark = now();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function attach(id: string, client: BenchClient): void {
  const h: Held = { client, advances: [] };
  const own = client.doc.clientID;
  client.doc.on('afterTransaction', (tr: Y.Transaction) => {
    if (!recording) return;
    const t = now();
    for (const [c, after] of tr.afterState) {
      if (c !== own && after > (tr.beforeState.get(c) ?? 0)) h.advances.push([c, after, t]);
    }
  });
  held.set(id, h);
}

async function pool<T>(items: readonly T[], n: number, f: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < items.length) await f(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>(
    (_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: no answer in ${ms} ms`)), ms)),
  );
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function kindOf(name: string) {
  const k = CLIENT_KINDS[name];
  if (!k) throw new Error(`unknown client kind ${name}`);
  return k;
}

function paragraphText(doc: Y.Doc, index: number): Y.XmlText {
  const p = doc.getXmlFragment(FRAGMENT).get(index);
  const t = p instanceof Y.XmlElement ? p.get(0) : undefined;
  if (!(t instanceof Y.XmlText)) throw new Error(`paragraph ${index} has no text`);
  return t;
}

const sleepUntil = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - now())));

async function typeOn(
  w: { id: string; paragraph: number; offsetMs: number },
  c: Extract<Command, { cmd: 'type' }>,
): Promise<Keystroke[]> {
  const h = held.get(w.id);
  if (!h) throw new Error(`no client ${w.id}`);
  const doc = h.client.doc;
  const text = paragraphText(doc, w.paragraph);
  const out: Keystroke[] = [];
  const perTick = c.perTick ?? 1;
  for (let k = 0; k < c.count; k++) {
    await sleepUntil(c.startAt + w.offsetMs + k * c.intervalMs);
    for (let j = 0; j < perTick; j++) {
      const clock = Y.getState(doc.store, doc.clientID);
      const t = now();
      // one character typed at the end of this writer's own paragraph: one Yjs item, one clock tick
      text.insert(text.length, String.fromCharCode(97 + ((k * perTick + j) % 26)));
      out.push({ client: doc.clientID, clock, t });
    }
  }
  return out;
}

async function run(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'open': {
      const kind = kindOf(c.kind);
      const opened: { id: string; clientId: number }[] = [];
      await pool(c.clients, c.concurrency, async (s) => {
        const client = kind.open(c.url, s.ref, {
          write: s.write,
          create: s.create,
          verify: c.verify,
          ...(c.batchMs === undefined ? {} : { batchMs: c.batchMs }),
        });
        attach(s.id, client);
        await withTimeout(client.synced, 120_000, `client ${s.id} synced`);
        opened.push({ id: s.id, clientId: client.doc.clientID });
      });
      return opened;
    }
    case 'seed': {
      await Promise.all(
        c.ids.map(async (id) => {
          const h = held.get(id);
          if (!h) throw new Error(`no client ${id}`);
          const doc = h.client.doc;
          doc.transact(() => {
            const frag = doc.getXmlFragment(FRAGMENT);
            for (let i = 0; i < c.paragraphs; i++) {
              const p = new Y.XmlElement('paragraph');
              p.insert(0, [new Y.XmlText(c.text)]);
              frag.insert(frag.length, [p]);
            }
          });
          if (c.persist) await kindOf(c.kind).persist(h.client);
          else await h.client.whenStored();
        }),
      );
      return null;
    }
    case 'load': {
      // the whole fixture as one local change, then one snapshot that replaces it on the relay
      const h = held.get(c.id);
      if (!h) throw new Error(`no client ${c.id}`);
      Y.applyUpdateV2(h.client.doc, new Uint8Array(readFileSync(c.file)));
      await kindOf(c.kind).persist(h.client);
      return null;
    }
    case 'record': {
      recording = c.on;
      if (c.on) {
        for (const h of held.values()) h.advances.length = 0;
        cpuMark = process.cpuUsage();
        wallMark = now();
        loopDelay.reset();
        loopDelay.enable();
      } else loopDelay.disable();
      return null;
    }
    case 'type': {
      const all = await Promise.all(c.writers.map((w) => typeOn(w, c)));
      return all.flat();
    }
    case 'advances': {
      let n = 0;
      for (const h of held.values()) n += h.advances.length;
      return n;
    }
    case 'behind': {
      let n = 0;
      for (const h of held.values()) {
        const doc = h.client.doc;
        for (const [writer, state] of c.targets)
          if (writer !== doc.clientID && Y.getState(doc.store, writer) < state) n++;
      }
      return n;
    }
    case 'collect': {
      const cpu = process.cpuUsage(cpuMark);
      const out: Collected = {
        receivers: [...held].map(([id, h]) => ({ id, ownClient: h.client.doc.clientID, advances: h.advances })),
        cpuMs: (cpu.user + cpu.system) / 1000,
        wallMs: now() - wallMark,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
        problems: [...held].flatMap(([id, h]) => h.client.problems.map((p) => `${id}: ${p}`)).slice(0, 50),
      };
      return out;
    }
    case 'join': {
      const kind = kindOf(c.kind);
      const samples: JoinSample[] = [];
      for (let r = 0; r < c.reps; r++) {
        const client = kind.open(c.url, c.ref, { write: c.write, verify: 'each' });
        await withTimeout(client.synced, 120_000, 'join synced');
        // outside the timed region: the document the new device holds is the fixture, character for character
        const sha = createHash('sha256').update(fragmentText(client.doc)).digest('hex');
        samples.push({ marks: { ...client.marks }, textOk: sha === c.textSha256, problems: [...client.problems] });
        client.close();
        client.doc.destroy();
      }
      return samples;
    }
    case 'closeAll': {
      for (const h of held.values()) {
        h.client.close();
        h.client.doc.destroy();
      }
      held.clear();
      return null;
    }
    case 'exit':
      setTimeout(() => process.exit(0), 10);
      return null;
  }
}

process.on('message', (msg: { id: number; command: Command }) => {
  run(msg.command).then(
    (value) => process.send!({ id: msg.id, ok: true, value }),
    (e: unknown) =>
      process.send!({ id: msg.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
