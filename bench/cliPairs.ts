/**
 * Design: what the distributed benches (natsServe, natsLockstep) share — the CLI run in the bench's
 * own process, N static PV/PVC pairs as one manifest, and the count of claims Bound at the end —
 * so that the embedded baseline and the distributed case bind exactly the same objects.
 */
import { runCli } from '../services/cli/src/cli.ts';

/** `pvsim ARGS` in this process; throws with its stderr when it does not exit 0. */
export async function pvsimInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, readStdin: () => '', env: {}, cwd: process.cwd(), isTTY: false });
  if (code !== 0) throw new Error(`pvsim ${args.join(' ')} failed (${code}): ${stderr}`);
  return { code, stdout, stderr };
}

/** `pairs` 1Gi hostPath PVs (Retain) and as many claims of the empty class, one manifest. */
export function pairsManifest(pairs: number): string {
  const docs: string[] = [];
  for (let i = 0; i < pairs; i++) {
    const n = String(i).padStart(4, '0');
    docs.push(`apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv-${n}\nspec:\n  capacity:\n    storage: 1Gi\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Retain\n  hostPath:\n    path: /tmp/pvsim/pv-${n}\n`);
  }
  for (let i = 0; i < pairs; i++) {
    const n = String(i).padStart(4, '0');
    docs.push(`apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: claim-${n}\nspec:\n  storageClassName: ""\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n`);
  }
  return docs.join('---\n');
}

/** How many claims of the cluster (`--cluster DIR` or `--nats URL --cluster NAME`) are Bound. */
export async function boundClaims(cluster: string[]): Promise<number> {
  const items = JSON.parse((await pvsimInProcess([...cluster, 'get', 'pvc', '-o', 'json'])).stdout).items as { status?: { phase?: string } }[];
  return items.filter((c) => c.status?.phase === 'Bound').length;
}
