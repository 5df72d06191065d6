// ADR 0028: a ReplicaSet's pod-name suffix is a function of the owner's namespace/name and its
// counter only — 5 characters of Kubernetes' safe alphabet — so any interleaving names alike.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { podNameSuffix } from '@pvsim/controller-manager';

const SAFE = /^[bcdfghjklmnpqrstvwxz2456789]{5}$/;

test('the suffix is 5 safe characters, and the same for the same owner and counter however often asked', () => {
  fc.assert(fc.property(fc.string(), fc.string(), fc.nat(), (ns, name, i) => {
    const s = podNameSuffix(`${ns}/${name}`, i);
    assert.match(s, SAFE);
    assert.is(podNameSuffix(`${ns}/${name}`, i), s);
  }));
});

test('one owner\'s first names rarely collide (the taken-name skip is for the rare case)', () => {
  const names = new Set(Array.from({ length: 1000 }, (_, i) => podNameSuffix('default/db-5c995cd5f', i)));
  assert.ok(names.size >= 990, `${names.size} distinct of 1000`);
});

test.run();
