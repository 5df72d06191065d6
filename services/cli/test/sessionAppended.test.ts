// A session that continues an earlier one in memory and folds only the batches appended since
// (`after` + `appended`, what a component process does between transactions, ADR 0019) decides
// exactly as a session that folds the whole log: for any split of a run of commands into "seen
// by the earlier session" and "appended by someone else since", the next input produces the
// same batch, byte for byte.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import fc from 'fast-check';
import { join } from 'node:path';
import { FileEventLog } from '@pvsim/log-file';
import { Session } from '../src/session.ts';
import { runInput, type Input } from '../src/inputs.ts';
import { pvsim, tempCluster } from './support.ts';

const STEPS: string[][] = [
  ['apply', '-f', 'examples/static/01-volumes.yaml', '--wait=false'],
  ['apply', '-f', 'examples/static/02-claims.yaml', '--wait=false'],
  ['advance', '2s'],
  ['delete', 'pvc', 'scratch', '--wait=false'],
];

test('continuing a session and folding only what was appended since decides as a fresh fold', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: STEPS.length }), fc.integer({ min: 0, max: STEPS.length }), fc.constantFrom('pv-controller', 'pvc-protection'), async (seen, more, component) => {
      const dir = tempCluster();
      const steps = STEPS.slice(0, Math.min(STEPS.length, seen + more));
      for (const step of steps.slice(0, seen)) assert.is((await pvsim(dir, step)).code, 0);
      const log = new FileEventLog(join(dir, 'log.jsonl'));
      const earlier = new Session({ clusterDir: dir, seed: 1, log, snapshotEveryRecords: 0 });
      const seenEnd = earlier.endPosition;
      for (const step of steps.slice(seen)) assert.is((await pvsim(dir, step)).code, 0);
      const appended = log.read().filter((r) => r.pos > seenEnd);
      const input: Input = { type: 'ComponentWorkRequested', data: { seed: 1, component } };
      const continued = new Session({ clusterDir: dir, seed: 1, log, snapshotEveryRecords: 0, after: earlier, appended });
      const fresh = new Session({ clusterDir: dir, seed: 1, log, snapshotEveryRecords: 0 });
      assert.is(continued.basePosition, fresh.basePosition);
      runInput(continued, input);
      runInput(fresh, input);
      assert.equal(continued.takeBatch(), fresh.takeBatch());
    }),
    { numRuns: 8 },
  );
});

test.run();
