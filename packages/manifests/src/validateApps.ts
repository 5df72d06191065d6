/**
 * Design: apps/v1 validation — K/pkg/apis/apps/validation/validation.go ValidateDeploymentSpec,
 * ValidateDeploymentStrategy, ValidatePodTemplateSpecForReplicaSet, ValidateStatefulSetSpec and
 * ValidateStatefulSetUpdate, plus the registry strategy's rule that a Deployment's selector is
 * immutable in apps/v1 — in Kubernetes' order. The pod template goes through validatePod.ts with
 * the template's field path, so a Deployment reports `spec.template.spec.containers[0].image`.
 * StatefulSets follow Kubernetes 1.34, which validates the pod template (mounts may name a
 * volumeClaimTemplate) and the claim templates (as claim specs). pvsim additions: a claim template
 * must have a DNS-label name, unique in the set (Kubernetes finds a bad one only when the pod's
 * volume is built).
 * The famous values keep Go's `%#v` form (`map[string]string{"app":"web"}`,
 * `v1.LabelSelector{…}`); rarer struct values are printed readably (`readableStruct`).
 */

import { isDNS1123Label, labelSelectorMatches } from '@pvsim/domain';
import { GoLiteral, duplicate, forbidden, invalid, notSupported, required, type FieldError } from './errors.ts';
import {
  IS_NEGATIVE_MSG, deepEqual, goLabelSelectorLiteral, goStringMapLiteral, isObj, labelSelectorErrors, list, nonNegative, obj, present,
  readableStruct, str, type Obj,
} from './fieldChecks.ts';
import { validatePodTemplate, type PodValidationContext } from './validatePod.ts';

const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** The template checks both workloads share (ValidatePodTemplateSpecForReplicaSet / …ForStatefulSet). */
function validateTemplate(spec: Obj, workload: 'ReplicaSet' | 'StatefulSet', ctx: PodValidationContext, extraVolumes: readonly string[] = []): FieldError[] {
  const errs: FieldError[] = [];
  const selector = spec['selector'];
  const template = obj(spec['template']);
  const labels = obj(template['metadata'])['labels'];
  // LabelSelectorAsSelector: nil selects nothing (so never matches), {} selects everything (no check).
  const empty = isObj(selector) && Object.keys(obj(selector['matchLabels'])).length === 0 && list(selector['matchExpressions']).length === 0;
  if (!empty && !labelSelectorMatches(isObj(selector) ? (selector as never) : null, isObj(labels) ? (labels as Record<string, string>) : {})) {
    errs.push(invalid('spec.template.metadata.labels', new GoLiteral(goStringMapLiteral(labels)), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplate(template, 'spec.template', ctx, extraVolumes));
  const podSpec = obj(template['spec']);
  const restartPolicy = str(podSpec['restartPolicy']);
  if (restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  if (present(podSpec['activeDeadlineSeconds'])) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${workload} is not Supported`));
  }
  return errs;
}

/** The selector checks both workloads share; `buildable` is whether LabelSelectorAsSelector would succeed. */
function validateSelector(spec: Obj, kind: 'deployment' | 'statefulset', goStruct: string): { errs: FieldError[]; buildable: boolean } {
  const selector = spec['selector'];
  if (!present(selector)) return { errs: [required('spec.selector')], buildable: true };
  const errs = labelSelectorErrors(selector, 'spec.selector', `${goStruct}.spec.selector`);
  const buildable = errs.length === 0;
  if (isObj(selector) && Object.keys(obj(selector['matchLabels'])).length + list(selector['matchExpressions']).length === 0) {
    errs.push(invalid('spec.selector', new GoLiteral(goLabelSelectorLiteral(selector)), `empty selector is invalid for ${kind}`));
  }
  return { errs, buildable };
}

// ---------------------------------------------------------------------------------------------
// Deployment

export function validateDeployment(deployment: Obj, ctx: PodValidationContext): FieldError[] {
  const spec = obj(deployment['spec']);
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'));
  const selector = validateSelector(spec, 'deployment', 'DeploymentSpec');
  errs.push(...selector.errs);
  if (!selector.buildable) errs.push(invalid('spec.selector', new GoLiteral(goLabelSelectorLiteral(spec['selector'])), 'invalid label selector'));
  else errs.push(...validateTemplate(spec, 'ReplicaSet', ctx));
  errs.push(...validateDeploymentStrategy(obj(spec['strategy'])));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'));
  const deadline = spec['progressDeadlineSeconds'];
  if (typeof deadline === 'number') {
    errs.push(...nonNegative(deadline, 'spec.progressDeadlineSeconds'));
    const minReady = typeof spec['minReadySeconds'] === 'number' ? spec['minReadySeconds'] : 0;
    if (deadline <= minReady) errs.push(invalid('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/** ValidateReplicaSetSpec: replicas, selector, the template. */
export function validateReplicaSet(rs: Obj, ctx: PodValidationContext): FieldError[] {
  const spec = obj(rs['spec']);
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  const selector = validateSelector(spec, 'deployment', 'ReplicaSetSpec');
  errs.push(...selector.errs);
  if (!selector.buildable) errs.push(invalid('spec.selector', new GoLiteral(goLabelSelectorLiteral(spec['selector'])), 'invalid label selector'));
  else errs.push(...validateTemplate(spec, 'ReplicaSet', ctx));
  return errs;
}

function validateDeploymentStrategy(strategy: Obj): FieldError[] {
  const type = str(strategy['type']);
  const rollingUpdate = strategy['rollingUpdate'];
  switch (type) {
    case 'Recreate':
      return present(rollingUpdate) ? [forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate':
      if (!isObj(rollingUpdate)) return [required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
      return validateRollingUpdate(rollingUpdate);
    default:
      return [notSupported('spec.strategy', new GoLiteral(readableStruct(strategy)), ['Recreate', 'RollingUpdate'])];
  }
}

/** An intstr.IntOrString as Go's `%#v` prints it (it has no value-receiver String method). */
function intOrStringLiteral(v: unknown): GoLiteral {
  return typeof v === 'number'
    ? new GoLiteral(`intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`)
    : new GoLiteral(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(str(v))}}`);
}

function intOrPercentErrors(v: unknown, path: string): FieldError[] {
  if (typeof v === 'number') return v < 0 ? [invalid(path, v, IS_NEGATIVE_MSG)] : [];
  if (typeof v === 'string') return PERCENT_RE.test(v) ? [] : [invalid(path, intOrStringLiteral(v), PERCENT_MSG)];
  return [];
}

/** getIntOrPercentValue: a malformed percent counts as 0. */
function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && PERCENT_RE.test(v)) return Number(v.slice(0, -1));
  return 0;
}

function validateRollingUpdate(ru: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const path = 'spec.strategy.rollingUpdate';
  errs.push(...intOrPercentErrors(ru['maxUnavailable'], `${path}.maxUnavailable`));
  errs.push(...intOrPercentErrors(ru['maxSurge'], `${path}.maxSurge`));
  if (intOrPercentValue(ru['maxUnavailable']) === 0 && intOrPercentValue(ru['maxSurge']) === 0) {
    errs.push(invalid(`${path}.maxUnavailable`, intOrStringLiteral(ru['maxUnavailable'] ?? 0), 'may not be 0 when `maxSurge` is 0'));
  }
  const unavailable = ru['maxUnavailable'];
  if (typeof unavailable === 'string' && PERCENT_RE.test(unavailable) && intOrPercentValue(unavailable) > 100) {
    errs.push(invalid(`${path}.maxUnavailable`, intOrStringLiteral(unavailable), 'must not be greater than 100%'));
  }
  return errs;
}

/** apps/v1 Deployment strategy: the selector may not change (only extensions/v1beta1 allowed it). */
export function validateDeploymentUpdate(deployment: Obj, old: Obj): FieldError[] {
  const selector = obj(deployment['spec'])['selector'];
  if (deepEqual(selector ?? null, obj(old['spec'])['selector'] ?? null)) return [];
  return [invalid('spec.selector', present(selector) ? new GoLiteral(goLabelSelectorLiteral(selector)) : null, 'field is immutable')];
}

// ---------------------------------------------------------------------------------------------
// StatefulSet

export function validateStatefulSet(sts: Obj, ctx: PodValidationContext): FieldError[] {
  const spec = obj(sts['spec']);
  const errs: FieldError[] = [];
  const policy = str(spec['podManagementPolicy']);
  if (policy === '') errs.push(required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));

  const strategy = obj(spec['updateStrategy']);
  const strategyType = str(strategy['type']);
  const rollingUpdate = strategy['rollingUpdate'];
  if (strategyType === '') errs.push(required('spec.updateStrategy'));
  else if (strategyType === 'OnDelete') {
    if (present(rollingUpdate)) errs.push(invalid('spec.updateStrategy.rollingUpdate', new GoLiteral(readableStruct(rollingUpdate)), "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (strategyType === 'RollingUpdate') {
    if (isObj(rollingUpdate)) errs.push(...nonNegative(rollingUpdate['partition'], 'spec.updateStrategy.rollingUpdate.partition'));
  } else {
    errs.push(invalid('spec.updateStrategy', new GoLiteral(readableStruct(strategy)), "must be 'RollingUpdate' or 'OnDelete'"));
  }

  const retention = spec['persistentVolumeClaimRetentionPolicy'];
  if (isObj(retention)) {
    for (const key of ['whenDeleted', 'whenScaled']) {
      const value = str(retention[key]);
      if (value !== 'Retain' && value !== 'Delete') errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, value, ['Retain', 'Delete']));
    }
  }

  const claimNames: string[] = [];
  list(spec['volumeClaimTemplates']).forEach((t, i) => {
    const template = obj(t);
    const path = `spec.volumeClaimTemplates[${i}]`;
    const name = str(obj(template['metadata'])['name']);
    if (name === '') errs.push(required(`${path}.metadata.name`));
    else for (const msg of isDNS1123Label(name)) errs.push(invalid(`${path}.metadata.name`, name, msg));
    if (name !== '' && claimNames.includes(name)) errs.push(duplicate(`${path}.metadata.name`, name));
    claimNames.push(name);
    errs.push(...ctx.claimSpec(obj(template['spec']), `${path}.spec`));
  });

  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  const ordinals = spec['ordinals'];
  if (isObj(ordinals)) errs.push(...nonNegative(ordinals['start'], 'spec.ordinals.start'));

  const selector = validateSelector(spec, 'statefulset', 'StatefulSetSpec');
  errs.push(...selector.errs);
  if (!selector.buildable) {
    errs.push(invalid('spec.selector', new GoLiteral(goLabelSelectorLiteral(spec['selector'])), ''));
  } else {
    const template = validateTemplate(spec, 'StatefulSet', ctx, claimNames.filter((n) => n !== ''));
    errs.push(...template);
  }
  return errs;
}

const STS_UPDATABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** ValidateStatefulSetUpdate: everything but the listed fields (volumeClaimTemplates included) is fixed. */
export function validateStatefulSetUpdate(sts: Obj, old: Obj): FieldError[] {
  const now = structuredClone(obj(sts['spec']));
  const before = obj(old['spec']);
  for (const key of STS_UPDATABLE) {
    if (before[key] === undefined) delete now[key];
    else now[key] = before[key];
  }
  if (deepEqual(now, before)) return [];
  return [forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
}
