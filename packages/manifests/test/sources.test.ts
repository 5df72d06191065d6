import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManifestError, readManifestSources, type ManifestFileSystem } from '../src/index.ts';

/** An in-memory tree: keys ending in '/' are directories. */
function fakeFs(files: Record<string, string>, dirs: string[]): ManifestFileSystem {
  return {
    exists: (p) => p in files || dirs.includes(p),
    isDirectory: (p) => dirs.includes(p),
    readDir: (p) => Object.keys(files).filter((f) => f.startsWith(p + '/') && !f.slice(p.length + 1).includes('/')).map((f) => f.slice(p.length + 1))
      .concat(dirs.filter((d) => d.startsWith(p + '/') && !d.slice(p.length + 1).includes('/')).map((d) => d.slice(p.length + 1))),
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw new Error(`no such file ${p}`);
      return text;
    },
  };
}

const fs = fakeFs({
  'pv.yaml': 'pv',
  'dir/b.yml': 'b',
  'dir/a.yaml': 'a',
  'dir/C.json': 'c',
  'dir/notes.txt': 'ignored',
  'dir/sub/deep.yaml': 'not recursive',
}, ['dir', 'dir/sub', 'dir/x.yaml']);

const cases: Array<{ name: string; paths: string[]; files: string[] }> = [
  { name: 'a single file', paths: ['pv.yaml'], files: ['pv.yaml'] },
  { name: 'a directory: manifests only, byte order, not recursive, sub-directories skipped', paths: ['dir'], files: ['dir/C.json', 'dir/a.yaml', 'dir/b.yml'] },
  { name: 'stdin is named STDIN', paths: ['-'], files: ['STDIN'] },
  { name: 'several -f in order', paths: ['pv.yaml', '-', 'dir'], files: ['pv.yaml', 'STDIN', 'dir/C.json', 'dir/a.yaml', 'dir/b.yml'] },
];
for (const c of cases) {
  test(`readManifestSources: ${c.name}`, () => {
    const sources = readManifestSources(c.paths, () => 'from stdin', fs);
    assert.equal(sources.map((s) => s.file), c.files);
  });
}

test('readManifestSources: stdin text is read through the callback', () => {
  assert.equal(readManifestSources(['-'], () => 'kind: X', fs), [{ file: 'STDIN', text: 'kind: X' }]);
});

test('readManifestSources: a missing path is FileNotFound in kubectl words', () => {
  try {
    readManifestSources(['pv.yaml', 'x.yaml'], () => '', fs);
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, ManifestError);
    const err = e as ManifestError;
    assert.is(err.code, 'FileNotFound');
    assert.is(err.file, 'x.yaml');
    assert.is(err.message, 'error: the path "x.yaml" does not exist');
  }
});

test.run();
