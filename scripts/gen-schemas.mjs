// Generates services/api-server/src/schemas.json: the OpenAPI v3 schemas (with descriptions) of
// the kinds pvsim serves, from @kubernetes/client-node's generated models (their .d.ts doc
// comments and field types), so `kubectl explain` and `pvsim explain` have Kubernetes' own
// field documentation. Run after changing the list of kinds: node scripts/gen-schemas.mjs
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(join(process.cwd(), 'services/cli/package.json'));
const models = join(dirname(require.resolve('@kubernetes/client-node')), 'gen', 'models');
const files = new Set(readdirSync(models).filter((f) => f.endsWith('.d.ts')).map((f) => f.slice(0, -5)));

// kind -> model class (policy, core, apps, storage; the snapshot CRDs are not in client-node).
const ROOTS = {
  PersistentVolume: 'V1PersistentVolume', PersistentVolumeClaim: 'V1PersistentVolumeClaim', StorageClass: 'V1StorageClass',
  Pod: 'V1Pod', Node: 'V1Node', ConfigMap: 'V1ConfigMap', Secret: 'V1Secret', Event: 'CoreV1Event',
  Deployment: 'V1Deployment', StatefulSet: 'V1StatefulSet', ReplicaSet: 'V1ReplicaSet',
  VolumeAttachment: 'V1VolumeAttachment', CSIDriver: 'V1CSIDriver', CSINode: 'V1CSINode',
  Namespace: 'V1Namespace', Service: 'V1Service', ServiceAccount: 'V1ServiceAccount', PodDisruptionBudget: 'V1PodDisruptionBudget',
};
const shortName = (cls) => cls.replace(/^(CoreV1|V1beta1|V1alpha\d|V1|V2)/, '');
const clean = (doc) => doc.replace(/\\'/g, "'").split('\n').map((l) => l.replace(/^\s*\*\s?/, '').trim()).filter((l) => l !== '' && l !== '/**' && l !== '*/' && l !== '/').join(' ').replace(/^\/\*\*\s*/, '').replace(/\s*\*\/$/, '').trim();

const schemas = {};
function typeSchema(t, queue) {
  t = t.trim().replace(/;$/, '');
  if (t === 'string' || t === 'Date') return { type: 'string', ...(t === 'Date' ? { format: 'date-time' } : {}) };
  if (t === 'number') return { type: 'integer' };
  if (t === 'boolean') return { type: 'boolean' };
  if (t === 'IntOrString') return { 'x-kubernetes-int-or-string': true };
  if (t === 'any' || t === 'object') return { type: 'object' };
  let m = /^Array<(.+)>$/.exec(t);
  if (m) return { type: 'array', items: typeSchema(m[1], queue) };
  m = /^\{\s*\[key: string\]: (.+?);?\s*\}$/.exec(t);
  if (m) return { type: 'object', additionalProperties: typeSchema(m[1], queue) };
  if (files.has(t)) { queue.push(t); return { $ref: `#/components/schemas/io.k8s.api.${shortName(t)}` }; }
  return { type: 'string' };
}
const queue = Object.values(ROOTS);
const done = new Set();
while (queue.length > 0) {
  const cls = queue.shift();
  if (done.has(cls)) continue;
  done.add(cls);
  const text = readFileSync(join(models, `${cls}.d.ts`), 'utf8').replace(/\r/g, '')
    // Map types span lines in the models: one line each here.
    .replace(/\{\s*\n\s*\[key: string\]: ([^;\n]+);\s*\n\s*\}/g, '{ [key: string]: $1; }');
  const head = new RegExp(`(/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/)\\s*export declare class ${cls} \\{`).exec(text);
  const body = text.slice(text.indexOf(`export declare class ${cls} {`));
  const properties = {};
  const required = [];
  const field = /(?:(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)\s*)?'([^']+)'(\??): ([^\n]+(?:\n(?!\s*(?:\/\*\*|'|static|constructor|\}))[^\n]*)*)/g;
  for (const f of body.matchAll(field)) {
    const [, doc, name, optional, type] = f;
    const schema = typeSchema(type.replace(/\s+/g, ' '), queue);
    if (doc) schema.description = clean(doc);
    properties[name] = schema;
    if (!optional) required.push(name);
  }
  schemas[`io.k8s.api.${shortName(cls)}`] = { type: 'object', ...(head ? { description: clean(head[1]) } : {}), properties, ...(required.length ? { required } : {}) };
}
for (const [kind, cls] of Object.entries(ROOTS)) schemas[`io.k8s.api.${shortName(cls)}`]['x-pvsim-kind'] = kind;
writeFileSync('services/api-server/src/schemas.json', JSON.stringify(schemas) + '\n');
console.log(`${Object.keys(schemas).length} schemas`);
