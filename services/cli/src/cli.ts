/**
 * Design: the `pvsim` command line, kubectl's verbs and flags over a simulated cluster. Every
 * verb is a function of (arguments, IO) so the tests drive the real CLI in-process; `main.ts` is
 * the composition root that binds IO to the process. Errors a user can cause are printed as one
 * kubectl-like message and exit 1; anything else is a bug and propagates.
 */
import { Command, CommanderError, Option } from 'commander';
import { resolve } from 'node:path';
import { LogCorruptError, ExpectedVersionConflict, ApiError } from '@pvsim/domain';
import { ManifestError, validationDirective } from '@pvsim/manifests';
import { LogFileRefusedError, LogLockedError } from '@pvsim/log-file';
import { exportLog, importLog, natsGlobal, repairNatsLog } from './logTransfer.ts';
import { up } from './upVerb.ts';
import { checkClusterForRead, checkClusterPath, fileSystemErrorLine, logSettingsFromEnv } from './clusterDir.ts';
import { attemptIO, runWithRetry } from './retry.ts';
import * as verbs from './verbs.ts';
import * as simVerbs from './simVerbs.ts';
import { parseDuration } from './simVerbs.ts';
import { runScenario } from './scenario.ts';
import { CHECK_FAULTS_HELP, CheckUsageError, checkScenario, simScenario, type CheckFlags, type SimFlags } from './checkVerb.ts';
import { fetchCounterexamples, simOverNats, worker } from './simWorkers.ts';
import { natsCredentials } from './logTransfer.ts';
import { checkOnline } from './onlineCheck.ts';
import { csiLs } from './csiVerbs.ts';
import { serveUntilStopped } from './serveVerb.ts';
import { CSI_RPC_DEADLINE_MS, parseCsiRpc } from './csiRpc.ts';
import { lockstepDriverSidecars } from './lockstep.ts';
import { LOCKSTEP_DEADLINE_MS, LockstepUsageError } from './lockstepSequencer.ts';
import { answerDriverRpcs } from './csiDriverProcess.ts';
import { HOSTABLE_COMPONENTS, driverSidecarsOf, kubeletOf, parseComponents, serveComponents } from './componentHost.ts';
import { checkOutputFormat } from './outputFormats.ts';
import * as kubectlVerbs from './kubectlVerbs.ts';
import * as patchVerbs from './patchVerbs.ts';
import * as podVerbs from './podVerbs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';
import { CLUSTER_PROFILES, DEFAULT_CLUSTER_SHAPE, DEFAULT_SETTLE_BUDGET } from '@pvsim/world';
import { init, parseShape } from './clusterInit.ts';
import { addReadPointOptions, atReadPoint, type ReadPointFlags } from './timeTravel.ts';
import * as historyVerbs from './historyVerbs.ts';
import * as forkVerbs from './forkVerbs.ts';
import * as recordVerbs from './recordVerbs.ts';
import * as scaleVerb from './scaleVerb.ts';
import { getWatch } from './watchVerb.ts';
import * as rolloutVerbs from './rolloutVerbs.ts';
import * as editVerb from './editVerb.ts';
import * as drainVerb from './drainVerb.ts';
import * as explainVerb from './explainVerb.ts';
import { createProgress, type Progress } from './progress.ts';

const USER_ERRORS = new Set(['GatherTimeoutError', 'NatsServerMissingError', 'NatsServerStartError', 'NatsCallError', 'ClusterNameInvalidError', 'ManifestError', 'UsageError', 'LogCorruptError', 'LogLockedError', 'LogFileRefusedError', 'ExpectedVersionConflict', 'ApiError', 'NotFoundError', 'LockstepError']);

/** Verbs that never touch a cluster. */
const CLUSTERLESS_VERBS = new Set(['version', 'api-resources', 'explain', 'up', 'check', 'sim', 'run']);

/** kubectl's `--validate`: the API server's fieldValidation for unknown and duplicate fields (a bare `--validate` is strict). */
const validateOption = () => new Option('--validate [mode]', 'unknown or duplicate fields: strict (or true) refuses the manifest, warn applies it without them and says so, ignore (or false) drops them silently')
  .default('strict').preset('strict');

/** Verbs that only read the cluster: they never create its directory or take the lock. */
const READ_VERBS = new Set(['get', 'describe', 'events', 'ls', 'log', 'verify', 'history', 'fork', 'diff', 'export', 'compare', 'timeline', 'save']);

export async function runCli(argv: string[], rawIo: CliIO): Promise<number> {
  const program = new Command('pvsim');
  // Output is held back per attempt, so a command re-run after a conflict prints once (retry.ts).
  // Whatever a verb prints clears the bar first (it comes back if work goes on), so an answer is never drawn over.
  let progress: Progress | undefined;
  const io = attemptIO({ ...rawIo, stdout: (t) => { progress?.stop(); rawIo.stdout(t); }, stderr: (t) => { progress?.stop(); rawIo.stderr(t); } });
  let exitCode = 0;
  let verb = '';
  const startedMs = rawIo.wall?.nowMs();
  const globals = (): GlobalOptions => {
    const o = program.opts<{ cluster?: string; nats?: string; csiRpc?: string; csiRpcDeadline?: string; lockstep?: boolean; lockstepDeadline?: string; seed: string; settleSteps: string; settleTime: string; requestId?: string; quiet?: boolean; verbose: number }>();
    progress ??= createProgress(rawIo, { quiet: !!o.quiet });
    const dir = o.cluster ?? io.env['PVSIM_CLUSTER'] ?? '.pvsim';
    if (dir === '') throw new UsageError('error: the cluster directory must not be empty (--cluster "" or PVSIM_CLUSTER=""); name a directory');
    const seed = Number(o.seed);
    if (!Number.isInteger(seed)) throw new UsageError(`error: invalid argument "${o.seed}" for "--seed" flag: must be an integer`);
    const every = io.env['PVSIM_SNAPSHOT_EVERY'];
    const stepsMax = Number(o.settleSteps);
    if (!Number.isSafeInteger(stepsMax) || stepsMax < 1) throw new UsageError(`error: invalid argument "${o.settleSteps}" for "--settle-steps" flag: must be a positive integer`);
    const simulatedMsMax = parseDuration(o.settleTime);
    if (simulatedMsMax === undefined || simulatedMsMax < 1) throw new UsageError(`error: invalid argument "${o.settleTime}" for "--settle-time" flag: must be a duration such as 90s, 25m, 1h`);
    const budget = {
      ...(stepsMax !== DEFAULT_SETTLE_BUDGET.stepsMax ? { stepsMax } : {}),
      ...(simulatedMsMax !== DEFAULT_SETTLE_BUDGET.simulatedMsMax ? { simulatedMsMax } : {}),
    };
    const requestId = o.requestId ?? io.env['PVSIM_REQUEST_ID'];
    if (requestId === '') throw new UsageError('error: --request-id must not be empty');
    const natsUrl = o.nats ?? io.env['PVSIM_NATS'];
    const csiRpc = o.csiRpc ?? io.env['PVSIM_CSI_RPC'];
    if (csiRpc !== undefined && !natsUrl) throw new UsageError('error: --csi-rpc calls a driver over NATS: give --nats URL (or PVSIM_NATS)');
    const lockstep = o.lockstep === true || io.env['PVSIM_LOCKSTEP'] === '1';
    if (lockstep && !natsUrl) throw new UsageError('error: --lockstep runs a distributed cluster in lockstep: give --nats URL (or PVSIM_NATS)');
    // Lockstep compares each step's records; a driver's RPC answered elsewhere is not part of the
    // replica's step (ADR 0025), so the two are not combined.
    if (lockstep && csiRpc !== undefined) throw new LockstepUsageError('error: --lockstep and --csi-rpc cannot be used together: in lockstep the driver\'s RPCs run inside the granted steps (docs/decisions/0025-lockstep-distributed-runs.md)');
    const lockstepDeadline = o.lockstepDeadline ?? io.env['PVSIM_LOCKSTEP_DEADLINE_MS'];
    const lockstepDeadlineMs = lockstepDeadline === undefined ? LOCKSTEP_DEADLINE_MS : Number(lockstepDeadline);
    if (!Number.isSafeInteger(lockstepDeadlineMs) || lockstepDeadlineMs < 1) throw new UsageError(`error: invalid argument "${lockstepDeadline}" for "--lockstep-deadline" flag: must be a positive number of milliseconds`);
    return {
      ...(lockstep ? { lockstep: { deadlineMs: lockstepDeadlineMs } } : {}),
      ...(csiRpc !== undefined ? { csiRpc: parseCsiRpc(csiRpc, o.csiRpcDeadline ?? io.env['PVSIM_CSI_RPC_DEADLINE_MS']) } : {}),
      ...(natsUrl ? { nats: { ...natsGlobal(natsUrl, o.cluster ?? io.env['PVSIM_CLUSTER']), ...natsCredentials(program.opts(), io.env) } } : {}),
      clusterDir: resolve(io.cwd, dir), seed, ...(every !== undefined ? { snapshotEveryRecords: Number(every) } : {}),
      clusterGiven: o.cluster !== undefined || io.env['PVSIM_CLUSTER'] !== undefined,
      ...(requestId !== undefined ? { requestId } : {}),
      command: `pvsim ${argv.join(' ')}`.slice(0, 200),
      notice: o.quiet ? () => {} : (text: string) => io.stderr(`${text}\n`),
      progress, quiet: !!o.quiet, verbosity: o.verbose,
      ...logSettingsFromEnv(io.env),
      ...(Object.keys(budget).length > 0 ? { budget } : {}),
      ...(READ_VERBS.has(verb) ? { readOnly: true } : {}),
    };
  };
  const wrap = (fn: (...args: any[]) => number | void) => (...args: unknown[]) => {
    const r = runWithRetry(io, globals, !READ_VERBS.has(verb), () => fn(...args));
    if (typeof r === 'number') exitCode = r;
  };
  program
    .description('pvsim simulates the Kubernetes persistent-storage control plane: PersistentVolumes, claims, classes and the controllers that bind and reclaim them.\nState lives in an append-only event log under --cluster; every command replays it, acts, and appends.')
    .option('--cluster <dir>', 'cluster directory holding the event log (env PVSIM_CLUSTER)', undefined)
    .option('--nats <url>', 'keep the log in NATS JetStream at this server; --cluster then names the cluster there (env PVSIM_NATS)')
    .option('--nats-creds <file>', 'with --nats: a .creds file (user JWT and nkey seed) (env PVSIM_NATS_CREDS)')
    .option('--nats-nkey <file>', 'with --nats: a file holding a user nkey seed (env PVSIM_NATS_NKEY)')
    .option('--nats-tls-ca <file>', 'with --nats: the CA certificate to trust (PEM) (env PVSIM_NATS_TLS_CA)')
    .option('--nats-tls-cert <file>', 'with --nats: a client certificate (PEM) (env PVSIM_NATS_TLS_CERT)')
    .option('--nats-tls-key <file>', 'with --nats: the client certificate\'s key (PEM) (env PVSIM_NATS_TLS_KEY)')
    .option('--csi-rpc <drivers>', 'with --nats: call these drivers\' controller RPCs (CreateVolume, DeleteVolume, ControllerPublish/Unpublish) over NATS request/reply, answered by `pvsim csi-driver NAME --rpc`; the replies are recorded (env PVSIM_CSI_RPC)')
    .option('--csi-rpc-deadline <ms>', `with --csi-rpc: how long a call waits for its reply before it is DEADLINE_EXCEEDED and retried (default ${CSI_RPC_DEADLINE_MS}) (env PVSIM_CSI_RPC_DEADLINE_MS)`)
    .option('--lockstep', 'with --nats: lockstep — a command grants every delivery to the process hosting its component and compares the records, so the same seed gives the same log as embedded; processes (serve --only, kubelet, csi-driver) given --lockstep perform the granted deliveries (env PVSIM_LOCKSTEP=1)')
    .option('--lockstep-deadline <ms>', `with --lockstep: how long a command waits for a process to perform a delivery (default ${LOCKSTEP_DEADLINE_MS}) (env PVSIM_LOCKSTEP_DEADLINE_MS)`)
    .option('--seed <n>', 'seed for the scheduler and ids; same seed and inputs give the same log', '1')
    .option('--settle-steps <n>', 'a command stops settling after this many delivered work items and says what is still in flight', String(DEFAULT_SETTLE_BUDGET.stepsMax))
    .option('--settle-time <duration>', 'a command stops settling after this much simulated time and says what is still in flight', `${DEFAULT_SETTLE_BUDGET.simulatedMsMax / 60_000}m`)
    .option('--request-id <id>', 'an id for this change (env PVSIM_REQUEST_ID); a retry with the same id is recognised, not applied twice')
    .option('-q, --quiet', 'no progress bar and no notices on stderr (errors and warnings still)')
    .option('-v, --verbose', 'say more on stderr: the wall time a command took; with serve, each request (repeat for more)', (_v: string, n: number) => n + 1, 0)
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride()
    .showHelpAfterError(false);

  program.hook('preAction', (_program, action) => {
    verb = action.name();
    if (!CLUSTERLESS_VERBS.has(verb)) checkClusterPath(globals());
    if (READ_VERBS.has(verb)) checkClusterForRead(globals());
  });

  program.command('apply')
    .description('Create or update objects from YAML/JSON manifests, then let the controllers settle (like kubectl apply).')
    .requiredOption('-f, --filename <path...>', 'file, directory (its *.yaml, *.yml, *.json) or - for stdin')
    .option('-n, --namespace <ns>', 'namespace for namespaced objects that name none', 'default')
    .addOption(new Option('--wait <bool>', 'run the controllers until nothing is left to do; false only records the change').default('true').choices(['true', 'false']))
    .addOption(validateOption())
    .addHelpText('after', '\nExamples:\n  pvsim apply -f examples/static/\n  cat pvc.yaml | pvsim apply -f -\n  pvsim apply -f pv.yaml --wait=false\n  pvsim apply -f old-manifests/ --validate=warn')
    .action(wrap((o: { filename: string[]; namespace: string; wait: string; validate: string }, cmd: Command) =>
      verbs.apply(io, globals(), o.filename, { namespace: o.namespace, explicitNamespace: cmd.getOptionValueSource('namespace') === 'cli', wait: o.wait !== 'false', validate: validationDirective(o.validate) })));

  program.command('init')
    .description('Start a new cluster of a given shape: its nodes (zone and region labels), the system namespaces and the provider\'s StorageClasses. Any first command starts the default one (2 nodes in 2 zones); init only runs on an empty cluster.')
    .option('--nodes <n>', 'how many nodes', String(DEFAULT_CLUSTER_SHAPE.nodes))
    .option('--zones <n>', 'spread the nodes over this many zones (0: no zone labels)')
    .addOption(new Option('--profile <name>', 'node names, zones and StorageClasses as this provider\'s clusters have them').choices(CLUSTER_PROFILES).default(DEFAULT_CLUSTER_SHAPE.profile))
    .addHelpText('after', '\nExamples:\n  pvsim init --nodes 3 --zones 2 --profile gke\n  pvsim init --profile kind && pvsim get nodes,sc')
    .action(wrap((o: { nodes: string; zones?: string; profile: string }) => init(io, globals(), parseShape(o))));

  program.command('import')
    .description('Restore objects WITH their metadata (uid, annotations, finalizers) and status, e.g. `kubectl get pv,pvc,sc -A -o yaml` of a real cluster; then settle.')
    .requiredOption('-f, --filename <path...>', 'file, directory or - for stdin')
    .addOption(new Option('--wait <bool>', 'settle after importing').default('true').choices(['true', 'false']))
    .addOption(validateOption())
    .addHelpText('after', '\nExample:\n  kubectl get pv,pvc,sc -A -o yaml > cluster.yaml && pvsim import -f cluster.yaml')
    .action(wrap((o: { filename: string[]; wait: string; validate: string }) => verbs.importObjects(io, globals(), o.filename, { wait: o.wait !== 'false', validate: validationDirective(o.validate) })));

  program.command('delete')
    .description('Delete objects by kind and name, or those named in manifests. Objects with finalizers stay Terminating until their controllers release them.')
    .argument('[kind]', 'pv, pvc, sc (kubectl names and short names)')
    .argument('[names...]', 'object names')
    .option('-f, --filename <path...>', 'delete the objects named in these manifests')
    .option('-n, --namespace <ns>', 'namespace of namespaced objects', 'default')
    .addOption(new Option('--wait <bool>', 'settle after deleting').default('true').choices(['true', 'false']))
    .option('-l, --selector <selector>', 'delete the objects of KIND whose labels match, e.g. app=db')
    .option('--field-selector <selector>', 'e.g. spec.nodeName=node-1 (pods), metadata.name=x')
    .option('--force', 'with --grace-period=0: remove pods at once, without waiting for their kubelet (a pod on a dead node)')
    .option('--grace-period <seconds>', 'only 0 is meaningful here (with --force)')
    .option('--all', 'delete every object of KIND in the namespace')
    .option('--ignore-not-found', 'a name that does not exist is not an error')
    .addOption(new Option('--dry-run [strategy]', 'say what would be deleted; delete nothing').choices(['none', 'client', 'server']).preset('client'))
    .addHelpText('after', '\nExamples:\n  pvsim delete pvc data -n default\n  pvsim delete pv nas-1 nas-2\n  pvsim delete -f examples/static/02-claims.yaml\n  pvsim delete pod db-0 --force --grace-period=0')
    .action(wrap((kind: string | undefined, names: string[], o: { filename?: string[]; namespace: string; wait: string; force?: boolean; gracePeriod?: string; selector?: string; fieldSelector?: string; all?: boolean; ignoreNotFound?: boolean; dryRun?: string }, cmd: Command) => {
      if (o.force && o.gracePeriod !== '0') throw new UsageError('error: --force requires --grace-period=0 in pvsim');
      if (o.all && names.length > 0) throw new UsageError('error: name cannot be provided when a selector is specified');
      const dryRun = o.dryRun === 'client' || o.dryRun === 'server' ? o.dryRun : undefined;
      return verbs.del(io, globals(), { kind, names, files: o.filename, namespace: o.namespace, explicitNamespace: cmd.getOptionValueSource('namespace') === 'cli', wait: o.wait !== 'false', force: !!o.force, selector: o.selector, fieldSelector: o.fieldSelector, all: !!o.all, ignoreNotFound: !!o.ignoreNotFound, dryRun });
    }));

  addReadPointOptions(program.command('get')
    .description('Display objects with kubectl\'s columns.')
    .argument('<kinds>', 'comma-separated kinds, e.g. pv,pvc,sc or events')
    .argument('[names...]', 'object names')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-o, --output <format>', 'wide, json, yaml, name, jsonpath=TEMPLATE, custom-columns=HEADER:PATH,...')
    .option('-l, --selector <selector>', 'label selector, e.g. app=db,tier!=cache')
    .option('--field-selector <selector>', 'e.g. spec.nodeName=node-1, status.phase=Running (pods)')
    .option('--show-labels', 'show all labels as the last column')
    .option('-L, --label-columns <keys>', 'a column per label key (comma-separated or repeated)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--sort-by <path>', 'sort by a JSONPath, e.g. .spec.capacity.storage or {.metadata.name}')
    .option('--no-headers', 'leave out the header line')
    .option('--show-managed-fields', 'keep metadata.managedFields in -o json/yaml')
    .option('-w, --watch', 'after the list, print each change as it is committed (by any writer, pvsim serve too)')
    .option('--watch-only', 'print only the changes')
    .option('--output-watch-events', 'with --watch: the event type (ADDED, MODIFIED, DELETED) of each change')
    .option('--request-timeout <duration>', 'with --watch: stop after this much wall time (0: until interrupted)')
    .addHelpText('after', "\nExamples:\n  pvsim get pv,pvc\n  pvsim get pvc -w --request-timeout=30s\n  pvsim get pvc -A -o wide\n  pvsim get pv nas -o yaml\n  pvsim get pv --at 120\n  pvsim get pvc --at-time 30s\n  pvsim get pv -o jsonpath='{.items[*].metadata.name}'\n  pvsim get pvc -o custom-columns=NAME:.metadata.name,VOLUME:.spec.volumeName --sort-by=.metadata.name"))
    .action(async (kinds: string, names: string[], o: ReadPointFlags & { namespace: string; allNamespaces?: boolean; output?: string; selector?: string; fieldSelector?: string; showLabels?: boolean; labelColumns?: string[]; sortBy?: string; headers: boolean; showManagedFields?: boolean; watch?: boolean; watchOnly?: boolean; outputWatchEvents?: boolean; requestTimeout?: string }) => {
      checkOutputFormat(o.output);
      const flags = {
        namespace: o.namespace, allNamespaces: !!o.allNamespaces, output: o.output, selector: o.selector, fieldSelector: o.fieldSelector,
        showLabels: !!o.showLabels, labelColumns: (o.labelColumns ?? []).flatMap((k) => k.split(',')).filter(Boolean), sortBy: o.sortBy, noHeaders: !o.headers,
        showManagedFields: !!o.showManagedFields,
      };
      if (o.watch || o.watchOnly) {
        exitCode = await getWatch(io, atReadPoint(globals(), o), kinds, names, { ...flags, watchOnly: !!o.watchOnly, outputWatchEvents: !!o.outputWatchEvents, requestTimeout: o.requestTimeout });
        return;
      }
      wrap(() => verbs.get(io, atReadPoint(globals(), o), kinds, names, flags))();
    });

  addReadPointOptions(program.command('describe')
    .description('Show an object in detail, with its Events (like kubectl describe).')
    .argument('<kind>', 'pv, pvc or sc')
    .argument('[names...]', 'object names (all of the kind when omitted)')
    .option('-n, --namespace <ns>', 'namespace', 'default'))
    .action(wrap((kind: string, names: string[], o: ReadPointFlags & { namespace: string }) => verbs.describe(io, atReadPoint(globals(), o), kind, names, o.namespace)));

  addReadPointOptions(program.command('events')
    .description('List Kubernetes events (like kubectl events / kubectl get events).')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'events of all namespaces')
    .option('--since <pos>', 'only events recorded after this log position')
    .option('--until <pos>', 'only events recorded at or before this log position'))
    .action(wrap((o: ReadPointFlags & { namespace: string; allNamespaces?: boolean; since?: string; until?: string }) => {
      if (o.since === undefined && o.until === undefined) return verbs.events(io, atReadPoint(globals(), o), o.namespace, !!o.allNamespaces);
      if (o.at !== undefined || o.atTime !== undefined) throw new UsageError('error: --at/--at-time and --since/--until both choose the events; give one or the other');
      return historyVerbs.eventsBetween(io, globals(), { namespace: o.namespace, allNamespaces: !!o.allNamespaces, since: historyVerbs.optionalPosition(o.since, '--since'), until: historyVerbs.optionalPosition(o.until, '--until') });
    }));

  addReadPointOptions(program.command('history')
    .description('One line per change of one object, read from the log: position, time, phase, who changed it and why, and a short field diff.')
    .argument('<target>', 'KIND/NAME, e.g. pvc/data, pv/nas-5g (or KIND NAME)')
    .argument('[name]', 'object name when KIND is given on its own')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json']))
    .addHelpText('after', '\nExamples:\n  pvsim history pvc/data\n  pvsim history pv/nas-5g -o json\n  pvsim history pv nas-5g --at 120'))
    .action(wrap((target: string, name: string | undefined, o: ReadPointFlags & { namespace: string; output?: string }) =>
      historyVerbs.history(io, atReadPoint(globals(), o), target, name, { namespace: o.namespace, output: o.output })));

  addReadPointOptions(program.command('fork')
    .description('What-if: make a new cluster directory holding this cluster\'s history up to a position (between commands); continue there with any verb.')
    .requiredOption('--to <dir>', 'the new cluster directory (must not exist)')
    .addHelpText('after', '\nExamples:\n  pvsim fork --at 54 --to ../what-if\n  pvsim --cluster ../what-if node up node-a'))
    .action(wrap((o: ReadPointFlags & { to: string }) => forkVerbs.fork(io, globals(), o)));

  addReadPointOptions(program.command('diff')
    .description('Compare two clusters\' objects (now, or at --at/--at-time in both): exit 0 when they agree, 1 when they differ.')
    .argument('<dir1>', 'a cluster directory')
    .argument('<dir2>', 'another cluster directory')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json']))
    .addHelpText('after', '\nExample:\n  pvsim diff .pvsim ../what-if'))
    .action(wrap((a: string, b: string, o: ReadPointFlags & { output?: string }) => forkVerbs.diff(io, globals(), a, b, o)));

  const record = program.command('record').description('Recordings in a real cluster\'s formats: export a pvsim cluster\'s history as a watch stream, an audit log or an events list.');
  addReadPointOptions(record.command('export')
    .description('Write this cluster\'s history (up to --at) as kubectl would capture it: watch (--output-watch-events -o json), audit (audit.k8s.io/v1 JSON lines) or events (kubectl get events -A -o json).')
    .addOption(new Option('--format <format>', 'what to write').choices(['watch', 'audit', 'events']).makeOptionMandatory())
    .addHelpText('after', '\nExamples:\n  pvsim record export --format watch > watch.json\n  pvsim record export --format audit --at 120 > audit.jsonl'))
    .action(wrap((o: ReadPointFlags & { format: string }) => recordVerbs.recordExport(io, atReadPoint(globals(), o), o.format)));
  record.command('import')
    .description('Read a real cluster\'s recording — snapshot (kubectl get -o yaml|json), watch stream (--watch --output-watch-events -o json), events (kubectl get events -A -o json), audit log (audit.k8s.io/v1 JSON lines) — replay the changes people made through pvsim at the recorded times, and keep the real controllers\' changes for `record compare`.')
    .argument('<files...>', 'recording files, in any mix of the four formats')
    .requiredOption('--to <dir>', 'the new cluster directory (must not exist)')
    .addHelpText('after', '\nExample:\n  pvsim record import examples/incidents/released-volume-reused/*.json* --to /tmp/incident')
    .action(wrap((files: string[], o: { to: string }) => recordVerbs.recordImport(io, globals(), files, o)));
  record.command('compare')
    .description('Where the real cluster (the recording) and the model (its inputs replayed through pvsim) disagree, per object and step; exit 1 on a disagreement.')
    .argument('<dir>', 'a directory made by `pvsim record import`')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json']))
    .action(wrap((dir: string, o: { output?: string }) => recordVerbs.recordCompare(io, globals(), dir, o)));
  record.command('save')
    .description('Keep an imported recording as a regression test: its files as captured and its comparison report now, in a new directory (e.g. test/incidents/NAME); the test suite replays them all.')
    .argument('<dir>', 'a directory made by `pvsim record import`')
    .requiredOption('--as <path>', 'the new directory, e.g. test/incidents/released-volume-reused')
    .action(wrap((dir: string, o: { as: string }) => recordVerbs.recordSave(io, globals(), dir, o)));

  addReadPointOptions(program.command('timeline')
    .description('Write one self-contained HTML page (works offline): a lane per object with its phases, events, inputs and faults as marks; click for the record, its cause and the object as it was. An imported recording shows real lanes beside the model\'s.')
    .requiredOption('-o, --output <file>', 'the HTML file to write, e.g. timeline.html')
    .addHelpText('after', '\nExamples:\n  pvsim timeline -o timeline.html\n  pvsim --cluster /tmp/incident timeline --at 40 -o incident.html'))
    .action(wrap((o: ReadPointFlags & { output: string }) => recordVerbs.timeline(io, atReadPoint(globals(), o), o)));

  program.command('exec')
    .description('Run a command in a container: touch, write PATH TEXT, cat, ls, rm [-r], findmnt (like kubectl exec).')
    .argument('<pod>', 'pod name, or deploy/NAME, sts/NAME (first pod)')
    .argument('<command...>', 'after --: the command and its arguments')
    .option('-c, --container <name>', 'container (default: the first)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-i, --stdin', 'pass stdin: with sh, each line is a command; with write PATH, the file\'s content')
    .option('-t, --tty', 'stdin is a terminal: prompt before each command')
    .addHelpText('after', '\nExamples:\n  pvsim exec web-0 -- touch /data/test.test.test\n  pvsim exec deploy/nas-app -- ls /data\n  pvsim exec web-0 -c app -- write /data/msg hello world\n  pvsim exec web-0 -- findmnt /data\n  pvsim exec -it web-0 -- sh\n  echo hello | pvsim exec -i web-0 -- write /data/msg')
    .action(wrap((pod: string, command: string[], o: { container?: string; namespace: string; stdin?: boolean; tty?: boolean }) => podVerbs.exec(io, globals(), pod, command, o)));

  program.command('restart')
    .description('Crash and restart a container (its restart count goes up; emptyDir data survives, its own writable layer does not).')
    .argument('<pod>', 'pod name, or deploy/NAME, sts/NAME')
    .option('-c, --container <name>', 'container (default: the first)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(wrap((pod: string, o: { container?: string; namespace: string }) => podVerbs.restart(io, globals(), pod, o)));

  program.command('node')
    .description('Take a node down (its kubelet stops: NotReady, unreachable taint) or bring it back up.')
    .argument('<action>', 'down or up')
    .argument('<name>', 'node name')
    .addHelpText('after', '\nExamples:\n  pvsim node down node-a\n  pvsim node up node-a')
    .action(wrap((action: string, name: string) => simVerbs.node(io, globals(), action, name)));

  program.command('taint')
    .description('Add or remove node taints, like kubectl taint (e.g. the out-of-service taint of a non-graceful node shutdown).')
    .argument('<kind>', 'nodes')
    .argument('<name>', 'node name')
    .argument('<taints...>', 'KEY[=VALUE]:EFFECT to add, KEY[:EFFECT]- to remove')
    .addHelpText('after', '\nExamples:\n  pvsim taint nodes node-1 node.kubernetes.io/out-of-service=nodeshutdown:NoExecute\n  pvsim taint nodes node-1 node.kubernetes.io/out-of-service-')
    .action(wrap((kind: string, name: string, taints: string[]) => simVerbs.taint(io, globals(), kind, name, taints)));

  program.command('scale')
    .description('Set the replicas of a Deployment, ReplicaSet or StatefulSet, like kubectl scale (a scale-down removes the highest StatefulSet ordinals).')
    .argument('<target>', 'KIND/NAME: deploy/NAME, rs/NAME, sts/NAME')
    .option('--replicas <n>', 'the new number of replicas')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .addHelpText('after', '\nExamples:\n  pvsim scale sts/web --replicas 1\n  pvsim scale deploy/nas-app --replicas 3')
    .action(wrap((target: string, o: { replicas?: string; namespace: string }) => scaleVerb.scale(io, globals(), target, o)));

  program.command('wait')
    .description('Advance simulated time until a condition holds, like kubectl wait (fails after --timeout of simulated time).')
    .argument('<targets...>', 'KIND/NAME… (e.g. pvc/data), KIND NAME…, or KIND with -l/--all')
    .requiredOption('--for <condition>', "delete, condition=Ready, or jsonpath='{.status.phase}'=Bound")
    .option('--timeout <duration>', 'simulated time to wait at most', '30s')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-l, --selector <selector>', 'wait for every object of KIND whose labels match')
    .option('--field-selector <selector>', 'wait for every object of KIND whose fields match')
    .option('--all', 'wait for every object of KIND in the namespace')
    .addHelpText('after', "\nExamples:\n  pvsim wait pvc/data --for=jsonpath='{.status.phase}'=Bound --timeout=5m\n  pvsim wait pod/web-0 --for=condition=Ready\n  pvsim wait pods -l app=nas-app --for=condition=Ready\n  pvsim wait pvc --all --for=jsonpath='{.status.phase}'=Bound\n  pvsim wait pv/pvc-1234 --for=delete")
    .action(wrap((targets: string[], o: { for: string; timeout: string; namespace: string; selector?: string; fieldSelector?: string; all?: boolean }) => simVerbs.wait(io, globals(), targets, o)));

  const csi = program.command('csi').description('Inspect the simulated CSI drivers\' backends.');
  csi.command('ls')
    .description('List the backend volumes of each driver (or one): size, topology, nodes published to, staging, mounts, data held, the PV that refers to it — a volume no PV refers to is a leak.')
    .argument('[driver]', 'e.g. disk.csi.pvsim.dev')
    .action(wrap((driver: string | undefined) => csiLs(io, globals(), driver)));

  program.command('advance')
    .description('Let simulated time pass: delayed work runs and the controllers resync (every 15 s).')
    .argument('<duration>', 'e.g. 30s, 5m')
    .action(wrap((d: string) => simVerbs.advance(io, globals(), d)));

  program.command('run')
    .description('Run a scenario: steps of pvsim commands and expectations (docs/reference/scenarios.md). Uses a fresh cluster unless --cluster is given.')
    .argument('<scenario>', 'scenario YAML file')
    .addHelpText('after', '\nExample:\n  pvsim run examples/lecture/static-nas/scenario.yaml')
    .action(async (file: string) => {
      exitCode = await runScenario(io, globals(), file, runCli, { clusterGiven: program.opts<{ cluster?: string }>().cluster !== undefined || io.env['PVSIM_CLUSTER'] !== undefined });
    });

  program.command('up')
    .description('Start a local nats-server with JetStream (127.0.0.1, a temporary store) for --nats; Ctrl-C stops it and removes the store.')
    .option('--workers <n>', 'also start N `pvsim worker` processes for `pvsim sim --nats`', '0')
    .option('--serve <components>', 'also start a `pvsim serve --only COMPONENTS` process for the cluster --cluster names (default `default`), e.g. pv-controller; `kubelets` adds a `pvsim kubelet` process per node, `drivers` a `pvsim csi-driver` process per driver, `all` every controller, kubelet and driver')
    .option('--nodes <n>', 'with --serve: start the cluster with N nodes (pvsim init --nodes N) before its processes')
    .option('--driver-rpc', 'with --serve drivers: each driver runs as its own process (csi-driver D --rpc) and its sidecars and the kubelets call it over NATS (--csi-rpc)')
    .option('--csi-driver <name=module...>', 'with --driver-rpc: your own CSI driver module as the driver process NAME (csi-driver NAME=./driver.mjs; docs/reference/csi-driver-module.md)')
    .addHelpText('after', '\nExample:\n  pvsim up    # then: pvsim --nats nats://127.0.0.1:PORT --cluster demo apply -f examples/static/\n  pvsim up --workers 2    # then: pvsim --nats nats://127.0.0.1:PORT sim SCENARIO --runs 100\n  pvsim --cluster demo up --serve pv-controller    # then: pvsim --nats … --cluster demo apply -f examples/static/ --wait=false\n  pvsim --cluster demo up --nodes 3 --serve all    # every controller, a kubelet per node, a process per driver\n  pvsim --cluster demo --lockstep up --serve all   # the same processes in lockstep: then pvsim --nats … --cluster demo --lockstep apply -f …')
    .action(async (o: { workers: string; serve?: string; nodes?: string; driverRpc?: boolean; csiDriver?: string[] }) => {
      const cluster = program.opts<{ cluster?: string }>().cluster ?? io.env['PVSIM_CLUSTER'];
      const lockstep = program.opts<{ lockstep?: boolean }>().lockstep === true || io.env['PVSIM_LOCKSTEP'] === '1';
      exitCode = await up(io, { ...o, ...(cluster !== undefined ? { cluster } : {}), ...(lockstep ? { lockstep } : {}) });
    });

  // `check` and `sim` exit 2 on bad usage (issue 7), an unknown flag or a missing scenario included.
  const usageExitsTwo = (err: CommanderError): never => {
    if (err.exitCode !== 0) err.exitCode = 2;
    throw err;
  };
  const checkCommand = program.command('check').exitOverride(usageExitsTwo);
  checkCommand.command('fetch')
    .description('Write the counterexamples of a `pvsim sim --nats` job, kept in the NATS object store, as numbered cluster directories.')
    .argument('<job>', 'the job id `pvsim sim --nats` printed')
    .option('--out <dir>', 'where counterexamples are written (default ./pvsim-check)')
    .addHelpText('after', '\nExample:\n  pvsim check fetch sim-1a2b3c4d --nats nats://127.0.0.1:4222 --out ./found')
    .action(async (job: string, o: { out?: string }) => {
      // `check` has an --out of its own, which commander gives the option to when it comes after `fetch`.
      exitCode = await fetchCounterexamples(io, globals(), job, o.out ?? checkCommand.opts<{ out: string }>().out);
    });
  checkCommand.command('online')
    .description('Judge the invariants (binding, attachment, exclusive use) after every batch of the cluster\'s log, and convergence on its final state; with --follow (a cluster in NATS) go on consuming the stream as other processes write it. Exit 1 on a safety violation.')
    .option('--follow', 'keep consuming the JetStream stream (needs --nats) until Ctrl-C or --until-idle')
    .option('--until-idle <duration>', 'with --follow: stop after this long without a new record')
    .addHelpText('after', '\nExamples:\n  pvsim check online\n  pvsim --nats nats://127.0.0.1:4222 --cluster demo check online --follow')
    .action(async (o: { follow?: boolean; untilIdle?: string }) => {
      exitCode = await checkOnline(io, globals(), o);
    });
  checkCommand
    .description('Model-check a scenario: explore every order of controller work and the faults asked for; safety on every state, liveness once faults stop (docs/reference/check.md). Exit 0: no violation, 1: a violation (shrunk, written under --out), 2: bad usage.')
    .argument('<scenario>', 'scenario YAML file (the format of pvsim run)')
    .option('--strategy <s>', 'bfs, dfs, random or pct', 'bfs')
    .option('--depth <n>', 'moves per path at most (default: 500 for bfs/dfs, 200 for random/pct)')
    .option('--budget <duration>', 'wall-clock time to explore at most', '60s')
    .option('--faults <kinds>', `comma-separated: ${CHECK_FAULTS_HELP}`, 'none')
    .option('--max-faults <n>', 'faults per path at most', '1')
    .option('--max-delays <n>', 'choices other than the default (FIFO work, settle, then the next input) per path at most (default: unbounded)')
    .option('--por <on|off>', 'partial-order reduction for bfs and dfs: skip a delivery that commutes with one already explored (off under --max-delays)', 'on')
    .option('--noops <on|off>', 'with --por on and no faults: where a delivery changes nothing but the queue, take it alone (fewer states; docs/decisions/0021-no-op-deliveries-taken-alone.md)', 'on')
    .option('-o, --output <format>', 'json')
    .option('--out <dir>', 'where counterexamples are written, one numbered cluster directory each', './pvsim-check')
    .option('--invariant <module...>', 'your own invariant, a JS module (docs/reference/check.md)')
    .option('--csi-driver <name=module...>', 'your own CSI driver module in place of the simulated driver NAME (docs/reference/csi-driver-module.md)')
    .action(async (file: string, o: CheckFlags) => {
      try { exitCode = await checkScenario(io, globals(), file, o); } catch (e) {
        if (!(e instanceof Error) || !(e instanceof CheckUsageError || USER_ERRORS.has(e.name) || e instanceof ManifestError)) throw e;
        io.stderr(/^(error|Error)\b/.test(e.message) || e instanceof ManifestError ? `${e.message}\n` : `error: ${e.message}\n`);
        exitCode = 2;
      }
    });

  program.command('sim').exitOverride(usageExitsTwo)
    .description('Seeded fault swarms (VOPR-style): run i is one random walk decided by --seed + i, a safety phase with faults then a liveness phase; failing seeds are listed with their counterexample directories. Exit 0 / 1 / 2 as check.')
    .argument('<scenario>', 'scenario YAML file (the format of pvsim run)')
    .option('--runs <k>', 'number of runs (seeds --seed … --seed+k-1)', '10')
    .option('--depth <n>', 'moves of the safety phase at most', '200')
    .option('--faults <kinds>', `comma-separated: ${CHECK_FAULTS_HELP}`, 'all')
    .option('--max-faults <n>', 'faults per run at most', '3')
    .option('-o, --output <format>', 'json')
    .option('--out <dir>', 'where counterexamples are written', './pvsim-check')
    .option('--invariant <module...>', 'your own invariant, a JS module (docs/reference/check.md)')
    .option('--csi-driver <name=module...>', 'your own CSI driver module in place of the simulated driver NAME (docs/reference/csi-driver-module.md)')
    .option('--gather-timeout <duration>', 'with --nats: how long to wait without any result before saying which seeds are missing', '10m')
    .addHelpText('after', '\nWith --nats URL the seeds are handed to `pvsim worker --nats URL` processes (docs/how-to/explore-with-workers.md).')
    .action(async (file: string, o: SimFlags & { gatherTimeout?: string }) => {
      try {
        const g = globals();
        exitCode = g.nats ? await simOverNats(io, g, file, o) : await simScenario(io, g, file, o);
      } catch (e) {
        if (!(e instanceof Error) || !(e instanceof CheckUsageError || USER_ERRORS.has(e.name) || e instanceof ManifestError)) throw e;
        io.stderr(/^(error|Error)\b/.test(e.message) || e instanceof ManifestError ? `${e.message}\n` : `error: ${e.message}\n`);
        exitCode = 2;
      }
    });

  program.command('worker')
    .description('Run seeds of `pvsim sim --nats` jobs: pull tasks from the JetStream work queue at --nats until Ctrl-C (a task in hand is finished first).')
    .option('--ack-wait <duration>', 'how long a task may take before the server hands it to another worker (set when the first worker creates the queue)', '60s')
    .option('--tasks <n>', 'stop after this many tasks')
    .addHelpText('after', '\nExample:\n  pvsim worker --nats nats://127.0.0.1:4222 &\n  pvsim sim examples/check/node-down/down.yaml --runs 100 --nats nats://127.0.0.1:4222')
    .action(async (o: { ackWait: string; tasks?: string }) => {
      exitCode = await worker(io, globals(), o);
    });

  program.command('serve')
    .description('Serve the Kubernetes API of the cluster, so kubectl and client libraries work against it (writes a kubeconfig); or, with --nats and --only, run controllers as a process of a distributed cluster.')
    .option('--api', 'serve the Kubernetes REST API')
    .option('--only <components>', `with --nats: run these components of the cluster in this process (${HOSTABLE_COMPONENTS.join(', ')}, or all), taking the work other commands leave them (e.g. apply --wait=false)`)
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', '6443')
    .option('--address <host>', 'address to listen on', '127.0.0.1')
    .option('--kubeconfig <file>', 'where to write the kubeconfig (default CLUSTER/kubeconfig)')
    .option('--speed <x>', 'simulated time passes at wall time times X (default 1)')
    .option('--paused', 'simulated time moves only on `pvsim advance`')
    .option('--token [token]', 'require this bearer token on every request (without a value: generate one); it is written into the kubeconfig')
    .option('--tls', 'serve HTTPS with a generated self-signed CA and serving certificate; the kubeconfig trusts the CA')
    .addHelpText('after', '\nExample:\n  pvsim serve --api &\n  KUBECONFIG=.pvsim/kubeconfig kubectl apply -f examples/static/\n  pvsim serve --api --speed 60    # a simulated minute per second\n  pvsim --nats nats://127.0.0.1:4222 --cluster demo serve --only pv-controller')
    .action(async (o: { api?: boolean; only?: string; port: string; address: string; kubeconfig?: string; speed?: string; paused?: boolean; token?: string | true; tls?: boolean }) => {
      if (o.only !== undefined) {
        if (o.api) throw new UsageError('error: --api and --only cannot be used together (run two serve processes)');
        const { progress: _bar, ...g } = globals();
        exitCode = await serveComponents(io, g, { components: parseComponents(o.only) });
        return;
      }
      if (!o.api) throw new UsageError("error: required option '--api' not specified (or --only COMPONENTS with --nats)");
      if (typeof o.token === 'string' && !/^[\x21-\x7e]+$/.test(o.token)) throw new UsageError('error: invalid argument for "--token" flag: a bearer token is printable ASCII without spaces');
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`error: invalid argument "${o.port}" for "--port" flag: must be a port number`);
      if (o.paused && o.speed !== undefined) throw new UsageError('error: --speed and --paused cannot be used together');
      const speed = o.paused ? undefined : Number(o.speed ?? '1');
      if (speed !== undefined && !(Number.isFinite(speed) && speed > 0)) throw new UsageError(`error: invalid argument "${o.speed}" for "--speed" flag: must be a positive number`);
      // A server runs for hours: no progress bar (its requests are logged with -v instead).
      const { progress: _bar, ...g } = globals();
      exitCode = await serveUntilStopped(io, g, { port, host: o.address, kubeconfig: o.kubeconfig, speed, token: o.token, tls: o.tls, ...((g.verbosity ?? 0) > 0 ? { onRequest: (m: string, u: string, st: number) => io.stderr(`${m} ${u} ${st}\n`) } : {}) });
    });

  program.command('kubelet')
    .description('With --nats: run one node\'s kubelet as a process of a distributed cluster — it mounts and unmounts the volumes of the pods on its node (and calls the driver\'s node RPCs), taking the work other commands leave it (e.g. apply --wait=false).')
    .requiredOption('--node <name>', 'the node whose kubelet this process is')
    .addHelpText('after', '\nExample:\n  pvsim --nats nats://127.0.0.1:4222 --cluster demo kubelet --node node-a')
    .action(async (o: { node: string }) => {
      const { progress: _bar, ...g } = globals();
      exitCode = await serveComponents(io, g, { components: [], label: 'pvsim kubelet', resolve: kubeletOf(o.node), lockstepComponents: () => [`kubelet/${o.node}`] });
    });

  program.command('csi-driver')
    .description('With --nats: run a CSI driver\'s sidecars (external-provisioner, external-attacher, external-resizer, csi-snapshotter) as a process of a distributed cluster; the driver\'s controller RPCs run inside their transactions, or, given --csi-rpc NAME, go over NATS to a `csi-driver NAME --rpc` process (docs/decisions/0022-kubelet-and-csi-driver-processes.md).')
    .argument('<name>', 'the driver: nas, disk, or its full name (disk.csi.pvsim.dev); NAME=./driver.mjs runs your driver module as the driver itself, answering as --rpc does (its memory in the object store bucket pvsim-csi-drivers)')
    .option('--rpc', 'run the driver itself: answer its RPCs over NATS request/reply for the processes given --csi-rpc NAME (and host no sidecars)')
    .addHelpText('after', '\nExamples:\n  pvsim --nats nats://127.0.0.1:4222 --cluster demo csi-driver disk\n  pvsim --nats nats://127.0.0.1:4222 --cluster demo csi-driver disk --rpc\n  pvsim --nats nats://127.0.0.1:4222 --cluster demo --csi-rpc disk csi-driver disk')
    .action(async (name: string, o: { rpc?: boolean }) => {
      const { progress: _bar, ...g } = globals();
      exitCode = o.rpc || name.includes('=') ? await answerDriverRpcs(io, g, name) : await serveComponents(io, g, { components: [], label: 'pvsim csi-driver', resolve: driverSidecarsOf(name), lockstepComponents: () => lockstepDriverSidecars(g, driverSidecarsOf(name)) });
    });

  const dryRunOption = () => new Option('--dry-run [strategy]', 'say what would change; record nothing').choices(['none', 'client', 'server']).preset('client');
  const isDryRun = (v: string | undefined): boolean => v === 'client' || v === 'server';
  program.command('patch')
    .description('Change fields of an object with a JSON, merge or strategic merge patch (like kubectl patch).')
    .argument('<target...>', 'KIND NAME or KIND/NAME')
    .requiredOption('-p, --patch <json>', 'the patch')
    .addOption(new Option('--type <type>', 'patch type').choices(['json', 'merge', 'strategic']).default('strategic'))
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .addOption(dryRunOption())
    .addHelpText('after', `\nExamples:\n  pvsim patch pv nas-5g -p '{"spec":{"persistentVolumeReclaimPolicy":"Delete"}}'\n  pvsim patch pvc/data --type=json -p '[{"op":"add","path":"/metadata/labels/tier","value":"gold"}]'`)
    .action(wrap((args: string[], o: { patch: string; type: string; namespace: string; dryRun?: string }) => {
      const { target, rest } = patchVerbs.splitTarget(args, o.namespace);
      if (rest.length > 0) throw new UsageError(`error: unexpected arguments: ${rest.join(' ')}`);
      return patchVerbs.patch(io, globals(), target, { type: o.type, patch: o.patch, dryRun: isDryRun(o.dryRun) });
    }));
  for (const [verb, field] of [['label', 'labels'], ['annotate', 'annotations']] as const) {
    program.command(verb)
      .description(`Add (KEY=VALUE) or remove (KEY-) ${field} of an object (like kubectl ${verb}).`)
      .argument('<args...>', `KIND NAME KEY=VALUE… KEY-… (or KIND/NAME)`)
      .option('--overwrite', 'allow changing the value of an existing key')
      .option('-n, --namespace <ns>', 'namespace', 'default')
      .addOption(dryRunOption())
      .action(wrap((args: string[], o: { overwrite?: boolean; namespace: string; dryRun?: string }) => {
        const { target, rest } = patchVerbs.splitTarget(args, o.namespace);
        return patchVerbs.setMetadataMap(io, globals(), target, field, rest, { overwrite: !!o.overwrite, dryRun: isDryRun(o.dryRun) });
      }));
  }
  for (const [verb, unschedulable] of [['cordon', true], ['uncordon', false]] as const) {
    program.command(verb)
      .description(unschedulable ? 'Mark a node unschedulable (like kubectl cordon).' : 'Mark a node schedulable again (like kubectl uncordon).')
      .argument('<node>', 'node name')
      .addOption(dryRunOption())
      .action(wrap((node: string, o: { dryRun?: string }) => patchVerbs.cordon(io, globals(), node, unschedulable, isDryRun(o.dryRun))));
  }

  program.command('edit')
    .description('Edit an object in $KUBE_EDITOR or $EDITOR (default vi), then write it back (like kubectl edit).')
    .argument('<target...>', 'KIND NAME or KIND/NAME')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-o, --output <format>', 'yaml (default) or json')
    .addHelpText('after', "\nExamples:\n  pvsim edit pv/nas-5g\n  KUBE_EDITOR='sed -i s/Retain/Delete/' pvsim edit pv nas-5g")
    .action(wrap((args: string[], o: { namespace: string; output?: string }) => editVerb.edit(io, globals(), args, o)));

  const rollout = program.command('rollout').description('Manage the rollout of a Deployment or StatefulSet (like kubectl rollout).');
  rollout.command('status')
    .description('Wait (in simulated time) until the rollout is done, printing kubectl\'s messages.')
    .argument('<target...>', 'deploy/NAME, sts/NAME (or KIND NAME)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--timeout <duration>', 'simulated time to wait at most', '10m')
    .action(wrap((args: string[], o: { namespace: string; timeout: string }) => rolloutVerbs.status(io, globals(), args, o)));
  rollout.command('restart')
    .description('Restart every pod: stamps kubectl.kubernetes.io/restartedAt on the pod template.')
    .argument('<target...>', 'deploy/NAME, sts/NAME (or KIND NAME)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(wrap((args: string[], o: { namespace: string }) => rolloutVerbs.restart(io, globals(), args, o)));
  rollout.command('history')
    .description('List a Deployment\'s revisions (its ReplicaSets) or a StatefulSet\'s (its ControllerRevisions), or show one with --revision.')
    .argument('<target...>', 'deploy/NAME, sts/NAME (or KIND NAME)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--revision <n>', 'show the pod template of this revision')
    .action(wrap((args: string[], o: { namespace: string; revision?: string }) => rolloutVerbs.history(io, globals(), args, o)));
  rollout.command('undo')
    .description('Roll a Deployment or StatefulSet back to the previous revision, or to --to-revision.')
    .argument('<target...>', 'deploy/NAME, sts/NAME (or KIND NAME)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--to-revision <n>', 'the revision to roll back to (default: the previous one)')
    .addOption(dryRunOption())
    .action(wrap((args: string[], o: { namespace: string; toRevision?: string; dryRun?: string }) => rolloutVerbs.undo(io, globals(), args, { ...o, dryRun: isDryRun(o.dryRun) })));

  program.command('drain')
    .description('Cordon a node and evict its pods one at a time, respecting disruption budgets (like kubectl drain).')
    .argument('<node>', 'node name')
    .option('--force', 'also delete pods that declare no controller')
    .option('--delete-emptydir-data', 'also delete pods with emptyDir volumes (their data goes)')
    .option('--ignore-daemonsets', 'accepted for kubectl habits (pvsim has no DaemonSets)')
    .option('--timeout <duration>', 'simulated time to keep retrying evictions a budget refuses', '60s')
    .addOption(dryRunOption())
    .addHelpText('after', '\nExamples:\n  pvsim drain node-a\n  pvsim drain node-a --force --delete-emptydir-data')
    .action(wrap((node: string, o: { force?: boolean; deleteEmptydirData?: boolean; timeout: string; dryRun?: string }) =>
      drainVerb.drain(io, globals(), node, { force: !!o.force, deleteEmptyDirData: !!o.deleteEmptydirData, timeout: o.timeout, dryRun: isDryRun(o.dryRun) })));

  program.command('explain')
    .description('Describe a kind and its fields, from the OpenAPI schemas pvsim serves (like kubectl explain).')
    .argument('<path>', 'KIND[.FIELD…], e.g. pvc, pvc.spec.accessModes, pod.spec.containers')
    .addHelpText('after', '\nExamples:\n  pvsim explain pvc.spec\n  pvsim explain pv.spec.persistentVolumeReclaimPolicy')
    .action((path: string) => { exitCode = explainVerb.explain(io, path); });

  program.command('version')
    .description('Print pvsim\'s version and the Kubernetes version whose behaviour it follows (like kubectl version).')
    .option('-o, --output <format>', 'json or yaml')
    .action((o: { output?: string }) => { exitCode = kubectlVerbs.version(io, o); });

  program.command('api-resources')
    .description('List the resource types pvsim serves, as kubectl api-resources does.')
    .option('--no-headers', 'leave out the header line')
    .option('--namespaced <bool>', 'only namespaced (true) or cluster-scoped (false) types')
    .option('-o, --output <format>', 'name or wide')
    .action((o: { headers: boolean; namespaced?: string; output?: string }) => { exitCode = kubectlVerbs.apiResources(io, { noHeaders: !o.headers, namespaced: o.namespaced, output: o.output }); });

  const log = program.command('log')
    .description('Print the raw records of the event log (one JSON line each), or repair/verify it.')
    .option('--since <pos>', 'only records after this position', '0')
    .option('--stream <prefix>', 'only records whose stream starts with this, e.g. pv/nas')
    .option('--until <pos>', 'only records at or before this position')
    .addOption(new Option('-o, --output <format>', 'json: one object per line with position, component and cause').choices(['json']))
    .action(wrap((o: { since: string; stream?: string; until?: string; output?: string }) => {
      const since = historyVerbs.optionalPosition(o.since, '--since')!;
      const until = historyVerbs.optionalPosition(o.until, '--until');
      if (o.output === 'json') return historyVerbs.printLogJson(io, globals(), { since, until, stream: o.stream });
      return verbs.printLog(io, globals(), since, o.stream, until);
    }));
  log.command('repair')
    .description('Remove an unfinished last batch (a write a crash cut short) and a lock a dead process left; report damage in acknowledged records, and cut it only with --force, after a backup. With --nats: remove a stream\'s unfinished last batch (stop the cluster\'s processes first).')
    .option('--force', 'also cut the log before damage in acknowledged records (everything after it is lost), after copying the log to log.jsonl.damaged-N')
    .option('--backup <file>', 'with --nats: where the kept records are copied before the stream is rewritten (default ./pvsim-CLUSTER-before-repair.jsonl)')
    .action(wrap((o: { force?: boolean; backup?: string }) => {
      if (globals().nats) {
        if (o.force) throw new UsageError('error: log repair --force works on a file log; a stream in NATS with damage in acknowledged records is left as it is (export it, repair the file, import it into a new cluster)');
        return repairNatsLog(io, globals(), o.backup !== undefined ? { backup: o.backup } : {});
      }
      if (o.backup !== undefined) throw new UsageError('error: --backup is for a cluster in NATS; a file log\'s repair copies it beside itself');
      return verbs.repair(io, globals(), { force: !!o.force });
    }));
  log.command('export')
    .description('Print the whole log as a file log (log.jsonl) holds it, byte for byte; with --nats, the cluster\'s log in NATS.')
    .addHelpText('after', '\nExample:\n  pvsim --nats nats://127.0.0.1:4222 --cluster demo log export > demo/log.jsonl')
    .action(wrap(() => exportLog(io, globals())));
  log.command('import')
    .description('Append a log.jsonl (every record checked, batches kept) to an empty cluster: with --nats, its log in NATS.')
    .requiredOption('-f, --filename <path>', 'the log.jsonl to import, or - for stdin')
    .addHelpText('after', '\nExample:\n  pvsim --nats nats://127.0.0.1:4222 --cluster demo log import -f .pvsim/log.jsonl')
    .action(wrap((o: { filename: string }) => importLog(io, globals(), o.filename)));
  log.command('verify')
    .description('Re-execute the recorded inputs with their seeds in a scratch cluster and check the log is reproduced byte for byte.')
    .action(wrap(() => verbs.verify(io, globals())));

  try {
    await program.parseAsync(argv, { from: 'user' });
    progress?.stop();
    if (program.opts<{ verbose: number }>().verbose > 0 && startedMs !== undefined && rawIo.wall) rawIo.stderr(`pvsim ${verb}: ${rawIo.wall.nowMs() - startedMs} ms wall time\n`);
  } catch (e) {
    progress?.stop();
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return e.exitCode === 0 ? 0 : e.exitCode === 2 ? 2 : 1;
    }
    if (e instanceof Error && (USER_ERRORS.has(e.name) || e instanceof LogCorruptError || e instanceof ExpectedVersionConflict || e instanceof ApiError || e instanceof ManifestError || e instanceof LogLockedError || e instanceof LogFileRefusedError)) {
      const plain = e instanceof ManifestError || /^(error|Error)\b/.test(e.message);
      io.stderr(plain ? `${e.message}\n` : `error: ${e.message}\n`);
      return e instanceof LockstepUsageError ? 2 : 1;
    }
    // A file-system failure (read-only, full, not a directory, permission) is the user's
    // environment, not a bug: one line, and the write path has left nothing half-written.
    const line = fileSystemErrorLine(e);
    if (line !== undefined) {
      io.stderr(`${line}\n`);
      return 1;
    }
    throw e;
  }
  return exitCode;
}
