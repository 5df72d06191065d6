/**
 * Attach limits by machine type, as the clouds' block-storage CSI drivers report them in
 * NodeGetInfo: GCE PD (gcp-compute-persistent-disk-csi-driver pkg/gce-pd-csi-driver/node.go,
 * volumeLimitSmall 15 on shared-core types, volumeLimitBig 127) and EBS (Kubernetes'
 * pkg/volume/util/attach_limit.go: DefaultMaxEBSNitroVolumeLimit 25, DefaultMaxEBSVolumes 39;
 * the Nitro figure approximates what the EBS CSI driver computes). A table, one row per rule.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attachLimitOfInstanceType } from '@pvsim/csi-drivers';
import { clusterInitObjects } from '../../src/profiles.ts';

const rows: [string | undefined, number | undefined][] = [
  ['e2-medium', 15], ['e2-small', 15], ['e2-micro', 15], ['f1-micro', 15], ['g1-small', 15],
  ['e2-standard-4', 127], ['n2-standard-8', 127], ['n1-highmem-16', 127], ['c2-standard-4', 127],
  ['m5.large', 25], ['c6i.xlarge', 25], ['t3.medium', 25], ['r5d.2xlarge', 25],
  ['m4.large', 39], ['t2.micro', 39], ['c4.xlarge', 39],
  [undefined, undefined], ['kind-node', undefined],
];

test('attach limit by machine type', () => {
  for (const [type, limit] of rows) assert.is(attachLimitOfInstanceType(type), limit, String(type));
});

test('the gke and eks profiles label their nodes with the providers\' default machine types; kind and pvsim do not', () => {
  const typeOf = (profile: 'pvsim' | 'kind' | 'gke' | 'eks') => clusterInitObjects({ profile, nodes: 1, zones: 1 }, '2026-01-01T00:00:00Z')
    .filter((o) => o['kind'] === 'Node')
    .map((n) => ((n['metadata'] as { labels: Record<string, string> }).labels['node.kubernetes.io/instance-type']));
  assert.equal([typeOf('pvsim'), typeOf('kind'), typeOf('gke'), typeOf('eks')], [[undefined], [undefined], ['e2-medium'], ['m5.large']]);
});

test.run();
