/*
 * The backend of bench/frontendKubernetes.mjs: the real catalog (reading the
 * bench's entities), the real kubernetes backend plugin pointed at the test
 * bed exactly as the Kubernetes tests point it (testbedBackendConfig), and
 * memleak. Like the dev backend, requests without a token count as a guest
 * user; never run this as a production backend.
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs \
 *     bench/frontendKubernetes/backend.ts WORK_DIR PORT
 *
 * WORK_DIR gets the catalog file and the config; WORK_DIR/db is the
 * database directory (seed.ts writes the memleak store there first).
 */
import { createBackend } from '@backstage/backend-defaults';
import { rootConfigServiceFactory } from '@backstage/backend-defaults/rootConfig';
import fs from 'node:fs';
import path from 'node:path';
import {
  testbed,
  testbedBackendConfig,
} from '../../plugins/memleak-backend/src/__testUtils__/testbed';
import { guestAuthServices } from '../../plugins/memleak-backend/src/__testUtils__/guestAuth';
import { benchEntities } from './entities';

async function main() {
  const [workDir, port] = process.argv.slice(2);
  if (!workDir || !port) throw new Error('usage: backend.ts WORK_DIR PORT');
  const cfg = testbedBackendConfig(await testbed());
  const catalogFile = path.resolve(workDir, 'catalog.yaml');
  fs.writeFileSync(
    catalogFile,
    benchEntities()
      .map(e => JSON.stringify(e.entity))
      .join('\n---\n'),
  );
  const config = {
    backend: {
      baseUrl: `http://localhost:${port}`,
      listen: { port: Number(port) },
      server: cfg.backendServer,
      database: {
        client: 'better-sqlite3',
        connection: { directory: path.resolve(workDir, 'db') },
      },
    },
    catalog: {
      rules: [{ allow: ['Component', 'Group', 'User', 'Location'] }],
      locations: [{ type: 'file', target: catalogFile }],
    },
    kubernetes: cfg.kubernetes,
    memleak: { kubernetes: cfg.memleakKubernetes },
  };
  const configFile = path.resolve(workDir, 'app-config.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));

  const backend = createBackend();
  backend.add(
    rootConfigServiceFactory({ argv: ['--config', configFile], watch: false }),
  );
  for (const service of guestAuthServices()) backend.add(service);
  backend.add(import('@backstage/plugin-catalog-backend'));
  backend.add(import('@backstage/plugin-kubernetes-backend'));
  backend.add(import('../../plugins/memleak-backend/src'));
  await backend.start();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
