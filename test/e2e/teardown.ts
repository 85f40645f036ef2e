/** Removes the run's scratch folder (see snapshot.ts). */
import { rmSync } from 'node:fs';
import { e2eRunDir } from './snapshot';

export default function teardown(): void {
  rmSync(e2eRunDir(), { recursive: true, force: true });
}
