import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDevCa, devCertFiles, issueLeaf, writeDevCerts, type CertAndKey } from './dev-certs.js';
import { spiffeIdOf } from './tls.js';

let ca: CertAndKey;
let leaf: CertAndKey;
beforeAll(async () => {
  ca = await createDevCa();
  leaf = await issueLeaf(ca, { service: 'agent-research', dnsNames: ['research'] });
});

describe('dev certificates', () => {
  it('makes a self-signed CA with CA:true, keyCertSign and no digitalSignature', () => {
    const c = new X509Certificate(ca.cert);
    expect(c.ca).toBe(true);
    expect(c.verify(c.publicKey)).toBe(true);
    expect(c.checkIssued(c)).toBe(true);
    expect(c.keyUsage ?? []).not.toContain('1.3.6.1.5.5.7.3.2');
    expect(c.subjectAltName).toBeUndefined();
  });

  it('issues a leaf whose chain verifies against the CA, CA:false, EC P-256, server and client auth', () => {
    const c = new X509Certificate(leaf.cert);
    const root = new X509Certificate(ca.cert);
    expect(c.ca).toBe(false);
    expect(c.checkIssued(root)).toBe(true);
    expect(c.verify(root.publicKey)).toBe(true);
    expect(c.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(c.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(c.checkPrivateKey(createPrivateKey(leaf.key))).toBe(true);
  });

  it('gives the leaf exactly one URI SAN, its SPIFFE id, besides localhost, its service name and 127.0.0.1', () => {
    const san = new X509Certificate(leaf.cert).subjectAltName!;
    expect(san.match(/URI:/g)).toHaveLength(1);
    expect(spiffeIdOf({ subjectaltname: san })).toBe('spiffe://baton.local/agent-research');
    expect(san).toContain('DNS:localhost');
    expect(san).toContain('DNS:research');
    expect(san).toContain('IP Address:127.0.0.1');
  });

  it('does not verify a leaf against another CA', async () => {
    const other = await createDevCa({ commonName: 'Other CA' });
    const c = new X509Certificate(leaf.cert);
    expect(c.verify(new X509Certificate(other.cert).publicKey)).toBe(false);
  });

  it('writes the CA and one pair per service with 0600 keys, and keeps them on the next run unless forced', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-certs-'));
    try {
      const first = await writeDevCerts({ dir, services: { workflow: ['workflow'], 'agent-writer': ['writer'] } });
      expect(first.written.map((f) => path.basename(f)).sort()).toEqual(
        ['agent-writer-key.pem', 'agent-writer.pem', 'ca-key.pem', 'ca.pem', 'workflow-key.pem', 'workflow.pem'].sort(),
      );
      const files = devCertFiles(dir, 'workflow');
      expect(statSync(files.key).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(dir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
      const wf = new X509Certificate(readFileSync(files.cert));
      expect(wf.verify(new X509Certificate(readFileSync(files.ca)).publicKey)).toBe(true);
      expect(spiffeIdOf({ subjectaltname: wf.subjectAltName })).toBe('spiffe://baton.local/workflow');

      const again = await writeDevCerts({ dir, services: { workflow: ['workflow'], 'agent-writer': ['writer'] } });
      expect(again.written).toEqual([]);
      const forced = await writeDevCerts({ dir, force: true, services: { workflow: ['workflow'] } });
      expect(forced.written).toHaveLength(4);
      expect(readFileSync(files.cert, 'utf8')).not.toBe(wf.toString());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
