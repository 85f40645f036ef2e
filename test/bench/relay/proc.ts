/**
 * What the kernel says about a process: CPU time from /proc/<pid>/stat (utime + stime, in clock ticks,
 * so 10 ms resolution at the usual 100 Hz: read it over windows of seconds, never per event) and the
 * resident set from /proc/<pid>/status. Works for any server process, ours or a stock one (issue #5).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU the process has used so far, in ms (its own threads; children not included). */
export function cpuMs(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

/** User and system (kernel: sockets, fsync) CPU so far, in ms. */
export function cpuTimes(pid: number): { user: number; system: number } {
  const { utime, stime } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return { user: (utime * 1000) / clockTicks(), system: (stime * 1000) / clockTicks() };
}

/** utime and stime (clock ticks) from the text of /proc/<pid>/stat. */
export function parseStat(stat: string): { utime: number; stime: number } {
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const close = stat.lastIndexOf(')');
  const rest = close < 0 ? [] : stat.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || rest.length < 13) {
    throw new Error('cannot parse /proc/<pid>/stat');
  }
  return { utime, stime };
}

/** Resident set size in bytes (VmRSS), and its peak so far (VmHWM). */
export function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(m[1]) * 1024;
  };
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** The cores this process may run on (taskset's view), e.g. "0" or "0-1". */
export function affinity(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return /^Cpus_allowed_list:\s+(\S+)/m.exec(status)?.[1] ?? '?';
}

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly loadAverage: readonly number[];
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** `uptime`'s three load averages, for the note beside every figure. */
export const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);
