// The dimo-node command line, as an operator uses it: --help, chain specs by name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { u8aToHex } from '@polkadot/util';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, xxhashAsU8a } from '@polkadot/util-crypto';
import { request } from 'node:http';
import WebSocket from 'ws';
import { nodeBinary, startNode } from '../lib/node.js';

const run = promisify(execFile);

async function node(...args) {
  const { stdout } = await run(nodeBinary(), args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The raw storage key of a plain storage value: twox128(pallet) ++ twox128(item). */
function plainKey(pallet, item) {
  return u8aToHex(new Uint8Array([...xxhashAsU8a(pallet, 128), ...xxhashAsU8a(item, 128)]));
}

test('--help names the subcommands an operator needs', async () => {
  const help = await node('--help');
  for (const sub of ['key', 'build-spec', 'benchmark', 'purge-chain', 'export-chain-spec']) {
    assert.match(help, new RegExp(`^\\s+${sub}\\b`, 'm'), `--help lists ${sub}`);
  }
  assert.match(help, /--chain/);
  assert.match(help, /dimo-node --dev/);
});

for (const [chain, validators, sudo] of [['dev', 1, true], ['local', 4, false], ['testnet', 3, false]]) {
  test(`build-spec --chain ${chain}: properties, ${validators} validators, ${sudo ? 'sudo' : 'no sudo'}`, async () => {
    const spec = JSON.parse(await node('build-spec', '--chain', chain, '--raw'));
    assert.deepEqual(spec.properties, { ss58Format: 4242, tokenDecimals: 18, tokenSymbol: 'DIMO' });
    const top = spec.genesis.raw.top;
    const auraKey = plainKey('Aura', 'Authorities');
    assert.ok(top[auraKey], 'Aura authorities are set');
    // A SCALE Vec of 32-byte keys: a compact length prefix, then the keys.
    assert.equal((top[auraKey].length - 2 - 2) / 64, validators);
    const sudoKey = top[plainKey('Sudo', 'Key')];
    if (sudo) {
      await cryptoWaitReady();
      const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
      assert.equal(sudoKey, u8aToHex(alice.publicKey), 'Alice holds the sudo key');
    }
    else assert.equal(sudoKey, undefined, `${chain} has no sudo key`);
  });
}

test('a Live chain whose genesis gives power to the dev keys is refused unless the operator allows it', async () => {
  // The testnet preset carries //Alice, //Bob and //Charlie as placeholders.
  await assert.rejects(
    run(nodeBinary(), ['--chain', 'testnet', '--tmp', '--no-mdns', '--rpc-port', '0', '--port', '0'], { timeout: 60_000 }),
    (error) => {
      assert.notEqual(error.code, 0);
      assert.match(error.stderr, /well-known dev keys/);
      assert.match(error.stderr, /Aura authority, GRANDPA authority, validator account, session key, technical committee member/);
      assert.match(error.stderr, /--allow-dev-keys-on-live-chain/);
      return true;
    },
  );
});

test('a collector with a log filter that prints HTTP headers (tokens) is refused', async () => {
  await assert.rejects(
    run(nodeBinary(), ['--dev', '--tmp', '--collector-oem-host', 'localhost:7443', '-l', 'offchain-worker::http=debug'], { timeout: 60_000 }),
    (error) => {
      assert.match(error.stderr, /prints the headers of the collector's HTTP requests/);
      return true;
    },
  );
  // A host with a scheme is refused by the option's own check.
  await assert.rejects(
    run(nodeBinary(), ['--dev', '--tmp', '--collector-oem-host', 'https://localhost:7443'], { timeout: 60_000 }),
    (error) => /is not an OEM host/.test(error.stderr),
  );
});

// Substrate's default `--rpc-cors` (a node that is not `--dev`; scripts/dev.sh passes it too).
const DEFAULT_CORS = 'http://localhost:*,http://127.0.0.1:*,https://localhost:*,https://127.0.0.1:*,https://polkadot.js.org';

/**
 * Opens a WebSocket that sends `origin` as its Origin header, as a browser page at that origin
 * does. Resolves with { socket } once open, or { status } if the upgrade was refused.
 */
function openSocket(url, origin) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { origin });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (req, res) => {
      req.destroy();
      resolve({ status: res.statusCode });
    });
    socket.on('error', reject);
  });
}

/** One JSON-RPC call over an open socket: resolves with the answer ({ result } or { error }). */
function call(socket, method, params) {
  const id = Math.floor(Math.random() * 1e9);
  return new Promise((resolve) => {
    const onMessage = (data) => {
      const answer = JSON.parse(data.toString());
      if (answer.id !== id) return;
      socket.off('message', onMessage);
      resolve(answer);
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ id, jsonrpc: '2.0', method, params }));
  });
}

/** One JSON-RPC call over HTTP with this Origin: resolves with { status, body }. */
function post(url, origin, method, params) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method: 'POST', headers: { origin, 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }));
  });
}

test('a page from a foreign origin reaches none of the node RPC; Polkadot.js Apps and local pages do (--rpc-cors)', async () => {
  const node = await startNode({ rpcCors: DEFAULT_CORS });
  try {
    const held = () => node.api._rpcCore.provider.send('collector_vehicles', []);
    assert.deepEqual(await held(), []);
    // What a hostile page would do with the operator's node: write an OEM grant of its own.
    const grant = [7, 1, 'attacker-access-token', 'attacker-refresh-token', 0, 'ATTACKERVIN'];

    for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example']) {
      const { socket, status } = await openSocket(node.rpcUrl, origin);
      if (socket) {
        // Served: show what the page could do, then fail below.
        await call(socket, 'collector_setCredentials', grant);
        socket.close();
      }
      assert.equal(status, 403, `a WebSocket from ${origin} is refused at the upgrade`);
      const overHttp = await post(node.rpcUrl, origin, 'collector_setCredentials', grant);
      assert.equal(overHttp.status, 403, `an HTTP call from ${origin} is refused`);
      assert.match(overHttp.body, /Origin not allowed/);
    }
    assert.deepEqual(await held(), [], 'no page wrote a grant');

    for (const origin of ['https://polkadot.js.org', 'http://localhost:3000', 'http://127.0.0.1:8080']) {
      const { socket, status } = await openSocket(node.rpcUrl, origin);
      assert.ok(socket, `a WebSocket from ${origin} is served (refused with ${status})`);
      const health = await call(socket, 'system_health', []);
      assert.equal(typeof health.result?.isSyncing, 'boolean', `${origin} gets answers`);
      socket.close();
    }
    // The operator's own page on localhost may call the unsafe methods, as before.
    const { socket } = await openSocket(node.rpcUrl, 'http://localhost:3000');
    const written = await call(socket, 'collector_setCredentials', grant);
    assert.equal(written.error, undefined, JSON.stringify(written.error));
    assert.deepEqual(await held(), [7], 'a local page wrote the grant');
    socket.close();
  } finally {
    await node.stop();
  }
});
