// The emulator's own certificate authority: a root persisted in the state directory (users trust it
// with NODE_EXTRA_CA_CERTS / REQUESTS_CA_BUNDLE) and one leaf for every emulated Azure hostname.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import forge from 'node-forge';

export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** The hostnames the TLS server answers for; wildcards cover every account and region. */
export const SERVED_HOSTNAMES = ['login.microsoftonline.com', 'management.azure.com', '*.blob.core.windows.net', '*.api.azureml.ms'];

const DAY_MS = 24 * 3600 * 1000;

/** An RSA key made by node's native crypto (forge's pure-JS key generation takes seconds). */
export function newRsaKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * A random certificate serial (hex, as node-forge takes it) that DER-encodes as a minimal positive
 * INTEGER whatever the random bytes are: a leading 0x01. A leading zero byte followed by a byte below
 * 0x80 is non-minimal, and OpenSSL refuses such a certificate with "asn1 ... illegal padding".
 */
export function positiveSerialNumber(random: Buffer = randomBytes(15)): string {
  return `01${random.toString('hex')}`;
}

function newCertificate(keyPem: string, subject: forge.pki.CertificateField[], issuer: forge.pki.CertificateField[], validDays: number): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = positiveSerialNumber();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + validDays * DAY_MS);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  return { cert, key };
}

/** A self-signed certificate; `isCa` makes it a root that may sign leaves. */
export function selfSignedCertificate(commonName: string, keyPem: string, isCa: boolean, validDays = 3650): string {
  const name = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'Azure ML emulator' }];
  const { cert, key } = newCertificate(keyPem, name, name, validDays);
  const extensions: object[] = [{ name: 'subjectKeyIdentifier' }];
  if (isCa) extensions.push({ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  cert.setExtensions(extensions);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A server certificate for `hostnames`, signed by the root. Strict verifiers (Python 3.13) need the key identifiers. */
export function issueServerCertificate(root: PemPair, hostnames: string[]): PemPair {
  const rootCert = forge.pki.certificateFromPem(root.certPem);
  const rootKey = forge.pki.privateKeyFromPem(root.keyPem);
  const keyPem = newRsaKeyPem();
  const { cert } = newCertificate(keyPem, [{ name: 'commonName', value: hostnames[0] }], rootCert.subject.attributes, 397);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hostnames.map((value) => ({ type: 2, value })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: rootCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(rootKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** Loads the root CA from `dir`, creating it on first use so a restarted emulator stays trusted. */
export function loadOrCreateRootCa(dir: string): PemPair & { certFile: string } {
  const certFile = path.join(dir, 'ca.pem');
  const keyFile = path.join(dir, 'ca-key.pem');
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    return { certPem: fs.readFileSync(certFile, 'utf8'), keyPem: fs.readFileSync(keyFile, 'utf8'), certFile };
  }
  fs.mkdirSync(dir, { recursive: true });
  const keyPem = newRsaKeyPem();
  const certPem = selfSignedCertificate('Azure ML emulator root CA', keyPem, true);
  fs.writeFileSync(keyFile, keyPem, { mode: 0o600 });
  fs.writeFileSync(certFile, certPem);
  return { certPem, keyPem, certFile };
}
