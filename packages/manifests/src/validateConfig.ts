/**
 * Design: validation of the small kinds issue 3 serves — ConfigMap and Secret
 * (K/pkg/apis/core/validation/validation.go ValidateConfigMap(Update), ValidateSecret(Update)) and
 * VolumeAttachment (K/pkg/apis/storage/validation/validation.go ValidateVolumeAttachment,
 * ValidateVolumeAttachmentV1, ValidateVolumeAttachmentUpdate).
 * Go walks a map's keys in random order; pvsim walks them sorted so the message is stable.
 * A Secret's `stringData` has been folded into `data` by `applyDefaults` (the v1 → internal
 * conversion does the same), so its keys are reported as `data[key]`, as Kubernetes does.
 * pvsim addition: `data`/`binaryData` that is not base64 is a field error
 * (`data.password: Invalid value: "…": illegal base64 data at input byte 4`, the decoder's words)
 * instead of the bare "cannot be handled as a Secret" decode error. Secret type-specific rules
 * (dockerconfigjson, tls, service-account-token keys) are not ported.
 */

import { isDNS1123Subdomain } from '@pvsim/domain';
import { GoLiteral, forbidden, invalid, required, tooLong, type FieldError } from './errors.ts';
import { csiDriverNameErrors, deepEqual, isConfigMapKey, isObj, obj, present, readableStruct, sortedSet, str, stringMapErrors, type Obj } from './fieldChecks.ts';

/** core.MaxSecretSize, which also bounds a ConfigMap. */
const MAX_SECRET_SIZE = 1024 * 1024;
const IMMUTABLE_MSG = 'field is immutable when `immutable` is set';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export type Base64Result = { ok: true; bytes: number } | { ok: false; error: string };

/**
 * Go's `base64.StdEncoding.DecodeString` as encoding/json uses it for `[]byte`: padded, `\r` and
 * `\n` skipped, failing with `illegal base64 data at input byte N` at the byte Go reports.
 */
export function decodeBase64(text: string): Base64Result {
  const src = Buffer.from(text, 'utf8');
  let si = 0;
  let bytes = 0;
  const fail = (at: number): Base64Result => ({ ok: false, error: `illegal base64 data at input byte ${at}` });
  while (si < src.length) {
    // decodeQuantum
    let dlen = 4;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return { ok: true, bytes };
        return fail(si - j);
      }
      const ch = src[si]!;
      si++;
      if (B64.includes(String.fromCharCode(ch))) continue;
      if (ch === 0x0a || ch === 0x0d) {
        j--;
        continue;
      }
      if (ch !== 0x3d) return fail(si - 1);
      // padding
      if (j === 0 || j === 1) return fail(si - 1);
      if (j === 2) {
        while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
        if (si === src.length) return fail(src.length);
        if (src[si] !== 0x3d) return fail(si - 1);
        si++;
      }
      while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
      if (si < src.length) return fail(si);
      dlen = j;
      break;
    }
    bytes += dlen - 1;
  }
  return { ok: true, bytes };
}

function dataKeyErrors(map: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of sortedSet(Object.keys(map))) {
    for (const msg of isConfigMapKey(key)) errs.push(invalid(`${field}[${key}]`, key, msg));
  }
  return errs;
}

function base64Errors(map: Obj, field: string): { errs: FieldError[]; bytes: number } {
  const errs: FieldError[] = [];
  let bytes = 0;
  for (const key of sortedSet(Object.keys(map))) {
    const decoded = decodeBase64(str(map[key]));
    if (decoded.ok) bytes += decoded.bytes;
    else errs.push(invalid(`${field}.${key}`, map[key], decoded.error, `${field}[${key}]`));
  }
  return { errs, bytes };
}

// ---------------------------------------------------------------------------------------------
// ConfigMap

export function validateConfigMap(cm: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const typeErrs = stringMapErrors(cm['data'], 'data', 'ConfigMap.data');
  errs.push(...typeErrs);
  const data = typeErrs.length === 0 ? obj(cm['data']) : {};
  const binary = obj(cm['binaryData']);
  let size = 0;
  for (const key of sortedSet(Object.keys(data))) {
    for (const msg of isConfigMapKey(key)) errs.push(invalid(`data[${key}]`, key, msg));
    if (Object.hasOwn(binary, key)) errs.push(invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(str(data[key]));
  }
  errs.push(...dataKeyErrors(binary, 'binaryData'));
  const decoded = base64Errors(binary, 'binaryData');
  errs.push(...decoded.errs);
  size += decoded.bytes;
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('', MAX_SECRET_SIZE));
  return errs;
}

export function validateConfigMapUpdate(cm: Obj, old: Obj): FieldError[] {
  return immutableErrors(cm, old, ['data', 'binaryData']);
}

function immutableErrors(now: Obj, old: Obj, fields: readonly string[]): FieldError[] {
  if (old['immutable'] !== true) return [];
  const errs: FieldError[] = [];
  if (now['immutable'] !== true) errs.push(forbidden('immutable', IMMUTABLE_MSG));
  for (const f of fields) if (!deepEqual(now[f] ?? null, old[f] ?? null)) errs.push(forbidden(f, IMMUTABLE_MSG));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Secret

export function validateSecret(secret: Obj): FieldError[] {
  const errs: FieldError[] = [];
  // applyDefaults leaves stringData in place only when it could not be decoded as strings.
  errs.push(...stringMapErrors(secret['stringData'], 'stringData', 'Secret.stringData'));
  const typeErrs = stringMapErrors(secret['data'], 'data', 'Secret.data');
  errs.push(...typeErrs);
  const data = typeErrs.length === 0 ? obj(secret['data']) : {};
  errs.push(...dataKeyErrors(data, 'data'));
  const decoded = base64Errors(data, 'data');
  errs.push(...decoded.errs);
  if (decoded.bytes > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  return errs;
}

export function validateSecretUpdate(secret: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (str(secret['type']) !== str(old['type'])) errs.push(invalid('type', str(secret['type']), 'field is immutable'));
  errs.push(...immutableErrors(secret, old, ['data']));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// VolumeAttachment

export function validateVolumeAttachment(va: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(va['spec']);
  const attacher = str(spec['attacher']);
  if (attacher === '') errs.push(required('spec.attacher'));
  const source = obj(spec['source']);
  const pvName = source['persistentVolumeName'];
  const inline = source['inlineVolumeSpec'];
  if (!present(inline) && !present(pvName)) {
    errs.push(required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  } else if (present(inline) && present(pvName)) {
    errs.push(forbidden('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  } else if (present(pvName) && str(pvName) === '') {
    errs.push(required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName'));
  }
  const nodeName = str(spec['nodeName']);
  for (const msg of isDNS1123Subdomain(nodeName)) errs.push(invalid('spec.nodeName', nodeName, msg));
  // ValidateVolumeAttachmentV1: the attacher is a CSI driver name, the PV name an object name.
  errs.push(...csiDriverNameErrors(attacher, 'spec.attacher'));
  if (present(pvName)) for (const msg of isDNS1123Subdomain(str(pvName))) errs.push(invalid('spec.source.persistentVolumeName', str(pvName), msg));
  return errs;
}

export function validateVolumeAttachmentUpdate(va: Obj, old: Obj): FieldError[] {
  const spec = va['spec'];
  if (deepEqual(spec ?? null, old['spec'] ?? null)) return [];
  return [invalid('spec', new GoLiteral(readableStruct(isObj(spec) ? spec : null)), 'field is immutable')];
}
