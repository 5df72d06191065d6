// With authorization on (ADR 0014, issue 8 item 7): nkey users whose permissions give each pvsim
// process only the subjects it needs (the server config of docs/how-to/secure-nats.md) — a
// coordinator that queues tasks, a worker that answers them, a CLI that writes one cluster's log —
// and TLS with a CA the client is told to trust. Against real nats-servers from the launcher.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUserNkey, startNatsServer } from '@pvsim/nats';
import { pvsim } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'pvsim-auth-'));

/** A user nkey: its public key for the server config and its seed in a file for --nats-nkey. */
function user(name: string): { publicKey: string; seedFile: string } {
  const { publicKey, seed } = createUserNkey();
  const seedFile = join(dir, `${name}.nk`);
  writeFileSync(seedFile, seed, { mode: 0o600 });
  return { publicKey, seedFile };
}

const coordinator = user('coordinator');
const worker = user('worker');
const cli = user('cli');
// The permissions docs/how-to/secure-nats.md explains, with its JetStream API narrowed per role.
const config = `
authorization {
  users = [
    { nkey: ${coordinator.publicKey}, permissions: {
        publish: ["$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.CREATE.>", "$JS.API.CONSUMER.CREATE.>", "$JS.API.CONSUMER.MSG.NEXT.>", "$JS.API.CONSUMER.DELETE.>", "$JS.API.DIRECT.GET.>", "$JS.API.STREAM.MSG.GET.>", "$JS.API.STREAM.NAMES", "pvsim.tasks.>", "$O.pvsim-check.>"],
        subscribe: ["_INBOX.>"] } }
    { nkey: ${worker.publicKey}, permissions: {
        publish: ["$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$JS.API.STREAM.CREATE.>", "$JS.API.CONSUMER.CREATE.>", "$JS.API.CONSUMER.DURABLE.CREATE.>", "$JS.API.CONSUMER.INFO.>", "$JS.API.CONSUMER.MSG.NEXT.>", "$JS.API.CONSUMER.DELETE.>", "$JS.API.DIRECT.GET.>", "$JS.API.STREAM.MSG.GET.>", "$JS.API.STREAM.NAMES", "$JS.ACK.PVSIM_TASKS.>", "pvsim.results.>", "$O.pvsim-check.>"],
        subscribe: ["_INBOX.>"] } }
    { nkey: ${cli.publicKey}, permissions: {
        publish: ["$JS.API.INFO", "$JS.API.STREAM.INFO.PVSIM_demo", "$JS.API.STREAM.CREATE.PVSIM_demo", "$JS.API.STREAM.MSG.GET.PVSIM_demo", "$JS.API.DIRECT.GET.PVSIM_demo", "$JS.API.CONSUMER.CREATE.PVSIM_demo.>", "$JS.API.CONSUMER.MSG.NEXT.PVSIM_demo.>", "$JS.API.CONSUMER.DELETE.PVSIM_demo.>", "pvsim.demo.log.>"],
        subscribe: ["_INBOX.>"] } }
  ]
}
`;
writeFileSync(join(dir, 'auth.conf'), config);

test('nkey users limited to their subjects: a sim job over an in-process worker, and a cluster log', async () => {
  const server = await startNatsServer({ args: ['-c', join(dir, 'auth.conf')] });
  try {
    const as = (u: { seedFile: string }, cluster = 'workers') => ['--nats', server.url, '--nats-nkey', u.seedFile, '--cluster', cluster];
    const served = pvsim('.unused', [...as(worker), 'worker', '--tasks', '1', '--ack-wait', '30s']);
    const sim = await pvsim('.unused', [...as(coordinator), 'sim', 'examples/check/zonal-immediate/fixed.yaml', '--runs', '1', '--out', join(dir, 'found')]);
    assert.is(sim.code, 0, sim.stderr);
    assert.match(sim.stdout, /^1 runs of .*, 0 failed\n$/);
    const w = await served;
    assert.is(w.code, 0, w.stderr);
    assert.match(w.stdout, /stopped after 1 task\(s\)\n$/);

    const applied = await pvsim('.unused', [...as(cli, 'demo'), 'apply', '-f', 'examples/static/01-volumes.yaml']);
    assert.is(applied.code, 0, applied.stderr);
    // The same user may not touch another cluster's stream.
    const other = await pvsim('.unused', [...as(cli, 'other'), 'apply', '-f', 'examples/static/01-volumes.yaml']);
    assert.is(other.code, 1);
    assert.match(other.stderr, /^error: .*[Pp]ermission/);
    // A seed the server does not know is refused at connect, in one line.
    const stranger = user('stranger');
    const refused = await pvsim('.unused', [...as(stranger, 'demo'), 'get', 'pv']);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /^error: cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: Authorization Violation\n$/);
    const missing = await pvsim('.unused', ['--nats', server.url, '--nats-nkey', join(dir, 'nope.nk'), '--cluster', 'demo', 'get', 'pv']);
    assert.is(missing.code, 1);
    assert.match(missing.stderr, /--nats-nkey \S+nope\.nk: cannot read it \(ENOENT\)\n$/);
  } finally {
    await server.stop();
  }
});

test('TLS: with --nats-tls-ca the client trusts the server\'s certificate; without it the connection is refused', async () => {
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=pvsim test CA']);
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext']);
  writeFileSync(join(dir, 'tls.conf'), `tls { cert_file: "${join(dir, 'server.pem')}", key_file: "${join(dir, 'server.key')}" }\n`);
  const server = await startNatsServer({ args: ['-c', join(dir, 'tls.conf')] });
  try {
    const trusted = await pvsim('.unused', ['--nats', server.url, '--nats-tls-ca', join(dir, 'ca.pem'), '--cluster', 'tls', 'apply', '-f', 'examples/static/01-volumes.yaml']);
    assert.is(trusted.code, 0, trusted.stderr);
    const untrusted = await pvsim('.unused', ['--nats', server.url, '--cluster', 'tls', 'get', 'pv']);
    assert.is(untrusted.code, 1);
    assert.match(untrusted.stderr, /^error: cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: /);
  } finally {
    await server.stop();
  }
});

test.run();
