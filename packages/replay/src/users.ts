/**
 * Design: who a change was made by, in the terms of a real cluster's audit log. pvsim's
 * components map to the users Kubernetes' components authenticate as (kube-controller-manager's
 * per-controller service accounts with --use-service-account-credentials, the scheduler, each
 * node's kubelet, the CSI sidecars' service accounts); a user's command is `kubernetes-admin`
 * (kubeadm's and kind's admin). The same table decides, on import, whether a recorded change was
 * a controller's (an observation to compare with) or a person's (an input to replay).
 */

const CONTROLLER_USERS: Record<string, string> = {
  'pv-controller': 'system:serviceaccount:kube-system:persistent-volume-binder',
  'pv-protection': 'system:serviceaccount:kube-system:pv-protection-controller',
  'pvc-protection': 'system:serviceaccount:kube-system:pvc-protection-controller',
  attachdetach: 'system:serviceaccount:kube-system:attachdetach-controller',
  'node-lifecycle': 'system:serviceaccount:kube-system:node-controller',
  deployment: 'system:serviceaccount:kube-system:deployment-controller',
  statefulset: 'system:serviceaccount:kube-system:statefulset-controller',
  scheduler: 'system:kube-scheduler',
};

/** The user a real cluster would record for a change pvsim's `component` made. */
export function auditUserOf(component: string): string {
  if (component === 'kubectl') return 'kubernetes-admin';
  const known = CONTROLLER_USERS[component];
  if (known) return known;
  if (component.startsWith('kubelet/')) return `system:node:${component.slice('kubelet/'.length)}`;
  if (component.startsWith('external-provisioner/')) return 'system:serviceaccount:kube-system:csi-provisioner';
  if (component.startsWith('attacher/')) return 'system:serviceaccount:kube-system:csi-attacher';
  if (component === 'pvsim') return 'system:pvsim:fault-injector';
  return `system:pvsim:${component}`;
}

/** Whether an audit user is a control-plane component (its changes are observations, not inputs). */
export function isControllerUser(username: string): boolean {
  return username.startsWith('system:') && username !== 'system:admin';
}

/**
 * The field manager a real API server would record in `metadata.managedFields` for a change
 * pvsim's `component` made: kubectl's for a user's command, the component binary's for a
 * controller (every kube-controller-manager controller is `kube-controller-manager`), the
 * sidecar's for a CSI sidecar.
 */
export function fieldManagerOf(component: string): string {
  if (component === 'kubectl') return 'kubectl-client-side-apply';
  if (component === 'scheduler') return 'kube-scheduler';
  if (component.startsWith('kubelet/')) return 'kubelet';
  if (component.startsWith('external-provisioner/')) return 'csi-provisioner';
  if (component.startsWith('attacher/')) return 'csi-attacher';
  if (component.startsWith('external-resizer/')) return 'csi-resizer';
  if (component.startsWith('csi-snapshotter/')) return 'csi-snapshotter';
  if (component === 'pvsim') return 'pvsim';
  return 'kube-controller-manager';
}
