// A loopback-only Arweave gateway for DIMO Chain's dev network and tests: arlocal (a local
// Arweave node: transactions, mining on request, a mint route for test tokens, GraphQL) with
// every server it opens bound to 127.0.0.1, never to another address.
//
//   node arlocal.mjs [port (1984)] [database folder (in memory)]
//
// Test routes: GET /mint/<address>/<winston> funds a wallet, GET /mine mines the pending
// transactions. State is in memory unless a folder is given.

import net from 'node:net';

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
const arlocal = new ArLocal(port, false, process.argv[3]);
await arlocal.start();
console.log(`arlocal listening on http://127.0.0.1:${port}`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => arlocal.stop().finally(() => process.exit(0)));
