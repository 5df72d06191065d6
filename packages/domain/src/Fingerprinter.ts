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
 * Combination. Each object's hash is 64 bits (two 32-bit lanes) of its canonical key and its
 * canonical object, hashed as a structure (`hashValue`), not as text: a string is hashed over its
 * canonical text, an array in order, an object as the sum of its members' (name, value) mixes
 * (so no key is sorted and no text is built), every level finished by a mixing step that
 * involves both lanes. Two objects with the same `canonicalText` hash the same; two with
 * different texts hash the same with probability about 2^-64. (An object with two keys that
 * canonicalise to one name — `deleting` beside a `deletionTimestamp` — keeps both members, where
 * the text keeps the last: still a function of the object up to uids, which is what matters.)
 * The world's value is the lane-wise sum mod 2^32 of every object's hash — a multiset
 * combination, so the order of writes does not matter and a write costs one subtraction and one
 * addition. Per-object hashes are kept by canonical key, so two worlds' states can be compared
 * object by object. With N distinct states compared (an exploration), a false "seen before"
 * has probability about N²/2^65: 3·10^-8 at a million states.
 *
 * Reuse. Strings shorter than every token are their own canonical text (unless a time) and are
 * hashed directly; member names have their hashes remembered by value, and a member list seen
 * before (objects of one kind list the same names in the same order) its names' hashes and what
 * the hash does with each member (`Shape`, ADR 0038): an object of a known shape looks no name up;
 * longer strings and keys their canonical text and its hash, checked against the tokens
 * registered since (`canonicalEntry`). An object's top-level members are remembered with its
 * entry (`hashTop`, ADR 0027): a write shares its unchanged parts with the version before (ADR
 * 0009), so a status write hashes the status again and keeps the spec's and — when only its
 * resourceVersion moved — the metadata's mix. (A WeakMap of every part's hash measured no faster
 * than hashing again, docs/benchmarks.md session 5; a few slots per entry is no map lookup.) An
 * Event's type, reason and message are hashed in its canonical key only, and a repeated Event
 * (the correlator's count and lastTimestamp bump, which the hash drops) keeps its key and its
 * members' mixes: it is not hashed again.
 * `FingerprinterJSON.hash` names this scheme (3); kept hashes of another scheme (a snapshot
 * written by an older pvsim) are not loaded: the objects are hashed again.
 *
 * Snapshots (ADR 0034). `snapshotState()` hands a snapshot the registry and the entries by
 * reference, and `restore(state)` takes them back: what is shared is never changed — the
 * Fingerprinter copies the registry before a registration, the entry maps before a write, and an
 * entry of an earlier generation before it changes. `toJSON`/`fromJSON` are for files.
 *
 * A token registered after an object that mentions it was hashed leaves that hash stale until
 * the part of the object that mentions it is written again (`hashTop` keeps unchanged parts). The store registers a uid before any other object can mention it;
 * only hand-written uids could break that, and they are the same in every run.
 */
import { canonicalJson } from './canonicalJson.ts';

type Json = Record<string, unknown>;

/** A registered token: a uid (kind, raw key, creation count) or an alias (what it derives from). */
type Token = { kind: string; key: string; n: number } | { from: string };

/**
 * The scheme of the per-object hashes (`FingerprinterJSON.hash`); 1 (absent) hashed the canonical
 * text, 2 the structure with an Event's type, reason and message in both its key and its value,
 * 3 leaves them to the key (an Event's hash is its correlation key's and its other members').
 */
export const FINGERPRINT_HASH_SCHEME = 3;

export interface FingerprinterJSON {
  /** The hash scheme of `objects` (FINGERPRINT_HASH_SCHEME); absent: 1. */
  hash?: number;
  /** uid -> kind, raw key, n. */
  uids: [string, string, string, number][];
  /** derived name -> the text it was derived from (raw, substituted on use). */
  aliases: [string, string][];
  /** `<kind>/<key>` (and derived-name groups) -> how many were registered. */
  counters: [string, number][];
  /** kind, raw key, canonical key, hash (16 hex digits), sorted by canonical key. */
  objects: [string, string, string, string][];
}

/**
 * An object's hash under its canonical key. `keyLo`/`keyHi`: the canonical key's own hash
 * (`keyHashed` once known); `renamed`: the key carries a `~<raw key>` suffix (a clash).
 */
interface Entry {
  kind: string; rawKey: string; canonicalKey: string; lo: number; hi: number; keyLo: number; keyHi: number; keyHashed: boolean; renamed: boolean;
  /**
   * The version last hashed (the stored object itself: no copy), its top-level member names in
   * key order, and each member's (name, value) mix, two lanes each (lo NaN: a member the hash
   * leaves out; numbers only, so V8 keeps them unboxed). `hashTop` keeps a member's mix while its
   * value is the same (ADR 0009: a write shares its unchanged parts).
   */
  prev: Json | undefined;
  names: string[] | undefined;
  mix: number[] | undefined;
  /** The Fingerprinter generation that may change this entry in place (`Fingerprinter.gen`); any other copies it first. */
  gen: number;
}

/** An entry's copy for generation `gen`, its member mixes copied (a literal as the others: one shape for every entry). */
const copyOfEntry = (e: Entry, gen: number): Entry => ({
  kind: e.kind, rawKey: e.rawKey, canonicalKey: e.canonicalKey, lo: e.lo, hi: e.hi, keyLo: e.keyLo, keyHi: e.keyHi, keyHashed: e.keyHashed, renamed: e.renamed,
  prev: e.prev, names: e.names, mix: e.mix?.slice(), gen,
});

/** Fingerprinter generations: a new one at every snapshot and restore, so no two share one. */
let generations = 0;
const nextGen = () => ++generations;

/**
 * The registry of tokens (uids and derived names, with the counters that numbered them) and what
 * is remembered of it: each token's canonical text, and long strings' and keys' canonical texts
 * (valid for this registry only). Shared by snapshots (`FingerprinterState`) and the
 * Fingerprinters restored from them while none registers anything: `shared` is then set and a
 * registration copies the registry first, with nothing remembered (what is remembered of the
 * copy holds for it alone).
 */
interface Registry {
  tokens: Map<string, Token>;
  counters: Map<string, number>;
  /** ASCII codes that occur in some token (any other code is taken to, as if it did). */
  tokenChars: Uint8Array;
  /** Distinct token lengths, longest first: substitution tries each at a word start. */
  lengths: number[];
  shortestToken: number;
  /** How many tokens were registered, and the last TOKENS_RECHECKED_MAX of them (at `count % max`). */
  tokenCount: number;
  recentTokens: string[];
  /** token -> its canonical text; cleared when a token is registered. */
  resolved: Map<string, string>;
  /** Strings at least as long as the shortest token -> their canonical text and its hash. */
  canonicals: Map<string, Canonical>;
  /** Keys and Event fields -> their substitution (no time or staging rule), as `canonicals`. */
  keyTexts: Map<string, Canonical>;
  shared: boolean;
}

const newRegistry = (): Registry => ({
  tokens: new Map(), counters: new Map(), tokenChars: new Uint8Array(128), lengths: [], shortestToken: Infinity, tokenCount: 0, recentTokens: [],
  resolved: new Map(), canonicals: new Map(), keyTexts: new Map(), shared: false,
});

/** A registry's own copy, to change: the same tokens and counters, nothing remembered. */
const copyOfRegistry = (r: Registry): Registry => ({
  tokens: new Map(r.tokens), counters: new Map(r.counters), tokenChars: r.tokenChars.slice(), lengths: r.lengths, shortestToken: r.shortestToken,
  tokenCount: r.tokenCount, recentTokens: r.recentTokens.slice(), resolved: new Map(), canonicals: new Map(), keyTexts: new Map(), shared: false,
});

/**
 * A Fingerprinter's state as a snapshot keeps it (`snapshotState`), never changed: the registry,
 * every object's entry and the sum. `Fingerprinter.restore` takes it back without a copy; the
 * Fingerprinter copies what it then changes. `Fingerprinter.stateToJSON` writes it as `toJSON` would.
 */
export interface FingerprinterState { readonly [STATE]: true }
declare const STATE: unique symbol;
/** What a `FingerprinterState` holds (opaque outside this module). */
interface StateData {
  readonly reg: Registry;
  readonly entries: ReadonlyMap<string, Entry>;
  readonly byKind: ReadonlyMap<string, ReadonlyMap<string, Entry>>;
  readonly lo: number;
  readonly hi: number;
}
const dataOf = (state: FingerprinterState) => state as unknown as StateData;

/** The members of an Event its canonical key is made of (`canonicalKey`): a write that keeps them all keeps the key. */
const EVENT_KEY_MEMBERS = ['involvedObject', 'type', 'reason', 'message', 'source'] as const;
/** An Event's top-level members whose string value the key holds already (scheme 3 leaves them out of the value). */
const isEventKeyText = (k: string) => k === 'type' || k === 'reason' || k === 'message';
/** A member the hash ignores the value of: dropped (times, versions) or a constant (`deleting`). */
const isIgnoredValue = (k: string) => k === 'resourceVersion' || k === 'managedFields' || k.endsWith('Timestamp') || k.endsWith('Time');

/**
 * Whether `b` hashes as `a` did because it differs from it at most in members whose value the hash
 * ignores (a write's new resourceVersion in `metadata`): plain objects with the same keys in the
 * same order and the very same values otherwise. False whenever unsure (then the part is hashed).
 */
function sameExceptIgnored(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) || Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < kb.length; i++) {
    const k = kb[i]!;
    if (ka[i] !== k) return false;
    if ((a as Json)[k] !== (b as Json)[k] && !isIgnoredValue(k)) return false;
    // An undefined member is left out, a defined one kept (even when its value is ignored).
    if (((a as Json)[k] === undefined) !== ((b as Json)[k] === undefined)) return false;
  }
  return true;
}

/** Whether two key lists are the same names in the same order. */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether an Event keeps the members its canonical key was made of, as the entry's last version had them (the very same values). */
function sameEventKey(prev: Json | undefined, obj: Json): boolean {
  if (prev === undefined) return false;
  for (const k of EVENT_KEY_MEMBERS) if (prev[k] !== obj[k]) return false;
  return true;
}

/** Deeper alias chains than this are not followed (a chain is a bug; this stops a loop). */
const RESOLVE_DEPTH_MAX = 8;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
/** csiStagingPath: the segment is sha256(volume handle); the handle is in the same object. */
const STAGING_DIGEST = /(\/kubernetes\.io\/csi\/[^/]+\/)[0-9a-f]{64}(\/globalmount)/g;
/** The shortest text STAGING_DIGEST can match: `/kubernetes.io/csi/` (19), a driver, `/`, 64 digits, `/globalmount` (12). */
const STAGING_LENGTH_MIN = 19 + 1 + 1 + 64 + 12;

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

/** The high lane of the last structural hash; the low lane is returned (no pair allocated per node). */
let hiOut = 0;

/** Tags that keep values of different types apart (a string "1" from the number 1). */
const TAG_STRING = 0x3c6ef372;
const TAG_NUMBER = 0x5be0cd19;
const TAG_ARRAY = 0x1f83d9ab;
const TAG_OBJECT = 0x510e527f;
const TAG_VERBATIM = 0x9b05688c;
const TAG_KEY = 0x6a09e667;
const TAG_NAME = 0xbb67ae85;
/** true, false and null (and anything JSON writes as null), as lanes lo, hi. */
const TRUE_LO = fmix32(0x428a2f98);
const TRUE_HI = fmix32(0x71374491);
const FALSE_LO = fmix32(0xb5c0fbcf);
const FALSE_HI = fmix32(0xe9b5dba5);
const NULL_LO = fmix32(0x3956c25b);
const NULL_HI = fmix32(0x59f111f1);
/** The hash of `<time>`, what every RFC 3339 string stands as (set below, once hashString is defined). */
let TIME_LO = 0;
let TIME_HI = 0;

/** Two lanes over a string's characters (as hash64), each seeded with the tag. */
function hashString(s: string, tag: number): number {
  let a = 0x811c9dc5 ^ tag;
  let b = 0x9747b28c ^ tag;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  hiOut = fmix32(b ^ n);
  return fmix32(a ^ n);
}

TIME_LO = hashString('<time>', TAG_STRING);
TIME_HI = hiOut;

/** An ordered mix of two 64-bit hashes (lanes lo, hi): both result lanes depend on all four. */
function combine(aLo: number, aHi: number, bLo: number, bHi: number): number {
  let x = aLo ^ Math.imul(bLo, 0xcc9e2d51);
  let y = aHi ^ Math.imul(bHi, 0x1b873593);
  x = fmix32((x + Math.imul(y ^ (y >>> 16), 0x85ebca6b)) | 0);
  y = fmix32(y ^ Math.imul(x, 0xc2b2ae35) ^ bLo);
  hiOut = y;
  return x;
}

/** A number's hash: an int32 directly, any other through its JSON text. */
function hashNumber(v: number): number {
  if ((v | 0) === v) return combine(v, ~v, TAG_NUMBER, TAG_NUMBER);
  return hashString(JSON.stringify(v) ?? 'null', TAG_NUMBER);
}

/** A remembered canonical string: its text, its hash once asked, and the registry size it holds for. */
interface Canonical { text: string; epoch: number; lo: number; hi: number; hashed: boolean }
/** How many tokens registered since a remembered string was checked are looked for in it. */
const TOKENS_RECHECKED_MAX = 16;

/**
 * A member list seen before (objects of one kind list the same names in the same order): the
 * names (the very key strings), each one's canonical name hashed (`mix`, lanes lo, hi at 2i and
 * 2i + 1) and what the hash does with its value (`how`). Hashing an object of a known shape looks
 * up no name: one lookup by the first name, then the names compared. Names shorter than every
 * token hold for any registry; a shape with a longer name (`long`) holds for `reg` at `epoch`
 * registrations, and after a few more registrations when none of them occurs in a long name.
 */
interface Shape { names: string[]; mix: Int32Array; how: Uint8Array; long: string[]; reg: Registry | undefined; epoch: number }
/** `Shape.how`: the value hashed; the member left out (a time, a version, `__proto__`); `deleting: true`; `<generated>`. */
const HOW_VALUE = 0;
const HOW_DROPPED = 1;
const HOW_DELETING = 2;
const HOW_GENERATED = 3;
/**
 * What the hash does with a member named `k`, by name alone (`memberMix` and `shapeOf` both ask):
 * a version or managedFields left out, a deletionTimestamp as `deleting: true`, a container id or
 * provisioner identity as `<generated>`, anything else its value hashed.
 */
function memberHow(k: string): number {
  if (k === 'resourceVersion' || k === 'managedFields') return HOW_DROPPED;
  if (k === 'deletionTimestamp') return HOW_DELETING;
  if (k === 'containerID' || k === PROVISIONER_IDENTITY) return HOW_GENERATED;
  return HOW_VALUE;
}
/** Shapes kept a first name (beyond it the newest takes the last slot), and first names kept at most. */
const SHAPES_A_NAME_MAX = 8;
const SHAPE_NAMES_MAX = 1 << 12;

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

/** Two hex digits per byte value (`toString(16)` takes V8's slow radix path: a fifth of a fingerprint's cost). */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** A 32-bit unsigned number as 8 hex digits. */
export const hex8 = (n: number) => HEX2[n >>> 24]! + HEX2[(n >>> 16) & 255]! + HEX2[(n >>> 8) & 255]! + HEX2[n & 255]!;

/** A registry and its entries as `FingerprinterJSON` (objects sorted by canonical key). */
function jsonOf(reg: Registry, entries: ReadonlyMap<string, Entry>): FingerprinterJSON {
  const uids: FingerprinterJSON['uids'] = [];
  const aliases: FingerprinterJSON['aliases'] = [];
  for (const [token, t] of reg.tokens) {
    if ('from' in t) aliases.push([token, t.from]);
    else uids.push([token, t.kind, t.key, t.n]);
  }
  const objects: FingerprinterJSON['objects'] = [...entries]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, e]) => [e.kind, e.rawKey, k, hex8(e.hi) + hex8(e.lo)]);
  return { hash: FINGERPRINT_HASH_SCHEME, uids, aliases, counters: [...reg.counters], objects };
}

export class Fingerprinter {
  /** The registry of tokens and what is remembered of it (`Registry`); copied before a change while a snapshot shares it. */
  private reg: Registry = newRegistry();
  /**
   * Strings shorter than every token (names, phases, quantities, most keys) -> their quoted
   * canonical text in an object's hash: the same few thousand recur in every object written, and
   * a lookup is cheaper than scanning each again. No token fits in them, so registering one
   * changes none of them — unless it is shorter than all before it: then this is cleared (and
   * when a restored registry's shortest token is shorter than this one's). Bounded.
   */
  private quoted = new Map<string, string>();
  /** Object keys shorter than every token -> their canonical member names (memberName), as `quoted`. */
  private memberNames = new Map<string, string | null>();
  /** Member names -> index of their canonical name's hash lanes, -1 when dropped (as `memberNames`). */
  private nameHashes = new Map<string, number>();
  private nameLo: number[] = [];
  private nameHi: number[] = [];
  /** Member lists seen before by their first name (`Shape`); cleared with `nameHashes`. */
  private shapes = new Map<string, Shape[]>();
  /** canonical key -> the object's hash. */
  private entries = new Map<string, Entry>();
  /** kind -> raw key -> the entry of the object hashed under it. */
  private byKind = new Map<string, Map<string, Entry>>();
  /**
   * `entries` and `byKind` are a snapshot's too (`snapshotState`, `restore`): copied before the
   * first change. An entry whose `gen` is not this one's is shared as well: copied before it changes.
   */
  private entriesShared = false;
  /** The maps of `byKind` this Fingerprinter made or copied since the last snapshot or restore (any other is shared: copied before a change). */
  private ownKeys = new Set<Map<string, Entry>>();
  private gen = nextGen();
  private lo = 0;
  private hi = 0;
  /** `value()` as last written, and the lanes it was written for. */
  private valueText = '';
  private valueLo = 0;
  private valueHi = 0;

  /** Registers a uid the store assigned (or first saw) for the object `kind`/`key`; once. */
  register(uid: string, kind: string, key: string): void {
    if (uid === '' || this.reg.tokens.has(uid)) return;
    const n = this.count(`${kind}/${key}`);
    this.addToken(uid, { kind, key, n });
  }

  /** Registers an object's uid, with the names derived from it first; once per uid. */
  registerObject(kind: string, key: string, obj: { metadata: { [k: string]: unknown } }): void {
    const uid = obj.metadata['uid'];
    if (typeof uid !== 'string' || uid === '' || this.reg.tokens.has(uid)) return;
    for (const [token, from] of derivedNames(kind, obj as unknown as Json, (group) => this.count(group))) {
      if (!this.reg.tokens.has(token)) this.addToken(token, { from });
    }
    this.register(uid, kind, key);
  }

  isRegistered(token: string): boolean {
    return this.reg.tokens.has(token);
  }

  /** The canonical identity of a registered uid (`PersistentVolumeClaim/default/data#1`). */
  identity(uid: string): string | undefined {
    const t = this.reg.tokens.get(uid);
    return t === undefined ? undefined : this.resolve(uid, 0).slice(1, -1);
  }

  /** Sets (or with `undefined` removes) the object stored under `kind`/`key`. */
  set(kind: string, key: string, obj: object | undefined): void {
    if (this.entriesShared) this.ownEntries();
    let keys = this.byKind.get(kind);
    if (keys === undefined || !this.ownKeys.has(keys)) {
      // A kind's map a snapshot shares is copied when the kind is first written (most writes are of one or two kinds).
      keys = keys === undefined ? new Map() : new Map(keys);
      this.byKind.set(kind, keys);
      this.ownKeys.add(keys);
    }
    let e = keys.get(key);
    if (e !== undefined) {
      this.lo = (this.lo - e.lo) >>> 0;
      this.hi = (this.hi - e.hi) >>> 0;
      // The same object written again keeps its canonical key: the key names no token registered
      // after it was first hashed (see the module comment). An Event's key is its correlation, kept
      // while the members it is made of are the same (a repeated Event: count and lastTimestamp).
      if (obj !== undefined && !e.renamed && (kind !== 'Event' || sameEventKey(e.prev, obj as Json))) {
        if (e.gen !== this.gen) {
          // A snapshot's entry: this one's copy changes (its members' mixes too, hashTop changes them in place).
          e = copyOfEntry(e, this.gen);
          keys.set(key, e);
          this.entries.set(e.canonicalKey, e);
        }
        if (!e.keyHashed) {
          e.keyLo = hashString(e.canonicalKey, TAG_KEY);
          e.keyHi = hiOut;
          e.keyHashed = true;
        }
        const valueLo = this.hashTop(kind, obj as Json, e);
        e.lo = combine(e.keyLo, e.keyHi, valueLo, hiOut);
        e.hi = hiOut;
        this.lo = (this.lo + e.lo) >>> 0;
        this.hi = (this.hi + e.hi) >>> 0;
        return;
      }
      this.entries.delete(e.canonicalKey);
      keys.delete(key);
    }
    if (obj === undefined) return;
    let canonicalKey = this.canonicalKey(kind, key, obj as Json);
    // Two live objects with one canonical key would be a broken rule above; keep both hashed.
    const renamed = this.entries.has(canonicalKey);
    if (renamed) canonicalKey += `~${kind}/${key}`;
    const keyLo = hashString(canonicalKey, TAG_KEY);
    const keyHi = hiOut;
    const entry: Entry = { kind, rawKey: key, canonicalKey, lo: 0, hi: 0, keyLo, keyHi, keyHashed: true, renamed, prev: undefined, names: undefined, mix: undefined, gen: this.gen };
    const valueLo = this.hashTop(kind, obj as Json, entry);
    const lo = combine(keyLo, keyHi, valueLo, hiOut);
    const hi = hiOut;
    entry.lo = lo;
    entry.hi = hi;
    this.entries.set(canonicalKey, entry);
    keys.set(key, entry);
    this.lo = (this.lo + lo) >>> 0;
    this.hi = (this.hi + hi) >>> 0;
  }

  /** The fingerprint: 16 hex digits. */
  value(): string {
    // Asked once per step by an explorer, often with nothing written since: the text is kept.
    if (this.valueLo !== this.lo || this.valueHi !== this.hi || this.valueText === '') {
      this.valueText = hex8(this.hi) + hex8(this.lo);
      this.valueLo = this.lo;
      this.valueHi = this.hi;
    }
    return this.valueText;
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

  /**
   * The hash of `canonicalObject(kind, obj)` as a structure (see the module comment): equal for
   * objects with equal canonical texts. Returns the low lane; `hashOf` returns both.
   */
  private hashObject(kind: string, obj: Json): number {
    if (kind !== 'Event') return this.hashValue(obj, false);
    // An Event as canonicalObject has it: no name, no count, its `component`s as canonicalValue
    // writes them; an Event without a metadata object takes the long way (it has one).
    const metadata = obj['metadata'];
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return this.hashValue(this.canonicalObject(kind, obj), false);
    return this.hashMembers(obj, true, 'count', metadata as Json);
  }

  /**
   * `[lo, hi]` of an object's hash: its structural hash, and for an Event (whose type, reason and
   * message are hashed in its key, scheme 3) that combined with its canonical key under `key`.
   */
  hashOf(kind: string, obj: Json, key = 'default/event'): [number, number] {
    const lo = this.hashObject(kind, obj);
    if (kind !== 'Event') return [lo, hiOut];
    const hi = hiOut;
    const keyLo = hashString(this.canonicalKey(kind, key, obj), TAG_KEY);
    return [combine(keyLo, hiOut, lo, hi), hiOut];
  }

  /**
   * `hashObject(kind, obj)`, keeping the mix of every top-level member whose value is the one
   * the entry's last version had (or differs from it only in what the hash ignores: a new
   * resourceVersion), and remembering this version's members for the next write.
   */
  private hashTop(kind: string, obj: Json, e: Entry): number {
    const events = kind === 'Event';
    const metadata = obj['metadata'];
    if (events && (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))) {
      e.prev = e.names = e.mix = undefined;
      return this.hashObject(kind, obj);
    }
    const prev = e.prev;
    const prevNames = e.names;
    const prevMix = e.mix;
    const keys = Object.keys(obj);
    // While the names are the same in the same order (most writes), the arrays are updated in
    // place: no new array per write that outlives a young collection. Otherwise exactly two
    // slots a member (push would leave a growth margin on every entry).
    const same = prevNames !== undefined && sameNames(prevNames, keys);
    const names = same ? prevNames : keys;
    const mix: number[] = same ? prevMix! : new Array<number>(2 * names.length).fill(0);
    let sumLo = 0;
    let sumHi = 0;
    let count = 0;
    for (let i = 0; i < names.length; i++) {
      const k = names[i]!;
      const v = obj[k];
      let at = -1;
      if (prevNames !== undefined) at = same || (i < prevNames.length && prevNames[i] === k) ? i : prevNames.indexOf(k);
      let lo: number;
      let hi: number;
      if (at >= 0 && (prev![k] === v || sameExceptIgnored(prev![k], v))) {
        lo = prevMix![2 * at]!;
        hi = prevMix![2 * at + 1]!;
      } else {
        lo = this.memberMix(k, v, events, events ? 'count' : undefined, events ? metadata as Json : undefined);
        hi = hiOut;
      }
      mix[2 * i] = lo;
      mix[2 * i + 1] = hi;
      if (lo !== lo) continue;
      sumLo = (sumLo + lo) | 0;
      sumHi = (sumHi + hi) | 0;
      count++;
    }
    e.prev = obj;
    e.names = names;
    e.mix = mix;
    return combine(sumLo, sumHi, count, TAG_OBJECT);
  }

  /**
   * A component's remembered state hashed as objects are (uids substituted, times dropped), with
   * its name, without its top-level `identity` (drawn at its start, like a uid). The state is
   * what `saveState()` returns: JSON data (a value JSON would write otherwise is not expected).
   */
  hashState(name: string, state: Json): [number, number] {
    const nameLo = hashString(name, TAG_KEY);
    const nameHi = hiOut;
    // A component's identity drawn at its start is a generated name, like a uid.
    const lo = this.hashMembers(state, false, 'identity', undefined);
    return [combine(nameLo, nameHi, lo, hiOut), hiOut];
  }

  /** `<kind>/<key>` with registered tokens replaced; an Event's key is its correlation. */
  canonicalKey(kind: string, key: string, obj?: Json): string {
    if (kind === 'Event' && obj !== undefined) {
      const o = (obj['involvedObject'] ?? {}) as Json;
      const source = (obj['source'] ?? {}) as Json;
      const namespace = key.slice(0, key.indexOf('/') + 1);
      let out = `Event/${namespace}[`;
      const fields = [o['kind'], o['name'], o['namespace'], o['uid'], obj['type'], obj['reason'], obj['message'], canonicalComponent(source['component'])];
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        out += (i === 0 ? '' : ',') + (typeof f === 'string' ? quote(this.substitutedText(f)) : canonicalJson(f));
      }
      return out + ']';
    }
    return `${kind}/${this.substitutedText(key)}`;
  }

  /**
   * Whether a remembered canonical text of `text` still holds: no token registered since, or none
   * of the (at most TOKENS_RECHECKED_MAX) registered since occurs in it. Brought up to date if so.
   */
  private stillHolds(e: Canonical, text: string): boolean {
    const count = this.reg.tokenCount;
    if (e.epoch === count) return true;
    if (count - e.epoch > TOKENS_RECHECKED_MAX) return false;
    for (let i = e.epoch; i < count; i++) if (text.includes(this.reg.recentTokens[i % TOKENS_RECHECKED_MAX]!)) return false;
    e.epoch = count;
    return true;
  }

  /** `substitute(text)`, remembered for texts as long as a token (keys, an Event's fields). */
  private substitutedText(text: string): string {
    if (text.length < this.reg.shortestToken) return text;
    // A key is never a time and names no staging path, so its canonical string is its substitution.
    const e = this.reg.keyTexts.get(text);
    if (e !== undefined && this.stillHolds(e, text)) return e.text;
    if (this.reg.keyTexts.size >= QUOTED_ENTRIES_MAX) this.reg.keyTexts = new Map();
    const out = this.substituteAt(text, 0);
    this.reg.keyTexts.set(text, { text: out, epoch: this.reg.tokenCount, lo: 0, hi: 0, hashed: false });
    return out;
  }

  /**
   * `text` with every registered token that stands as a whole word replaced by its identity
   * (remembered for texts as long as a token: the work queue names each item it hashes by it).
   */
  substitute(text: string): string {
    return this.substitutedText(text);
  }

  toJSON(): FingerprinterJSON {
    return jsonOf(this.reg, this.entries);
  }

  /**
   * This Fingerprinter's state for a snapshot, shared and not copied: the registry and the
   * entries stay as they are while this Fingerprinter copies what it changes next (ADR 0034).
   * Much cheaper than `toJSON` (an explorer snapshots every new state): nothing is sorted,
   * written as text or read back. `stateToJSON` writes it for a file.
   */
  snapshotState(): FingerprinterState {
    this.reg.shared = true;
    this.entriesShared = true;
    this.ownKeys = new Set();
    this.gen = nextGen();
    const data: StateData = { reg: this.reg, entries: this.entries, byKind: this.byKind, lo: this.lo, hi: this.hi };
    return data as unknown as FingerprinterState;
  }

  /**
   * Becomes the Fingerprinter whose `snapshotState()` this is, sharing it (copying what it
   * changes next, as after `snapshotState`). What this one remembered of strings shorter than
   * every token is kept while the state's shortest token is no shorter (it holds for the state's
   * registry too); what it remembered of its own registry goes with that registry.
   */
  restore(snapshot: FingerprinterState): void {
    const state = dataOf(snapshot);
    if (state.reg.shortestToken < this.reg.shortestToken) {
      this.quoted = new Map();
      this.memberNames = new Map();
      this.clearNameHashes();
    }
    this.reg = state.reg;
    this.reg.shared = true;
    this.entries = state.entries as Map<string, Entry>;
    this.byKind = state.byKind as Map<string, Map<string, Entry>>;
    this.entriesShared = true;
    this.ownKeys = new Set();
    this.gen = nextGen();
    this.lo = state.lo;
    this.hi = state.hi;
  }

  /** A new Fingerprinter restored from `state` (`restore`). */
  static fromState(state: FingerprinterState): Fingerprinter {
    const f = new Fingerprinter();
    f.restore(state);
    return f;
  }

  /** `toJSON()` of the Fingerprinter `state` was taken from, as it was then. */
  static stateToJSON(state: FingerprinterState): FingerprinterJSON {
    return jsonOf(dataOf(state).reg, dataOf(state).entries);
  }

  static fromJSON(json: FingerprinterJSON): Fingerprinter {
    const f = new Fingerprinter();
    for (const [token, kind, key, n] of json.uids) f.addToken(token, { kind, key, n });
    for (const [token, from] of json.aliases) f.addToken(token, { from });
    for (const [k, n] of json.counters) f.reg.counters.set(k, n);
    // Hashes of another scheme would mix with this one's: the caller hashes the objects again.
    if ((json.hash ?? 1) !== FINGERPRINT_HASH_SCHEME) return f;
    for (const [kind, rawKey, canonicalKey, hash] of json.objects) {
      const hi = parseInt(hash.slice(0, 8), 16);
      const lo = parseInt(hash.slice(8), 16);
      const entry: Entry = { kind, rawKey, canonicalKey, lo, hi, keyLo: 0, keyHi: 0, keyHashed: false, renamed: canonicalKey.endsWith(`~${kind}/${rawKey}`), prev: undefined, names: undefined, mix: undefined, gen: f.gen };
      f.entries.set(canonicalKey, entry);
      let keys = f.byKind.get(kind);
      if (keys === undefined) {
        f.byKind.set(kind, (keys = new Map()));
        f.ownKeys.add(keys);
      }
      keys.set(rawKey, entry);
      f.lo = (f.lo + lo) >>> 0;
      f.hi = (f.hi + hi) >>> 0;
    }
    return f;
  }

  // ------------------------------------------------------------------ internals

  /** The registry, this Fingerprinter's own to change (copied first while a snapshot shares it). */
  private ownRegistry(): Registry {
    if (this.reg.shared) this.reg = copyOfRegistry(this.reg);
    return this.reg;
  }

  /** `entries` and `byKind` this Fingerprinter's own (their entries may still be shared: `gen`). */
  private ownEntries(): void {
    this.entries = new Map(this.entries);
    this.byKind = new Map(this.byKind);
    this.entriesShared = false;
  }

  private count(group: string): number {
    const reg = this.ownRegistry();
    const n = (reg.counters.get(group) ?? 0) + 1;
    reg.counters.set(group, n);
    return n;
  }

  private addToken(token: string, t: Token): void {
    const reg = this.ownRegistry();
    reg.tokens.set(token, t);
    reg.recentTokens[reg.tokenCount % TOKENS_RECHECKED_MAX] = token;
    reg.tokenCount++;
    for (let i = 0; i < token.length; i++) {
      const c = token.charCodeAt(i);
      if (c < 128) reg.tokenChars[c] = 1;
    }
    if (!reg.lengths.includes(token.length)) reg.lengths = [...reg.lengths, token.length].sort((a, b) => b - a);
    if (reg.resolved.size > 0) reg.resolved = new Map();
    if (token.length < reg.shortestToken) {
      reg.shortestToken = token.length;
      this.quoted = new Map();
      this.memberNames = new Map();
      this.clearNameHashes();
    }
  }

  private resolve(token: string, depth: number): string {
    let r = this.reg.resolved.get(token);
    if (r !== undefined) return r;
    const t = this.reg.tokens.get(token)!;
    if (depth >= RESOLVE_DEPTH_MAX) return token;
    r = '<' + ('from' in t ? this.substituteAt(t.from, depth + 1) : `${t.kind}/${this.substituteAt(t.key, depth + 1)}#${t.n}`) + '>';
    this.reg.resolved.set(token, r);
    return r;
  }

  private substituteAt(text: string, depth: number): string {
    const lengths = this.reg.lengths;
    const n = text.length;
    if (lengths.length === 0 || n < lengths[lengths.length - 1]!) return text;
    const tokenChars = this.reg.tokenChars;
    let out = '';
    let from = 0;
    // The end of the run of characters that occur in some token, from the current word start: a
    // candidate longer than the run holds a character no token has (a space, a slash), so it is
    // not tried — prose and paths are scanned once instead of sliced at every word.
    let run = 0;
    for (let i = 0; i < n; i++) {
      if (!isWordCode(text.charCodeAt(i)) || (i > 0 && isWordCode(text.charCodeAt(i - 1)))) continue;
      if (run <= i) {
        run = i;
        while (run < n) {
          const c = text.charCodeAt(run);
          if (c < 128 && tokenChars[c] === 0) break;
          run++;
        }
      }
      for (const length of lengths) {
        const end = i + length;
        if (end > run || (end < n && isWordCode(text.charCodeAt(end)))) continue;
        const candidate = text.slice(i, end);
        if (!this.reg.tokens.has(candidate)) continue;
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
    return this.substituteAt(s, 0);
  }

  /**
   * `canonicalString(value)` for a string at least as long as the shortest token, remembered with
   * the number of tokens registered when it was last known good. A token registered since can
   * change it only by occurring in it: up to TOKENS_RECHECKED_MAX new tokens are looked for in
   * the string, more and it is substituted again. (A registration that changes what an older
   * token stands for — a key naming a uid registered after it — is outside this, as it is
   * outside every kept hash: the store registers a uid before anything can mention it.)
   */
  private canonicalEntry(value: string): Canonical {
    let e = this.reg.canonicals.get(value);
    if (e !== undefined && this.stillHolds(e, value)) return e;
    if (this.reg.canonicals.size >= QUOTED_ENTRIES_MAX) this.reg.canonicals = new Map();
    e = { text: this.canonicalString(value), epoch: this.reg.tokenCount, lo: 0, hi: 0, hashed: false };
    this.reg.canonicals.set(value, e);
    return e;
  }

  /**
   * A key's name in the canonical object (substituted), or null when the canonical object has
   * no such member: a time (`…Timestamp`, `…Time`; a deletionTimestamp is the caller's) or
   * `__proto__`, which a plain object does not take as an own key. Remembered like `quoted`.
   */
  private memberName(k: string): string | null {
    const short = k.length < this.reg.shortestToken && k.length <= QUOTED_LENGTH_MAX;
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
    if (value.length >= this.reg.shortestToken || value.length > QUOTED_LENGTH_MAX) return quote(this.canonicalString(value));
    let q = this.quoted.get(value);
    if (q === undefined) {
      if (this.quoted.size >= QUOTED_ENTRIES_MAX) this.quoted = new Map();
      q = quote(this.canonicalString(value));
      this.quoted.set(value, q);
    }
    return q;
  }

  /**
   * A string's canonical text hashed. A string shorter than every token holds none, so its
   * canonical text is itself unless it is a time (or a staging path, which is longer than a
   * digest): it is hashed directly — cheaper than a lookup in a table that grows with every
   * object's names (each a cache miss, and an insert on first sight). Longer strings keep their
   * canonical text and its hash (`canonicalEntry`).
   */
  private hashCanonicalString(value: string): number {
    const n = value.length;
    if (n >= this.reg.shortestToken || n >= STAGING_LENGTH_MIN) {
      const e = this.canonicalEntry(value);
      if (!e.hashed) {
        e.lo = hashString(e.text, TAG_STRING);
        e.hi = hiOut;
        e.hashed = true;
      }
      hiOut = e.hi;
      return e.lo;
    }
    // RFC3339's own shape first (a '-' at 4, a 'T' at 10): most strings of that length are not times.
    if (n >= 20 && n <= 35 && value.charCodeAt(4) === 45 && value.charCodeAt(10) === 84 && RFC3339.test(value)) {
      hiOut = TIME_HI;
      return TIME_LO;
    }
    return hashString(value, TAG_STRING);
  }

  /** A member name's hash (its canonical name's), or undefined when memberName drops it. */
  private hashName(name: string): number | undefined {
    const i = this.nameHashes.get(name);
    if (i !== undefined) {
      if (i < 0) return undefined;
      hiOut = this.nameHi[i]!;
      return this.nameLo[i]!;
    }
    const canonical = this.memberName(name);
    if (canonical === null) {
      this.nameHashes.set(name, -1);
      return undefined;
    }
    const lo = hashString(canonical, TAG_NAME);
    // Only names shorter than every token are remembered (as memberName's own memo).
    if (name.length < this.reg.shortestToken && name.length <= QUOTED_LENGTH_MAX) {
      if (this.nameHashes.size >= QUOTED_ENTRIES_MAX) this.clearNameHashes();
      this.nameHashes.set(name, this.nameLo.length);
      this.nameLo.push(lo);
      this.nameHi.push(hiOut);
    }
    return lo;
  }

  private clearNameHashes(): void {
    this.nameHashes = new Map();
    this.nameLo = [];
    this.nameHi = [];
    this.shapes = new Map();
  }

  /** The shape of an object listing `keys` (`Object.keys`, at least one), made on first sight. */
  private shapeOf(keys: string[]): Shape {
    const first = keys[0]!;
    let list = this.shapes.get(first);
    let at = -1;
    if (list !== undefined) {
      for (let j = 0; j < list.length; j++) {
        const s = list[j]!;
        if (!sameNames(s.names, keys)) continue;
        if (s.reg === undefined || this.shapeHolds(s)) return s;
        at = j;
        break;
      }
    } else {
      if (this.shapes.size >= SHAPE_NAMES_MAX) this.shapes = new Map();
      this.shapes.set(first, (list = []));
    }
    const n = keys.length;
    const shape: Shape = { names: keys, mix: new Int32Array(2 * n), how: new Uint8Array(n), long: [], reg: undefined, epoch: 0 };
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      if (k.length >= this.reg.shortestToken || k.length > QUOTED_LENGTH_MAX) shape.long.push(k);
      let how = memberHow(k);
      let lo: number | undefined;
      if (how !== HOW_DROPPED) {
        lo = this.hashName(how === HOW_DELETING ? 'deleting' : k);
        if (lo === undefined) how = HOW_DROPPED;
      }
      shape.how[i] = how;
      if (lo !== undefined) {
        shape.mix[2 * i] = lo;
        shape.mix[2 * i + 1] = hiOut;
      }
    }
    if (shape.long.length > 0) {
      shape.reg = this.reg;
      shape.epoch = this.reg.tokenCount;
    }
    if (at >= 0) list[at] = shape;
    else if (list.length < SHAPES_A_NAME_MAX) list.push(shape);
    else list[list.length - 1] = shape;
    return shape;
  }

  /** Whether a shape with long names still holds (as `stillHolds`: no token registered since occurs in one of them). */
  private shapeHolds(s: Shape): boolean {
    if (s.reg !== this.reg) return false;
    const count = this.reg.tokenCount;
    if (s.epoch === count) return true;
    if (count - s.epoch > TOKENS_RECHECKED_MAX) return false;
    for (let i = s.epoch; i < count; i++) {
      const token = this.reg.recentTokens[i % TOKENS_RECHECKED_MAX]!;
      for (const name of s.long) if (name.includes(token)) return false;
    }
    s.epoch = count;
    return true;
  }

  /** `hashMembers(value, false, undefined, undefined)` by the object's shape: the same value, no name looked up. */
  private hashShaped(value: Json): number {
    const keys = Object.keys(value);
    const n = keys.length;
    if (n === 0) return combine(0, 0, 0, TAG_OBJECT);
    const shape = this.shapeOf(keys);
    const how = shape.how;
    const mix = shape.mix;
    let sumLo = 0;
    let sumHi = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const h = how[i]!;
      if (h === HOW_DROPPED) continue;
      const v = value[keys[i]!];
      if (v === undefined) continue;
      let vLo: number;
      if (h === HOW_VALUE) vLo = this.hashValue(v, false);
      else if (h === HOW_DELETING) { vLo = TRUE_LO; hiOut = TRUE_HI; }
      else vLo = this.hashCanonicalString('<generated>');
      const mLo = combine(mix[2 * i]!, mix[2 * i + 1]!, vLo, hiOut);
      sumLo = (sumLo + mLo) | 0;
      sumHi = (sumHi + hiOut) | 0;
      count++;
    }
    return combine(sumLo, sumHi, count, TAG_OBJECT);
  }

  /** `value`'s structural hash, by the rules of `textOf` (the same canonical value). */
  private hashValue(value: unknown, events: boolean): number {
    if (typeof value === 'string') return this.hashCanonicalString(value);
    if (typeof value === 'number') return hashNumber(value);
    if (value === true) { hiOut = TRUE_HI; return TRUE_LO; }
    if (value === false) { hiOut = FALSE_HI; return FALSE_LO; }
    if (value === null || typeof value !== 'object') { hiOut = NULL_HI; return NULL_LO; }
    if (!Array.isArray(value)) return events ? this.hashMembers(value as Json, events, undefined, undefined) : this.hashShaped(value as Json);
    let lo = TAG_ARRAY;
    let hi = value.length;
    for (let i = 0; i < value.length; i++) {
      const eLo = this.hashValue(value[i], events);
      lo = combine(lo, hi, eLo, hiOut);
      hi = hiOut;
    }
    return combine(lo, hi, value.length, TAG_ARRAY);
  }

  /**
   * An object's members as the sum of (name, value) mixes — order-free, so nothing is sorted.
   * `skip`: a member left out (an Event's count); `eventMetadata`: an Event's metadata, hashed
   * without its name.
   */
  private hashMembers(value: Json, events: boolean, skip: string | undefined, eventMetadata: Json | undefined): number {
    let sumLo = 0;
    let sumHi = 0;
    let count = 0;
    for (const k of Object.keys(value)) {
      const mLo = this.memberMix(k, value[k], events, skip, eventMetadata);
      if (mLo !== mLo) continue;
      sumLo = (sumLo + mLo) | 0;
      sumHi = (sumHi + hiOut) | 0;
      count++;
    }
    return combine(sumLo, sumHi, count, TAG_OBJECT);
  }

  /**
   * One member's (name, value) mix (high lane in `hiOut`), or NaN for a member the hash leaves
   * out: undefined, a version, managedFields, `skip`, a time; at an Event's top level
   * (`eventMetadata` given) also its type, reason and message, which its key holds (scheme 3).
   */
  private memberMix(k: string, v: unknown, events: boolean, skip: string | undefined, eventMetadata: Json | undefined): number {
    const how = memberHow(k);
    if (v === undefined || how === HOW_DROPPED || k === skip) return NaN;
    if (eventMetadata !== undefined && typeof v === 'string' && isEventKeyText(k)) return NaN;
    let nameLo: number;
    let nameHi: number;
    let vLo: number;
    if (how === HOW_DELETING) {
      nameLo = this.hashName('deleting')!;
      nameHi = hiOut;
      vLo = TRUE_LO;
      hiOut = TRUE_HI;
    } else {
      const n = this.hashName(k);
      if (n === undefined) return NaN;
      nameLo = n;
      nameHi = hiOut;
      if (how === HOW_GENERATED) vLo = this.hashCanonicalString('<generated>');
      // canonicalValue's rule for an event source (canonicalObject applies it to Events only).
      else if (events && k === 'component') vLo = hashString(canonicalJson(canonicalComponent(v)), TAG_VERBATIM);
      else if (eventMetadata !== undefined && v === eventMetadata) vLo = this.hashMembers(eventMetadata, events, 'name', undefined);
      else vLo = this.hashValue(v, events);
    }
    return combine(nameLo, nameHi, vLo, hiOut);
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
