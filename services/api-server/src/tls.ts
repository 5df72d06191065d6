/**
 * Design: the certificates `pvsim serve --api --tls` serves with — a throwaway self-signed CA and a
 * serving certificate it signs for 127.0.0.1, ::1 and localhost (and the listen address), made by
 * the `selfsigned` library (WebCrypto underneath). Keys are random and the validity starts at the
 * wall clock: this is composition-root code, called only where the server starts. The CA goes
 * into the kubeconfig as certificate-authority-data, so kubectl and client-node verify the server
 * without skipping TLS verification.
 */
import { isIP } from 'node:net';

export interface ServingCertificates {
  /** PEM of the CA that signed `cert` (what clients trust). */
  caCert: string;
  /** PEM of the serving certificate and its private key. */
  cert: string;
  key: string;
}

/** How long the generated certificates are valid (a year, as kubeadm's serving certificates). */
const VALID_DAYS = 365;

/** A fresh CA and a serving certificate for loopback and `host`; `nowMs` is the wall clock. */
export async function createServingCertificates(host: string, nowMs: number): Promise<ServingCertificates> {
  // Loaded here, not at the top: evaluating selfsigned and its X.509 libraries took ≈ 60 ms of the
  // ≈ 0.4 s every pvsim process spends starting, and only `serve --api --tls` needs them.
  const { generate } = await import('selfsigned');
  const notBeforeDate = new Date(nowMs - 60_000);
  const notAfterDate = new Date(nowMs + VALID_DAYS * 86_400_000);
  const common = { keyType: 'ec' as const, curve: 'P-256' as const, algorithm: 'sha256', notBeforeDate, notAfterDate };
  const ca = await generate([{ name: 'commonName', value: 'pvsim-ca' }], {
    ...common,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const ips = new Set(['127.0.0.1', '::1']);
  const dns = new Set(['localhost']);
  if (host && host !== '0.0.0.0' && host !== '::') (isIP(host) ? ips : dns).add(host);
  const serving = await generate([{ name: 'commonName', value: 'pvsim-apiserver' }], {
    ...common,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...[...dns].map((value) => ({ type: 2 as const, value })), ...[...ips].map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  return { caCert: ca.cert, cert: serving.cert, key: serving.private };
}
