/**
 * Per-run scratch folder of the e2e webServer: a snapshot of web/dist (`web/`) and the server's data
 * folder (`data/`). Chosen once in the runner process and handed to the workers through the
 * environment, so two runs in one checkout never share (or delete) each other's files.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';

export function e2eRunDir(): string {
  process.env.DURE_E2E_RUN_DIR ??= path.join(tmpdir(), `dure-e2e-${process.pid}-${Date.now()}`);
  return process.env.DURE_E2E_RUN_DIR;
}

export const e2eWebDir = (): string => path.join(e2eRunDir(), 'web');
