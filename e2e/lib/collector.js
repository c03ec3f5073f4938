// The collector's surroundings, as real processes: the OEM simulator (HTTPS with its own test CA),
// the dev IPFS node (js-ipfs with the kubo RPC API), and the trust bundle that makes dimo-node
// trust the simulator's CA through the same certificate checks it applies to a real OEM.
//
// Every process listens on 127.0.0.1 only and is killed when the test process exits.

import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, rpcCall, sleep } from './node.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * The kinds of OEM API the runtime knows, read from its metadata (the `OemApi` enum, the table of
 * primitives/src/oem.rs) in their order: each with the OEM id the dev genesis gives it (its place
 * + 1), its name (lowercase: the simulator's URL prefix, the adapters' and records' name) and its
 * variant (what `anchoring.setOemSource` takes). Nothing here lists the OEMs by hand.
 */
export function oemKinds(api) {
  const sourceType = api.tx.anchoring.setOemSource.meta.args[1].type.toString();
  return api.registry.createType(sourceType).api.defKeys.map((kind, index) => ({ oem: index + 1, name: kind.toLowerCase(), kind }));
}

/** The simulator binary: $DIMO_OEM_SIMULATOR, or the debug build that scripts/build.sh makes. */
export function simulatorBinary() {
  if (process.env.DIMO_OEM_SIMULATOR) return process.env.DIMO_OEM_SIMULATOR;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'dimo-chain', 'target');
  return join(target, 'debug', 'dimo-oem-simulator');
}

/** Makes a fresh CA and a localhost leaf in a new folder; returns the folder. */
export function genCerts(name) {
  const dir = mkdtempSync(join(tmpdir(), 'dimo-certs-'));
  execFileSync(simulatorBinary(), ['gen-certs', '--out', dir, '--name', name], { stdio: 'ignore' });
  return dir;
}

/**
 * The system's trust store plus `caFiles`, in one PEM file for dimo-node's SSL_CERT_FILE (which
 * rustls-native-certs, under sc-offchain's HTTP client, reads instead of the system store).
 */
export function trustBundle(caFiles) {
  const system = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'].find(existsSync);
  const parts = [system ? readFileSync(system, 'utf8') : '', ...caFiles.map((f) => readFileSync(f, 'utf8'))];
  const file = join(mkdtempSync(join(tmpdir(), 'dimo-trust-')), 'bundle.pem');
  writeFileSync(file, parts.join('\n'));
  return file;
}

/** Spawns `command`, logs to a file, resolves once `ready(line)` matches a stdout line. */
function spawnLogged(command, args, { env, ready, timeoutMs, name }) {
  const dir = mkdtempSync(join(tmpdir(), `dimo-${name}-`));
  const logFile = join(dir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  live.add(child);
  child.on('exit', () => live.delete(child));
  child.stderr.pipe(log);
  let buffered = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready in ${timeoutMs} ms: ${readFileSync(logFile, 'utf8')}`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${readFileSync(logFile, 'utf8')}`)));
    child.stdout.on('data', (chunk) => {
      log.write(chunk);
      buffered += chunk.toString();
      const match = buffered.split('\n').map(ready).find(Boolean);
      if (match && timer) {
        clearTimeout(timer);
        resolve({ child, match, logFile, dir });
      }
    });
  });
}

/** A JSON request over HTTPS that trusts `ca`; resolves with { status, body }. */
export function httpsJson(url, { method = 'GET', body, ca } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: data ? JSON.parse(data) : null });
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

/**
 * Starts `dimo-oem-simulator serve` with the certificates in `certsDir` on a free port.
 * Returns { port, url, ca, admin(method, path, body), log(), stop() }.
 */
export async function startSimulator({ certsDir, vehicles = 3, extraArgs = [] }) {
  const { child, match, logFile } = await spawnLogged(
    simulatorBinary(),
    ['serve', '--certs', certsDir, '--port', '0', '--vehicles', String(vehicles), ...extraArgs],
    { name: 'oem-simulator', ready: (line) => line.match(/listening on https:\/\/localhost:(\d+)/), timeoutMs: 10_000 },
  );
  const port = Number(match[1]);
  const ca = readFileSync(join(certsDir, 'ca.pem'));
  const url = `https://localhost:${port}`;
  return {
    port,
    url,
    ca,
    admin: async (method, path, body) => {
      const { status, body: answer } = await httpsJson(`${url}/admin/${path}`, { method, body, ca });
      if (status !== 200) throw new Error(`simulator /admin/${path}: ${status} ${JSON.stringify(answer)}`);
      return answer;
    },
    log: () => readFileSync(logFile, 'utf8'),
    stop: () => child.kill('SIGKILL'),
  };
}

/**
 * Starts the dev IPFS node (tools/ipfs-dev-node, installed by scripts/setup.sh) on a free port,
 * with a fresh repo, or on `port` and `repo` (a restart of one stopped). Returns
 * { apiUrl, port, repo, call(path, query, { body }), stop() }.
 */
export async function startIpfs({ port: onPort, repo: inRepo } = {}) {
  const port = onPort ?? await freePort();
  const repo = inRepo ?? mkdtempSync(join(tmpdir(), 'dimo-ipfs-'));
  const script = join(ROOT, 'tools', 'ipfs-dev-node', 'ipfs-dev-node.sh');
  const child = spawn(script, [], {
    stdio: 'ignore',
    env: { ...process.env, IPFS_PATH: join(repo, 'repo'), IPFS_API_PORT: String(port), IPFS_GW_PORT: '0' },
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  const apiUrl = `http://127.0.0.1:${port}`;
  const call = async (path, query = '', { timeoutMs = 20_000 } = {}) => {
    const res = await fetch(`${apiUrl}/api/v0/${path}?${query}`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the IPFS node exited (${child.exitCode})`);
    try {
      if ((await call('id', '', { timeoutMs: 2_000 })).status === 200) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('the IPFS node did not answer within 120 s');
    await sleep(500);
  }
  // stop() resolves once the node has exited (its repo lock released, for a restart on it).
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { apiUrl, port, repo, call, stop };
}

/**
 * Starts the dev Arweave gateway (tools/arweave-dev-gateway: arlocal, installed by
 * scripts/setup.sh) on `port` (a free one if not given), state in a temporary folder. Returns
 * { url, port, mint(address, winston), mine(), get(path), stop() }.
 */
export async function startArlocal({ port } = {}) {
  const gatewayPort = port ?? await freePort();
  const script = join(ROOT, 'tools', 'arweave-dev-gateway', 'arlocal.mjs');
  const { child } = await spawnLogged(process.execPath, [script, String(gatewayPort)], {
    name: 'arlocal', ready: (line) => line.includes('arlocal listening on'), timeoutMs: 60_000,
  });
  const url = `http://127.0.0.1:${gatewayPort}`;
  const get = async (path) => {
    const res = await fetch(`${url}/${path}`, { signal: AbortSignal.timeout(20_000) });
    return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
  const ok = async (path) => {
    const { status, bytes } = await get(path);
    if (status !== 200) throw new Error(`arlocal /${path}: ${status} ${new TextDecoder().decode(bytes)}`);
    return new TextDecoder().decode(bytes);
  };
  return {
    url,
    port: gatewayPort,
    get,
    mint: (address, winston) => ok(`mint/${address}/${winston}`),
    mine: () => ok('mine'),
    // SIGTERM lets it remove its state folder; SIGKILL if it takes more than 5 s.
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => { clearTimeout(timer); resolve(); });
      child.kill('SIGTERM');
    }),
  };
}

/**
 * A gateway in front of `upstream` (arlocal) on 127.0.0.1:`port`, for the collector to post to.
 * Honest, it passes every request on. Lying (`lie(true)`), it does what a hostile or broken
 * gateway could: takes the transactions posted (`POST /tx`: 200, kept in `swallowed`, never
 * passed on), reports every transaction mined with 100 confirmations, and serves other bytes
 * as any transaction's data. Returns { url, swallowed, lie(on), stop() }.
 */
export async function startLyingGateway({ port, upstream }) {
  const { createServer } = await import('node:http');
  const swallowed = new Set();
  let lying = false;
  const forged = Buffer.from('not the envelope that was posted').toString('base64url');
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const send = (status, text, type = 'text/plain') => {
        res.writeHead(status, { 'content-type': type });
        res.end(text);
      };
      if (lying && req.method === 'POST' && req.url === '/tx') {
        swallowed.add(JSON.parse(body.toString()).id);
        return send(200, 'OK');
      }
      if (lying && /^\/tx\/[A-Za-z0-9_-]{43}\/status$/.test(req.url)) {
        return send(200, JSON.stringify({ block_height: 1_000_000, block_indep_hash: 'forged', number_of_confirmations: 100 }), 'application/json');
      }
      if (lying && /^\/tx\/[A-Za-z0-9_-]{43}\/data$/.test(req.url)) return send(200, forged);
      try {
        const answer = await fetch(`${upstream}${req.url}`, {
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' },
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
          signal: AbortSignal.timeout(20_000),
        });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      } catch (error) {
        send(502, String(error));
      }
    });
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  return {
    url: `http://127.0.0.1:${port}`,
    swallowed,
    lie: (on) => { lying = on; },
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/**
 * Starts Debian's mosquitto (scripts/setup.sh installs it) as an OEM's MQTT broker: TLS only, on
 * a free loopback port, with the localhost leaf that `gen-certs` wrote into `certsDir`, a login
 * for each of `logins` ({ user: password }) and no anonymous access, everything logged. Returns
 * { port, log(), waitForLog(pattern), stop() }.
 */
export async function startMosquitto({ certsDir, logins }) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dimo-mosquitto-'));
  const passwords = join(dir, 'passwords');
  writeFileSync(passwords, '');
  for (const [user, password] of Object.entries(logins)) {
    execFileSync('mosquitto_passwd', ['-b', passwords, user, password], { stdio: 'ignore' });
  }
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, [
    `listener ${port} 127.0.0.1`,
    // Started as root, mosquitto would drop to its own user, who cannot read these folders.
    `user ${userInfo().username}`,
    `certfile ${join(certsDir, 'localhost.crt.pem')}`,
    `keyfile ${join(certsDir, 'localhost.key.pem')}`,
    'allow_anonymous false',
    `password_file ${passwords}`,
    'persistence false',
    'log_dest stderr',
    'log_type all',
    '',
  ].join('\n'));
  const logFile = join(dir, 'mosquitto.log');
  const log = createWriteStream(logFile);
  const child = spawn('mosquitto', ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.on('exit', () => live.delete(child));
  // Both into one file: neither may end it (the other may still write), the child's exit does.
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.on('close', () => log.end());
  const read = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const waitForLog = async (pattern, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = read().match(pattern);
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}):\n${read()}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} in mosquitto's log within ${timeoutMs} ms:\n${read().slice(-4000)}`);
      await sleep(100);
    }
  };
  await waitForLog(`listen socket on port ${port}`, 10_000);
  return { port, log: read, waitForLog, stop: () => child.kill('SIGKILL') };
}

/**
 * Runs the simulator's pusher `args` (`push-mqtt`, `push-kafka`, `push-fleet-telemetry`), its
 * output in a log file. Returns { done (resolves with the count that `counted`, a pattern of the
 * pusher's last line, captures in its group `group`, once it exits cleanly), log(), stop() }.
 */
function spawnPusher(args, counted, group) {
  const dir = mkdtempSync(join(tmpdir(), `dimo-${args[0]}-`));
  const logFile = join(dir, 'push.log');
  const log = createWriteStream(logFile);
  const child = spawn(simulatorBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  // Both into one file: neither may end it (the other may still write), the child's exit does.
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.on('close', () => log.end());
  const read = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const done = new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      live.delete(child);
      // Let the log stream flush what the child wrote last.
      setTimeout(() => {
        const count = read().match(counted);
        if (code === 0 && count) resolve(Number(count[group]));
        else reject(new Error(`${args[0]} exited (${code}):\n${read()}`));
      }, 200);
    });
  });
  // SIGINT is not handled: stopping mid-stream ends it (`done` then rejects).
  return { done, log: read, stop: () => child.kill('SIGKILL') };
}

/** What push-mqtt and push-kafka print last: how many readings the broker acknowledged. */
const ACKNOWLEDGED = /pushed (\d+) readings, the broker acknowledged (\d+)/;

/**
 * Runs `dimo-oem-simulator push-mqtt`: the simulator's first `vehicles` Teslas publish their
 * `vehicle_data` to the broker on `localhost:port`, `rounds` times `everyMs` apart (0: until
 * stopped). Returns { done (resolves with the number the broker acknowledged), log(), stop() }.
 */
export function pushMqtt({ port, ca, login, vehicles = 1, everyMs = 1_000, rounds = 0, topicPrefix = 'dimo/tesla' }) {
  return spawnPusher([
    'push-mqtt', '--broker', `localhost:${port}`, '--ca', ca, '--login', login,
    '--topic-prefix', topicPrefix, '--vehicles', String(vehicles), '--every-ms', String(everyMs), '--rounds', String(rounds),
  ], ACKNOWLEDGED, 2);
}

/** tansu, the Kafka broker the tests run: $DIMO_TANSU, or where scripts/setup.sh installs it. */
function tansuBinary() {
  return process.env.DIMO_TANSU ?? join(homedir(), '.cache', 'dimo-chain', 'tools', 'bin', 'tansu');
}

/**
 * An OEM's Kafka cluster: tansu (an Apache Kafka-compatible broker, from crates.io) on a plain
 * loopback port, and Debian's stunnel4 in front of it on another, TLS only, with the localhost
 * leaf that `gen-certs` wrote into `certsDir`; the cluster advertises the TLS port, so that every
 * client reaches the broker through TLS. `topic` is created with `partitions`. Returns
 * { port (the TLS one), connections() (TLS connections accepted so far), log(), stop() }.
 */
export async function startKafka({ certsDir, topic, partitions = 2 }) {
  const [plainPort, port] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'dimo-kafka-broker-'));
  const tansuLog = join(dir, 'tansu.log');
  const stunnelLog = join(dir, 'stunnel.log');
  const children = [];
  const logTo = (child, file) => {
    const log = createWriteStream(file);
    live.add(child);
    children.push(child);
    child.on('exit', () => live.delete(child));
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('close', () => log.end());
  };
  logTo(spawn(tansuBinary(), [
    'broker', `--listener-url=tcp://127.0.0.1:${plainPort}`, `--advertised-listener-url=tcp://localhost:${port}`,
    '--storage-engine=memory://tansu/',
  ], { stdio: ['ignore', 'pipe', 'pipe'] }), tansuLog);
  const config = join(dir, 'stunnel.conf');
  writeFileSync(config, [
    'foreground = yes', 'pid =', `output = ${stunnelLog}`, 'debug = 5', '[kafka]',
    `accept = 127.0.0.1:${port}`, `connect = 127.0.0.1:${plainPort}`,
    `cert = ${join(certsDir, 'localhost.crt.pem')}`, `key = ${join(certsDir, 'localhost.key.pem')}`, '',
  ].join('\n'));
  logTo(spawn('stunnel4', [config], { stdio: ['ignore', 'pipe', 'pipe'] }), join(dir, 'stunnel.out'));
  const read = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  const waitFor = async (file, text) => {
    const deadline = Date.now() + 30_000;
    while (!read(file).includes(text)) {
      if (children.some((child) => child.exitCode !== null)) throw new Error(`the Kafka broker exited:\n${read(tansuLog)}\n${read(stunnelLog)}`);
      if (Date.now() > deadline) throw new Error(`no ${text} in ${file}:\n${read(file)}`);
      await sleep(50);
    }
  };
  await waitFor(tansuLog, 'ready in');
  await waitFor(stunnelLog, 'Configuration successful');
  execFileSync(tansuBinary(), ['topic', 'create', topic, '--partitions', String(partitions), `--broker=tcp://127.0.0.1:${plainPort}`], { stdio: 'ignore' });
  return {
    port,
    connections: () => (read(stunnelLog).match(/Service \[kafka\] accepted connection/g) ?? []).length,
    log: () => `${read(tansuLog)}\n${read(stunnelLog)}`,
    stop: () => children.forEach((child) => child.kill('SIGKILL')),
  };
}

/**
 * Runs `dimo-oem-simulator push-kafka`: the simulator's first `vehicles` Teslas produce their
 * `vehicle_data` to `topic` on the cluster at `localhost:port`, keyed by VIN, `rounds` times
 * `everyMs` apart. Returns { done (resolves with the number the broker acknowledged), log(), stop() }.
 */
export function pushKafka({ port, ca, topic, vehicles = 1, everyMs = 1_000, rounds = 3 }) {
  return spawnPusher([
    'push-kafka', '--broker', `localhost:${port}`, '--ca', ca, '--topic', topic,
    '--vehicles', String(vehicles), '--every-ms', String(everyMs), '--rounds', String(rounds),
  ], ACKNOWLEDGED, 2);
}

/**
 * Makes a vehicle CA and client certificates for the simulator's first `vehicles` Teslas
 * (`dimo-oem-simulator gen-vehicle-certs`) in a new folder; returns { dir, caDer (0x-hex) }.
 */
export function genVehicleCerts(name, { vehicles = 2, expired = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dimo-vehicle-certs-'));
  execFileSync(simulatorBinary(), ['gen-vehicle-certs', '--out', dir, '--name', name, '--vehicles', String(vehicles), ...(expired ? ['--expired'] : [])], { stdio: 'ignore' });
  return { dir, caDer: `0x${readFileSync(join(dir, 'vehicle-ca.der')).toString('hex')}` };
}

/**
 * Runs `dimo-oem-simulator push-fleet-telemetry`: `vehicles` Teslas of the simulator's fleet,
 * from its `first` (0: the first), stream
 * `rounds` readings each, `everyMs` apart, to the Fleet Telemetry server on `localhost:port`,
 * each over its own mutual-TLS WebSocket with its certificate from `vehicleCerts`. Returns
 * { done (resolves with the readings the server acknowledged, rejects if a car was refused for
 * `giveUpAfterS`), log(), stop() }.
 */
export function pushFleetTelemetry({ port, serverCa, vehicleCerts, first = 0, vehicles = 1, everyMs = 500, rounds = 3, giveUpAfterS = 60 }) {
  return spawnPusher([
    'push-fleet-telemetry', '--server', `localhost:${port}`, '--server-ca', serverCa, '--vehicle-certs', vehicleCerts,
    '--first', String(first), '--vehicles', String(vehicles), '--every-ms', String(everyMs), '--rounds', String(rounds), '--give-up-after-s', String(giveUpAfterS),
  ], /streamed (\d+) readings/, 1);
}

/**
 * The observation times of every reading of vehicle `id` that the commitment-mode collector at
 * `rpcUrl` committed so far, in sequence order (`dimo_anchorProof` of each).
 */
export async function committedTimes(rpcUrl, id) {
  const latest = await rpcCall(rpcUrl, 'dimo_anchorProof', [id, null]);
  if (!latest) return [];
  const times = [];
  for (let seq = 0; seq <= latest.record.seq; seq += 1) {
    times.push((await rpcCall(rpcUrl, 'dimo_anchorProof', [id, seq])).record.observedFrom);
  }
  return times;
}

/**
 * Waits until the push inbox of the node at `rpcUrl` is empty (its worker took everything), for
 * up to two minutes.
 */
export async function pushInboxDrained(rpcUrl) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const load = await rpcCall(rpcUrl, 'collector_load').catch(() => null);
    if (load?.pushInbox?.readings === 0) return;
    if (Date.now() > deadline) throw new Error(`the push inbox drained: not within 120 s (${JSON.stringify(load?.pushInbox)})`);
    await sleep(1_000);
  }
}
