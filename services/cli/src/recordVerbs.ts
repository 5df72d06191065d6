/**
 * Design: `pvsim record …`, the bridge between pvsim's log and what a user captures on a real
 * cluster. `record export` writes a cluster's history (up to a read point) in the real formats —
 * a watch stream, an audit log, an events list — from the annotated log (packages/replay
 * exportFormats.ts), so a pvsim run can be read by the same tools as a real incident.
 */
import { resourceTypeForKind } from '@pvsim/manifests';
import { exportAudit, exportEvents, exportWatch, type ResourceOf } from '@pvsim/replay';
import { annotatedLog } from './historyVerbs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** The API resource of a kind pvsim stores, from the manifests package's table. */
export const resourceOf: ResourceOf = (kind) => {
  const t = resourceTypeForKind(kind);
  return t ? { resource: t.plural, group: t.group, version: t.version, namespaced: t.namespaced } : undefined;
};

/** `pvsim record export --format watch|audit|events [--at POS | --at-time T]`. */
export function recordExport(io: CliIO, g: GlobalOptions, format: string): number {
  const { annotated } = annotatedLog(g);
  const upTo = g.atPos === undefined ? annotated : annotated.filter((a) => a.record.pos <= g.atPos!);
  if (format === 'watch') io.stdout(exportWatch(upTo));
  else if (format === 'audit') io.stdout(exportAudit(upTo, resourceOf));
  else if (format === 'events') io.stdout(exportEvents(upTo));
  else throw new UsageError(`error: unknown --format "${format}": watch, audit or events`);
  return 0;
}
