// A liveness rule: once the cluster has settled, no claim is left Pending.
export const invariant = {
  name: 'no-pending-claims',
  kind: 'liveness',
  check(cluster) {
    return cluster.list('PersistentVolumeClaim')
      .filter((c) => (c.status?.phase ?? 'Pending') === 'Pending')
      .map((c) => `claim ${c.metadata.namespace}/${c.metadata.name} is Pending`);
  },
};
