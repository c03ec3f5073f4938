// Live data access, end to end, with real parts: a `dimo-node --dev` collecting as //Ferdie, the
// OEM simulator over HTTPS, the dev IPFS node, and @polkadot/api as owners, grantees and
// readers of the gateway (dimo_subscribeStream, dimo_readStream).
//
// A vehicle on IPFS whose owner grants: G1 non-location data (pushed), G2 the approximate
// location (pushed), G3 non-location data expiring soon (pushed), and G4 non-location data
// without the push right. A stranger has nothing. Then: each grantee gets exactly its stream
// within one poll; a stranger, a forged signature, an expired or foreign-chain auth, a stream
// without a view and an uncollected vehicle are refused with their codes; a revoke, an expiry
// and a transfer each close a live subscription within one block, with the reason; the new
// owner reads its own time only; an auth's expiry, a subscriber that stops reading, and a
// retirement each end a subscription with a notice that reaches the subscriber; what IPFS holds is envelopes with no signal in clear that open
// only with the vehicle's content key, and a revoke moves new envelopes to a new key id.

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake2AsHex } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import WebSocket from 'ws';
import { startNode, rpcCall, sendOk, sendAndWaitInBlock, waitForLog } from '../lib/node.js';
import { DIMO, fresh, keyring, onboard as onboardVehicle } from '../lib/chain.js';
import { genCerts, startIpfs, startSimulator, trustBundle } from '../lib/collector.js';
import { classKeys, envelopeHeader, openNonLocation, sealKeyFromKeystore, streamAuth, subscribeStream } from '../lib/streams.js';


let sim;
let ipfs;
let node;
let basePath;
let api;
let alice;
let ferdie;
let genesis;
const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
const people = {};
const cars = {}; // name -> { id, car }

const best = async () => (await api.rpc.chain.getHeader()).number.toNumber();
const auth = (pair, vehicle, stream, expiry = 1_000_000, signer = pair) => streamAuth(genesis, pair, vehicle, stream, expiry, signer);
const blockOf = async (hash) => (await api.rpc.chain.getHeader(hash)).number.toNumber();

/** Registers `car` (a Tesla) for `owner`, stored on `backend`, collected by Ferdie. */
const onboard = (owner, car, backend) => onboardVehicle(api, owner, { oemRefHash: blake2AsHex(car), backend, collector: ferdie.address });

async function handOver(vehicle) {
  const tokens = await sim.admin('POST', 'grant', { oem: 'tesla', vehicle: vehicle.car });
  await rpc('collector_setCredentials', vehicle.id, 1, tokens.access_token, tokens.refresh_token, tokens.expires_at, vehicle.car);
}

async function refused(promise, code) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.code, code, error.message);
    return true;
  });
}

before(async () => {
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
  const trusted = genCerts('DIMO e2e OEM CA');
  [sim, ipfs] = await Promise.all([startSimulator({ certsDir: trusted }), startIpfs()]);
  basePath = mkdtempSync(join(tmpdir(), 'dimo-gateway-'));
  node = await startNode({
    chain: 'dev',
    basePath,
    env: { SSL_CERT_FILE: trustBundle([join(trusted, 'ca.pem')]) },
    // The gateway's debug lines say when a subscription closes (the slow consumer's test waits
    // for it).
    extraArgs: ['--collector-ipfs-api', ipfs.apiUrl, '--collector-oem-host', `localhost:${sim.port}`, '-l', 'dimo::gateway=debug'],
  });
  api = node.api;
  genesis = api.genesisHash.toU8a();
  await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
  await rpc('collector_setOemClient', 1, 'dimo-dev-client', 'dimo-dev-secret');
  await sendOk(api, api.tx.sudo.sudo(api.tx.anchoring.setOemSource(1, {
    api: 'Tesla', apiBaseUrl: `${sim.url}/tesla`, authUrl: `${sim.url}/tesla/auth`,
  })), alice);

  for (const name of ['owner', 'newOwner', 'g1', 'g2', 'g3', 'g4', 'stranger', 'otherOwner']) people[name] = fresh();
  await sendOk(api, api.tx.utility.batchAll(Object.values(people).map((p) => api.tx.balances.transferKeepAlive(p.address, 10n * DIMO))), alice);
  const fleet = (await sim.admin('GET', 'vehicles')).filter((v) => v.oem === 'tesla').map((v) => v.id);
  cars.shared = { car: fleet[0] };
  cars.other = { car: fleet[1] };
  cars.uncollected = { car: fleet[2] };
  cars.shared.id = await onboard(people.owner, cars.shared.car, 'Ipfs');
  cars.other.id = await onboard(people.otherOwner, cars.other.car, 'Ipfs');
  cars.uncollected.id = await onboard(people.otherOwner, cars.uncollected.car, 'Ipfs');
  const shared = cars.shared.id;
  const expiresAt = (await best()) + 30;
  cars.shared.g3Until = expiresAt;
  await sendOk(api, api.tx.utility.batchAll([
    api.tx.dataAccess.grant(shared, people.g1.address, [{ stream: 'NonLocationData', until: null }, { stream: 'LiveDataSubscription', until: null }]),
    api.tx.dataAccess.grant(shared, people.g2.address, [{ stream: 'ApproximateLocation', until: null }, { stream: 'LiveDataSubscription', until: null }]),
    api.tx.dataAccess.grant(shared, people.g3.address, [{ stream: 'NonLocationData', until: expiresAt }, { stream: 'LiveDataSubscription', until: expiresAt }]),
    api.tx.dataAccess.grant(shared, people.g4.address, [{ stream: 'NonLocationData', until: null }]),
  ]), people.owner);
  await handOver(cars.shared);
  await handOver(cars.other);
});

after(async () => {
  if (node) await node.stop();
  for (const process of [sim, ipfs]) process?.stop();
});

describe('live data access through the collector gateway', () => {
  const subs = {};

  test('each grantee has exactly its stream pushed within one poll; the approximate one is never precise', async () => {
    const id = cars.shared.id;
    subs.g1 = await subscribeStream(api, id, 'nonLocationData', auth(people.g1, id, 'nonLocationData'));
    subs.g2 = await subscribeStream(api, id, 'approximateLocation', auth(people.g2, id, 'approximateLocation'));
    subs.g3 = await subscribeStream(api, id, 'nonLocationData', auth(people.g3, id, 'nonLocationData'));
    subs.owner = await subscribeStream(api, id, 'allTimeLocation', auth(people.owner, id, 'allTimeLocation'));
    // The dev runtime polls a vehicle every 5 blocks (30 s): one poll, plus the first run.
    const [nonLocation, approximate, precise] = await Promise.all([subs.g1.next(-1, 90_000), subs.g2.next(-1, 90_000), subs.owner.next(-1, 90_000)]);
    assert.equal(nonLocation.record.vehicle, id);
    assert.ok('odometerM' in nonLocation.record.signals, JSON.stringify(nonLocation));
    for (const name of ['latE7', 'lonE7', 'gridE7']) assert.ok(!(name in nonLocation.record.signals), `${name} in non-location data`);
    assert.deepEqual(Object.keys(precise.record.signals).sort(), ['latE7', 'lonE7']);
    // The same reading, as the approximate stream sees it: the position rounded down to 0.01°.
    assert.equal(approximate.number, precise.number);
    const grid = 100_000;
    assert.deepEqual(approximate.record.signals, {
      gridE7: grid,
      latE7: Math.floor(precise.record.signals.latE7 / grid) * grid,
      lonE7: Math.floor(precise.record.signals.lonE7 / grid) * grid,
    });
    for (const reading of subs.g2.readings()) {
      assert.deepEqual(Object.keys(reading.record.signals).sort(), ['gridE7', 'latE7', 'lonE7']);
      assert.equal(reading.record.signals.latE7 % grid, 0);
      assert.equal(reading.record.signals.lonE7 % grid, 0);
    }
    // A query answers the same view of the readings kept.
    const kept = await rpc('dimo_readStream', id, 'nonLocationData', auth(people.g4, id, 'nonLocationData'), null, null);
    assert.deepEqual(kept.find((r) => r.number === nonLocation.number).record, nonLocation.record);
    // currentLocation: the latest position only.
    const current = await rpc('dimo_readStream', id, 'currentLocation', auth(people.owner, id, 'currentLocation'), null, null);
    assert.equal(current.length, 1);
    // rawData: the OEM's answer as received.
    const [raw] = await rpc('dimo_readStream', id, 'rawData', auth(people.owner, id, 'rawData'), nonLocation.number, 1);
    assert.match(Buffer.from(raw.raw.slice(2), 'hex').toString('utf8'), /"vehicle_state"/);
  });

  test('strangers, forgeries, expired or foreign proofs, streams without a view and other nodes\' vehicles are refused', async () => {
    const id = cars.shared.id;
    const read = (stream, proof) => rpc('dimo_readStream', id, stream, proof, null, null);
    await refused(read('nonLocationData', auth(people.stranger, id, 'nonLocationData')), 20);
    await refused(read('rawData', auth(people.g1, id, 'rawData')), 20);
    // G4 may query but has no push right.
    await refused(subscribeStream(api, id, 'nonLocationData', auth(people.g4, id, 'nonLocationData')), 20);
    // Signed by the stranger in G1's name.
    await refused(read('nonLocationData', auth(people.g1, id, 'nonLocationData', 1_000_000, people.stranger)), 21);
    // Signed for another chain.
    await refused(read('nonLocationData', streamAuth(new Uint8Array(32), people.g1, id, 'nonLocationData', 1_000_000)), 21);
    await refused(read('nonLocationData', auth(people.g1, id, 'nonLocationData', (await best()) - 1)), 22);
    await refused(read('liveDataSubscription', auth(people.g1, id, 'liveDataSubscription')), 23);
    // No stream has this name: the same code as dimo_canRead's (UNKNOWN_STREAM).
    await refused(read('location', auth(people.g1, id, 'nonLocationData')), 2);
    const uncollected = cars.uncollected.id;
    await refused(rpc('dimo_readStream', uncollected, 'nonLocationData', auth(people.otherOwner, uncollected, 'nonLocationData'), null, null), 24);
  });

  test('a revoke closes a live subscription within one block, and new envelopes carry a new key id', async () => {
    const id = cars.shared.id;
    const keyBefore = (await rpc('dimo_readStream', id, 'nonLocationData', auth(people.owner, id, 'nonLocationData'), null, null)).at(-1).keyId;
    const { blockHash } = await sendAndWaitInBlock(api.tx.dataAccess.revokeAll(id, people.g1.address), people.owner);
    const revokedAt = await blockOf(blockHash);
    const closed = await subs.g1.closed();
    assert.equal(closed.reason, 'revoked');
    assert.ok(closed.block >= revokedAt && closed.block <= revokedAt + 1, `closed at ${closed.block}, revoked at ${revokedAt}`);
    // The next reading is sealed under a new content key.
    const last = subs.owner.readings().at(-1).number;
    const after = await subs.owner.next(last, 90_000);
    assert.ok(after.keyId > keyBefore, `key ${after.keyId} after the revoke, ${keyBefore} before`);
    const { bytes } = await ipfs.call('cat', `arg=${after.envelopeCid}&timeout=10s`);
    assert.equal(envelopeHeader(bytes).keyId, after.keyId);
  });

  test('an expiry closes a live subscription within one block', async () => {
    const closed = await subs.g3.closed(300_000);
    assert.equal(closed.reason, 'expired');
    assert.ok(closed.block >= cars.shared.g3Until && closed.block <= cars.shared.g3Until + 1, `closed at ${closed.block}, expired at ${cars.shared.g3Until}`);
  });

  test('what IPFS holds is envelopes whose parts open only with the vehicle\'s content keys', async () => {
    const id = cars.shared.id;
    const sealKey = sealKeyFromKeystore(basePath);
    const key = (await classKeys(rpc, sealKey, id))?.keys.nonLocation;
    const otherKey = (await classKeys(rpc, sealKey, cars.other.id))?.keys.nonLocation;
    assert.ok(key && otherKey, 'both vehicles have a non-location key');
    const anchors = await rpc('dimo_anchors', id, null, 1000);
    const kept = await rpc('dimo_readStream', id, 'nonLocationData', auth(people.owner, id, 'nonLocationData'), null, 1000);
    let opened = 0;
    for (const anchor of anchors) {
      const { status, bytes } = await ipfs.call('cat', `arg=${anchor.cid}&timeout=10s`);
      assert.equal(status, 200);
      const header = envelopeHeader(bytes);
      assert.deepEqual([header.magic, header.version, header.vehicle, header.from, header.to], ['DENV', 3, id, anchor.observedFrom, anchor.observedTo]);
      const text = Buffer.from(bytes).toString('latin1');
      for (const signal of ['odometerM', 'latE7', 'batteryPermille']) assert.ok(!text.includes(signal), `${signal} in clear`);
      if (header.keyId !== key.id) continue;
      const record = openNonLocation(key.key, bytes);
      assert.equal(record.vehicle, id);
      assert.equal(record.from, anchor.observedFrom);
      assert.equal(record.signals.latE7, undefined, 'the non-location part has no position');
      const served = kept.find((r) => r.envelopeCid === anchor.cid);
      assert.ok(served, `the gateway serves the reading of ${anchor.cid}`);
      assert.equal(record.signals.odometerM, served.record.signals.odometerM);
      assert.throws(() => openNonLocation(otherKey.key, bytes), 'another vehicle\'s key does not open it');
      opened += 1;
    }
    assert.ok(opened >= 1, 'at least one envelope under the current key');
  });

  test('a transfer closes live subscriptions; the new owner reads from its own time only', async () => {
    const id = cars.shared.id;
    const before = (await rpc('dimo_readStream', id, 'nonLocationData', auth(people.owner, id, 'nonLocationData'), null, 1000)).map((r) => r.number);
    await sendOk(api, api.tx.vehicles.transfer(id, people.newOwner.address), people.owner);
    const { blockHash } = await sendAndWaitInBlock(api.tx.vehicles.acceptTransfer(id), people.newOwner);
    const transferredAt = await blockOf(blockHash);
    for (const sub of [subs.g2, subs.owner]) {
      const closed = await sub.closed();
      assert.equal(closed.reason, 'transferred');
      assert.ok(closed.block >= transferredAt && closed.block <= transferredAt + 1);
    }
    await refused(rpc('dimo_readStream', id, 'nonLocationData', auth(people.owner, id, 'nonLocationData'), null, null), 20);
    // A transfer ends the consents: the new owner gives its own, and reads what is collected
    // from then on; nothing observed under the previous owner.
    await sendOk(api, api.tx.utility.batchAll([
      api.tx.vehicles.setStorage(id, 'Ipfs'),
      api.tx.vehicles.authorizeCollector(id, ferdie.address, null),
    ]), people.newOwner);
    const mine = await subscribeStream(api, id, 'nonLocationData', auth(people.newOwner, id, 'nonLocationData'));
    const first = await mine.next(-1, 90_000);
    assert.ok(first.number > Math.max(...before));
    const readable = await rpc('dimo_readStream', id, 'nonLocationData', auth(people.newOwner, id, 'nonLocationData'), null, 1000);
    assert.ok(readable.length >= 1);
    for (const reading of readable) assert.ok(!before.includes(reading.number), `reading ${reading.number} was the previous owner's`);
    await mine.unsubscribe();
  });

  test('an auth that expires closes a live subscription within one block (authExpired)', async () => {
    const id = cars.other.id;
    const expiry = (await best()) + 2;
    const sub = await subscribeStream(api, id, 'nonLocationData', auth(people.otherOwner, id, 'nonLocationData', expiry));
    const closed = await sub.closed(60_000);
    assert.equal(closed.reason, 'authExpired');
    assert.ok(closed.block > expiry && closed.block <= expiry + 2, `closed at ${closed.block}, the auth ran to ${expiry}`);
  });

  test('a subscriber that stops reading is told slowConsumer when it reads again', async () => {
    const id = cars.other.id;
    // A connection of its own, read (or not) by hand: what a stalled app looks like.
    const socket = new WebSocket(node.rpcUrl);
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
    const messages = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    const arrived = async (predicate, what, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms (${messages.length} messages)`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    socket.send(JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'dimo_subscribeStream', params: [id, 'nonLocationData', auth(people.otherOwner, id, 'nonLocationData')] }));
    const subscription = (await arrived((m) => m.id === 1, 'subscription id')).result;
    assert.ok(subscription, 'subscribed');
    try {
      // Stop reading, and fill the connection's buffer with answers it does not read (the
      // runtime's metadata, ~100 kB each: the socket's kernel buffers first, then jsonrpsee's
      // 64 messages), so that the next reading finds no room.
      socket.pause();
      const asked = 200;
      for (let i = 0; i < asked; i += 1) socket.send(JSON.stringify({ id: 100 + i, jsonrpc: '2.0', method: 'state_getMetadata', params: [] }));
      await waitForLog(node.logFile, new RegExp(`vehicle ${id}: a nonLocationData subscription closed: SlowConsumer`), 180_000);
      // Slow, not gone: it reads again a few seconds later (a node that gave up on the notice
      // after a second, as it once did, leaves it without one).
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      socket.resume();
      const notice = await arrived((m) => m.params?.subscription === subscription && m.params.result?.closed, 'closing notice');
      assert.equal(notice.params.result.closed.reason, 'slowConsumer');
      await arrived((m) => m.id === 100 + asked - 1, 'the last metadata answer');
    } finally {
      socket.close();
    }
  });

  test('retiring a vehicle closes its live subscriptions within one block (retired)', async () => {
    const id = cars.other.id;
    const sub = await subscribeStream(api, id, 'nonLocationData', auth(people.otherOwner, id, 'nonLocationData'));
    const { blockHash } = await sendAndWaitInBlock(api.tx.vehicles.retire(id), people.otherOwner);
    const retiredAt = await blockOf(blockHash);
    const closed = await sub.closed();
    assert.equal(closed.reason, 'retired');
    assert.ok(closed.block >= retiredAt && closed.block <= retiredAt + 1, `closed at ${closed.block}, retired at ${retiredAt}`);
  });
});
