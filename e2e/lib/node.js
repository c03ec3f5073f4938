// Starts a real `dimo-node` process for a test file and connects @polkadot/api to it.
//
// Every daemon listens on 127.0.0.1 only, on ports the OS picks, with mDNS off: a test never
// sends a packet to another address. The node is killed when the test file ends, whether its
// tests passed or not, and also if the test process itself exits early.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, createWriteStream, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

/** The node binary: $DIMO_NODE, or the debug build in the target folder scripts/build.sh uses. */
export function nodeBinary() {
  if (process.env.DIMO_NODE) return process.env.DIMO_NODE;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'dimo-chain', 'target');
  return join(target, 'debug', 'dimo-node');
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `dimo-node --dev` (or `--chain <chain> --<validator>`, a full node if `validator` is null,
 * of the dev chain too) with `--tmp` (or `--base-path basePath`,
 * which outlives the process: a restart finds its chain, keystore and offchain storage) and waits
 * until its JSON-RPC answers. `env` adds to the node's environment. `rpcCors` is `--rpc-cors`
 * (`all` unless a test checks browser origins).
 * Returns { api, rpcUrl, p2pPort, prometheusUrl, logFile, child, stop }.
 */
export async function startNode({ chain = 'dev', validator = 'alice', extraArgs = [], readyTimeoutMs = 180_000, basePath = null, env = {}, rpcCors = 'all' } = {}) {
  const [rpcPort, p2pPort, prometheusPort] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'dimo-e2e-'));
  const logFile = join(dir, 'node.log');
  const log = createWriteStream(logFile);
  const args = [
    // `--dev` is `--chain dev --alice --force-authoring` with a throw-away network key.
    // Another chain: the dev validator named by `validator` (its keys go into the keystore), or
    // a full node if `validator` is null.
    // A full node of the dev chain (`validator` null) is `--chain dev` without an authority key.
    ...(chain === 'dev' && validator ? ['--dev'] : ['--chain', chain, ...(validator ? [`--${validator}`] : []), '--unsafe-force-node-key-generation']),
    ...(basePath ? ['--base-path', basePath] : ['--tmp']),
    '--rpc-port', String(rpcPort),
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--prometheus-port', String(prometheusPort),
    '--no-mdns', '--no-telemetry',
    '--rpc-cors', rpcCors,
    ...extraArgs,
  ];
  const child = spawn(nodeBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  live.add(child);
  // Both into one file: neither may end it (the other may still write), the child's exit does.
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.on('close', () => log.end());
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; live.delete(child); });
  const gone = new Promise((resolve) => child.once('exit', () => resolve()));

  const rpcUrl = `ws://127.0.0.1:${rpcPort}`;
  const deadline = Date.now() + readyTimeoutMs;
  // Wait for the RPC port to accept connections before @polkadot/api tries (it would retry
  // forever and print an error each second).
  for (;;) {
    if (exited) throw new Error(`dimo-node exited early (${JSON.stringify(exited)}):\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dimo-node did not open its RPC port within ${readyTimeoutMs} ms:\n${tail(logFile)}`);
    }
    if (await rpcAnswers(rpcPort)) break;
    await sleep(250);
  }
  const provider = new WsProvider(rpcUrl, false);
  await provider.connect();
  const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });

  const stop = async () => {
    await api.disconnect().catch(() => {});
    if (!exited) {
      child.kill('SIGINT');
      const ended = await Promise.race([gone.then(() => true), sleep(10_000).then(() => false)]);
      if (!ended) {
        child.kill('SIGKILL');
        await gone;
      }
    }
    if (process.env.KEEP_NODE_LOGS) console.log(`node log kept at ${logFile}`);
    else rmSync(dir, { recursive: true, force: true });
  };
  // SIGKILL, as a crash: resolves once the process is gone, so that its database lock and ports
  // are free for a node restarted on the same base path. Leaves the log (`stop` removes it).
  const kill = async () => {
    if (!exited) child.kill('SIGKILL');
    await gone;
    await api.disconnect().catch(() => {});
  };
  return { api, rpcUrl, p2pPort, prometheusUrl: `http://127.0.0.1:${prometheusPort}/metrics`, logFile, child, stop, kill };
}

/** Does a JSON-RPC request over HTTP on this port get an answer? */
async function rpcAnswers(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'system_health', params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** Resolves with the first match of `pattern` in the node's log, polling the file until `timeoutMs`. */
export async function waitForLog(logFile, pattern, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readFileSync(logFile, 'utf8').match(pattern);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the node log within ${timeoutMs} ms:\n${tail(logFile)}`);
    await sleep(500);
  }
}

/**
 * Kills `node` (SIGKILL) as soon as its log has one more line matching `pattern` (global) than
 * when called, and resolves with the time of the kill once the process is gone (its database
 * lock released).
 */
export async function killAfterNextLog(node, pattern, timeoutMs = 120_000) {
  const count = () => (readFileSync(node.logFile, 'utf8').match(pattern) ?? []).length;
  const before = count();
  const deadline = Date.now() + timeoutMs;
  while (count() === before) {
    if (Date.now() > deadline) throw new Error(`no new ${pattern} in the node log within ${timeoutMs} ms:\n${tail(node.logFile)}`);
    await sleep(100);
  }
  const killedAt = Date.now();
  await node.kill();
  return killedAt;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Signs and sends `tx` and resolves once it is in a block, with the events it emitted and the
 * block hash. Rejects if the pool refuses it or `timeoutMs` passes.
 */
export function sendAndWaitInBlock(tx, signer, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    let unsub = () => {};
    const timer = setTimeout(() => { unsub(); reject(new Error('transaction not included in time')); }, timeoutMs);
    tx.signAndSend(signer, (result) => {
      if (result.isError || result.status.isInvalid || result.status.isDropped || result.status.isUsurped) {
        clearTimeout(timer);
        unsub();
        reject(new Error(`transaction ${result.status.type}`));
      } else if (result.status.isInBlock) {
        clearTimeout(timer);
        unsub();
        resolve({ blockHash: result.status.asInBlock, events: result.events, dispatchError: result.dispatchError });
      }
    }).then((u) => { unsub = u; }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/**
 * Calls a JSON-RPC method over HTTP on the node at `rpcUrl` (as curl would) and returns its
 * result; throws an Error carrying the JSON-RPC `code` and `data` if the node answers an error.
 */
export async function rpcCall(rpcUrl, method, params = []) {
  const res = await fetch(rpcUrl.replace(/^ws/, 'http'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await res.json();
  if (body.error) {
    const error = new Error(`${method}: ${body.error.message}`);
    error.code = body.error.code;
    error.data = body.error.data;
    throw error;
  }
  return body.result;
}

/** Resolves once the best block number is at least `n`. */
export function waitForBlock(api, n, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    let unsub = () => {};
    const timer = setTimeout(() => { unsub(); reject(new Error(`no block #${n} within ${timeoutMs} ms`)); }, timeoutMs);
    api.rpc.chain.subscribeNewHeads((header) => {
      if (header.number.toNumber() >= n) {
        clearTimeout(timer);
        unsub();
        resolve(header.number.toNumber());
      }
    }).then((u) => { unsub = u; }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/** The `section.name` of a failed extrinsic's module error, e.g. `dataAccess.NotOwnerOrAdmin`. */
export function moduleError(api, dispatchError) {
  if (!dispatchError) return null;
  if (!dispatchError.isModule) return dispatchError.toString();
  const { section, name } = api.registry.findMetaError(dispatchError.asModule);
  return `${section}.${name}`;
}

/** Sends `tx` signed by `signer`, asserts that it succeeded in its block and returns its events. */
export async function sendOk(api, tx, signer) {
  const { events, dispatchError } = await sendAndWaitInBlock(tx, signer);
  assert.equal(moduleError(api, dispatchError), null, `${tx.method.section}.${tx.method.method} failed`);
  return events;
}

/**
 * Sends `tx` signed by `signer`, asserts that it failed in its block and returns its error,
 * e.g. `issuance.NothingToClaim`.
 */
export async function sendFailing(api, tx, signer) {
  const { dispatchError } = await sendAndWaitInBlock(tx, signer);
  assert.ok(dispatchError, `${tx.method.section}.${tx.method.method} should have failed`);
  return moduleError(api, dispatchError);
}
