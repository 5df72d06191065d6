/**
 * Design: kubectl's informational verbs over what pvsim serves: `version` (pvsim's own version and
 * the Kubernetes version whose behaviour it follows — the one `pvsim serve --api` reports) and
 * `api-resources` (the discovery table kubectl prints, from the same resource types the API
 * server serves). Pure functions of their flags; nothing reads the cluster.
 */
import { SERVER_VERSION, servedTypes } from '@pvsim/api-server';
import { formatTabbed } from '@pvsim/manifests';
import { UsageError, type CliIO } from './verbTypes.ts';

/** pvsim's version (services/cli/package.json). */
export const PVSIM_VERSION = '0.1.0';

export function version(io: CliIO, o: { output?: string | undefined }): number {
  const data = {
    clientVersion: { gitVersion: `v${PVSIM_VERSION}-pvsim`, platform: `${process.platform}/${process.arch}` },
    serverVersion: SERVER_VERSION,
  };
  if (o.output === 'json') { io.stdout(JSON.stringify(data, null, 2) + '\n'); return 0; }
  if (o.output === 'yaml') {
    io.stdout(`clientVersion:\n  gitVersion: ${data.clientVersion.gitVersion}\n  platform: ${data.clientVersion.platform}\nserverVersion:\n${Object.entries(SERVER_VERSION).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}\n`);
    return 0;
  }
  if (o.output !== undefined) throw new UsageError(`error: --output must be 'yaml' or 'json'`);
  io.stdout(`Client Version: ${data.clientVersion.gitVersion}\nServer Version: ${SERVER_VERSION.gitVersion}\n`);
  return 0;
}

export function apiResources(io: CliIO, o: { noHeaders: boolean; namespaced?: string | undefined; output?: string | undefined }): number {
  let types = servedTypes();
  if (o.namespaced !== undefined) types = types.filter((t) => String(t.namespaced) === o.namespaced);
  types = [...types].sort((a, b) => (a.group === b.group ? (a.plural < b.plural ? -1 : 1) : a.group < b.group ? -1 : 1));
  if (o.output === 'name') {
    io.stdout(types.map((t) => (t.group ? `${t.plural}.${t.group}` : t.plural) + '\n').join(''));
    return 0;
  }
  if (o.output !== undefined && o.output !== 'wide') throw new UsageError(`error: --output ${o.output} is not available`);
  const rows = o.noHeaders ? [] : [['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']];
  for (const t of types) rows.push([t.plural, t.shortNames.join(','), t.apiVersion, String(t.namespaced), t.kind]);
  io.stdout(formatTabbed(rows.map((r) => r.join('\t')).join('\n') + '\n', { minwidth: 6, padding: 3 }));
  return 0;
}
