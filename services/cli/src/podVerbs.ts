/**
 * Design: the verbs that reach into running pods — exec and restart — with kubectl's ways of
 * naming the pod (`web-0`, `pod/web-0`, `deploy/web`, `sts/web`: the first pod, preferring
 * running and ready ones, as kubectl's attachable-pod lookup does).
 */
import { ExecError } from '@pvsim/kubelet';
import { StdinExec, type ExecOutcome } from '@pvsim/api-server';
import type { Pod } from '@pvsim/domain';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';
import { openSession, type Session, unsettledNotice } from './session.ts';
import { runInput } from './inputs.ts';

const session = (g: GlobalOptions): Session => openSession(g);

const OWNER_KINDS: Record<string, string> = { deploy: 'Deployment', deployment: 'Deployment', deployments: 'Deployment', rs: 'ReplicaSet', replicaset: 'ReplicaSet', replicasets: 'ReplicaSet', sts: 'StatefulSet', statefulset: 'StatefulSet', statefulsets: 'StatefulSet' };

function ready(p: Pod): boolean {
  return ((p.status?.['conditions'] as { type: string; status: string }[] | undefined) ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The pod a kubectl-style reference names, or a NotFound message. */
export function resolvePod(s: Session, fullRef: string, namespace: string): { key: string } | { error: string } {
  // pvsim's extension for scenarios: deploy/NAME#N is the N-th pod (0-based) in kubectl's order.
  const hash = fullRef.lastIndexOf('#');
  const index = hash > 0 ? Number(fullRef.slice(hash + 1)) : 0;
  const ref = hash > 0 ? fullRef.slice(0, hash) : fullRef;
  const slash = ref.indexOf('/');
  const kind = slash < 0 ? 'pod' : ref.slice(0, slash).toLowerCase();
  const name = slash < 0 ? ref : ref.slice(slash + 1);
  if (kind === 'pod' || kind === 'pods' || kind === 'po') {
    const key = `${namespace}/${name}`;
    return s.store.get('Pod', key) ? { key } : { error: `Error from server (NotFound): pods "${name}" not found` };
  }
  const owner = Object.hasOwn(OWNER_KINDS, kind) ? OWNER_KINDS[kind] : undefined;
  if (!owner) return { error: `error: cannot attach to ${kind}: not implemented` };
  const ownerKey = `${namespace}/${name}`;
  const ownerObj = s.store.get(owner as never, ownerKey);
  if (!ownerObj) return { error: `Error from server (NotFound): ${owner.toLowerCase()}s.apps "${name}" not found` };
  // A Deployment's pods belong to its ReplicaSets.
  const owners = new Set([ownerObj.metadata['uid'] as string]);
  if (owner === 'Deployment') {
    for (const rs of s.store.list('ReplicaSet')) if (((rs.metadata['ownerReferences'] as { uid?: string }[] | undefined) ?? []).some((o) => o.uid === ownerObj.metadata['uid'])) owners.add(rs.metadata['uid'] as string);
  }
  const pods = s.store.listPods(namespace).filter((p) => ((p.metadata['ownerReferences'] as { uid?: string }[] | undefined) ?? []).some((o) => owners.has(o.uid ?? '')));
  if (pods.length === 0) return { error: `error: no pods found for ${kind}/${name}` };
  pods.sort((a, b) => Number(ready(b)) - Number(ready(a)) || (a.metadata.name < b.metadata.name ? -1 : 1));
  const pod = pods[index];
  if (!pod) return { error: `error: ${kind}/${name} has ${pods.length} pod(s), none at index ${index}` };
  return { key: `${namespace}/${pod.metadata.name}` };
}

export function exec(io: CliIO, g: GlobalOptions, podRef: string, argv: string[], o: { container?: string | undefined; namespace: string; stdin?: boolean; tty?: boolean }): number {
  if (argv.length === 0) throw new UsageError('error: you must specify at least one command for the container');
  const s = session(g);
  const target = resolvePod(s, podRef, o.namespace);
  if ('error' in target) { io.stderr(target.error + '\n'); return 1; }
  if (o.stdin) return execWithStdin(io, g, target.key, argv, o);
  let result;
  try {
    result = runInput(s, { type: 'ExecRequested', data: { seed: g.seed, pod: target.key, ...(o.container ? { container: o.container } : {}), argv } }).exec!;
  } catch (e) {
    if (e instanceof ExecError) { io.stderr(e.message + '\n'); return 1; }
    throw e;
  }
  s.commit();
  io.stderr(unsettledNotice(s));
  if (result.stdout) io.stdout(result.stdout);
  if (result.stderr) io.stderr(result.stderr);
  if (result.exitCode !== 0) io.stderr(`command terminated with exit code ${result.exitCode}\n`);
  return result.exitCode === 0 ? 0 : 1;
}

export function restart(io: CliIO, g: GlobalOptions, podRef: string, o: { container?: string | undefined; namespace: string }): number {
  const s = session(g);
  const target = resolvePod(s, podRef, o.namespace);
  if ('error' in target) { io.stderr(target.error + '\n'); return 1; }
  const pod = s.store.get('Pod', target.key) as unknown as Pod;
  const containers = (pod.spec['containers'] as { name: string }[] | undefined) ?? [];
  const container = o.container ?? containers[0]?.name;
  if (!container || !containers.some((c) => c.name === container)) {
    io.stderr(`Error from server (BadRequest): container ${container ?? ''} is not valid for pod ${pod.metadata.name}\n`);
    return 1;
  }
  try {
    runInput(s, { type: 'RestartRequested', data: { seed: g.seed, pod: target.key, container } });
  } catch (e) {
    if (e instanceof Error && !(e instanceof TypeError)) { io.stderr(`error: ${e.message}\n`); return 1; }
    throw e;
  }
  s.commit();
  io.stderr(unsettledNotice(s));
  io.stdout(`pod/${pod.metadata.name} container ${container} restarted\n`);
  return 0;
}

/**
 * `exec -i` (and `-t`): stdin drives the session (@pvsim/api-server StdinExec, as pods/exec over
 * WebSocket does): a shell runs each line as its own exec, one recorded input per command.
 */
function execWithStdin(io: CliIO, g: GlobalOptions, pod: string, argv: string[], o: { container?: string | undefined; tty?: boolean }): number {
  if (o.tty && !io.stdinIsTTY) io.stderr('Unable to use a TTY - input is not a terminal or the right kind of file\n');
  const run = (words: string[]): ExecOutcome => {
    const s = session(g);
    try {
      const r = runInput(s, { type: 'ExecRequested', data: { seed: g.seed, pod, ...(o.container ? { container: o.container } : {}), argv: words } }).exec!;
      s.commit();
      io.stderr(unsettledNotice(s));
      return r;
    } catch (e) {
      if (e instanceof ExecError) return { stdout: '', stderr: e.message + '\n', exitCode: 1 };
      throw e;
    }
  };
  const shell = new StdinExec(argv, run, (stream, text) => io[stream](text), { prompt: !!o.tty && !!io.stdinIsTTY });
  shell.feed(io.readStdin());
  const code = shell.end();
  if (code !== 0) io.stderr(`command terminated with exit code ${code}\n`);
  return code === 0 ? 0 : 1;
}
