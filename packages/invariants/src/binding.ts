/**
 * Design: one claim per PV and one PV per claim (spec §3–§5), split as TigerBeetle splits its
 * checks. `bindingSafety` holds after every single write, even half-way through a bind or while
 * writes fail: Kubernetes binds in the order PV claimRef, PV phase, claim volumeName, claim phase
 * (binder_test.go 1-8 … 1-10 are the crash states in between), so a Bound claim is always the
 * last step and everything it claims must already be true. `bindingConverged` adds what only
 * holds once the controllers have caught up: nothing half-bound, races rolled back, a PV whose
 * claim is gone marked Released. It does not repeat the safety checks; run both after a settle.
 */
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, hasAnnotation } from '@pvsim/domain';
import { claimsOf, namespacedKey, phaseOf, pvRefersToClaim, volumesOf, type ClusterView } from './view.ts';

/**
 * What holds after every write: a Bound claim names a PV, and that PV (while it exists) points
 * back to it by name, namespace and uid; no two Bound claims name the same PV. (A PV has one
 * claimRef and a claim one volumeName, so "one each" is structural; the pairing is what can break.)
 */
export function bindingSafety(view: ClusterView): string[] {
  const problems: string[] = [];
  const volumeByName = new Map(volumesOf(view).map((v) => [v.metadata.name, v]));
  const boundClaimsByVolume = new Map<string, string[]>();
  for (const c of claimsOf(view)) {
    if (phaseOf(c) !== 'Bound') continue;
    const name = c.spec.volumeName ?? '';
    if (name === '') { problems.push(`PVC ${namespacedKey(c)} is Bound without volumeName`); continue; }
    boundClaimsByVolume.set(name, [...(boundClaimsByVolume.get(name) ?? []), namespacedKey(c)]);
    const pv = volumeByName.get(name);
    if (pv && !pvRefersToClaim(pv, c)) problems.push(`PVC ${namespacedKey(c)} is Bound to ${name}, whose claimRef is ${JSON.stringify(pv.spec.claimRef)}`);
  }
  for (const [name, keys] of boundClaimsByVolume) if (keys.length > 1) problems.push(`PV ${name} has ${keys.length} Bound claims: ${keys.sort().join(', ')}`);
  return problems;
}

/**
 * The bind's write order (spec §2; pv_controller.go bind: "PV first"): the controller marks a
 * claim bind-completed only after the PV's claimRef names that claim, so after every write a
 * claim marked bind-completed names a PV that, while it exists, points back to it — whatever
 * fails or crashes in between. Exempt: a claim the controller already declared Lost (its PV
 * gone or bound elsewhere: the user's doing, reported). Kept apart from `bindingSafety` because
 * Kubernetes' own case tables start from such states on purpose.
 */
export function bindOrderSafety(view: ClusterView): string[] {
  const problems: string[] = [];
  const volumeByName = new Map(volumesOf(view).map((v) => [v.metadata.name, v]));
  for (const c of claimsOf(view)) {
    if (!hasAnnotation(c.metadata, ANN_BIND_COMPLETED) || phaseOf(c) === 'Lost') continue;
    const pv = volumeByName.get(c.spec.volumeName ?? '');
    if (pv && !pvRefersToClaim(pv, c)) {
      problems.push(`PVC ${namespacedKey(c)} is marked bind-completed to ${pv.metadata.name}, whose claimRef is ${JSON.stringify(pv.spec.claimRef ?? null)} (the claim was written before the PV)`);
    }
  }
  return problems;
}

/** What holds, besides `bindingSafety`, once a fault-free settle has converged. */
export function bindingConverged(view: ClusterView): string[] {
  const problems: string[] = [];
  const volumes = volumesOf(view);
  const claims = claimsOf(view);
  const volumeByName = new Map(volumes.map((v) => [v.metadata.name, v]));

  for (const c of claims) {
    // At most one PV holds a live claim (Bound, or linked by the controller): a binding race has
    // been rolled back. Users may pre-bind several PVs to one claim uid (spec §5.4); those stay
    // as the user wrote them until one of them binds.
    const holders = volumes.filter((v) => pvRefersToClaim(v, c) && (phaseOf(v) === 'Bound' || hasAnnotation(v.metadata, ANN_BOUND_BY_CONTROLLER)));
    if (holders.length > 1) problems.push(`PVC ${namespacedKey(c)} is held by ${holders.length} PVs: ${holders.map((v) => v.metadata.name).sort().join(', ')}`);
    // A Bound claim's PV exists, points back and is Bound.
    if (phaseOf(c) === 'Bound') {
      const pv = volumeByName.get(c.spec.volumeName ?? '');
      if (!pv) problems.push(`PVC ${namespacedKey(c)} is Bound to missing PV ${c.spec.volumeName}`);
      else if (!pvRefersToClaim(pv, c) || phaseOf(pv) !== 'Bound') problems.push(`PVC ${namespacedKey(c)} is Bound to ${pv.metadata.name} (${phaseOf(pv)}, claimRef ${JSON.stringify(pv.spec.claimRef)})`);
    }
    // A mutually linked pair is Bound on both sides.
    const linked = volumeByName.get(c.spec.volumeName ?? '');
    if (linked && pvRefersToClaim(linked, c) && (phaseOf(c) !== 'Bound' || phaseOf(linked) !== 'Bound')) {
      problems.push(`PVC ${namespacedKey(c)} and PV ${linked.metadata.name} are linked but ${phaseOf(c)}/${phaseOf(linked)}`);
    }
  }
  const claimUids = new Set(claims.map((c) => c.metadata.uid));
  for (const v of volumes) {
    // A Bound PV has a claimRef; if it names a live claim, that claim is Bound to it.
    if (phaseOf(v) === 'Bound') {
      if (!v.spec.claimRef) problems.push(`PV ${v.metadata.name} is Bound without claimRef`);
      const claim = claims.find((c) => pvRefersToClaim(v, c));
      if (claim && (claim.spec.volumeName !== v.metadata.name || phaseOf(claim) !== 'Bound')) {
        problems.push(`PV ${v.metadata.name} is Bound to ${namespacedKey(claim)}, which is ${phaseOf(claim)} with volumeName ${JSON.stringify(claim.spec.volumeName)}`);
      }
    }
    // A PV whose claim is gone (or replaced by a new claim of the same name) is Released (spec §3).
    const uid = v.spec.claimRef?.uid ?? '';
    if (uid !== '' && !claimUids.has(uid) && !['Released', 'Failed'].includes(phaseOf(v))) {
      problems.push(`PV ${v.metadata.name} is ${phaseOf(v)} though its claim ${v.spec.claimRef!.name} (${uid}) is gone`);
    }
  }
  return problems;
}
