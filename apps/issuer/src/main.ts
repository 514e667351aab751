// The issuer process: the only file with side effects.
import { randomBytes } from 'node:crypto';
import { runService } from '@baton/service';
import { createApp } from './app.js';
import { parseIssuerConfig, SERVICE } from './config.js';
import { devClientSecret, KeyStore } from './keys.js';
import { readClientKeys } from './client-assertion.js';
import { buildPolicy } from './policy.js';

await runService({
  name: SERVICE,
  loadConfig: (env) => parseIssuerConfig(env, process.cwd()),
  settings: (config) => ({
    port: config.port,
    host: config.host,
    logLevel: config.logLevel,
    tls: config.tls,
    http: config.http,
    relaxed: config.relaxed,
  }),
  createDeps: ({ config, logger }) => {
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
    const clientKeys = config.workflowClientKeysFile ? readClientKeys(config.workflowClientKeysFile) : [];
    if (config.workflowClientKeysFile)
      logger.info(
        { file: config.workflowClientKeysFile, kids: clientKeys.map((k) => k.kid) },
        'workflow client public keys (private_key_jwt)',
      );
    return { keys, policy: buildPolicy(config, secret, clientKeys) };
  },
  createApp: ({ keys, policy }, { config, logger }) => createApp({ config, keys, policy, logger }),
  // HTTPS when TLS_* are set; no client certificate is required of callers (users fetch dev tokens;
  // the workflow authenticates at the token endpoint with its client secret).
  serverTls: () => ({ requireClientCert: false }),
  listening: {
    fields: ({ context: { config, tls }, deps: { keys }, port }) => ({
      issuer: config.issuer,
      mode: config.mode,
      port,
      host: config.host,
      kid: keys.signingKey().kid,
      data_dir: config.dataDir,
      tls: tls ? { id: tls.id ?? null } : false,
    }),
  },
});
