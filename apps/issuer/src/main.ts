import { randomBytes } from 'node:crypto';
import { createLogger, installShutdown, listen, loadTlsFiles, serverTlsOptions } from '@baton/service';
import { createApp } from './app.js';
import { loadIssuerConfig, SERVICE } from './config.js';
import { devClientSecret, KeyStore } from './keys.js';
import { buildPolicy } from './policy.js';

async function main(): Promise<void> {
  const config = loadIssuerConfig();
  const logger = createLogger({ service: SERVICE, level: config.logLevel });
  const keys = KeyStore.open(config.dataDir);
  let secret = config.workflowClientSecret;
  if (secret === undefined) {
    const dev = devClientSecret(config.dataDir, () => randomBytes(32).toString('base64url'));
    secret = dev.secret;
    logger.info(
      { file: dev.file, created: dev.created, client_id: config.workflowClientId },
      'development client secret (value in file, not logged)',
    );
  }
  const policy = buildPolicy(config, secret);
  const app = createApp({ config, keys, policy, logger });
  // HTTPS when TLS_* are set; no client certificate is required of callers (users fetch dev tokens;
  // the workflow authenticates at the token endpoint with its client secret).
  const tls = loadTlsFiles(config.tls, SERVICE);
  const server = await listen(app, {
    port: config.port,
    host: config.host,
    ...(tls ? { tls: serverTlsOptions(tls, { requireClientCert: false }) } : {}),
  });
  installShutdown(server, { logger });
  const addr = server.address();
  logger.info(
    {
      issuer: config.issuer,
      mode: config.mode,
      port: typeof addr === 'object' && addr ? addr.port : config.port,
      host: config.host,
      kid: keys.signingKey().kid,
      data_dir: config.dataDir,
      tls: tls ? { id: tls.id ?? null } : false,
    },
    'issuer listening',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`issuer: failed to start: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
