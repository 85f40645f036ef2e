/** The shared Storage contract suite against IdbStorage in real Chromium. */
import { vi } from 'vitest';
import { deleteDB } from 'idb';
import type { Storage, StorageErrorCode } from '@dure/shared';
import { storageContract } from '../../shared/test/storage-contract';
import { IdbStorage } from '../src/storage/idb';

let n = 0;

/**
 * Fault injection without a test hook in IdbStorage: the browser's own put() refuses the second put of
 * the next transaction, after earlier ops of the batch were queued, so the abort path is what is tested.
 */
function failNextBatch(_s: Storage, code: StorageErrorCode): void {
  const realPut = IDBObjectStore.prototype.put;
  let armedTx: IDBTransaction | undefined;
  const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value, key) {
    if (armedTx === undefined) armedTx = this.transaction;
    else if (this.transaction === armedTx) {
      spy.mockRestore();
      throw new DOMException('injected', code === 'quota' ? 'QuotaExceededError' : 'UnknownError');
    }
    return realPut.call(this, value, key);
  });
}

storageContract('IdbStorage (Chromium)', () => IdbStorage.open({ name: `dure-contract-${Date.now()}-${n++}` }), {
  failNextBatch,
  dispose: (s) => deleteDB((s as IdbStorage).name),
});
