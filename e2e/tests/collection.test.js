// Collection from OEM to chain, end to end, with real parts: a `dimo-node --dev` whose keystore
// holds the collector key, the OEM simulator over HTTPS with its own test CA (which the node
// trusts through SSL_CERT_FILE, the same certificate checks as for a real OEM), the dev IPFS node
// (js-ipfs, kubo RPC API), and @polkadot/api for owners and governance.
//
// Each reading goes to IPFS sealed in an envelope (its CID is anchored); the owner reads it back
// through the collector's gateway (dimo_readStream).
//
// Vehicles: a Tesla on IPFS whose access token has expired (the collector refreshes it), a
// Smartcar on IPFS, a High Mobility car on IPFS whose token has expired too (the third kind of
// OEM API, added as one variant, one adapter file and one simulator file), a Tesla on `Local` (anchored, never uploaded), a Tesla without consent (never
// polled), a Tesla whose OEM source presents a certificate from a CA the node does not trust (no
// anchor, a log line), a vehicle whose OEM has no registered source (its host never gets a
// connection), one whose OEM source governance registered on a host that the node's operator did
// not list with --collector-oem-host (never sent a token), and a Smartcar whose OEM answers 80 MiB
// (refused past --collector-max-answer-bytes, backed off, while the others are polled as usual).
// Then: the credentials appear nowhere in chain state, blocks, the node's log or (unsealed) its
// offchain storage;
// and the node is killed in the middle of collection and restarted: no reading anchored twice,
// none lost. The node keeps only its last 2 readings of each vehicle in its ring
// (--collector-keep-readings 2): every older one the gateway serves from its history, an IPFS
// vehicle's read back from IPFS, a Local one's from the node, before and after the restart.

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake2AsHex, sha256AsU8a } from '@polkadot/util-crypto';
import { bnToU8a, hexToU8a, stringToHex, stringToU8a, u8aConcat, u8aEq, u8aToHex, u8aToString } from '@polkadot/util';
import { killAfterNextLog, startNode, rpcCall, sendOk } from '../lib/node.js';
import { DIMO, fresh, keyring, onboard as onboardVehicle, waitForAnchors as anchorsAtLeast } from '../lib/chain.js';
import { genCerts, startIpfs, startSimulator, trustBundle } from '../lib/collector.js';
import { envelopeHeader, streamAuth } from '../lib/streams.js';


let sim; // the OEM simulator the chain registers (Tesla = OEM 1, Smartcar = OEM 2, High Mobility = OEM 6)
let impostor; // an OEM source whose certificate comes from a CA the node does not trust (OEM 3)
let bystander; // a simulator on a host the operator did not list (OEM 5); no other source names it
let ipfs;
let node;
let nodeOptions;
let alice;
let ferdie;
const logs = []; // the node's log text, one entry per node process
const vehicles = {}; // name -> { id, oem, car (the OEM's id), backend }
const owners = {}; // vehicle id -> its owner's key pair

const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
const api = () => node.api;
const KEEP_READINGS = 2; // the node's ring: its last 2 readings of each vehicle

async function launchNode() {
  node = await startNode(nodeOptions);
  const readLog = () => readFileSync(node.logFile, 'utf8');
  node.readLog = readLog;
  return node;
}

function source(kind, base) {
  // The simulator serves each kind of API under its lowercase name.
  const prefix = kind.toLowerCase();
  return { api: kind, apiBaseUrl: `${base}/${prefix}`, authUrl: `${base}/${prefix}/auth` };
}

/** Registers a vehicle of a fresh owner at `oem`; consents to Ferdie unless `consent` is false. */
async function onboard(oem, car, backend, consent = true) {
  const owner = fresh();
  await sendOk(api(), api().tx.balances.transferKeepAlive(owner.address, 10n * DIMO), alice);
  // The chain holds only a hash of the carmaker's id of the car.
  const id = await onboardVehicle(api(), owner, { oem, oemRefHash: blake2AsHex(car), backend, collector: consent ? ferdie.address : null });
  owners[id] = owner;
  return id;
}

/** The owner's grant at `simulator`, handed to the collector through the unsafe RPC. */
async function handOver(simulator, vehicle, oemName, { expired = false } = {}) {
  const tokens = await simulator.admin('POST', 'grant', { oem: oemName, vehicle: vehicle.car });
  const expiresAt = expired ? Math.floor(Date.now() / 1000) - 10 : tokens.expires_at;
  await rpc('collector_setCredentials', vehicle.id, vehicle.oem, tokens.access_token, tokens.refresh_token, expiresAt, vehicle.car);
}

async function anchorsOf(vehicle) {
  return rpc('dimo_anchors', vehicle.id, null, 1000);
}

/** The anchors of `vehicle` once it has `count`; on a timeout, the collector's last log lines. */
function waitForAnchors(vehicle, count, timeoutMs = 240_000) {
  const diagnose = async () => `node log:\n${node.readLog().split('\n').filter((l) => l.includes('collector')).slice(-30).join('\n')}`;
  return anchorsAtLeast(node.rpcUrl, vehicle.id, count, { timeoutMs, diagnose });
}

/**
 * The record behind an anchor: its envelope fetched from IPFS and checked against the anchored
 * CID, and the reading it seals as the vehicle's owner reads it through the collector's gateway
 * (non-location data and positions, joined by the envelope's CID).
 */
async function fetchRecord(anchor) {
  const { status, bytes } = await ipfs.call('cat', `arg=${anchor.cid}&timeout=10s`);
  assert.equal(status, 200, `IPFS has ${anchor.cid}`);
  const cid = hexToU8a(anchor.cidHex);
  assert.ok(u8aEq(cid.slice(0, 4), new Uint8Array([0x01, 0x55, 0x12, 0x20])), 'a CIDv1, raw codec, sha2-256');
  assert.ok(u8aEq(cid.slice(4), sha256AsU8a(bytes)), 're-hashing the bytes gives the anchored CID');
  assert.equal(bytes.length, anchor.size);
  const header = envelopeHeader(bytes);
  assert.deepEqual([header.magic, header.version, header.from, header.to], ['DENV', 3, anchor.observedFrom, anchor.observedTo]);
  const vehicle = header.vehicle;
  const genesis = api().genesisHash.toU8a();
  const read = (stream) => rpc('dimo_readStream', vehicle, stream, streamAuth(genesis, owners[vehicle], vehicle, stream, 1_000_000), null, 1000);
  const [values, positions] = await Promise.all([read('nonLocationData'), read('allTimeLocation')]);
  const reading = values.find((r) => r.envelopeCid === anchor.cid);
  assert.ok(reading, `the gateway serves the reading sealed in ${anchor.cid}`);
  assert.equal(reading.observedAt, anchor.observedTo);
  const position = positions.find((r) => r.number === reading.number);
  if (position) assert.equal(position.source, reading.source);
  // Signals in the record's order (names sorted), as the simulator lists them.
  const signals = Object.entries({ ...reading.record.signals, ...(position?.record.signals ?? {}) }).sort(([a], [b]) => (a < b ? -1 : 1));
  return { ...reading.record, signals: Object.fromEntries(signals), source: reading.source };
}

/** Whether the simulator served `signals` for the car. */
function wasServed(served, car, signals) {
  return served.some((entry) => entry.vehicle === car && JSON.stringify(entry.signals) === JSON.stringify(signals));
}

before(async () => {
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
  const trusted = genCerts('DIMO e2e OEM CA');
  const untrusted = genCerts('Impostor CA');
  [sim, impostor, bystander, ipfs] = await Promise.all([
    startSimulator({ certsDir: trusted }),
    startSimulator({ certsDir: untrusted }),
    startSimulator({ certsDir: trusted }),
    startIpfs(),
  ]);
  nodeOptions = {
    chain: 'dev',
    basePath: mkdtempSync(join(tmpdir(), 'dimo-collector-')),
    env: { SSL_CERT_FILE: trustBundle([join(trusted, 'ca.pem')]) },
    // The operator trusts the simulator and the impostor's host (whose certificate then fails),
    // not the bystander's. A ring of 2: the gateway serves older readings from the history.
    extraArgs: [
      '--collector-keep-readings', String(KEEP_READINGS),
      '--collector-ipfs-api', ipfs.apiUrl,
      '--collector-oem-host', `localhost:${sim.port}`,
      '--collector-oem-host', `localhost:${impostor.port}`,
    ],
  };
  await launchNode();
  // The collector key goes into the node's keystore (the dev chain registered //Ferdie's), and
  // the operator's OAuth client of each OEM (the simulators' dev client) into offchain storage.
  await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
  for (const oem of [1, 2, 3, 5, 6]) await rpc('collector_setOemClient', oem, 'dimo-dev-client', 'dimo-dev-secret');
  // Governance (sudo on the dev chain) points the OEM sources at the simulators of this test.
  await sendOk(api(), api().tx.sudo.sudo(api().tx.utility.batchAll([
    api().tx.anchoring.setOemSource(1, source('Tesla', sim.url)),
    api().tx.anchoring.setOemSource(2, source('Smartcar', sim.url)),
    api().tx.anchoring.setOemSource(3, source('Tesla', impostor.url)),
    api().tx.anchoring.setOemSource(5, source('Tesla', bystander.url)),
    api().tx.anchoring.setOemSource(6, source('HighMobility', sim.url)),
  ])), alice);
});

after(async () => {
  if (node) {
    logs.push(node.readLog());
    await node.stop();
  }
  for (const process of [sim, impostor, bystander, ipfs]) process?.stop();
});

describe('collection from OEM to chain', () => {
  test('the collector polls consented vehicles over HTTPS, stores readings on IPFS and anchors them', async () => {
    const fleet = await sim.admin('GET', 'vehicles');
    const cars = (oem) => fleet.filter((v) => v.oem === oem).map((v) => v.id);
    const [tesla0, tesla1, tesla2] = cars('tesla');
    const [smartcar0, smartcar1] = cars('smartcar');
    const impostorCar = (await impostor.admin('GET', 'vehicles')).find((v) => v.oem === 'tesla').id;
    const [bystanderCar, unlistedCar] = (await bystander.admin('GET', 'vehicles')).filter((v) => v.oem === 'tesla').map((v) => v.id);
    // Every answer about this car is 80 MiB: more than the node reads (1 MiB by default).
    await sim.admin('POST', 'fault', { vehicle: smartcar1, fault: 'oversized', count: null });

    vehicles.tesla = { oem: 1, car: tesla0, backend: 'Ipfs' };
    vehicles.smartcar = { oem: 2, car: smartcar0, backend: 'Ipfs' };
    vehicles.highMobility = { oem: 6, car: cars('highmobility')[0], backend: 'Ipfs' };
    vehicles.local = { oem: 1, car: tesla1, backend: 'Local' };
    vehicles.noConsent = { oem: 1, car: tesla2, backend: 'Ipfs', consent: false };
    vehicles.impostor = { oem: 3, car: impostorCar, backend: 'Ipfs' };
    vehicles.unregistered = { oem: 4, car: bystanderCar, backend: 'Ipfs' };
    vehicles.unlisted = { oem: 5, car: unlistedCar, backend: 'Ipfs' };
    vehicles.oversized = { oem: 2, car: smartcar1, backend: 'Local' };
    for (const vehicle of Object.values(vehicles)) {
      vehicle.id = await onboard(vehicle.oem, vehicle.car, vehicle.backend, vehicle.consent !== false);
    }
    // The Tesla's access token has expired: the collector must refresh it first.
    await handOver(sim, vehicles.tesla, 'tesla', { expired: true });
    await handOver(sim, vehicles.smartcar, 'smartcar');
    // Expired too: High Mobility's token endpoint wants the client's id and secret in the form.
    await handOver(sim, vehicles.highMobility, 'highmobility', { expired: true });
    await handOver(sim, vehicles.local, 'tesla');
    await handOver(sim, vehicles.noConsent, 'tesla');
    await handOver(impostor, vehicles.impostor, 'tesla');
    await handOver(bystander, vehicles.unregistered, 'tesla');
    // Expired, so that the collector would first send the refresh token to the unlisted host.
    await handOver(bystander, vehicles.unlisted, 'tesla', { expired: true });
    await handOver(sim, vehicles.oversized, 'smartcar');
    assert.deepEqual(await rpc('collector_vehicles'), Object.values(vehicles).map((v) => v.id).sort((a, b) => a - b));

    const [teslaAnchors, smartcarAnchors, localAnchors, highMobilityAnchors] = await Promise.all(
      [vehicles.tesla, vehicles.smartcar, vehicles.local, vehicles.highMobility].map((v) => waitForAnchors(v, 2)));

    // What IPFS holds is what the simulator served, read back exactly.
    const served = await sim.admin('GET', 'served');
    const stored = [
      [vehicles.tesla, teslaAnchors, 'tesla'],
      [vehicles.smartcar, smartcarAnchors, 'smartcar'],
      [vehicles.highMobility, highMobilityAnchors, 'highmobility'],
    ];
    for (const [vehicle, anchors, oemName] of stored) {
      for (const anchor of anchors) {
        assert.ok(u8aEq(keyring.decodeAddress(anchor.collector), ferdie.publicKey), 'anchored by the collector');
        assert.equal(anchor.backend, 'ipfs');
        const record = await fetchRecord(anchor);
        assert.equal(record.v, 1);
        assert.equal(record.vehicle, vehicle.id);
        assert.equal(record.oem, oemName);
        assert.equal(record.from, anchor.observedFrom);
        assert.ok(['recent', 'ipfs'].includes(record.source), record.source);
        assert.ok(wasServed(served, vehicle.car, record.signals), `served: ${JSON.stringify(record.signals)}`);
      }
    }
    assert.ok(sim.log().includes('POST /tesla/auth/oauth2/v3/token 200'), 'the expired token was refreshed');
    assert.ok(sim.log().includes('POST /highmobility/auth/v1/access_tokens 200'), 'High Mobility\'s expired token was refreshed');

    // `Local`: anchored, never uploaded. The IPFS node pins exactly the IPFS vehicles' records.
    const { bytes } = await ipfs.call('pin/ls', 'type=recursive&cid-base=base32');
    const pinned = Object.keys(JSON.parse(u8aToString(bytes)).Keys ?? {});
    for (const anchor of [...teslaAnchors, ...smartcarAnchors]) assert.ok(pinned.includes(anchor.cid), `${anchor.cid} pinned`);
    for (const anchor of localAnchors) {
      assert.equal(anchor.backend, 'local');
      assert.ok(!pinned.includes(anchor.cid), `${anchor.cid} of a Local vehicle is not on IPFS`);
    }

    // No consent: never polled.
    assert.deepEqual(await anchorsOf(vehicles.noConsent), []);
    assert.ok(!served.some((entry) => entry.vehicle === vehicles.noConsent.car), 'the simulator never served it');

    // A certificate from a CA the node does not trust: no request gets through, no anchor, a clear line.
    assert.deepEqual(await anchorsOf(vehicles.impostor), []);
    const impostorStats = await impostor.admin('GET', 'stats');
    assert.ok(impostorStats.tlsFailures > 0, 'the node tried, and refused the handshake');
    assert.deepEqual(Object.keys(impostorStats.requests).filter((prefix) => prefix !== 'admin'), []);
    assert.match(node.readLog(), new RegExp(`vehicle ${vehicles.impostor.id}: request to localhost:${impostor.port} failed: transport error`));

    // An OEM with no registered source: its host never sees a connection.
    assert.deepEqual(await anchorsOf(vehicles.unregistered), []);
    const bystanderStats = await bystander.admin('GET', 'stats');
    assert.equal(bystanderStats.tlsFailures, 0);
    assert.deepEqual(Object.keys(bystanderStats.requests).filter((prefix) => prefix !== 'admin'), []);
    assert.match(node.readLog(), new RegExp(`vehicle ${vehicles.unregistered.id}: OEM 4 has no registered source`));

    // A registered source on a host the operator did not list: no token went there (the
    // bystander saw no connection at all, above), and the log says why.
    assert.deepEqual(await anchorsOf(vehicles.unlisted), []);
    assert.match(node.readLog(), new RegExp(
      `vehicle ${vehicles.unlisted.id}: OEM host localhost:${bystander.port} is not on this node's --collector-oem-host list`));

    // An answer too large to read: refused, nothing anchored for that car, the others collected.
    assert.deepEqual(await anchorsOf(vehicles.oversized), []);
    assert.match(node.readLog(), new RegExp(
      `vehicle ${vehicles.oversized.id}: request to localhost:${sim.port} failed: the answer is larger than this node's --collector-max-answer-bytes`));
    assert.ok(served.some((entry) => entry.vehicle === vehicles.oversized.car), 'the simulator did answer');
    assert.doesNotMatch(node.readLog(), /panicked|Requested allocation size is too large/);
  });

  test('the credentials appear nowhere in chain state, blocks, events or the node log', async () => {
    const tokens = [
      ...(await sim.admin('GET', 'tokens')),
      ...(await impostor.admin('GET', 'tokens')),
      ...(await bystander.admin('GET', 'tokens')),
    ];
    assert.ok(tokens.length >= 12, 'grants and at least one refresh');
    const secrets = tokens.map((token) => ({ text: token, hex: stringToHex(token).slice(2) }));
    const leak = (haystack, where) => {
      for (const secret of secrets) {
        assert.ok(!haystack.includes(secret.hex) && !haystack.includes(secret.text), `a token in ${where}`);
      }
    };
    leak(node.readLog(), 'the node log');
    const best = (await rpc('chain_getHeader')).number;
    const eventsKey = api().query.system.events.key();
    for (let n = 0; n <= Number(best); n += 1) {
      const hash = await rpc('chain_getBlockHash', n);
      leak(JSON.stringify(await rpc('chain_getBlock', hash)), `block ${n}`);
      leak(JSON.stringify(await rpc('state_getStorage', eventsKey, hash)), `the events of block ${n}`);
    }
    leak(JSON.stringify(await rpc('state_getPairs', '0x')), 'chain state');
    // The node's offchain storage holds them sealed: reading it (an unsafe RPC method, or the
    // database files) yields no token.
    for (const vehicle of Object.values(vehicles)) {
      const key = u8aToHex(u8aConcat(stringToU8a('dimo/collector/credentials/'), bnToU8a(vehicle.id, { bitLength: 64, isLe: true })));
      const stored = await rpc('offchain_localStorageGet', 'PERSISTENT', key);
      assert.ok(stored && stored.length > 2, `the node holds vehicle ${vehicle.id}'s credentials`);
      leak(stored, `the offchain storage of vehicle ${vehicle.id}`);
    }
  });

  test('killed in the middle of collection and restarted: no reading anchored twice, none lost', async () => {
    const collected = [vehicles.tesla, vehicles.smartcar, vehicles.local];
    // Kill the node right after its collector submitted a batch: the batch may or may not be in
    // a block, and the next poll may be under way.
    const killedAt = await killAfterNextLog(node, /submitted an anchor batch/g);
    logs.push(node.readLog());
    await node.stop().catch(() => {});
    const countsAtKill = {};

    await launchNode();
    for (const vehicle of collected) countsAtKill[vehicle.id] = (await anchorsOf(vehicle)).length;
    // Collection resumes: two more readings of each vehicle after the restart, and at least
    // twice the ring's readings newer than the first.
    await Promise.all(collected.map((v) => waitForAnchors(v, Math.max(countsAtKill[v.id] + 2, 2 * KEEP_READINGS + 1))));
    const checkedAt = Date.now();

    const served = await sim.admin('GET', 'served');
    for (const vehicle of collected) {
      const anchors = await anchorsOf(vehicle);
      // No gap and no reading twice: sequence numbers 0..n-1, windows moving forward, distinct CIDs.
      assert.deepEqual(anchors.map((a) => a.seq), anchors.map((_, i) => i));
      for (let i = 1; i < anchors.length; i += 1) assert.ok(anchors[i].observedFrom > anchors[i - 1].observedTo);
      assert.equal(new Set(anchors.map((a) => a.cid)).size, anchors.length);
      if (vehicle.backend !== 'Ipfs') continue;
      // None lost: every reading the simulator served is anchored, except those that may have been
      // in flight when the node died (served in the last seconds before the kill) or are still
      // on their way now.
      const records = await Promise.all(anchors.map(fetchRecord));
      // Past the ring (more than twice its readings newer), the gateway read them back from
      // IPFS, after the restart.
      assert.ok(anchors.length > 2 * KEEP_READINGS, `${anchors.length} readings of vehicle ${vehicle.id}`);
      assert.equal(records[0].source, 'ipfs');
      assert.equal(records.at(-1).source, 'recent');
      const anchoredSignals = new Set(records.map((r) => JSON.stringify(r.signals)));
      assert.equal(anchoredSignals.size, records.length, 'no reading anchored twice');
      const settled = served.filter((entry) => entry.vehicle === vehicle.car &&
        !(entry.at_ms > killedAt - 5_000 && entry.at_ms <= killedAt) && entry.at_ms < checkedAt - 45_000);
      assert.ok(settled.length >= 2);
      for (const entry of settled) {
        assert.ok(anchoredSignals.has(JSON.stringify(entry.signals)), `the reading served at ${entry.at_ms} is anchored`);
      }
    }
  });

  test('a Local vehicle\'s readings past the ring are served from the node\'s history, by number and by time', async () => {
    const vehicle = vehicles.local;
    const anchors = await anchorsOf(vehicle);
    assert.ok(anchors.length > 2 * KEEP_READINGS, `${anchors.length} readings`);
    const genesis = api().genesisHash.toU8a();
    const owner = owners[vehicle.id];
    const read = (from, limit, window) => rpc('dimo_readStream', vehicle.id, 'nonLocationData',
      streamAuth(genesis, owner, vehicle.id, 'nonLocationData', 1_000_000), from, limit, window);
    const all = await read(null, 1000, null);
    // Every anchored reading is served, with the time it was observed; only the last ones from
    // the ring, the rest from the history (nothing of a Local vehicle is on IPFS).
    for (const anchor of anchors) {
      const reading = all.find((r) => r.observedAt === anchor.observedTo);
      assert.ok(reading, `the reading observed at ${anchor.observedTo} is served`);
      assert.equal(reading.envelopeCid, null);
      assert.equal(reading.record.vehicle, vehicle.id);
      assert.equal(reading.record.to, anchor.observedTo);
    }
    assert.deepEqual(all.map((r) => r.number), all.map((_, i) => all[0].number + i), 'numbers in order, no gap');
    assert.deepEqual(all.slice(-KEEP_READINGS).map((r) => r.source), Array(KEEP_READINGS).fill('recent'));
    assert.ok(all.slice(0, -KEEP_READINGS).every((r) => r.source === 'history'), all.map((r) => r.source).join());
    // By number: from the second reading, two of them.
    assert.deepEqual((await read(all[1].number, 2, null)).map((r) => r.number), [all[1].number, all[2].number]);
    // By time: the readings observed from the second anchored one to the third, both included.
    const [since, until] = [anchors[1].observedTo, anchors[2].observedTo];
    const window = await read(null, 1000, { since, until });
    assert.ok(window.length >= 2, JSON.stringify(window.map((r) => r.observedAt)));
    assert.equal(window[0].observedAt, since);
    assert.equal(window.at(-1).observedAt, until);
    assert.ok(window.every((r) => r.observedAt >= since && r.observedAt <= until));
    assert.deepEqual(await read(null, 10, { since: all.at(-1).observedAt + 1 }), [], 'nothing after the last');
    // A window is checked: an unknown field is refused.
    await assert.rejects(read(null, 10, { after: 0 }));
  });
});
