// Child process of scripts/e2e/registry.mjs: runs Verdaccio's server on 127.0.0.1.
// Usage: node verdaccio-server.mjs <dir with node_modules/verdaccio> <config.yaml> <port>
// Verdaccio 6's CLI refuses Node < 22; its programmatic server runs on Node 20 as well.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, configPath, port] = process.argv.slice(2);
const require = createRequire(join(root, 'package.json'));
const entry = require.resolve('verdaccio').replace(/index\.js$/, 'index.mjs');
const { runServer } = await import(pathToFileURL(entry).href);
const app = await runServer(configPath);
const server = app.listen(Number(port), '127.0.0.1', () => {
  console.log(`verdaccio listening on http://127.0.0.1:${port}/`);
});
// storage is a throw-away folder: nothing to flush, so no waiting for keep-alive sockets
const stop = () => {
  server.closeAllConnections?.();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
