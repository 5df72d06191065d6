/**
 * Design: a user nkey for a server's authorization config (its public key) and a pvsim process's
 * `--nats-nkey` file (its seed) — what `nsc`/`nk -gen user` make, without another tool. Used by
 * the authorization tests and the how-to (docs/how-to/secure-nats.md).
 */
import { nkeys } from '@nats-io/transport-node';

export function createUserNkey(): { publicKey: string; seed: string } {
  const kp = nkeys.createUser();
  return { publicKey: kp.getPublicKey(), seed: new TextDecoder().decode(kp.getSeed()) };
}
