// A loopback-only Arweave gateway for DIMO Chain's dev network and tests: arlocal (a local
// Arweave node: transactions, mining on request, a mint route for test tokens, GraphQL) with
// every server it opens bound to 127.0.0.1, never to another address.
//
//   node arlocal.mjs [port (1984)] [state folder (a temporary one, removed on exit)]
//
// Test routes: GET /mint/<address>/<winston> funds a wallet, GET /mine mines the pending
// transactions. arlocal keeps its state (SQLite) and its request log (`./logs`) on disk: both go
// to the state folder, never into the work tree or node_modules.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const callbacks = args.filter((arg) => typeof arg === 'function');
  if (typeof args[0] === 'number' || typeof args[0] === 'string') return listen.call(this, Number(args[0]), '127.0.0.1', ...callbacks);
  if (args[0] && typeof args[0] === 'object') return listen.call(this, { ...args[0], host: '127.0.0.1' }, ...callbacks);
  return listen.call(this, 0, '127.0.0.1', ...callbacks);
};

// arlocal is CommonJS whose default export is the class.
const { default: { default: ArLocal } } = await import('arlocal');
const port = Number(process.argv[2] ?? 1984);
const given = process.argv[3];
const state = given ? resolve(given) : mkdtempSync(join(tmpdir(), 'dimo-arlocal-'));
mkdirSync(state, { recursive: true });
// arlocal appends its request log to ./logs.
process.chdir(state);
const arlocal = new ArLocal(port, false, join(state, 'db'), Boolean(given));
await arlocal.start();
console.log(`arlocal listening on http://127.0.0.1:${port} (state: ${state})`);
const stop = () => arlocal.stop().catch(() => {}).finally(() => {
  if (!given) rmSync(state, { recursive: true, force: true });
  process.exit(0);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, stop);
