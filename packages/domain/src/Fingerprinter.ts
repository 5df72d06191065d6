/**
 * Design: a fingerprint of a world's objects that two runs share whenever they did the same
 * things, even though their uids (and so the names generated from uids), resource versions and
 * timestamps differ — so an explorer can tell "this state was seen before" across seeds.
 *
 * Identity. Uids are random; the order things were created in is not. Each uid is registered
 * once, when its object first appears, as `<kind>/<key>#<n>`: n counts the objects that had that
 * kind and key so far (a claim deleted and recreated under its name is `#2`). The key is kept raw
 * and made canonical on use, by the same substitution as everything else, so a PV named
 * `pvc-<claim uid>` is `PersistentVolume/pvc-<PersistentVolumeClaim/default/data#1>#1`
 * whichever of the two was registered first (a dump loads kinds in table order). Names derived
 * from a uid through a digest cannot be undone by substitution, so they are registered as
 * aliases of what they were derived from (`DERIVED_NAMES`). Registrations are never removed: a
 * Released PV's claimRef still names its deleted claim's uid. A uid never registered (written
 * by hand in a manifest and never created here) stays as it is.
 *
 * Substitution. A registered token is replaced wherever it stands in a string as a whole word:
 * not preceded or followed by a letter or digit (so `uid-1` is not found in `uid-10`, but is in
 * `pvc-uid-1` and `/pods/uid-1/volumes`). Tokens are uids and generated names, made of letters,
 * digits and `-`. Object keys are substituted too, before they are sorted.
 *
 * Canonical object. Dropped: `resourceVersion` and `managedFields` at any depth, and every key
 * ending in `Timestamp` or `Time` (creation/deletion timestamps, Event first/last/eventTime,
 * conditions' lastTransitionTime/lastProbeTime/lastHeartbeatTime, status.startTime,
 * lastPhaseTransitionTime); a deletionTimestamp leaves `deleting: true` behind. Any other string
 * that is an RFC 3339 time (containers' startedAt/finishedAt, an annotation) becomes `<time>`.
 * An Event's name is a counter that depends on the order events were first recorded, so its
 * name is dropped and its key is what the event correlator aggregates on; its `count` is dropped
 * too (a retry that fails the same way again does not make a new state).
 *
 * Combination. Each object's hash is two independent 32-bit lanes over
 * `<canonical key>\n<canonicalJson(canonical object)>`; the world's value is the lane-wise sum
 * mod 2^32 of every object's hash — a multiset combination, so the order of writes does not
 * matter and a write costs one subtraction and one addition. Per-object hashes are kept by
 * canonical key, so two worlds' states can be compared object by object.
 *
 * A token registered after an object that mentions it was hashed leaves that hash stale until
 * the object is written again. The store registers a uid before any other object can mention it;
 * only hand-written uids could break that, and they are the same in every run.
 */
import { canonicalJson } from './canonicalJson.ts';

type Json = Record<string, unknown>;

/** A registered token: a uid (kind, raw key, creation count) or an alias (what it derives from). */
type Token = { kind: string; key: string; n: number } | { from: string };

export interface FingerprinterJSON {
  /** uid -> kind, raw key, n. */
  uids: [string, string, string, number][];
  /** derived name -> the text it was derived from (raw, substituted on use). */
  aliases: [string, string][];
  /** `<kind>/<key>` (and derived-name groups) -> how many were registered. */
  counters: [string, number][];
  /** kind, raw key, canonical key, hash (16 hex digits), sorted by canonical key. */
  objects: [string, string, string, string][];
}

interface Entry { kind: string; rawKey: string; lo: number; hi: number }

/** Deeper alias chains than this are not followed (a chain is a bug; this stops a loop). */
const RESOLVE_DEPTH_MAX = 8;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
/** csiStagingPath: the segment is sha256(volume handle); the handle is in the same object. */
const STAGING_DIGEST = /(\/kubernetes\.io\/csi\/[^/]+\/)[0-9a-f]{64}(\/globalmount)/g;

/** How many short strings' canonical texts a Fingerprinter remembers at most, and how long they may be. */
const QUOTED_ENTRIES_MAX = 1 << 16;
const QUOTED_LENGTH_MAX = 128;

const isWordCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * Names generated from a uid through a digest or counter, with what they derive from:
 * - a CSIVolume's volumeId is a digest of its CreateVolume name (`pvc-<claim uid>`);
 * - a VolumeAttachment `csi-<sha256>` digests volume handle, attacher and node;
 * - a Deployment's pod `<deployment>-<template hash>-<suffix>` draws the suffix from the
 *   deployment's uid and a counter: the nth such pod of that deployment.
 * `counter` numbers a group of derived names (the Deployment's pods) in registration order.
 */
function derivedNames(kind: string, obj: Json, counter: (group: string) => number): [string, string][] {
  const metadata = (obj['metadata'] ?? {}) as Json;
  const name = String(metadata['name'] ?? '');
  const spec = (obj['spec'] ?? {}) as Json;
  if (kind === 'CSIVolume') {
    const volumeId = spec['volumeId'];
    const from = spec['name'];
    return typeof volumeId === 'string' && typeof from === 'string' && from !== volumeId ? [[volumeId, `volumeId(${from})`]] : [];
  }
  if (kind === 'VolumeAttachment' && name.startsWith('csi-')) {
    const source = (spec['source'] ?? {}) as Json;
    return [[name, `attachment(${String(source['persistentVolumeName'] ?? '')},${String(spec['attacher'] ?? '')},${String(spec['nodeName'] ?? '')})`]];
  }
  if (kind === 'Pod') {
    const owners = (metadata['ownerReferences'] ?? []) as Json[];
    const owner = owners.find((o) => o['controller'] === true && o['kind'] === 'Deployment');
    const ownerUid = owner?.['uid'];
    if (typeof ownerUid === 'string' && ownerUid !== '' && name.startsWith(`${String(owner!['name'])}-`)) {
      const prefix = name.slice(0, name.lastIndexOf('-') + 1);
      return [[name, `${prefix}{${ownerUid}#${counter(`pods:${ownerUid}/${prefix}`)}}`]];
    }
  }
  return [];
}

/** Two independent 32-bit lanes (FNV-1a and a multiply-xorshift), each finished with fmix32. */
/** Two independent 32-bit lanes over a text (the per-object hash). */
export function hash64(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [fmix32(a ^ text.length), fmix32(b)];
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const PROVISIONER_IDENTITY = 'storage.kubernetes.io/csiProvisionerIdentity';
/**
 * An external-provisioner's event source, `<driver>_<identity>` with the identity (`<n>-<driver>`)
 * drawn at its start, says no more than `<driver>`: its drawn part is generated.
 */
const canonicalComponent = (component: unknown): unknown =>
  (typeof component === 'string' ? component.replace(/^(\S+)_\d+-\1$/, '$1_<generated>') : component);
/** A member value `textOf` writes as it is, through canonicalJson (no substitution). */
class Verbatim { constructor(readonly value: unknown) {} }
/** Markers of the canonical values `textOf` writes itself (`deleting: true`, `<generated>`). */
const DELETING = Symbol('deleting');
const GENERATED = Symbol('generated');

/** `JSON.stringify(s)`; a string with nothing to escape (the usual case) is only quoted. */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/**
 * The indices of `names` in the order `Object.keys(obj).sort()` lists an object's keys after
 * `obj[names[i]] = …` for each i in turn: sorted by UTF-16 code units, one index per name (the
 * last of equal names: a later assignment wins).
 */
function sortedMembers(names: readonly string[]): number[] {
  const n = names.length;
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(i);
  if (n > 12) order.sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : a - b));
  else {
    for (let i = 1; i < n; i++) {
      const x = order[i]!;
      const name = names[x]!;
      let j = i - 1;
      while (j >= 0 && names[order[j]!]! > name) { order[j + 1] = order[j]!; j--; }
      order[j + 1] = x;
    }
  }
  // Equal names sit together in index order: keep the last of each run.
  let w = 0;
  for (let r = 0; r < n; r++) {
    if (r + 1 < n && names[order[r + 1]!] === names[order[r]!]) continue;
    order[w++] = order[r]!;
  }
  order.length = w;
  return order;
}

export const hex8 = (n: number) => n.toString(16).padStart(8, '0');

export class Fingerprinter {
  private readonly tokens = new Map<string, Token>();
  /** Distinct token lengths, longest first: substitution tries each at a word start. */
  private lengths: number[] = [];
  private readonly counters = new Map<string, number>();
  /** token -> its canonical text; cleared when a token is registered. */
  private resolved = new Map<string, string>();
  /**
   * Strings shorter than every token (names, phases, quantities, most keys) -> their quoted
   * canonical text in an object's hash: the same few thousand recur in every object written, and
   * a lookup is cheaper than scanning each again. No token fits in them, so registering one
   * changes none of them — unless it is shorter than all before it: then this is cleared.
   * Bounded.
   */
  private quoted = new Map<string, string>();
  /** Object keys shorter than every token -> their canonical member names (memberName), as `quoted`. */
  private memberNames = new Map<string, string | null>();
  private shortestToken = Infinity;
  /** canonical key -> the object's hash. */
  private readonly entries = new Map<string, Entry>();
  /** `<kind>/<raw key>` -> canonical key of the object hashed under it. */
  private readonly canonicalKeys = new Map<string, string>();
  private lo = 0;
  private hi = 0;

  /** Registers a uid the store assigned (or first saw) for the object `kind`/`key`; once. */
  register(uid: string, kind: string, key: string): void {
    if (uid === '' || this.tokens.has(uid)) return;
    const n = this.count(`${kind}/${key}`);
    this.addToken(uid, { kind, key, n });
  }

  /** Registers an object's uid, with the names derived from it first; once per uid. */
  registerObject(kind: string, key: string, obj: { metadata: { [k: string]: unknown } }): void {
    const uid = obj.metadata['uid'];
    if (typeof uid !== 'string' || uid === '' || this.tokens.has(uid)) return;
    for (const [token, from] of derivedNames(kind, obj as unknown as Json, (group) => this.count(group))) {
      if (!this.tokens.has(token)) this.addToken(token, { from });
    }
    this.register(uid, kind, key);
  }

  isRegistered(token: string): boolean {
    return this.tokens.has(token);
  }

  /** The canonical identity of a registered uid (`PersistentVolumeClaim/default/data#1`). */
  identity(uid: string): string | undefined {
    const t = this.tokens.get(uid);
    return t === undefined ? undefined : this.resolve(uid, 0).slice(1, -1);
  }

  /** Sets (or with `undefined` removes) the object stored under `kind`/`key`. */
  set(kind: string, key: string, obj: object | undefined): void {
    const raw = `${kind}/${key}`;
    const previous = this.canonicalKeys.get(raw);
    if (previous !== undefined) {
      const e = this.entries.get(previous)!;
      this.lo = (this.lo - e.lo) >>> 0;
      this.hi = (this.hi - e.hi) >>> 0;
      this.entries.delete(previous);
      this.canonicalKeys.delete(raw);
    }
    if (obj === undefined) return;
    let canonicalKey = this.canonicalKey(kind, key, obj as Json);
    // Two live objects with one canonical key would be a broken rule above; keep both hashed.
    if (this.entries.has(canonicalKey)) canonicalKey += `~${raw}`;
    const [lo, hi] = hash64(`${canonicalKey}\n${this.canonicalText(kind, obj as Json)}`);
    this.entries.set(canonicalKey, { kind, rawKey: key, lo, hi });
    this.canonicalKeys.set(raw, canonicalKey);
    this.lo = (this.lo + lo) >>> 0;
    this.hi = (this.hi + hi) >>> 0;
  }

  /** The fingerprint: 16 hex digits. */
  value(): string {
    return hex8(this.hi) + hex8(this.lo);
  }

  /** Per-object hashes by canonical key, to find which objects two worlds disagree on. */
  hashes(): Map<string, string> {
    return new Map([...this.entries].map(([k, e]) => [k, hex8(e.hi) + hex8(e.lo)]));
  }

  /** The canonical form an object is hashed as (for tests and for diffing two worlds). */
  canonicalObject(kind: string, obj: Json): Json {
    const out = this.canonicalValue(obj) as Json;
    if (kind === 'Event') {
      const metadata = { ...(out['metadata'] as Json) };
      delete metadata['name'];
      out['metadata'] = metadata;
      // How often it happened is a count of retries, not state: a retry that fails the same way
      // again leaves the world where it was.
      delete out['count'];
    }
    return out;
  }

  /**
   * `canonicalJson(canonicalObject(kind, obj))`, the text an object is hashed as, written in one
   * walk of the object without building the canonical object first (a write's hash is on the
   * path of every fingerprint, and the settle loop's progress check asks for one).
   */
  canonicalText(kind: string, obj: Json): string {
    if (kind !== 'Event') return this.textOf(obj, false);
    // An Event as canonicalObject has it: no name, no count, its `component`s as canonicalValue
    // writes them; an Event without a metadata object takes the long way (it has one).
    const metadata = obj['metadata'];
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return canonicalJson(this.canonicalObject(kind, obj));
    const { count: _count, ...rest } = obj;
    const { name: _name, ...named } = metadata as Json;
    return this.textOf({ ...rest, metadata: named }, true);
  }

  /** `<kind>/<key>` with registered tokens replaced; an Event's key is its correlation. */
  canonicalKey(kind: string, key: string, obj?: Json): string {
    if (kind === 'Event' && obj !== undefined) {
      const o = (obj['involvedObject'] ?? {}) as Json;
      const source = (obj['source'] ?? {}) as Json;
      const namespace = key.slice(0, key.indexOf('/') + 1);
      return `Event/${namespace}${this.substitute(canonicalJson([o['kind'], o['name'], o['namespace'], o['uid'], obj['type'], obj['reason'], obj['message'], canonicalComponent(source['component'])]))}`;
    }
    return `${kind}/${this.substitute(key)}`;
  }

  /** `text` with every registered token that stands as a whole word replaced by its identity. */
  substitute(text: string): string {
    return this.substituteAt(text, 0);
  }

  toJSON(): FingerprinterJSON {
    const uids: FingerprinterJSON['uids'] = [];
    const aliases: FingerprinterJSON['aliases'] = [];
    for (const [token, t] of this.tokens) {
      if ('from' in t) aliases.push([token, t.from]);
      else uids.push([token, t.kind, t.key, t.n]);
    }
    const objects: FingerprinterJSON['objects'] = [...this.entries]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, e]) => [e.kind, e.rawKey, k, hex8(e.hi) + hex8(e.lo)]);
    return { uids, aliases, counters: [...this.counters], objects };
  }

  static fromJSON(json: FingerprinterJSON): Fingerprinter {
    const f = new Fingerprinter();
    for (const [token, kind, key, n] of json.uids) f.addToken(token, { kind, key, n });
    for (const [token, from] of json.aliases) f.addToken(token, { from });
    for (const [k, n] of json.counters) f.counters.set(k, n);
    for (const [kind, rawKey, canonicalKey, hash] of json.objects) {
      const hi = parseInt(hash.slice(0, 8), 16);
      const lo = parseInt(hash.slice(8), 16);
      f.entries.set(canonicalKey, { kind, rawKey, lo, hi });
      f.canonicalKeys.set(`${kind}/${rawKey}`, canonicalKey);
      f.lo = (f.lo + lo) >>> 0;
      f.hi = (f.hi + hi) >>> 0;
    }
    return f;
  }

  // ------------------------------------------------------------------ internals

  private count(group: string): number {
    const n = (this.counters.get(group) ?? 0) + 1;
    this.counters.set(group, n);
    return n;
  }

  private addToken(token: string, t: Token): void {
    this.tokens.set(token, t);
    if (!this.lengths.includes(token.length)) this.lengths = [...this.lengths, token.length].sort((a, b) => b - a);
    if (this.resolved.size > 0) this.resolved = new Map();
    if (token.length < this.shortestToken) {
      this.shortestToken = token.length;
      this.quoted = new Map();
      this.memberNames = new Map();
    }
  }

  private resolve(token: string, depth: number): string {
    let r = this.resolved.get(token);
    if (r !== undefined) return r;
    const t = this.tokens.get(token)!;
    if (depth >= RESOLVE_DEPTH_MAX) return token;
    r = '<' + ('from' in t ? this.substituteAt(t.from, depth + 1) : `${t.kind}/${this.substituteAt(t.key, depth + 1)}#${t.n}`) + '>';
    this.resolved.set(token, r);
    return r;
  }

  private substituteAt(text: string, depth: number): string {
    const lengths = this.lengths;
    const n = text.length;
    if (lengths.length === 0 || n < lengths[lengths.length - 1]!) return text;
    let out = '';
    let from = 0;
    for (let i = 0; i < n; i++) {
      if (!isWordCode(text.charCodeAt(i)) || (i > 0 && isWordCode(text.charCodeAt(i - 1)))) continue;
      for (const length of lengths) {
        const end = i + length;
        if (end > n || (end < n && isWordCode(text.charCodeAt(end)))) continue;
        const candidate = text.slice(i, end);
        if (!this.tokens.has(candidate)) continue;
        out += text.slice(from, i) + this.resolve(candidate, depth);
        from = end;
        i = end - 1;
        break;
      }
    }
    return from === 0 ? text : out + text.slice(from);
  }

  private canonicalString(value: string): string {
    if (value.length >= 20 && value.length <= 35 && RFC3339.test(value)) return '<time>';
    const s = value.includes('globalmount') ? value.replace(STAGING_DIGEST, '$1<staging>$2') : value;
    return this.substitute(s);
  }

  /**
   * A key's name in the canonical object (substituted), or null when the canonical object has
   * no such member: a time (`…Timestamp`, `…Time`; a deletionTimestamp is the caller's) or
   * `__proto__`, which a plain object does not take as an own key. Remembered like `quoted`.
   */
  private memberName(k: string): string | null {
    const short = k.length < this.shortestToken && k.length <= QUOTED_LENGTH_MAX;
    let name = short ? this.memberNames.get(k) : undefined;
    if (name === undefined) {
      name = k.endsWith('Timestamp') || k.endsWith('Time') ? null : this.substitute(k);
      if (name === '__proto__') name = null;
      if (short) {
        if (this.memberNames.size >= QUOTED_ENTRIES_MAX) this.memberNames = new Map();
        this.memberNames.set(k, name);
      }
    }
    return name;
  }

  /** `JSON.stringify(this.canonicalString(value))`, remembered for strings shorter than every token. */
  private quotedCanonical(value: string): string {
    if (value.length >= this.shortestToken || value.length > QUOTED_LENGTH_MAX) return quote(this.canonicalString(value));
    let q = this.quoted.get(value);
    if (q === undefined) {
      if (this.quoted.size >= QUOTED_ENTRIES_MAX) this.quoted = new Map();
      q = quote(this.canonicalString(value));
      this.quoted.set(value, q);
    }
    return q;
  }

  /** `canonicalJson(this.canonicalValue(value))` in one walk: the same rules, in the same order. */
  private textOf(value: unknown, events: boolean): string {
    if (typeof value === 'string') return this.quotedCanonical(value);
    if (Array.isArray(value)) {
      let out = '[';
      for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + this.textOf(value[i], events);
      return out + ']';
    }
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    // The canonical object's members by canonical key, as canonicalValue assigns them to a plain
    // object: a later key that canonicalises to the same name wins, and `__proto__` is no own key
    // of it. Names and values side by side, sorted below (the hot path of every object's hash:
    // no intermediate object); a member's value is canonicalised when written.
    const names: string[] = [];
    const values: unknown[] = [];
    for (const k of Object.keys(value)) {
      const v = (value as Json)[k];
      if (v === undefined || k === 'resourceVersion' || k === 'managedFields') continue;
      if (k === 'deletionTimestamp') { names.push('deleting'); values.push(DELETING); continue; }
      if (k === 'containerID' || k === PROVISIONER_IDENTITY) { names.push(k); values.push(GENERATED); continue; }
      // canonicalValue's rule for an event source (canonicalObject applies it to Events only).
      if (events && k === 'component') { names.push(k); values.push(new Verbatim(canonicalComponent(v))); continue; }
      const name = this.memberName(k);
      if (name === null) continue;
      names.push(name);
      values.push(v);
    }
    const order = sortedMembers(names);
    let out = '{';
    for (let j = 0; j < order.length; j++) {
      const i = order[j]!;
      const v = values[i];
      out += (j === 0 ? '' : ',') + quote(names[i]!) + ':'
        + (v === DELETING ? 'true' : v === GENERATED ? '"<generated>"' : v instanceof Verbatim ? canonicalJson(v.value) : this.textOf(v, events));
    }
    return out + '}';
  }

  private canonicalValue(value: unknown): unknown {
    if (typeof value === 'string') return this.canonicalString(value);
    if (Array.isArray(value)) return value.map((v) => this.canonicalValue(v));
    if (value === null || typeof value !== 'object') return value;
    const out: Json = {};
    for (const [k, v] of Object.entries(value as Json)) {
      if (v === undefined || k === 'resourceVersion' || k === 'managedFields') continue;
      if (k.endsWith('Timestamp') || k.endsWith('Time')) {
        if (k === 'deletionTimestamp') out['deleting'] = true;
        continue;
      }
      // Generated identities that say nothing the object does not: a container's id is a digest
      // of its pod's uid, its name and its restart count; a provisioner's identity is drawn at
      // its start.
      if (k === 'containerID' || k === PROVISIONER_IDENTITY) { out[k] = '<generated>'; continue; }
      if (k === 'component') { out[k] = canonicalComponent(v); continue; }
      out[this.substitute(k)] = this.canonicalValue(v);
    }
    return out;
  }
}
