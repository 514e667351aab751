import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDevCa, issueLeaf, type CertAndKey } from './dev-certs.js';
import { allowPeers, peerSpiffeId, readTlsFiles, serverTlsOptions, spiffeIdOf, spiffeServerIdentity, type TlsMaterial } from './tls.js';
import { spiffeId } from '@baton/contract';

const material = (leaf: CertAndKey, ca: CertAndKey): TlsMaterial => ({
  cert: Buffer.from(leaf.cert),
  key: Buffer.from(leaf.key),
  ca: Buffer.from(ca.cert),
  id: undefined,
});

let ca: CertAndKey;
const leaves: Record<string, CertAndKey> = {};

beforeAll(async () => {
  ca = await createDevCa();
  leaves.workflow = await issueLeaf(ca, { service: 'workflow' });
});

describe('peer allow-list', () => {
  it('refuses to build an allow-list that is empty or holds something other than SPIFFE ids', () => {
    expect(() => allowPeers([])).toThrow(TypeError);
    expect(() => allowPeers(['workflow'])).toThrow(/not a SPIFFE id/);
    expect(allowPeers([spiffeId('workflow')])(undefined)).toBe(false);
    expect(() => serverTlsOptions(material(leaves.workflow!, ca), { requireClientCert: false, allowPeer: () => true })).toThrow(TypeError);
  });
});

describe('SPIFFE ids', () => {
  it('reads exactly one SPIFFE URI SAN, and nothing from none, two, or a non-SPIFFE URI', () => {
    expect(spiffeIdOf({ subjectaltname: 'URI:spiffe://baton.local/workflow, DNS:localhost' })).toBe('spiffe://baton.local/workflow');
    expect(spiffeIdOf({ subjectaltname: 'DNS:localhost' })).toBeUndefined();
    expect(spiffeIdOf({ subjectaltname: 'URI:spiffe://baton.local/a, URI:spiffe://baton.local/b' })).toBeUndefined();
    expect(spiffeIdOf({ subjectaltname: 'URI:https://baton.local/workflow' })).toBeUndefined();
    expect(spiffeIdOf(undefined)).toBeUndefined();
  });

  it('checks the server identity by SPIFFE id, not host name', () => {
    const check = spiffeServerIdentity('spiffe://baton.local/agent-writer');
    expect(check('anything', { subjectaltname: 'URI:spiffe://baton.local/agent-writer' } as never)).toBeUndefined();
    expect(check('writer', { subjectaltname: 'URI:spiffe://baton.local/agent-research, DNS:writer' } as never)).toBeInstanceOf(Error);
  });

  it('has no peer id on a plain or unverified socket', () => {
    expect(peerSpiffeId({})).toBeUndefined();
    expect(
      peerSpiffeId({ authorized: false, getPeerCertificate: () => ({ subjectaltname: 'URI:spiffe://baton.local/x' }) }),
    ).toBeUndefined();
  });
});

describe('readTlsFiles', () => {
  it('is off when no TLS variable is set', () => {
    expect(readTlsFiles({}, 'svc')).toBeUndefined();
  });

  it('names the missing variables when only some are set', () => {
    expect(() => readTlsFiles({ TLS_CERT_FILE: '/x.pem' }, 'svc')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        detail: {
          issues: expect.arrayContaining([
            expect.objectContaining({ variable: 'TLS_KEY_FILE' }),
            expect.objectContaining({ variable: 'TLS_CA_FILE' }),
          ]),
        },
      }),
    );
  });

  it("reads the three files and the certificate's SPIFFE id, and names an unreadable file", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-tls-'));
    try {
      const wf = leaves.workflow!;
      const files = {
        TLS_CERT_FILE: path.join(dir, 'c.pem'),
        TLS_KEY_FILE: path.join(dir, 'k.pem'),
        TLS_CA_FILE: path.join(dir, 'ca.pem'),
      };
      writeFileSync(files.TLS_CERT_FILE, wf.cert);
      writeFileSync(files.TLS_KEY_FILE, wf.key);
      writeFileSync(files.TLS_CA_FILE, ca.cert);
      expect(readTlsFiles(files, 'svc')).toMatchObject({ id: 'spiffe://baton.local/workflow', ca: Buffer.from(ca.cert) });
      expect(() => readTlsFiles({ ...files, TLS_CA_FILE: path.join(dir, 'missing.pem') }, 'svc')).toThrow(/TLS_CA_FILE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
