// The driver of disk-driver.mjs with one deliberate bug: CreateVolume is not idempotent — every
// call makes a new volume, even a retry of the same name. Harmless while every reply arrives;
// when a CreateVolume runs and its reply is lost (a timeout), the external-provisioner retries,
// gets a second volume, and the first is leaked (docs/reference/csi-driver-module.md):
//   pnpm pvsim check examples/lecture/dynamic-disk/scenarios/demo.yaml \
//     --csi-driver disk.csi.pvsim.dev=examples/check/csi-driver/buggy-disk-driver.mjs --faults csi-timeout --max-delays 0   # VIOLATION driver-leak
import createCorrectDriver from './disk-driver.mjs';

export default function createDriver(ctx) {
  const driver = createCorrectDriver(ctx);
  driver.CreateVolume = function (req) {
    // BUG: no lookup by name.
    return { volume: this.makeVolume(req) };
  };
  return driver;
}
