/**
 * Design: a new object's uid is a function of the seed and the object's identity — its
 * apiVersion/kind, namespace, name and how many objects of that identity this cluster created
 * before (`n`, 0 for the first) — not a draw from a random stream (ADR 0031). A draw made the
 * n-th uid depend on the order objects were created in, so a free-running distributed run, whose
 * components create in whatever order they happen to, named its PVs (`pvc-<claim uid>`), snapshot
 * contents and snapshot handles differently from the embedded run. A recreated object still gets a
 * new uid, since `n` moved. The digest is sha256 (node:crypto, deterministic), cut to the
 * version-4 layout `Random.uuid` makes: 122 bits, so two identities collide with probability
 * about k²/2^123 over k objects — as unlikely as two random uuids.
 */
import * as nodeCrypto from 'node:crypto';

/** What a uid is made of: everything that names one created object in one cluster's history. */
export interface UidIdentity {
  apiVersion: string;
  kind: string;
  /** '' for a cluster-scoped object. */
  namespace: string;
  name: string;
  /** How many objects of this apiVersion/kind, namespace and name were created before this one. */
  n: number;
}

function sha256Hex(text: string): string {
  return typeof nodeCrypto.hash === 'function'
    ? nodeCrypto.hash('sha256', text, 'hex')
    : nodeCrypto.createHash('sha256').update(text).digest('hex');
}

/** The uid of `id` in a cluster of `seed`: UUID-shaped (version 4, RFC 4122 variant). */
export function uidOf(seed: number, id: UidIdentity): string {
  // NUL cannot stand in a Kubernetes name or kind, so the fields cannot run into each other.
  const h = sha256Hex(`${seed | 0}\0${id.apiVersion}/${id.kind}\0${id.namespace}\0${id.name}\0${id.n}`);
  const version = ((parseInt(h.slice(12, 14), 16) & 0x0f) | 0x40).toString(16).padStart(2, '0');
  const variant = ((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16).padStart(2, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${version}${h.slice(14, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}
