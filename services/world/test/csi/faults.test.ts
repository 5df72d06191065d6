/**
 * Failure injection and latency: drawn only from the seeded generator, so a seed decides every
 * injected failure; an injected failure comes before any check and changes nothing; volume
 * parameters (StorageClass `csi.pvsim.dev/failure-rate`, `csi.pvsim.dev/latency-ms`) override the
 * driver's options for that volume.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CsiError, type CsiCode } from '@pvsim/domain';
import { Random } from '@pvsim/runtime';
import {
  SimCsiDriver, diskProfile, faultOptionsFromParameters, nasProfile, volumeIdForName, type FaultOptions, type SimCsiDriverOptions,
} from '@pvsim/csi-drivers';
import { RWO, bringUp, cluster, csiState, newWorld, stagingPath, targetPath, tearDown, throwsCsi } from './support/harness.ts';

// ---------------------------------------------------------------- parameters

const paramRows: { name: string; parameters: Record<string, string> | undefined; expected: FaultOptions | CsiCode }[] = [
  { name: 'no parameters', parameters: undefined, expected: {} },
  { name: 'unrelated parameters are ignored', parameters: { type: 'ssd', 'csi.storage.k8s.io/fstype': 'ext4' }, expected: {} },
  { name: 'fixed latency', parameters: { 'csi.pvsim.dev/latency-ms': '200' }, expected: { latencyMs: { min: 200, max: 200 } } },
  { name: 'latency range', parameters: { 'csi.pvsim.dev/latency-ms': '100-400' }, expected: { latencyMs: { min: 100, max: 400 } } },
  { name: 'latency range with spaces', parameters: { 'csi.pvsim.dev/latency-ms': ' 100 - 400 ' }, expected: { latencyMs: { min: 100, max: 400 } } },
  { name: 'latency range upside down', parameters: { 'csi.pvsim.dev/latency-ms': '400-100' }, expected: 'INVALID_ARGUMENT' },
  { name: 'latency not a number', parameters: { 'csi.pvsim.dev/latency-ms': '2s' }, expected: 'INVALID_ARGUMENT' },
  { name: 'negative latency', parameters: { 'csi.pvsim.dev/latency-ms': '-5' }, expected: 'INVALID_ARGUMENT' },
  { name: 'failure rate', parameters: { 'csi.pvsim.dev/failure-rate': '1/10' }, expected: { failure: { num: 1, den: 10 } } },
  { name: 'failure rate zero', parameters: { 'csi.pvsim.dev/failure-rate': '0/1' }, expected: { failure: { num: 0, den: 1 } } },
  { name: 'failure rate above one', parameters: { 'csi.pvsim.dev/failure-rate': '2/1' }, expected: 'INVALID_ARGUMENT' },
  { name: 'failure rate over zero', parameters: { 'csi.pvsim.dev/failure-rate': '1/0' }, expected: 'INVALID_ARGUMENT' },
  { name: 'failure rate as a float', parameters: { 'csi.pvsim.dev/failure-rate': '0.1' }, expected: 'INVALID_ARGUMENT' },
  {
    name: 'both',
    parameters: { 'csi.pvsim.dev/failure-rate': '1/3', 'csi.pvsim.dev/latency-ms': '5-6' },
    expected: { failure: { num: 1, den: 3 }, latencyMs: { min: 5, max: 6 } },
  },
  { name: 'unknown csi.pvsim.dev/ key', parameters: { 'csi.pvsim.dev/latency': '5' }, expected: 'INVALID_ARGUMENT' },
];

for (const row of paramRows) {
  test(`faultOptionsFromParameters: ${row.name}`, () => {
    if (typeof row.expected === 'string') throwsCsi(() => faultOptionsFromParameters(row.parameters), row.expected);
    else assert.equal(faultOptionsFromParameters(row.parameters), row.expected);
  });
}

const badOptions: { name: string; options: SimCsiDriverOptions }[] = [
  { name: 'num > den', options: { failure: { num: 2, den: 1 } } },
  { name: 'den 0', options: { failure: { num: 0, den: 0 } } },
  { name: 'fractional', options: { failure: { num: 0.5, den: 1 } } },
  { name: 'latency min > max', options: { latencyMs: { min: 5, max: 1 } } },
  { name: 'negative latency', options: { latencyMs: { min: -1, max: 1 } } },
  { name: 'negative maxVolumesPerNode', options: { maxVolumesPerNode: -1 } },
  { name: 'non-numeric capacity', options: { totalCapacityBytes: '1Ti' } },
];

for (const row of badOptions) {
  test(`driver options refused: ${row.name}`, () => {
    assert.throws(() => new SimCsiDriver({ profile: diskProfile, client: newWorld().client, random: new Random(1), options: row.options }));
  });
}

// ---------------------------------------------------------------- an injected failure changes nothing

const mutatingRows: { name: string; profile: typeof diskProfile; call: (d: SimCsiDriver, v: string) => unknown }[] = [
  { name: 'CreateVolume (new)', profile: diskProfile, call: (d) => d.createVolume({ name: 'pvc-new', volumeCapabilities: [RWO] }) },
  { name: 'CreateVolume (retry)', profile: diskProfile, call: (d) => d.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }) },
  { name: 'CreateVolume (invalid: the failure comes first)', profile: diskProfile, call: (d) => d.createVolume({ name: '', volumeCapabilities: [] }) },
  { name: 'DeleteVolume', profile: diskProfile, call: (d, v) => d.deleteVolume({ volumeId: v }) },
  { name: 'ControllerPublishVolume', profile: diskProfile, call: (d, v) => d.controllerPublishVolume({ volumeId: v, nodeId: 'node-a2', volumeCapability: RWO, readonly: false }) },
  { name: 'ControllerUnpublishVolume', profile: diskProfile, call: (d, v) => d.controllerUnpublishVolume({ volumeId: v, nodeId: 'node-a' }) },
  { name: 'NodeStageVolume', profile: diskProfile, call: (d, v) => d.nodeStageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: stagingPath(d.name, v), volumeCapability: RWO }) },
  { name: 'NodeUnstageVolume', profile: diskProfile, call: (d, v) => d.nodeUnstageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: stagingPath(d.name, v) }) },
  { name: 'NodePublishVolume', profile: diskProfile, call: (d, v) => d.nodePublishVolume({ node: 'node-a', volumeId: v, stagingTargetPath: stagingPath(d.name, v), targetPath: '/t2', volumeCapability: RWO, readonly: false }) },
  { name: 'NodeUnpublishVolume', profile: diskProfile, call: (d, v) => d.nodeUnpublishVolume({ node: 'node-a', volumeId: v, targetPath: targetPath('pod-1', 'pvc-1') }) },
  { name: 'nas NodePublishVolume', profile: nasProfile, call: (d, v) => d.nodePublishVolume({ node: 'node-a', volumeId: v, targetPath: '/t2', volumeCapability: RWO, readonly: false }) },
];

for (const row of mutatingRows) {
  test(`an injected failure changes nothing: ${row.name}`, () => {
    const codes: CsiCode[] = ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'ABORTED'];
    const { driver, store, client, records } = cluster(row.profile, { options: { failure: { num: 1, den: 1, codes } } });
    // Build the state with a driver that does not fail, over the same world.
    const setup = new SimCsiDriver({ profile: row.profile, client, random: new Random(0) });
    const v = setup.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }).volume.volumeId;
    bringUp(setup, v, 'node-a', targetPath('pod-1', 'pvc-1'));
    const before = csiState(store);
    const n = records.length;
    for (let i = 0; i < 5; i++) {
      try {
        row.call(driver, v);
        assert.unreachable('the call should have failed');
      } catch (err) {
        assert.instance(err, CsiError);
        assert.ok(codes.includes((err as CsiError).code), (err as CsiError).code);
        assert.match((err as CsiError).message, 'injected failure');
      }
    }
    assert.is(csiState(store), before);
    assert.is(records.length, n, 'nothing recorded');
  });
}

test('read-only RPCs never fail by injection', () => {
  const { driver } = cluster(diskProfile, { options: { failure: { num: 1, den: 1 } } });
  driver.getPluginInfo();
  driver.probe();
  driver.listVolumes();
  driver.getCapacity();
  driver.nodeGetInfo({ node: 'node-a' });
});

// ---------------------------------------------------------------- determinism

/** A CO-like run: bring 6 volumes up and down with retries; returns every call's outcome. */
function scriptedRun(seed: number, options: SimCsiDriverOptions): { outcomes: string[]; records: string; latencies: number[] } {
  const { driver, records } = cluster(diskProfile, { seed, options });
  const outcomes: string[] = [];
  const latencies: number[] = [];
  const retry = (name: string, fn: () => unknown) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      latencies.push(driver.latencyMs('CreateVolume'));
      try { fn(); outcomes.push(`${name}: OK`); return; } catch (err) {
        if (!(err instanceof CsiError)) throw err;
        outcomes.push(`${name}: ${err.code}`);
      }
    }
    throw new Error(`${name} never succeeded`);
  };
  for (let i = 0; i < 6; i++) {
    const name = `pvc-${i}`;
    const v = volumeIdForName(name);
    const node = i % 2 === 0 ? 'node-a' : 'node-a2';
    const t = targetPath(`pod-${i}`, name);
    retry(`create ${name}`, () => driver.createVolume({ name, volumeCapabilities: [RWO] }));
    retry(`up ${name}`, () => bringUp(driver, v, node, t));
    retry(`down ${name}`, () => tearDown(driver, v, node, t));
    retry(`delete ${name}`, () => driver.deleteVolume({ volumeId: v }));
  }
  return { outcomes, records: JSON.stringify(records), latencies };
}

test('failure injection is deterministic for a seed', () => {
  const options: SimCsiDriverOptions = { failure: { num: 1, den: 3, codes: ['UNAVAILABLE', 'ABORTED'] }, latencyMs: { min: 10, max: 90 } };
  const a = scriptedRun(42, options);
  const b = scriptedRun(42, options);
  assert.equal(a.outcomes, b.outcomes);
  assert.is(a.records, b.records);
  assert.equal(a.latencies, b.latencies);
  const failures = a.outcomes.filter((o) => !o.endsWith(': OK'));
  assert.ok(failures.length > 0, 'some calls failed');
  assert.ok(failures.some((o) => o.endsWith('UNAVAILABLE')) && failures.some((o) => o.endsWith('ABORTED')));
  assert.ok(a.latencies.every((l) => l >= 10 && l <= 90));
  const c = scriptedRun(43, options);
  assert.not.equal(c.outcomes, a.outcomes, 'another seed fails other calls');
});

test('retries converge to the same store as a run without failures', () => {
  const faulty = scriptedRun(7, { failure: { num: 1, den: 2 } });
  const clean = scriptedRun(7, {});
  assert.ok(clean.outcomes.every((o) => o.endsWith(': OK')));
  // Same final facts: the last record of each stream agrees.
  const last = (text: string) => {
    const m = new Map<string, unknown>();
    for (const r of JSON.parse(text) as { stream: string; type: string }[]) m.set(r.stream, r.type);
    return [...m].sort();
  };
  assert.equal(last(faulty.records), last(clean.records));
});

// ---------------------------------------------------------------- per-volume overrides

test('a volume\'s failure-rate parameter overrides the driver for its RPCs', () => {
  const { driver } = cluster(diskProfile, { seed: 3, options: { failure: { num: 1, den: 1 } } });
  // The driver always fails, but this volume never does.
  const v = driver.createVolume({ name: 'calm', volumeCapabilities: [RWO], parameters: { 'csi.pvsim.dev/failure-rate': '0/1' } }).volume.volumeId;
  bringUp(driver, v, 'node-a', targetPath('pod-1', 'calm'));
  tearDown(driver, v, 'node-a', targetPath('pod-1', 'calm'));
  driver.deleteVolume({ volumeId: v });
  throwsCsi(() => driver.createVolume({ name: 'other', volumeCapabilities: [RWO] }), 'UNAVAILABLE');
});

test('a volume\'s failure-rate parameter makes its RPCs fail on a driver without failures', () => {
  const { driver, store } = cluster(diskProfile, { seed: 5 });
  const params = { 'csi.pvsim.dev/failure-rate': '1/1' };
  throwsCsi(() => driver.createVolume({ name: 'flaky', volumeCapabilities: [RWO], parameters: params }), 'UNAVAILABLE');
  assert.equal(store.list('CSIVolume'), []);
  // At 1/2 the create succeeds within a few retries; then each RPC on the volume fails about half the time.
  const half = { 'csi.pvsim.dev/failure-rate': '1/2' };
  let v = '';
  for (let i = 0; i < 50 && !v; i++) {
    try { v = driver.createVolume({ name: 'flaky', volumeCapabilities: [RWO], parameters: half }).volume.volumeId; } catch (err) { if (!(err instanceof CsiError)) throw err; }
  }
  assert.ok(v);
  let failed = 0;
  for (let i = 0; i < 40; i++) {
    try { driver.controllerPublishVolume({ volumeId: v, nodeId: 'node-a', volumeCapability: RWO, readonly: false }); } catch { failed++; }
  }
  assert.ok(failed > 5 && failed < 35, `failed ${failed} of 40 at 1/2`);
});

// ---------------------------------------------------------------- latency

test('latencyMs: 0 without latency configured, and draws nothing', () => {
  const a = cluster(diskProfile, { seed: 9, options: { failure: { num: 1, den: 2 } } });
  const b = cluster(diskProfile, { seed: 9, options: { failure: { num: 1, den: 2 } } });
  for (let i = 0; i < 10; i++) assert.is(a.driver.latencyMs('CreateVolume'), 0);
  const outcome = (d: SimCsiDriver) => Array.from({ length: 20 }, (_, i) => {
    try { d.createVolume({ name: `v${i}`, volumeCapabilities: [RWO] }); return 'OK'; } catch (err) { return (err as CsiError).code; }
  });
  assert.equal(outcome(a.driver), outcome(b.driver));
});

const latencyRows: { name: string; options: SimCsiDriverOptions; ref?: { parameters?: Record<string, string>; volume?: Record<string, string> }; rpc: Parameters<SimCsiDriver['latencyMs']>[0]; range: [number, number] }[] = [
  { name: 'driver range', options: { latencyMs: { min: 100, max: 400 } }, rpc: 'CreateVolume', range: [100, 400] },
  { name: 'driver fixed', options: { latencyMs: { min: 50, max: 50 } }, rpc: 'NodePublishVolume', range: [50, 50] },
  { name: 'identity RPCs take no time', options: { latencyMs: { min: 50, max: 60 } }, rpc: 'Probe', range: [0, 0] },
  { name: 'NodeGetInfo takes no time', options: { latencyMs: { min: 50, max: 60 } }, rpc: 'NodeGetInfo', range: [0, 0] },
  { name: 'StorageClass parameters override', options: { latencyMs: { min: 50, max: 60 } }, ref: { parameters: { 'csi.pvsim.dev/latency-ms': '200' } }, rpc: 'CreateVolume', range: [200, 200] },
  { name: 'a stored volume\'s parameters override', options: {}, ref: { volume: { 'csi.pvsim.dev/latency-ms': '300-310' } }, rpc: 'ControllerPublishVolume', range: [300, 310] },
  { name: 'a volume without latency keeps the driver\'s', options: { latencyMs: { min: 7, max: 7 } }, ref: { volume: { type: 'ssd' } }, rpc: 'DeleteVolume', range: [7, 7] },
];

for (const row of latencyRows) {
  test(`latencyMs: ${row.name}`, () => {
    const run = () => {
      const { driver, client } = cluster(diskProfile, { seed: 11, options: row.options });
      let ref: { volumeId?: string; parameters?: Record<string, string> } | undefined = row.ref?.parameters ? { parameters: row.ref.parameters } : undefined;
      if (row.ref?.volume) {
        const v = new SimCsiDriver({ profile: diskProfile, client, random: new Random(0) })
          .createVolume({ name: 'v', volumeCapabilities: [RWO], parameters: row.ref.volume }).volume.volumeId;
        ref = { volumeId: v };
      }
      return Array.from({ length: 30 }, () => driver.latencyMs(row.rpc, ref));
    };
    const values = run();
    assert.ok(values.every((l) => l >= row.range[0] && l <= row.range[1]), values.join(','));
    assert.equal(run(), values, 'same seed, same latencies');
    if (row.range[1] - row.range[0] >= 10) assert.ok(new Set(values).size > 1, 'a range gives varied values');
  });
}

test.run();
