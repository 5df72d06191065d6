import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEventLog } from '@pvsim/log-file';
import { eventLogContract } from '../../../test/contract/eventLog.ts';

const root = mkdtempSync(join(tmpdir(), 'pvsim-log-contract-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let count = 0;

eventLogContract('FileEventLog', () => {
  // A directory that does not exist yet: the log creates it on its first append.
  const path = join(root, `log-${++count}`, 'events.jsonl');
  return {
    log: new FileEventLog(path),
    reopen: () => new FileEventLog(path),
    corruptTail: (mutate) => writeFileSync(path, mutate(readFileSync(path))),
    bytes: () => readFileSync(path),
  };
});
