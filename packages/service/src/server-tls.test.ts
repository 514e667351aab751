import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import { allowPeers, clientTlsOptions, peerSpiffeId, serverTlsOptions, type TlsMaterial } from '@baton/mtls';
import { createDevCa, issueLeaf, type CertAndKey } from '@baton/mtls/dev-certs';
import { spiffeId } from '@baton/contract';
import { listen } from './server.js';

const material = (leaf: CertAndKey, ca: CertAndKey): TlsMaterial => ({
  cert: Buffer.from(leaf.cert),
  key: Buffer.from(leaf.key),
  ca: Buffer.from(ca.cert),
  id: undefined,
});

/** What a client sees when the server refuses its certificate (TLS 1.3: an alert after its Finished). */
const HANDSHAKE_REFUSED = /alert|certificate|ECONNRESET|socket hang up/i;

let ca: CertAndKey;
let server: Server;
let port: number;
/** The same server with a connection-level allow-list (the workflow only). */
let gated: Server;
let gatedPort: number;
const gatedRequests: string[] = [];
const gatedLogs: Array<{ obj: object; msg?: string | undefined }> = [];
const leaves: Record<string, CertAndKey> = {};

beforeAll(async () => {
  ca = await createDevCa();
  for (const s of ['agent-research', 'workflow', 'agent-writer']) leaves[s] = await issueLeaf(ca, { service: s });
  server = (await listen(
    (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ peer: peerSpiffeId(req.socket) ?? null }));
    },
    { port: 0, host: '127.0.0.1', tls: serverTlsOptions(material(leaves['agent-research']!, ca)) },
  )) as Server;
  port = (server.address() as AddressInfo).port;
  gated = (await listen(
    (req, res) => {
      gatedRequests.push(peerSpiffeId(req.socket) ?? '(none)');
      res.end('ok');
    },
    {
      port: 0,
      host: '127.0.0.1',
      tls: serverTlsOptions(material(leaves['agent-research']!, ca), { allowPeer: allowPeers([spiffeId('workflow')]) }),
      logger: { warn: (obj, msg) => gatedLogs.push({ obj, msg }) },
    },
  )) as Server;
  gatedPort = (gated.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of [server, gated]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** GET / over TLS with the given client options; resolves the JSON body or rejects (handshake refused). */
function get(options: https.RequestOptions): Promise<{ status: number; body: { peer: string | null } }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/', method: 'GET', agent: false, ...options }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as { peer: string | null } }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('mutual TLS server', () => {
  it('serves a client with a CA-signed certificate over TLS 1.3 and exposes its SPIFFE id', async () => {
    const res = await get(clientTlsOptions(material(leaves.workflow!, ca), spiffeId('agent-research')));
    expect(res).toEqual({ status: 200, body: { peer: 'spiffe://baton.local/workflow' } });
  });

  it('refuses a client without a certificate in the handshake', async () => {
    await expect(get({ ca: ca.cert })).rejects.toThrow(HANDSHAKE_REFUSED);
  });

  it('refuses a client whose certificate comes from another CA', async () => {
    const other = await createDevCa({ commonName: 'Other CA' });
    const stranger = await issueLeaf(other, { service: 'workflow' });
    await expect(get({ ca: ca.cert, cert: stranger.cert, key: stranger.key })).rejects.toThrow(HANDSHAKE_REFUSED);
  });

  it('refuses the CA certificate presented as a client certificate', async () => {
    await expect(get({ ca: ca.cert, cert: ca.cert, key: ca.key })).rejects.toThrow(HANDSHAKE_REFUSED);
  });

  it('refuses TLS 1.2', async () => {
    const wf = leaves.workflow!;
    await expect(get({ ca: ca.cert, cert: wf.cert, key: wf.key, maxVersion: 'TLSv1.2' })).rejects.toThrow(HANDSHAKE_REFUSED);
  });

  it('makes the client refuse a server whose SPIFFE id is not the expected one', async () => {
    await expect(get(clientTlsOptions(material(leaves.workflow!, ca), spiffeId('agent-writer')))).rejects.toThrow(
      /not the expected spiffe:\/\/baton.local\/agent-writer/,
    );
  });
});

/**
 * One GET to the gated server: whether the client finished its handshake (`secureConnect`), and
 * then either the HTTP status or the error that ended the connection.
 */
function attempt(options: https.RequestOptions): Promise<{ handshake: boolean; status?: number; error?: string }> {
  return new Promise((resolve) => {
    let handshake = false;
    const req = https.request({ host: '127.0.0.1', port: gatedPort, path: '/', method: 'GET', agent: false, ...options }, (res) => {
      res.resume();
      res.on('end', () => resolve({ handshake, status: res.statusCode! }));
    });
    req.on('socket', (socket) => socket.once('secureConnect', () => (handshake = true)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ handshake, error: err.code ?? err.message }));
    req.end();
  });
}

describe('connection-level peer allow-list (allowPeer)', () => {
  it('serves an allowed peer', async () => {
    expect(await attempt(clientTlsOptions(material(leaves.workflow!, ca), spiffeId('agent-research')))).toEqual({
      handshake: true,
      status: 200,
    });
    expect(gatedRequests).toEqual(['spiffe://baton.local/workflow']);
  });

  it('closes the connection of a CA-signed peer that is not allowed right after the handshake, before any HTTP exchange, logging one deny line', async () => {
    const before = gatedRequests.length;
    gatedLogs.length = 0;
    const res = await attempt(clientTlsOptions(material(leaves['agent-writer']!, ca), spiffeId('agent-research')));
    expect(res).toEqual({ handshake: true, error: expect.stringMatching(/ECONNRESET|socket hang up/i) });
    expect(res.status).toBeUndefined();
    expect(gatedRequests.length).toBe(before);
    expect(gatedLogs).toEqual([
      { obj: { peer: 'spiffe://baton.local/agent-writer', reason: 'AUTH_PEER_NOT_ALLOWED' }, msg: 'peer refused at connection' },
    ]);
  });

  it('still refuses in the handshake a client without a certificate (allowPeer is never asked)', async () => {
    gatedLogs.length = 0;
    const res = await attempt({ ca: ca.cert });
    expect(res.status).toBeUndefined();
    expect(res.error).toMatch(HANDSHAKE_REFUSED);
    expect(gatedLogs).toEqual([]);
  });
});
