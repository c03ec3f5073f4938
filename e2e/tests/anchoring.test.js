// Anchors and their registries, as a collector and an indexer see them: a real `dimo-node --dev`
// process, @polkadot/api for the owner's and governance's transactions, and, for the anchors,
// the very transaction a collector's offchain worker submits: a general (v5) extrinsic with no
// signer, authorized by the collector key's signature over the batch (#[pallet::authorize]).
//
// Covers the chain side of anchoring: registries through sudo on the dev chain and the
// dimo_collectors / dimo_oemSources methods; an anchor that costs the collector no fee and no
// nonce, read back through dimo_anchors; replays, unknown collectors and vehicles without consent
// refused by the transaction pool before they take block space. Attacks: a window dated ahead of
// the chain's clock is refused, and a content id that another collector copies from the pool does
// not sink an honest batch. Push feeds: registered through sudo, shapes checked, dimo_pushFeeds.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { u8aToHex } from '@polkadot/util';
import { sendOk, sendAndWaitInBlock, sendFailing, moduleError } from '../lib/node.js';
import { DIMO, fresh, keyring, nodeForFile, onboard as onboardVehicle, until, waitForAnchors } from '../lib/chain.js';
import {
  EXTENSIONS, anchorExtrinsic as anchorExtrinsicFor, commitExtrinsic, leafBytes, leafHash, merkleProof, merkleRoot, merkleRows, record,
} from '../lib/anchoring.js';
import { oemKinds } from '../lib/collector.js';

const dev = nodeForFile();
let api;
let alice;
let ferdie;

const rpc = dev.rpc;
const ok = (tx, signer) => sendOk(api, tx, signer);

const anchorExtrinsic = (collector, records) => anchorExtrinsicFor(api, collector, records);

/** Submits a raw extrinsic; resolves with its hash or rejects with the pool's JSON-RPC error. */
const submit = (hex) => rpc('author_submitExtrinsic', hex);

/** Polls dimo_anchors until `vehicle` has `count` anchors. */
const anchorsOf = (vehicle, count) => waitForAnchors(dev.node.rpcUrl, vehicle, count, { everyMs: 500 });

/** `count` vehicles of fresh owners that consent to `collector`, onboarded side by side, in ascending order. */
async function onboardMany(collector, count, backend = 'Ipfs') {
  const owners = Array.from({ length: count }, fresh);
  await ok(api.tx.utility.batchAll(owners.map((owner) => api.tx.balances.transferKeepAlive(owner.address, 10n * DIMO))), alice);
  // Registered in parallel, so the ids come in any order: ascending, as a batch lists them.
  const vehicles = await Promise.all(owners.map((owner) => onboardVehicle(api, owner, { backend, collector: collector.address })));
  return vehicles.sort((a, b) => a - b);
}

/** A vehicle of a fresh funded owner that consents to `collector` and stores on `backend`. */
async function onboard(collector, backend = 'Ipfs') {
  return (await onboardMany(collector, 1, backend))[0];
}

before(async () => {
  ({ api } = await dev.ready);
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
});

describe('registries', () => {
  test('the dev chain has one collector, //Ferdie, an OEM source of each kind, and governance manages them', async () => {
    const collectors = await rpc('dimo_collectors');
    assert.equal(collectors.length, 1);
    assert.equal(collectors[0].key, u8aToHex(ferdie.publicKey));
    assert.equal(collectors[0].account, ferdie.address);
    // The dev chain's genesis names the OEM simulator that scripts/dev.sh runs, one source per
    // kind of API the runtime knows, in the order of its metadata's OemApi enum.
    const kinds = oemKinds(api).map(({ name }) => name);
    assert.deepEqual(kinds, ['tesla', 'smartcar', 'highmobility']);
    const simulated = (oem, name) => ({ oem, api: name, apiBaseUrl: `https://localhost:7443/${name}`, authUrl: `https://localhost:7443/${name}/auth` });
    assert.deepEqual((await rpc('dimo_oemSources')).sort((a, b) => a.oem - b.oem), kinds.map((name, index) => simulated(index + 1, name)));

    const source = (base, auth) => ({ api: 'Tesla', apiBaseUrl: base, authUrl: auth });
    // A plain account may not; root (sudo on the dev chain) may.
    const error = await sendAndWaitInBlock(
      api.tx.anchoring.setOemSource(1, source('https://fleet.example', 'https://auth.example/token')), alice);
    assert.equal(moduleError(api, error.dispatchError), 'BadOrigin');
    await ok(api.tx.sudo.sudo(api.tx.anchoring.setOemSource(1, source('https://fleet.example', 'https://auth.example/token'))), alice);
    // The dev chain allows plain HTTP to loopback (its simulator), nowhere else.
    await ok(api.tx.sudo.sudo(api.tx.anchoring.setOemSource(2, source('http://127.0.0.1:8080', 'http://127.0.0.1:8080/token'))), alice);
    const events = await ok(api.tx.sudo.sudo(api.tx.anchoring.setOemSource(3, source('http://fleet.example', 'https://auth.example/token'))), alice);
    const sudid = events.find(({ event }) => api.events.sudo.Sudid.is(event)).event.data.sudoResult;
    assert.ok(sudid.isErr);
    assert.equal(moduleError(api, sudid.asErr), 'anchoring.InsecureSourceUrl');

    const sources = (await rpc('dimo_oemSources')).sort((a, b) => a.oem - b.oem);
    assert.deepEqual(sources, [
      { oem: 1, api: 'tesla', apiBaseUrl: 'https://fleet.example', authUrl: 'https://auth.example/token' },
      { oem: 2, api: 'tesla', apiBaseUrl: 'http://127.0.0.1:8080', authUrl: 'http://127.0.0.1:8080/token' },
      simulated(3, 'highmobility'),
    ]);
  });
});

describe('push feeds', () => {
  test('governance registers an OEM\'s push feeds through Polkadot.js, the chain checks their hosts and certificates, dimo_pushFeeds lists them', async () => {
    // A real CA certificate (the pallet's test vector), as an operator exports it in DER.
    const vehicleCa = readFileSync(new URL('../../pallets/anchoring/src/tests/testdata/vehicle-ca.der', import.meta.url));
    const mqtt = (host) => ({ mqtt: { api: 'Smartcar', host, port: 8883, topicPrefix: 'dimo/dev', serverCa: null } });
    const sudoResult = (events) => events.find(({ event }) => api.events.sudo.Sudid.is(event)).event.data.sudoResult;

    const refused = await sendAndWaitInBlock(api.tx.anchoring.setPushFeed(2, mqtt('localhost')), alice);
    assert.equal(moduleError(api, refused.dispatchError), 'BadOrigin');
    // An address is not a name a certificate can be checked against.
    const byAddress = sudoResult(await ok(api.tx.sudo.sudo(api.tx.anchoring.setPushFeed(2, mqtt('127.0.0.1'))), alice));
    assert.equal(moduleError(api, byAddress.asErr), 'anchoring.MalformedFeedHost');
    const truncated = sudoResult(await ok(api.tx.sudo.sudo(
      api.tx.anchoring.setPushFeed(1, { fleetTelemetry: { vehicleCa: u8aToHex(vehicleCa.subarray(1)) } })), alice));
    assert.equal(moduleError(api, truncated.asErr), 'anchoring.MalformedCaCertificate');

    // The dev chain allows `localhost` (loopback sources); the event carries the feed.
    const events = await ok(api.tx.sudo.sudo(api.tx.anchoring.setPushFeed(2, mqtt('localhost'))), alice);
    const set = events.find(({ event }) => api.events.anchoring.PushFeedSet.is(event));
    assert.equal(set.event.data.oem.toNumber(), 2);
    assert.equal(set.event.data.feed.asMqtt.host.toUtf8(), 'localhost');
    await ok(api.tx.sudo.sudo(api.tx.anchoring.setPushFeed(1, { fleetTelemetry: { vehicleCa: u8aToHex(vehicleCa) } })), alice);
    assert.ok((await api.query.anchoring.pushFeeds(1)).unwrap().isFleetTelemetry);

    const fingerprint = `0x${createHash('sha256').update(vehicleCa).digest('hex')}`;
    assert.deepEqual((await rpc('dimo_pushFeeds')).sort((a, b) => a.oem - b.oem), [
      { oem: 1, kind: 'fleetTelemetry', api: null, host: null, port: null, topic: null, ca: { sha256: fingerprint, derHex: u8aToHex(vehicleCa) } },
      { oem: 2, kind: 'mqtt', api: 'smartcar', host: 'localhost', port: 8883, topic: 'dimo/dev', ca: null },
    ]);
    const removed = await ok(api.tx.sudo.sudo(api.tx.anchoring.removePushFeed(2)), alice);
    assert.ok(removed.some(({ event }) => api.events.anchoring.PushFeedRemoved.is(event)));
    assert.deepEqual((await rpc('dimo_pushFeeds')).map(({ oem }) => oem), [1]);
  });
});

describe('anchors', () => {
  test('the runtime takes the extensions this test encodes', () => {
    const names = api.registry.signedExtensions;
    assert.deepEqual(names, EXTENSIONS.map(([name]) => name));
  });

  test('a collector anchors without fee or nonce, and dimo_anchors reads it back', async () => {
    const vehicle = await onboard(ferdie);
    const before = await api.query.system.account(ferdie.address);
    const at = Date.now();
    const sent = record(vehicle, at);
    const hex = anchorExtrinsic(ferdie, [sent]);
    await submit(hex);
    const [anchor] = await anchorsOf(vehicle, 1);
    assert.equal(anchor.seq, 0);
    assert.equal(anchor.cidHex, sent.cid);
    assert.match(anchor.cid, /^bafkrei[a-z2-7]{52}$/);
    assert.equal(anchor.backend, 'ipfs');
    assert.equal(anchor.observedFrom, at);
    assert.equal(anchor.collector, ferdie.address);
    assert.equal(anchor.size, sent.size);
    const after = await api.query.system.account(ferdie.address);
    assert.equal(after.data.free.toBigInt(), before.data.free.toBigInt(), 'the collector paid no fee');
    assert.equal(after.nonce.toNumber(), before.nonce.toNumber(), 'the collector used no nonce');

    // The same transaction again: the pool still knows its hash (1013), or finds it stale.
    await assert.rejects(submit(hex), (error) => error.code === 1013 || (error.code === 1010 && /outdated/i.test(error.data)));
    // The same reading in other bytes: the runtime finds its window stale (1010, outdated).
    const again = anchorExtrinsic(ferdie, [{ ...sent, size: sent.size + 1 }]);
    await assert.rejects(submit(again), (error) => error.code === 1010 && /outdated/i.test(error.data));
    // The next reading gets the next sequence number.
    await submit(anchorExtrinsic(ferdie, [record(vehicle, at + 60_000)]));
    const anchors = await anchorsOf(vehicle, 2);
    assert.deepEqual(anchors.map((a) => a.seq), [0, 1]);
    assert.deepEqual((await rpc('dimo_anchors', vehicle, 1, 10)).map((a) => a.seq), [1]);
  });

  test('a window dated ahead of the chain is refused, so it cannot lock a vehicle', async () => {
    const vehicle = await onboard(ferdie);
    const at = Date.now();
    // An attack: a window ending at the end of time would make every later reading stale.
    const endOfTime = { ...record(vehicle, at), observedTo: 2n ** 64n - 1n };
    await assert.rejects(submit(anchorExtrinsic(ferdie, [endOfTime])), (error) => error.code === 1010);
    // Ten minutes ahead is past the tolerance (two minutes) as well.
    const ahead = { ...record(vehicle, at), observedTo: at + 10 * 60_000 };
    await assert.rejects(submit(anchorExtrinsic(ferdie, [ahead])), (error) => error.code === 1010);
    // An honest reading still anchors.
    await submit(anchorExtrinsic(ferdie, [record(vehicle, at)]));
    assert.equal((await anchorsOf(vehicle, 1))[0].observedTo, at);
  });

  test('a content id copied from the pool by another collector does not sink the honest batch', async () => {
    // Governance registers a second collector, which its own vehicle consents to.
    const mallory = fresh();
    await ok(api.tx.sudo.sudo(api.tx.anchoring.registerCollector(u8aToHex(mallory.publicKey))), alice);
    const [honestCar, otherHonestCar] = await onboardMany(ferdie, 2);
    const mallorysCar = await onboard(mallory);
    const at = Date.now();
    const pending = [record(honestCar, at), record(otherHonestCar, at + 1)];
    // Mallory anchors the first pending record's content id under its own vehicle first.
    await submit(anchorExtrinsic(mallory, [{ ...pending[0], vehicle: mallorysCar }]));
    assert.equal((await anchorsOf(mallorysCar, 1))[0].cidHex, pending[0].cid);
    // The honest batch goes in whole.
    await submit(anchorExtrinsic(ferdie, pending));
    assert.equal((await anchorsOf(honestCar, 1))[0].cidHex, pending[0].cid);
    assert.equal((await anchorsOf(otherHonestCar, 1))[0].cidHex, pending[1].cid);
  });

  test('a collector holds one batch in the pool at a time, so it cannot crowd out a block', async () => {
    // An attack: 60 single-record batches, no fee, no nonce, top priority. Sent
    // back to back, the pool takes the first and refuses the others (the same per-collector
    // tag, no higher priority: 1014), whatever readings they carry. A block imported between
    // two of the submissions would let the next one in: then the round is tried again.
    let outcome;
    for (let round = 0; round < 3; round += 1) {
      const vehicles = await onboardMany(ferdie, 4);
      const at = Date.now();
      const sent = await Promise.allSettled(vehicles.map((vehicle) => submit(anchorExtrinsic(ferdie, [record(vehicle, at)]))));
      outcome = { vehicles, sent };
      const taken = sent.filter((s) => s.status === 'fulfilled').length;
      if (taken === 1) break;
      // Let what was taken land before the next round.
      for (const [i, s] of sent.entries()) if (s.status === 'fulfilled') await anchorsOf(vehicles[i], 1);
    }
    const { vehicles, sent } = outcome;
    const taken = sent.findIndex((s) => s.status === 'fulfilled');
    assert.equal(sent.filter((s) => s.status === 'fulfilled').length, 1, 'the pool took one batch');
    for (const refused of sent.filter((s) => s.status === 'rejected')) {
      assert.equal(refused.reason.code, 1014, refused.reason.message);
    }
    // Once it is in a block, the collector's next batch is taken.
    await anchorsOf(vehicles[taken], 1);
    const next = vehicles[(taken + 1) % vehicles.length];
    await submit(anchorExtrinsic(ferdie, [record(next, Date.now())]));
    assert.equal((await anchorsOf(next, 1)).length, 1);
  });

  test('the pool refuses batches the chain would refuse', async () => {
    const vehicle = await onboard(ferdie);
    const stranger = keyring.addFromUri('//Eve');
    // Not a registered collector.
    await assert.rejects(submit(anchorExtrinsic(stranger, [record(vehicle, 1)])), (error) => error.code === 1010);
    // A vehicle whose owner consented to someone else.
    const elsewhere = await onboard(stranger);
    await assert.rejects(submit(anchorExtrinsic(ferdie, [record(elsewhere, 1)])), (error) => error.code === 1010);
    // The owner's backend is IPFS, not Local.
    await assert.rejects(submit(anchorExtrinsic(ferdie, [record(vehicle, 1, 'Local')])), (error) => error.code === 1010);
    // A signature over another batch.
    const good = anchorExtrinsic(ferdie, [record(vehicle, 5)]);
    const forged = good.slice(0, -10) + (good.slice(-10, -8) === 'ff' ? '00' : 'ff') + good.slice(-8);
    await assert.rejects(submit(forged), (error) => error.code === 1010);
    assert.deepEqual(await rpc('dimo_anchors', vehicle, null, null), []);
  });
});

describe('commitments', () => {
  /** A committed record of `vehicle` (a JS object in the runtime API's shape). */
  const committedRecord = (vehicle, seq, at, backend = 'Ipfs') => {
    const { cid, size } = record(vehicle, at, backend);
    return { vehicle, seq, cid, size, backend, arweaveTx: null, observedFrom: at, observedTo: at };
  };

  /** Waits until `collector`'s commitments reach `next` (its head's next index). */
  const committedUpTo = (collector, next) => until(`commitment ${next - 1} of ${collector.address}`, async () => {
    const head = await api.call.anchoringApi.commitmentHead(collector.address);
    return head.nextIndex.toNumber() >= next ? head : null;
  }, { everyMs: 500, timeoutMs: 60_000 });

  const verify = async (collector, index, rec, proof) => {
    const result = await api.call.anchoringApi.verifyCommitted(collector.address, index, rec, proof);
    return result.isOk ? 'Ok' : result.asErr.type;
  };

  test('a commitment anchors a window of records in one transaction; each record proves, from Polkadot.js, with the documented algorithm', async () => {
    const collector = fresh();
    await ok(api.tx.sudo.sudo(api.tx.anchoring.registerCollector(u8aToHex(collector.publicKey))), alice);
    const [car, otherCar] = await onboardMany(collector, 2);
    const at = Date.now() - 60_000;
    const records = [
      committedRecord(car, 0, at), committedRecord(otherCar, 0, at + 1), committedRecord(car, 1, at + 2),
    ];
    // The leaf bytes written from the documentation are the runtime's SCALE encoding.
    const recordType = api.tx.anchoring.claimActivity.meta.args[2].type.toString();
    for (const r of records) assert.equal(u8aToHex(leafBytes(r)), u8aToHex(api.registry.createType(recordType, r).toU8a()));
    const rows = merkleRows(records.map(leafHash));
    const root = u8aToHex(merkleRoot(records.map(leafHash)));
    const commitment = { index: 0, root, leafCount: 3, windowFrom: at, windowTo: at + 2 };

    // Signed by another key: refused by the pool. Then the collector's: no fee, no nonce.
    await assert.rejects(submit(commitExtrinsic(api, collector, commitment, { signer: fresh() })), (error) => error.code === 1010);
    const before = await api.query.system.account(collector.address);
    await submit(commitExtrinsic(api, collector, commitment));
    await committedUpTo(collector, 1);
    const stored = (await api.query.anchoring.commitments(collector.address, 0)).unwrap();
    assert.equal(stored.root.toHex(), root);
    assert.equal(stored.leafCount.toNumber(), 3);
    const after = await api.query.system.account(collector.address);
    assert.equal(after.data.free.toBigInt(), before.data.free.toBigInt(), 'the collector paid no fee');
    // The same commitment again (a replay), or one that skips an index: refused by the pool.
    await assert.rejects(submit(commitExtrinsic(api, collector, commitment)), (error) => [1010, 1013].includes(error.code));
    await assert.rejects(submit(commitExtrinsic(api, collector, { ...commitment, index: 2 })), (error) => error.code === 1010);

    // Every record proves; a changed record, another record's proof, or another index do not.
    for (const [i, r] of records.entries()) assert.equal(await verify(collector, 0, r, merkleProof(rows, i)), 'Ok', `record ${i}`);
    assert.equal(await verify(collector, 0, { ...records[0], size: records[0].size + 1 }, merkleProof(rows, 0)), 'BadProof');
    assert.equal(await verify(collector, 0, records[1], merkleProof(rows, 0)), 'BadProof');
    assert.equal(await verify(collector, 1, records[0], merkleProof(rows, 0)), 'UnknownCommitment');
    // A record of a vehicle that never consented to this collector, committed all the same.
    const stranger = await onboard(ferdie);
    const strangers = [committedRecord(stranger, 0, at + 10)];
    await submit(commitExtrinsic(api, collector, {
      index: 1, root: u8aToHex(merkleRoot(strangers.map(leafHash))), leafCount: 1, windowFrom: at + 10, windowTo: at + 10,
    }));
    await committedUpTo(collector, 2);
    assert.equal(await verify(collector, 1, strangers[0], merkleProof(merkleRows(strangers.map(leafHash)), 0)), 'NotConsented');
  });

  test('a proved record counts its vehicle as active once; consent revoked later does not unmake it', async () => {
    const collector = fresh();
    await ok(api.tx.sudo.sudo(api.tx.anchoring.registerCollector(u8aToHex(collector.publicKey))), alice);
    const owner = fresh();
    await ok(api.tx.balances.transferKeepAlive(owner.address, 10n * DIMO), alice);
    const car = await onboardVehicle(api, owner, { backend: 'Ipfs', collector: collector.address });
    const at = Date.now() - 60_000;
    const records = [committedRecord(car, 0, at), committedRecord(car, 1, at + 1_000)];
    const rows = merkleRows(records.map(leafHash));
    await submit(commitExtrinsic(api, collector, {
      index: 0, root: u8aToHex(merkleRoot(records.map(leafHash))), leafCount: 2, windowFrom: at, windowTo: at + 1_000,
    }));
    await committedUpTo(collector, 1);
    // The owner revokes the collector: what it committed while consented still proves.
    await ok(api.tx.vehicles.revokeCollector(car, collector.address), owner);
    assert.equal(await verify(collector, 0, records[0], merkleProof(rows, 0)), 'Ok');

    const claim = (r, i) => api.tx.anchoring.claimActivity(collector.address, 0, r, merkleProof(rows, i));
    const events = await ok(claim(records[0], 0), owner);
    const claimed = events.find(({ event }) => api.events.anchoring.ActivityClaimed.is(event));
    assert.ok(claimed, 'ActivityClaimed');
    assert.equal(claimed.event.data.vehicle.toNumber(), car);
    assert.equal(claimed.event.data.observedTo.toNumber(), at);
    assert.equal((await api.query.anchoring.claimHeads(car)).unwrap().toNumber(), at);
    // The same reading again is stale; a bad proof is refused; the later reading counts.
    assert.equal(await sendFailing(api, claim(records[0], 0), owner), 'anchoring.StaleClaim');
    assert.equal(await sendFailing(api, claim(records[1], 0), owner), 'anchoring.BadProof');
    await ok(claim(records[1], 1), owner);
    assert.equal((await api.query.anchoring.claimHeads(car)).unwrap().toNumber(), at + 1_000);
  });
});
