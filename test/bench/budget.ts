/**
 * The combined run's time budget (issue #5: `npm run bench` in under 20 minutes, `--quick` in under 3, every
 * figure over ≥ 5 runs): the relay options the combined run adds unless `--relay-<option>=V` says otherwise.
 * `npm run bench -- --relay` alone keeps the relay's own defaults. The durations these were set from are in
 * README.md ("Durations").
 */

type Trim = readonly [name: string, value: string | number];

/**
 * The full run: 5 repetitions of every fan-out (stock servers and Dure's frame-level clients; 4 s of typing
 * still pools 6,000 deliveries over the 5 runs at 10 clients), without the `dure-memory` series (it only shows
 * what the durable commit costs; `--relay` keeps it), the servers' order rotated per repetition
 * (relay/driver.ts `seriesOrder`). What costs the most per run and moves least between runs runs in fewer
 * repetitions: the 2,000 idle documents (memory after a forced GC) once, the join (5 joins per run) and the
 * real engine's series twice, the rate search once with 60 s per server. Measured costs: README "Durations":
 * with one server and one generator fleet per series and repetition for the 10/50/200 fan-outs this relay part
 * took 531 s at load 2.7–7.9, the client part ≈ 400–500 s, so the whole run ≈ 15.5–17 min (limit 20).
 */
export const FULL_RELAY_TRIMS: readonly Trim[] = [
  ['reps', 5],
  ['seconds', 4],
  ['targets', 'dure,ywebsocket,hocuspocus'],
  ['engine-reps', 2],
  ['join-reps', 2],
  ['idle-reps', 1],
  ['rate-reps', 1],
  ['rate-budget', 60],
];

/** `--quick`: the relay's quick series (10 and 50 clients, no rate search), smaller still. */
export const QUICK_RELAY_TRIMS: readonly Trim[] = [
  ['reps', 1],
  ['seconds', 2],
  ['docs', 50],
  ['joins', 2],
  ['targets', 'dure,ywebsocket,hocuspocus'],
];

/**
 * The relay part's arguments in the combined run, from the combined run's own: `--relay-<option>=V` passes
 * `--<option>=V` through; every trim not given that way is added; `out` names the results file (under
 * results/) so the combined run never replaces results/relay-latest.* (the relay's own full run).
 */
export function relayArgs(argv: readonly string[], out: string): string[] {
  const quick = argv.includes('--quick');
  const given = argv.filter((a) => a.startsWith('--relay-')).map((a) => `--${a.slice('--relay-'.length)}`);
  const has = (name: string): boolean => given.some((a) => a.startsWith(`--${name}=`));
  const args = [...given];
  for (const [name, v] of quick ? QUICK_RELAY_TRIMS : FULL_RELAY_TRIMS) if (!has(name)) args.push(`--${name}=${v}`);
  if (!has('out')) args.push(`--out=${out}`);
  if (quick) args.push('--quick');
  return args;
}

/** The client part's arguments in the combined run: everything but the relay's and the run's own. */
export const clientArgs = (argv: readonly string[]): string[] =>
  argv.filter((a) => !a.startsWith('--relay-') && !a.startsWith('--parts='));
