// A platform team's own rule, as a `pvsim check --invariant` module: no StorageClass provisions
// more than one volume in this scenario (a claim provisioned twice would show here too).
export default {
  name: 'one-pv-per-class',
  kind: 'safety',
  check(cluster) {
    const byClass = new Map();
    for (const pv of cluster.list('PersistentVolume')) {
      const cls = pv.spec.storageClassName ?? '';
      if (cls === '') continue;
      byClass.set(cls, [...(byClass.get(cls) ?? []), pv.metadata.name]);
    }
    return [...byClass].filter(([, names]) => names.length > 1).map(([cls, names]) => `class ${cls} has ${names.length} PVs: ${names.join(', ')}`);
  },
};
