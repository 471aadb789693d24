// Certificates the emulator (and the runner's loopback Azure DevOps) issue must load in Node/OpenSSL
// whatever their random serial is.
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as tls from 'node:tls';
import forge from 'node-forge';
import { positiveSerialNumber } from '../../emulator/src/ca';

function certificateWithSerial(serialHex: string): { certPem: string; keyPem: string } {
  const keyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = serialHex;
  cert.validity.notBefore = new Date();
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: 'serial test' }]);
  cert.setIssuer([{ name: 'commonName', value: 'serial test' }]);
  cert.sign(key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

describe('emulator: certificate serial numbers', () => {
  // Random bytes that start with a zero byte and then one below 0x80 are the case that once made
  // about one certificate in 256 unloadable ("asn1 encoding routines::illegal padding").
  for (const random of [Buffer.alloc(15, 0), Buffer.from('000dc1fb78704e368e83cc48f424ca', 'hex'), Buffer.alloc(15, 0xff)]) {
    it(`loads a certificate whose random serial bytes start ${random.subarray(0, 2).toString('hex')}`, () => {
      const { certPem, keyPem } = certificateWithSerial(positiveSerialNumber(random));
      assert.doesNotThrow(() => tls.createSecureContext({ cert: certPem, key: keyPem, ca: certPem }));
    });
  }
});
