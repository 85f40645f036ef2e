/**
 * E2EE 4.8 from the client's side: two real sessions on one document, the honest one connected straight
 * to the real relay, the victim through a hostile relay (hostile-relay.ts) that tampers with, replays,
 * reorders, withholds, forges and rolls back what the victim receives. For every attack: the victim's
 * document stays correct (the honest document, or the honest document minus what was withheld), the
 * session reports the right problem, nothing is half-applied, and once the attack stops, no edit made on
 * either side is lost.
 */
import { getSchema } from '@tiptap/core';
import type { Node as PMNode } from '@tiptap/pm/model';
import { initProseMirrorDoc } from '@tiptap/y-tiptap';
import { randomBytes } from '@dure/shared/bytes';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '@dure/shared/crypto/capability';
import { createEditorExtensions, DOCUMENT_FRAGMENT, makeSchemaInert } from '@dure/shared/editor/index';
import type { DocKeys } from '@dure/shared/local/api';
import { encodeFrame, newId, sealPresence, sealSnapshot, sealUpdate } from '@dure/shared/protocol/index';
import * as encoding from 'lib0/encoding';
import { MemoryStorage } from '@dure/shared/storage/memory';
import { startSession } from '@dure/shared/sync/session';
import type { DocSession, SyncProblem, SyncProblemKind } from '@dure/shared/sync/types';
import { createWebSocketTransport } from '@dure/shared/sync/ws-transport';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
  duplicate,
  isDownSnapshot,
  isDownUpdate,
  startHostileRelay,
  tamper,
  withhold,
  withRelaySeq,
  type HostileRelay,
  type TamperPart,
} from './hostile-relay';
import { startTestServer, type TestServer } from './server';

let server: TestServer;
let relay: HostileRelay;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  server = await startTestServer();
  relay = await startHostileRelay(server.url);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await relay?.close();
  await server?.stop();
});

/** Guards against a hang only: nothing asserts how long anything took. */
const WAIT = { timeout: 20_000, interval: 25 };

interface Client {
  readonly ydoc: Y.Doc;
  readonly session: DocSession & { readonly deviceId: string };
  readonly problems: SyncProblem[];
  text(): string;
  /** One local edit, sealed as its own envelope and acknowledged by the relay. */
  type(s: string, at?: number): Promise<void>;
  problemKinds(): SyncProblemKind[];
}

async function client(
  keys: DocKeys,
  url: string,
  opts: { snapshotEvery?: { updates: number; bytes: number } } = {},
): Promise<Client> {
  const ydoc = new Y.Doc();
  const session = await startSession({
    ydoc,
    keys,
    storage: new MemoryStorage(),
    docKey: randomBytes(32),
    transports: [createWebSocketTransport({ url, WebSocket })],
    ...opts,
  });
  const problems: SyncProblem[] = [];
  session.on('problem', (p) => problems.push(p));
  cleanups.push(async () => {
    await session.close();
    ydoc.destroy();
  });
  const text = (): string => ydoc.getText('t').toString();
  return {
    ydoc,
    session,
    problems,
    text,
    async type(s, at) {
      ydoc.getText('t').insert(at ?? text().length, s);
      await session.flush();
      await session.whenAcknowledged();
    },
    problemKinds: () => problems.map((p) => p.kind),
  };
}

/** A document written by `honest` (straight to the relay) and a victim that has caught up through the hostile relay. */
async function pair(opts: { snapshotEvery?: { updates: number; bytes: number } } = {}) {
  const cap = newEditCapability();
  const keys = deriveDocKeys(cap);
  const honest = await client(keys, server.url, opts);
  await honest.type('base ');
  const victim = await client(keys, relay.url);
  await victim.session.whenSynced();
  await vi.waitFor(() => expect(victim.text()).toBe('base '), WAIT);
  return { cap, keys, honest, victim };
}

/** The document's read secret (so the encryption is valid) with a signing key that is not the link's. */
function forgerOf(keys: DocKeys): DocKeys {
  return {
    docId: keys.docId,
    kind: 'edit',
    readSecret: keys.readSecret,
    writePub: keys.writePub,
    writeSeed: randomBytes(32),
    contentKey: (e) => keys.contentKey(e),
    presenceKey: (e) => keys.presenceKey(e),
    blobKey: (b) => keys.blobKey(b),
  };
}

/** Update frames the hostile relay forwarded (or was asked to forward) from this device. */
const downUpdates = (deviceId: string) =>
  relay.log.filter(isDownUpdate).filter((s) => s.frame.envelope.deviceId === deviceId);

/** Waits until the victim has processed every frame the relay sent before this point: its own ack comes after them. */
async function roundTrip(victim: Client, marker: string): Promise<void> {
  await victim.type(marker, 0);
}

const installed: (() => void)[] = [];
afterEach(() => {
  for (const remove of installed.splice(0)) remove();
});
const install = <A extends Parameters<HostileRelay['attack']>[0]>(a: A): A => {
  installed.push(relay.attack(a));
  return a;
};
const uninstall = (): void => {
  for (const remove of installed.splice(0)) remove();
};

/** After the attack stops the victim reconnects (as after any relay trouble) and both sides converge. */
async function converge(honest: Client, victim: Client): Promise<void> {
  uninstall();
  relay.dropConnections();
  await vi.waitFor(() => {
    expect(victim.text()).toBe(honest.text());
    expect(victim.session.status.pending).toBe(0);
  }, WAIT);
}

describe('a hostile relay against a session (E2EE 4.8, client side)', { timeout: 90_000 }, () => {
  it.each<TamperPart>(['ciphertext', 'seq', 'epoch', 'signature'])(
    '#1/#2 a tampered update (%s): reported as bad-envelope, nothing of it applied, no edit lost',
    async (part) => {
      const { honest, victim } = await pair();
      const dev = honest.session.deviceId;
      const next = downUpdates(dev).at(-1)!.frame.envelope.seq + 1;
      const a = install(tamper({ deviceId: dev, seq: next }, part));
      await honest.type('TAMPERED ');
      await vi.waitFor(() => expect(victim.problemKinds()).toContain('bad-envelope'), WAIT);
      expect(a.hits).toBeGreaterThan(0);
      expect(victim.text()).toBe('base ');
      // the victim keeps writing during the attack: its edits reach the honest side
      await victim.type('victim ');
      await vi.waitFor(() => expect(honest.text()).toContain('victim '), WAIT);
      expect(victim.text()).not.toContain('TAMPERED');
      await converge(honest, victim);
      expect(victim.text()).toContain('TAMPERED ');
    },
  );

  it('#3 replayed updates (twice in a row, and again later with a new relaySeq) are ignored', async () => {
    const { honest, victim } = await pair();
    const dev = honest.session.deviceId;
    install(duplicate({ deviceId: dev }));
    await honest.type('one ');
    await honest.type('two ');
    await vi.waitFor(() => expect(victim.text()).toBe(honest.text()), WAIT);
    const first = downUpdates(dev)[0]!;
    const last = downUpdates(dev).at(-1)!;
    relay.inject(withRelaySeq(first.frame, last.frame.relaySeq + 1));
    await roundTrip(victim, 'v ');
    expect(victim.text()).toBe('v base one two ');
    expect(victim.problems).toEqual([]);
    await converge(honest, victim);
  });

  it('#4 two updates delivered in reverse order: the later one waits for the earlier one', async () => {
    const { honest, victim } = await pair();
    const dev = honest.session.deviceId;
    const k = downUpdates(dev).at(-1)!.frame.envelope.seq + 1;
    install(withhold({ deviceId: dev, seq: k }));
    await honest.type('A'); // seq k: held back
    honest.ydoc.getText('t').delete(0, 1); // seq k + 1: deletes the "b" of "base", which the victim has
    await honest.session.flush();
    await honest.session.whenAcknowledged();
    await vi.waitFor(() => expect(downUpdates(dev).some((s) => s.frame.envelope.seq === k + 1)).toBe(true), WAIT);
    await roundTrip(victim, 'v ');
    // k + 1 arrived and was processed, but applying it before k would have removed the "b"
    expect(victim.text()).toBe('v base ');
    const held = downUpdates(dev).find((s) => s.frame.envelope.seq === k)!;
    uninstall();
    relay.inject(held.raw);
    await vi.waitFor(() => expect(victim.text()).toBe('v ase A'), WAIT);
    expect(victim.problemKinds()).not.toContain('bad-envelope');
    await vi.waitFor(() => expect(honest.text()).toBe(victim.text()), WAIT);
  });

  it('#5 a withheld update: the gap is reported as missing-updates; later updates wait; delivered once the relay stops', async () => {
    const { honest, victim } = await pair();
    const dev = honest.session.deviceId;
    const k = downUpdates(dev).at(-1)!.frame.envelope.seq + 1;
    install(withhold({ deviceId: dev, seq: k }));
    await honest.type('missing ');
    await honest.type('after ');
    // a reconnect: the catch-up still lacks seq k, and the session says so
    relay.dropConnections();
    await vi.waitFor(() => expect(victim.problemKinds()).toContain('missing-updates'), WAIT);
    expect(victim.problems.find((p) => p.kind === 'missing-updates')!.detail).toBe(dev);
    // the honest document minus the withheld update and everything that depends on its seq
    expect(victim.text()).toBe('base ');
    await victim.type('mine ');
    await vi.waitFor(() => expect(honest.text()).toContain('mine '), WAIT);
    await converge(honest, victim);
    // 'mine ' and 'missing after ' were inserted concurrently at the same place: Yjs orders them by
    // client id, which is random, so either order is correct as long as both sides agree
    expect(['base missing after mine ', 'base mine missing after ']).toContain(victim.text());
  });

  it('#8/#9 a forged update (valid encryption, signed with another key, e.g. by a viewer) is rejected', async () => {
    const { keys, honest, victim } = await pair();
    const dev = honest.session.deviceId;
    const last = downUpdates(dev).at(-1)!;
    const forger = forgerOf(keys);
    const forgedText = new Y.Doc();
    forgedText.getText('t').insert(0, 'FORGED ');
    const update = Y.encodeStateAsUpdateV2(forgedText);
    for (const deviceId of [dev, newId()]) {
      const env = sealUpdate(
        forger,
        { epoch: 0, deviceId, seq: deviceId === dev ? last.frame.envelope.seq + 1 : 1 },
        update,
      );
      relay.inject(
        encodeFrame({ type: 'update', docId: keys.docId, relaySeq: last.frame.relaySeq + 1, envelope: env }),
      );
    }
    await vi.waitFor(() => expect(victim.problemKinds().filter((k) => k === 'bad-envelope')).toHaveLength(2), WAIT);
    expect(victim.problems.map((p) => p.detail)).toEqual(['bad-signature', 'bad-signature']);
    expect(victim.text()).toBe('base ');
    // the forgery did not take the honest device's next seq
    await honest.type('real ');
    await vi.waitFor(() => expect(victim.text()).toBe('base real '), WAIT);
    // a view capability cannot sign at all
    expect(() =>
      sealUpdate(deriveDocKeys(viewCapabilityOf(newEditCapability())), { epoch: 0, deviceId: dev, seq: 1 }, update),
    ).toThrow();
    await converge(honest, victim);
  });

  it('#8 a forged frame claiming a far-ahead relaySeq does not make the victim skip what it missed meanwhile', async () => {
    const { keys, honest, victim } = await pair();
    const dev = honest.session.deviceId;
    const forger = forgerOf(keys);
    const env = sealUpdate(forger, { epoch: 0, deviceId: newId(), seq: 1 }, Y.encodeStateAsUpdateV2(new Y.Doc()));
    relay.inject(encodeFrame({ type: 'update', docId: keys.docId, relaySeq: 2 ** 40, envelope: env }));
    await vi.waitFor(() => expect(victim.problemKinds()).toContain('bad-envelope'), WAIT);
    // the victim misses an edit (a dropped connection, a lost frame), then reconnects and catches up
    install(withhold({ deviceId: dev }));
    await honest.type('while away ');
    await converge(honest, victim);
    expect(victim.text()).toBe('base while away ');
  });

  it('#10 an envelope of another document inside a frame for this one: refused, nothing applied', async () => {
    const { keys, honest, victim } = await pair();
    const other = deriveDocKeys(newEditCapability());
    const d = new Y.Doc();
    d.getText('t').insert(0, 'OTHER DOC ');
    const env = sealUpdate(other, { epoch: 0, deviceId: newId(), seq: 1 }, Y.encodeStateAsUpdateV2(d));
    const frame = encodeFrame({ type: 'update', docId: other.docId, relaySeq: 99, envelope: env });
    frame.set(encodeFrame({ type: 'synced', docId: keys.docId, relaySeq: 0 }).subarray(2, 18), 2); // frame docId := victim's
    relay.inject(frame);
    await vi.waitFor(() => expect(victim.problemKinds()).toContain('bad-envelope'), WAIT);
    expect(victim.text()).toBe('base ');
    await honest.type('more ');
    await converge(honest, victim);
  });

  it('#6 an old snapshot served to a client that knows a newer one: reported as rollback, the document keeps its state', async () => {
    const { keys, honest, victim } = await pair({ snapshotEvery: { updates: 2, bytes: 1 << 20 } });
    const snapshots = () => relay.log.filter(isDownSnapshot).filter((s) => s.frame.docId === keys.docId);
    for (let n = 1; n <= 2; n++) {
      for (let i = 0; i < 3; i++) await honest.type(`${n}.${i} `);
      await vi.waitFor(() => expect(snapshots().length).toBeGreaterThanOrEqual(n), WAIT);
    }
    await vi.waitFor(() => expect(victim.text()).toBe(honest.text()), WAIT);
    const snaps = snapshots();
    expect(snaps.length).toBeGreaterThanOrEqual(2);
    const before = victim.text();
    relay.inject(snaps[0]!.raw);
    await vi.waitFor(() => expect(victim.problemKinds()).toContain('rollback'), WAIT);
    expect(victim.text()).toBe(before);
    // and a snapshot signed by the editor key but starting a chain of its own (a fork): also a rollback
    const fork = sealSnapshot(keys, { epoch: 0, parent: null, covers: [] }, Y.encodeStateAsUpdateV2(new Y.Doc()));
    relay.inject(
      encodeFrame({ type: 'snapshot', docId: keys.docId, relaySeq: snaps.at(-1)!.frame.relaySeq, envelope: fork }),
    );
    await vi.waitFor(
      () => expect(victim.problemKinds().filter((k) => k === 'rollback').length).toBeGreaterThanOrEqual(2),
      WAIT,
    );
    expect(victim.text()).toBe(before);
    await victim.type('after rollback ');
    await honest.type('honest ');
    const warnings = victim.problemKinds().filter((k) => k === 'rollback').length;
    await converge(honest, victim);
    // the relay behaves again: its current snapshot, served on reconnect, is not another rollback
    await honest.type('later ');
    await vi.waitFor(() => expect(victim.text()).toBe(honest.text()), WAIT);
    expect(victim.problemKinds().filter((k) => k === 'rollback')).toHaveLength(warnings);
  });

  it('#11 and B14: an envelope of another epoch, and a signed one whose content is not a Yjs update: refused, editing goes on', async () => {
    const { keys, honest, victim } = await pair();
    const d = new Y.Doc();
    d.getText('t').insert(0, 'OLD EPOCH ');
    const deviceId = newId();
    const frame = (seq: number, epoch: number, payload: Uint8Array): Uint8Array =>
      encodeFrame({
        type: 'update',
        docId: keys.docId,
        relaySeq: 0,
        envelope: sealUpdate(keys, { epoch, deviceId, seq }, payload),
      });
    relay.inject(frame(1, 1, Y.encodeStateAsUpdateV2(d)));
    await vi.waitFor(() => expect(victim.problems.map((p) => p.detail)).toContain('wrong-epoch'), WAIT);
    expect(victim.problemKinds()).toEqual(['bad-envelope']);
    // a poison pill from a real editor's key: decrypts and verifies, but does not decode
    relay.inject(frame(1, 0, Uint8Array.of(0, 1, 2, 3, 250, 251, 252)));
    await vi.waitFor(() => expect(victim.problemKinds()).toContain('bad-update'), WAIT);
    expect(victim.text()).toBe('base ');
    await victim.type('still editing ');
    await honest.type('and honest ');
    await vi.waitFor(() => expect(victim.text()).toBe(honest.text()), WAIT);
  });

  it('#24 a hostile edit signed by a real editor (javascript: link, remote image, 1 MB attributes) applies and renders inert', async () => {
    const { honest, victim } = await pair();
    const frag = honest.ydoc.getXmlFragment(DOCUMENT_FRAGMENT);
    const p = new Y.XmlElement('paragraph');
    p.setAttribute('onclick', 'alert(1)');
    p.setAttribute('data-evil', 'x'.repeat(1_000_000));
    const t = new Y.XmlText();
    t.insert(0, 'click me', { link: { href: 'javascript:alert(1)', target: '_self', onclick: 'alert(2)' } });
    p.insert(0, [t]);
    const img = new Y.XmlElement('image');
    img.setAttribute('src', 'http://127.0.0.1:9/track.png');
    img.setAttribute('srcset', 'http://127.0.0.1:9/track.png 1x');
    img.setAttribute('alt', 'A'.repeat(1_000_000));
    honest.ydoc.transact(() => frag.insert(0, [p, img]));
    await honest.session.flush();
    await honest.session.whenAcknowledged();

    // a valid edit: it applies on the victim as written
    const vfrag = victim.ydoc.getXmlFragment(DOCUMENT_FRAGMENT);
    await vi.waitFor(() => expect(vfrag.length).toBe(2), WAIT);
    expect((vfrag.get(1) as Y.XmlElement).getAttribute('src')).toBe('http://127.0.0.1:9/track.png');
    expect(victim.problems).toEqual([]);

    // what the editor would render from it (the binding's own Y → ProseMirror path, the schema's toDOM)
    const schema = getSchema(createEditorExtensions({ ydoc: new Y.Doc() }));
    makeSchemaInert(schema);
    const { doc } = initProseMirrorDoc(vfrag, schema);
    const rendered: unknown[] = [];
    doc.descendants((n: PMNode) => {
      if (n.type.spec.toDOM) rendered.push(n.type.spec.toDOM(n));
      for (const m of n.marks) if (m.type.spec.toDOM) rendered.push(m.type.spec.toDOM(m, true));
    });
    expect(doc.textContent).toBe('click me');
    const image = rendered.find((r) => Array.isArray(r) && r[0] === 'img') as [string, Record<string, string>];
    const link = rendered.find((r) => Array.isArray(r) && r[0] === 'a') as [string, Record<string, string>];
    expect(image).toBeDefined();
    expect(link).toBeDefined();
    expect(Object.keys(image[1])).not.toContain('src');
    expect(Object.keys(image[1])).not.toContain('srcset');
    expect(image[1].alt!.length).toBeLessThanOrEqual(500);
    expect(link[1].href).toBeUndefined();
    const json = JSON.stringify(rendered);
    expect(json).not.toMatch(/javascript:|onclick|127\.0\.0\.1:9|data-evil/);
    expect(json.length).toBeLessThan(10_000);
    await converge(honest, victim);
  });

  it('#13/#14 presence: a replayed message, one without the key and one impersonating a peer change nothing', async () => {
    const { cap, keys, honest, victim } = await pair();
    const hid = honest.ydoc.clientID;
    const shown = () => victim.session.awareness.getStates().get(hid)?.user?.name as string | undefined;
    honest.session.setUser({ name: '첫째', color: '#112233' });
    await vi.waitFor(() => expect(shown()).toBe('첫째'), WAIT);
    const presenceFrames = () => relay.log.filter((s) => s.dir === 'down' && s.frame?.type === 'presence');
    const old = presenceFrames().at(-1)!;
    honest.session.setUser({ name: '둘째', color: '#112233' });
    await vi.waitFor(() => expect(shown()).toBe('둘째'), WAIT);

    relay.inject(old.raw); // #13
    const keyless: DocKeys = {
      docId: keys.docId,
      kind: 'view',
      readSecret: randomBytes(32),
      writePub: keys.writePub,
      contentKey: () => randomBytes(32),
      presenceKey: () => randomBytes(32),
      blobKey: () => randomBytes(32),
    };
    const claim = (name: string): Uint8Array => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, hid);
      encoding.writeVarUint(e, 1_000_000);
      encoding.writeVarString(e, JSON.stringify({ user: { name, color: '#000000' } }));
      return encoding.toUint8Array(e);
    };
    const frameOf = (k: DocKeys, payload: Uint8Array): Uint8Array =>
      encodeFrame({
        type: 'presence',
        docId: keys.docId,
        envelope: sealPresence(k, { epoch: 0, sessionId: newId(), counter: 1 }, payload),
      });
    relay.inject(frameOf(keyless, claim('NO KEY'))); // #14
    // someone holding the view link: the message opens, but the client id belongs to the honest peer's session
    relay.inject(frameOf(deriveDocKeys(viewCapabilityOf(cap)), claim('IMPERSONATED')));
    await roundTrip(victim, 'v ');
    expect(shown()).toBe('둘째');
    expect(victim.problems).toEqual([]);
  });
});
