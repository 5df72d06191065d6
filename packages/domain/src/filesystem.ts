/**
 * Design: the contents of a simulated volume — a CSI volume's filesystem, a node's disk for
 * hostPath, an emptyDir — as a plain JSON value, so it can be stored, logged and replayed like any
 * object, and so "was data lost?" has an answer. Paths are absolute POSIX paths inside the
 * filesystem; operations are pure (they return a new value) and fail with the errno a shell
 * would print (`ENOENT`, `EISDIR`, …). Read-only is a property of a mount, not of the
 * filesystem, and is enforced by the caller (EROFS).
 */

export interface FsState {
  /** Absolute path -> contents. */
  files: Record<string, string>;
  /** Absolute paths of directories ('/' is implicit). */
  dirs: string[];
}

export type FsErrorCode = 'ENOENT' | 'EISDIR' | 'ENOTDIR' | 'EEXIST' | 'EROFS' | 'EINVAL' | 'ENOTEMPTY' | 'ENOSPC';

const MESSAGES: Record<FsErrorCode, string> = {
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EEXIST: 'File exists',
  EROFS: 'Read-only file system',
  EINVAL: 'Invalid argument',
  ENOTEMPTY: 'Directory not empty',
  ENOSPC: 'No space left on device',
};

export class FsError extends Error {
  readonly code: FsErrorCode;
  constructor(code: FsErrorCode, readonly path: string) {
    super(`${path}: ${MESSAGES[code]}`);
    this.name = 'FsError';
    this.code = code;
  }
}

export function emptyFs(): FsState {
  return { files: {}, dirs: [] };
}

/** Normalises an absolute or relative (to `/`) path; `..` never climbs above the root. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

export function joinPath(...parts: string[]): string {
  return normalizePath(parts.join('/'));
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function isDir(fs: FsState, path: string): boolean {
  const p = normalizePath(path);
  return p === '/' || fs.dirs.includes(p);
}

export function isFile(fs: FsState, path: string): boolean {
  return Object.prototype.hasOwnProperty.call(fs.files, normalizePath(path));
}

export function exists(fs: FsState, path: string): boolean {
  return isDir(fs, path) || isFile(fs, path);
}

/** mkdir -p. */
export function mkdirp(fs: FsState, path: string): FsState {
  const p = normalizePath(path);
  const dirs = new Set(fs.dirs);
  let cur = p;
  const chain: string[] = [];
  while (cur !== '/') {
    if (isFile(fs, cur)) throw new FsError('ENOTDIR', cur);
    chain.push(cur);
    cur = parentOf(cur);
  }
  let changed = false;
  for (const d of chain) if (!dirs.has(d)) { dirs.add(d); changed = true; }
  return changed ? { files: fs.files, dirs: [...dirs].sort() } : fs;
}

/** Writes a file, creating parent directories (as `write` in pvsim exec does). */
export function writeFile(fs: FsState, path: string, contents: string): FsState {
  const p = normalizePath(path);
  if (p === '/' || isDir(fs, p)) throw new FsError('EISDIR', p);
  const withParents = mkdirp(fs, parentOf(p));
  return { files: { ...withParents.files, [p]: contents }, dirs: withParents.dirs };
}

/** touch: creates an empty file if missing (parents must exist, as in a shell). */
export function touch(fs: FsState, path: string): FsState {
  const p = normalizePath(path);
  if (isDir(fs, p)) return fs;
  if (isFile(fs, p)) return fs;
  if (!isDir(fs, parentOf(p))) throw new FsError('ENOENT', p);
  return { files: { ...fs.files, [p]: '' }, dirs: fs.dirs };
}

export function readFile(fs: FsState, path: string): string {
  const p = normalizePath(path);
  if (isDir(fs, p)) throw new FsError('EISDIR', p);
  if (!isFile(fs, p)) throw new FsError('ENOENT', p);
  return fs.files[p]!;
}

/** Entries directly under a directory, sorted; directories end with '/'. A file lists itself. */
export function listDir(fs: FsState, path: string): string[] {
  const p = normalizePath(path);
  if (isFile(fs, p)) return [p.slice(p.lastIndexOf('/') + 1)];
  if (!isDir(fs, p)) throw new FsError('ENOENT', p);
  const prefix = p === '/' ? '/' : p + '/';
  const names = new Set<string>();
  for (const f of Object.keys(fs.files)) if (f.startsWith(prefix) && !f.slice(prefix.length).includes('/')) names.add(f.slice(prefix.length));
  for (const d of fs.dirs) if (d.startsWith(prefix) && d !== p && !d.slice(prefix.length).includes('/')) names.add(d.slice(prefix.length) + '/');
  return [...names].sort();
}

/** rm (files) or rm -r (directories, with `recursive`). */
export function remove(fs: FsState, path: string, recursive = false): FsState {
  const p = normalizePath(path);
  if (p === '/') throw new FsError('EINVAL', p);
  if (isFile(fs, p)) {
    const files = { ...fs.files };
    delete files[p];
    return { files, dirs: fs.dirs };
  }
  if (!isDir(fs, p)) throw new FsError('ENOENT', p);
  const prefix = p + '/';
  const inside = Object.keys(fs.files).some((f) => f.startsWith(prefix)) || fs.dirs.some((d) => d.startsWith(prefix));
  if (inside && !recursive) throw new FsError('ENOTEMPTY', p);
  const files = Object.fromEntries(Object.entries(fs.files).filter(([f]) => !f.startsWith(prefix)));
  return { files, dirs: fs.dirs.filter((d) => d !== p && !d.startsWith(prefix)) };
}

/** Bytes used (UTF-8), for `csi ls` and capacity checks. */
export function usedBytes(fs: FsState): number {
  const enc = new TextEncoder();
  let n = 0;
  for (const c of Object.values(fs.files)) n += enc.encode(c).length;
  return n;
}
