/** The machine a benchmark ran on, as its results file records it (issue #5: figures drift with the machine). */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGB: number;
  readonly node: string;
  /** the distribution's name and the kernel, e.g. "Debian GNU/Linux 12 (bookworm), Linux 6.1.0 x64" */
  readonly os: string;
  readonly platform: string;
}

/** PRETTY_NAME from os-release text; undefined when absent. */
export function prettyName(osRelease: string): string | undefined {
  const m = /^PRETTY_NAME=(?:"([^"\n]*)"|(\S*))$/m.exec(osRelease);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  let distro: string | undefined;
  try {
    distro = prettyName(readFileSync('/etc/os-release', 'utf8'));
  } catch {
    // not every system has it; the kernel line is still there
  }
  const kernel = `${process.platform === 'linux' ? 'Linux' : process.platform} ${release()} ${process.arch}`;
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: distro ? `${distro}, ${kernel}` : kernel,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** 1/5/15-minute load averages, two decimals. */
export const loadAverage = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);
