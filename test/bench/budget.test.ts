import { describe, expect, it } from 'vitest';
import { clientArgs, FULL_RELAY_TRIMS, relayArgs } from './budget';
import { prettyName } from './machine';
import {
  parseRelayArgs,
  runsIn,
  seriesOrder,
  seriesRunsIn,
  seriesSummary,
  type RelayOptions,
  type SeriesResults,
} from './relay/driver';
import { markdown, repsNote, type RelayResults } from './relay/report';
import { drainTargets } from './relay/workloads';

const OUT = 'runs/relay-2026-11-23T180000Z';

describe('the combined run trims the relay part to its time budget', () => {
  it('full run: 5 repetitions of every fan-out, dure-memory left out, results kept apart', () => {
    const o = parseRelayArgs(relayArgs([], OUT));
    expect(o.reps).toBe(5);
    expect(o.typingSeconds).toBeGreaterThanOrEqual(4);
    expect(o.out).toBe(OUT);
    expect(o.series.map((x) => x.target)).not.toContain('dure-memory');
    expect([...new Set(o.series.map((x) => x.target))]).toEqual(['dure', 'ywebsocket', 'hocuspocus']);
    // issue #5: 2,000 mostly idle documents with 2 clients each
    expect(o.idleDocs).toBe(2000);
    // every fan-out figure over 5 runs; the costly, steady ones fewer (said in the results)
    expect(o.workloadReps.fanout).toBeUndefined();
    expect(o.workloadReps.idle).toBe(1);
    expect(o.workloadReps.join).toBe(2);
    expect(o.engineReps).toBe(2);
    expect(o.rateBudgetS).toBe(60);
  });

  it('a --relay-<option> given on the command line wins over the trim', () => {
    const o = parseRelayArgs(relayArgs(['--relay-reps=2', '--relay-seconds=9', '--relay-idle-reps=2'], OUT));
    expect(o.reps).toBe(2);
    expect(o.typingSeconds).toBe(9);
    expect(o.workloadReps.idle).toBe(2);
    const args = relayArgs(['--relay-reps=2'], OUT);
    expect(args.filter((a) => a.startsWith('--reps='))).toEqual(['--reps=2']);
  });

  it('the trims name only options the relay driver knows', () => {
    for (const [name, v] of FULL_RELAY_TRIMS) expect(() => parseRelayArgs([`--${name}=${v}`])).not.toThrow();
  });

  it('--quick: the relay quick series, smaller, written apart', () => {
    const o = parseRelayArgs(relayArgs(['--quick'], 'runs/relay-quick-x'));
    expect(o.quick).toBe(true);
    expect(o.idleDocs).toBe(50);
    expect(o.out).toBe('runs/relay-quick-x');
    expect(o.series.every((x) => !x.workloads.includes('rate'))).toBe(true);
  });

  it("the client part gets neither the relay's options nor the run's", () => {
    expect(clientArgs(['--quick', '--relay-reps=3', '--parts=client', '--reps=7'])).toEqual(['--quick', '--reps=7']);
  });
});

describe('relay repetitions', () => {
  const series = ['dure', 'dure', 'ywebsocket', 'hocuspocus'].map((target) => ({ target }));
  const targetsIn = (rep: number): string[] => seriesOrder(series, rep).map((i) => series[i]!.target);

  it('rotates the servers one place per repetition, each server first once in every three', () => {
    expect(targetsIn(1)).toEqual(['dure', 'dure', 'ywebsocket', 'hocuspocus']);
    expect(targetsIn(2)).toEqual(['ywebsocket', 'hocuspocus', 'dure', 'dure']);
    expect(targetsIn(3)).toEqual(['hocuspocus', 'dure', 'dure', 'ywebsocket']);
    expect(targetsIn(4)).toEqual(targetsIn(1));
  });

  it("keeps one server's series together and in their own order, every series exactly once", () => {
    expect(seriesOrder(series, 2)).toEqual([2, 3, 0, 1]);
    for (let rep = 1; rep <= 5; rep++) expect([...seriesOrder(series, rep)].sort()).toEqual([0, 1, 2, 3]);
    expect(seriesOrder([], 3)).toEqual([]);
  });

  it('a workload with fewer repetitions runs in the first ones only', () => {
    const o = parseRelayArgs(['--reps=5', '--idle-reps=2', '--rate-reps=9']);
    expect([1, 2, 3, 4, 5].filter((r) => runsIn(o, 'idle', r))).toEqual([1, 2]);
    // never more than the run's repetitions
    expect(o.workloadReps.rate).toBe(5);
    expect([1, 2, 3, 4, 5].every((r) => runsIn(o, 'fanout', r))).toBe(true);
    // 0: the workload is left out of the run (e.g. `npm run bench -- --relay-rate-reps=0`)
    const none = parseRelayArgs(['--rate-reps=0']);
    expect([1, 2, 3].some((r) => runsIn(none, 'rate', r))).toBe(false);
  });

  it('--targets keeps the default series of the servers named, in that order', () => {
    const o = parseRelayArgs(['--targets=hocuspocus,dure']);
    expect([...new Set(o.series.map((x) => x.target))]).toEqual(['hocuspocus', 'dure']);
    expect(() => parseRelayArgs(['--targets=nginx'])).toThrow(/unknown target/);
  });

  it('refuses bad counts and an output path outside results/', () => {
    expect(() => parseRelayArgs(['--idle-reps=-1'])).toThrow(/idle-reps/);
    expect(() => parseRelayArgs(['--reps=0'])).toThrow(/reps/);
    expect(() => parseRelayArgs(['--out=../../etc/x'])).toThrow(/--out/);
    expect(parseRelayArgs([]).out).toBe('relay-latest');
    expect(parseRelayArgs(['--quick']).out).toBe('relay-quick');
  });
});

describe('machine', () => {
  it("reads the distribution's name from os-release", () => {
    expect(prettyName('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe(
      'Debian GNU/Linux 12 (bookworm)',
    );
    expect(prettyName('PRETTY_NAME=Arch\n')).toBe('Arch');
    expect(prettyName('NAME=x\n')).toBeUndefined();
  });
});

describe('the real engine in fewer repetitions', () => {
  it('skips the dure-engine series after --engine-reps, and only it', () => {
    const o = parseRelayArgs(['--reps=5', '--engine-reps=2']);
    expect(seriesRunsIn(o, { kind: 'dure-engine' }, 2)).toBe(true);
    expect(seriesRunsIn(o, { kind: 'dure-engine' }, 3)).toBe(false);
    expect(seriesRunsIn(o, { kind: 'dure-frames' }, 5)).toBe(true);
    expect(seriesRunsIn(parseRelayArgs([]), { kind: 'dure-engine' }, 3)).toBe(true);
  });
});

describe('relay results say what the budget cut', () => {
  it('names every workload that ran in fewer repetitions, and the rotation', () => {
    const note = repsNote({ reps: 5, workloadReps: { idle: 2, rate: 1, fanout: 5 }, engineReps: 2 });
    expect(note).toContain('the dure-engine series in the first 2');
    expect(note).toContain('idle in the first 2');
    expect(note).toContain('rate in the first 1');
    expect(note).not.toContain('fanout');
    expect(note).toContain('rotates');
    expect(repsNote({ reps: 1, workloadReps: {} })).toBe('');
  });
});

describe('relay JSON summaries', () => {
  it('every figure carries median, min, max and n over its runs; joins pool every join', () => {
    const run = (p99: number) =>
      ({
        latency: { n: 10, p50: 1, p95: 2, p99, max: p99 },
        serverCpuPerDeliveryUs: 10,
        serverRssMax: 1,
        missing: 0,
      }) as never;
    const x = {
      fanout: [{ clients: 10, runs: [run(5), run(9), run(7)] }],
      idle: [],
      join: [
        {
          samples: [
            { totalMs: 40, serverMs: 2 },
            { totalMs: 60, serverMs: 3 },
          ],
          serverCpuPerJoinMs: 4,
        },
        { samples: [{ totalMs: 50, serverMs: 1 }], serverCpuPerJoinMs: 6 },
      ],
      rate: [],
    } as unknown as SeriesResults;
    const s = seriesSummary(x);
    expect(s['fanout 10 clients: p99 ms']).toEqual({ median: 7, min: 5, max: 9, n: 3 });
    expect(s['join: total ms (every join)']).toEqual({ median: 50, min: 40, max: 60, n: 3 });
    expect(s['join: server CPU ms per join']).toEqual({ median: 5, min: 4, max: 6, n: 2 });
    expect(Object.keys(s).some((k) => k.startsWith('idle') || k.startsWith('rate'))).toBe(false);
  });
});

describe('the fan-outs of a series share one server process per repetition', () => {
  const results = (options: RelayOptions): RelayResults => ({
    kind: 'relay',
    startedAt: '2026-11-23T19:00:00.000Z',
    durationS: 1,
    command: 'npm run bench -- --relay',
    machine: {
      cores: 2,
      cpuModel: 'cpu',
      memoryGiB: 4,
      node: 'v20',
      platform: 'linux',
      loadAtStart: [1, 1, 1],
      loadAtEnd: [1, 1, 1],
      benchAffinity: '0-1',
    } as RelayResults['machine'],
    options,
    pinning: 'none',
    series: [],
  });

  it('the results header says so; results from before (a fresh server per run) keep saying that', () => {
    const now = parseRelayArgs([]);
    expect(now.fanoutServerShared).toBe(true);
    const header = markdown(results(now));
    expect(header).toContain('one after another against one server process per repetition');
    expect(header).toContain('the RSS the maximum during that run');
    const { fanoutServerShared: _, ...before } = now;
    const old = markdown(results(before));
    expect(old).toContain('every run against a fresh server process');
    expect(old).not.toContain('one server process per repetition');
  });

  it("the drain waits for every writer's last keystroke, whatever order they came in", () => {
    const k = (client: number, clock: number) => ({ client, clock, t: 0 });
    expect(drainTargets([k(7, 3), k(9, 0), k(7, 5), k(7, 4)]).sort()).toEqual([
      [7, 6],
      [9, 1],
    ]);
    expect(drainTargets([])).toEqual([]);
  });
});
