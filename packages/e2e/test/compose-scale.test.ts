// docker-compose.scale.yml (two workflow replicas on Postgres and Redis behind nginx), parsed and
// checked against docker-compose.yml and the contract, and its nginx.conf checked by Debian's nginx:
// `nginx -t`, then the real nginx in front of two stub replicas (streams unbuffered, Last-Event-ID
// passed, requests spread over both, a POST never sent to a second replica).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TOPOLOGY, envSchemaOf } from '@baton/contract';
import { envOf, readCompose, type ComposeFile, type ComposeService } from './compose-checks.js';
import { freePort, ROOT } from './stack.js';

const base = readCompose(path.join(ROOT, 'docker-compose.yml'));
const scale = readCompose(path.join(ROOT, 'docker-compose.scale.yml')) as ComposeFile & {
  services: Record<string, ComposeService & { profiles?: string[]; image?: string; user?: string; read_only?: boolean }>;
};
const NGINX_CONF = path.join(ROOT, 'deploy/compose/nginx.conf');
const REPLICAS = ['workflow', 'workflow-2'];

/** The workflow's environment in scale mode: docker-compose.yml's, then the override's. */
const merged = (name: string) => ({ ...(name === 'workflow' ? envOf(base.services.workflow!) : {}), ...envOf(scale.services[name]!) });

describe('docker-compose.scale.yml', () => {
  it('adds postgres, redis, a second workflow replica and a proxy, all in the scale profile', () => {
    const added = Object.keys(scale.services).filter((n) => !base.services[n]);
    expect(added.sort()).toEqual(['postgres', 'proxy', 'redis', 'workflow-2']);
    for (const n of added) expect([n, scale.services[n]!.profiles]).toEqual([n, ['scale']]);
    for (const n of added) expect([n, Boolean(scale.services[n]!.healthcheck?.test)]).toEqual([n, true]);
  });

  it.each(REPLICAS)('gives %s only declared variables and a valid config, on Postgres and Redis', (name) => {
    const env = merged(name);
    const schema = envSchemaOf(TOPOLOGY.workflow.name)!;
    const declared = new Set(Object.keys(schema.shape));
    expect(Object.keys(env).filter((k) => !declared.has(k))).toEqual([]);
    const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([k]) => declared.has(k))));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    const pg = envOf(scale.services.postgres!);
    expect(env.DATABASE_URL).toBe(`postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
  });

  it('runs both replicas from the same image with the same environment, the second one unpublished', () => {
    expect(merged('workflow-2')).toEqual(merged('workflow'));
    expect(scale.services['workflow-2']!.build).toEqual(base.services.workflow!.build);
    expect(scale.services['workflow-2']!.ports).toBeUndefined();
    expect(scale.services['workflow-2']!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${TOPOLOGY.workflow.port}/healthz`);
  });

  it('starts each replica after the issuer, the agents, Postgres and Redis are healthy, and the proxy after both replicas', () => {
    const deps = ['issuer', 'research', 'writer', 'reviewer', 'postgres', 'redis'];
    for (const n of REPLICAS) expect(Object.keys(scale.services[n]!.depends_on ?? {}).sort()).toEqual(deps.sort());
    expect(scale.services.proxy!.depends_on).toEqual({
      workflow: { condition: 'service_healthy' },
      'workflow-2': { condition: 'service_healthy' },
    });
  });

  it('publishes the proxy on loopback 8080, unprivileged, read-only, with its config mounted read-only', () => {
    const p = scale.services.proxy!;
    expect(p.ports).toEqual(['${BATON_PUBLISH_HOST:-127.0.0.1}:8080:8080']);
    expect(p.user).not.toMatch(/^0?(:|$)|^root/);
    expect(p.read_only).toBe(true);
    expect(p.volumes).toEqual(['./deploy/compose/nginx.conf:/etc/nginx/nginx.conf:ro']);
  });

  it("balances exactly the replicas' service names and ports in nginx.conf, streams unbuffered, passes Last-Event-ID", () => {
    const conf = readFileSync(NGINX_CONF, 'utf8');
    const upstream = /upstream workflow_replicas \{([^}]*)\}/.exec(conf)![1]!;
    expect([...upstream.matchAll(/server ([\w-]+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`)).toEqual(
      REPLICAS.map((n) => `${n}:${TOPOLOGY.workflow.port}`),
    );
    const lines = conf.split('\n').map((l) => l.trim());
    for (const directive of [
      'proxy_buffering off;',
      'proxy_read_timeout 1h;',
      'proxy_set_header Last-Event-ID $http_last_event_id;',
      'listen 8080;',
    ])
      expect(lines).toContain(directive);
    expect(conf).not.toContain('non_idempotent');
  });
});

// -------------------------------------------------------------------------------------------------
// The real nginx

const NGINX = ['/usr/sbin/nginx', ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'nginx'))].find((p) =>
  existsSync(p),
);
if (!NGINX) {
  if (process.env.CI === 'true') throw new Error('nginx is required under CI (.ci/run installs nginx-light)');
  console.warn('SKIP nginx checks of deploy/compose/nginx.conf: nginx is not installed (Debian: apt-get install nginx-light)');
}
const describeNginx = NGINX ? describe : describe.skip;

/**
 * nginx.conf with what only compose has swapped for this machine: the replicas' service names (nginx
 * resolves them at load, and compose's DNS is not here) for 127.0.0.1 ports, the listen port, and
 * /tmp for a directory of the test's.
 */
function localConf(dir: string, listen: number, replicaPorts: number[]): string {
  let conf = readFileSync(NGINX_CONF, 'utf8');
  REPLICAS.forEach((n, i) => (conf = conf.replace(`server ${n}:${TOPOLOGY.workflow.port} `, `server 127.0.0.1:${replicaPorts[i]} `)));
  return conf.replace('listen 8080;', `listen 127.0.0.1:${listen};`).replaceAll(' /tmp/', ` ${dir}/`);
}

describeNginx('deploy/compose/nginx.conf under Debian nginx', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-nginx-'));
  chmodSync(dir, 0o755); // nginx's workers run as nobody when the test runs as root
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes `nginx -t`', () => {
    writeFileSync(path.join(dir, 'nginx.conf'), localConf(dir, 18080, [13000, 13001]));
    // throws with nginx's message when the test fails; stdout is /dev/null (the access log opens /dev/stdout)
    const test = () =>
      execFileSync(NGINX!, ['-t', '-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    expect(test).not.toThrow();
    // and it can fail: the file as committed names hosts only compose resolves
    writeFileSync(path.join(dir, 'nginx.conf'), readFileSync(NGINX_CONF, 'utf8').replaceAll(' /tmp/', ` ${dir}/`));
    expect(test).toThrow(/host not found in upstream "workflow:3000"/);
  });

  describe('in front of two stub replicas', () => {
    const seen: Array<{ replica: number; method: string; url: string; lastEventId?: string }> = [];
    let release: (() => void) | undefined;
    const replicas: http.Server[] = [0, 1].map((replica) =>
      http.createServer((req, res) => {
        seen.push({ replica, method: req.method!, url: req.url!, lastEventId: req.headers['last-event-id'] as string | undefined });
        if (req.method === 'POST') return req.socket.destroy(); // a replica that dies mid-request
        if (req.url === '/stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('id: 1\nevent: data\ndata: "first"\n\n');
          release = () => res.end('id: 2\nevent: data\ndata: "second"\n\n');
          return;
        }
        res.end(String(replica));
      }),
    );
    let nginx: ChildProcess;
    let url: string;

    beforeAll(async () => {
      await Promise.all(replicas.map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
      const listen = await freePort();
      const ports = replicas.map((s) => (s.address() as AddressInfo).port);
      mkdirSync(path.join(dir, 'run'), { recursive: true, mode: 0o777 });
      writeFileSync(path.join(dir, 'run', 'nginx.conf'), localConf(path.join(dir, 'run'), listen, ports));
      nginx = spawn(NGINX!, ['-p', `${dir}/run/`, '-c', path.join(dir, 'run', 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'], {
        stdio: 'ignore',
      });
      url = `http://127.0.0.1:${listen}`;
      for (;;) {
        const up = await fetch(`${url}/nginx-health`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    afterAll(async () => {
      nginx?.kill('SIGTERM');
      await Promise.all(replicas.map((s) => new Promise((r) => s.close(r))));
    });

    it('spreads requests over both replicas', async () => {
      const answers = new Set<string>();
      for (let i = 0; i < 4; i++) answers.add(await (await fetch(`${url}/workflow/x`)).text());
      expect([...answers].sort()).toEqual(['0', '1']);
    });

    it('delivers a stream event while the replica still holds the stream open, and passes Last-Event-ID', async () => {
      const res = await fetch(`${url}/stream`, { headers: { 'last-event-id': 'run-1:7' } });
      const reader = res.body!.getReader();
      // the first event arrives although the replica has not finished: nothing buffers it
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toContain('data: "first"');
      release!();
      let rest = '';
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
      expect(rest).toContain('data: "second"');
      expect(seen.filter((s) => s.url === '/stream').map((s) => s.lastEventId)).toEqual(['run-1:7']);
    });

    it('never sends a POST that reached one replica to the other', async () => {
      const before = seen.length;
      const res = await fetch(`${url}/workflow/invoke`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(502);
      expect(seen.slice(before).filter((s) => s.method === 'POST')).toHaveLength(1);
    });
  });
});
