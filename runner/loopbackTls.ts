// TLS for the runner's loopback stand-in for Azure DevOps. Azure SDKs refuse plain-http token
// endpoints (core-rest-pipeline's allowInsecureConnection), and Azure DevOps is served over
// HTTPS, so the OIDC endpoint is too: a short-lived self-signed certificate for 127.0.0.1, added
// to the CA bundle the agent trusts (Agent.CAInfo, NODE_EXTRA_CA_CERTS) for the run.
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { positiveSerialNumber } from '../emulator/src/ca';

export interface LoopbackCertificate {
  certPem: string;
  keyPem: string;
}

const DAY_MS = 24 * 3600 * 1000;

export function createLoopbackCertificate(now = Date.now()): LoopbackCertificate {
  // Native key generation: forge's pure-JS RSA takes seconds.
  const keyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = positiveSerialNumber();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + 2 * DAY_MS);
  // A name of its own per run: OpenSSL finds issuers by name, and a CA file may hold older ones.
  const name = [{ name: 'commonName', value: `Local pipeline runner ${cert.serialNumber.slice(1, 9)}` }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    // Self-signed and trusted directly, so it is its own CA.
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
