// Pushed readings on a real collector node: the path from the push inbox to the chain.
//
// A real `dimo-node --dev` in commitment mode, with a Fleet Telemetry push feed registered for
// Tesla through sudo. To test the inbox's path apart from any receiver (mqtt, kafka and
// fleet-telemetry.test.js run those), this test does what a receiver does, through the node's own
// RPC: it writes a segment of pushed readings to the node's offchain storage
// (`offchain_localStorageSet`, the bytes first, then the inbox's list naming them), in the SCALE
// layout of `dimo_offchain::push_inbox`. Then, with @polkadot/api and the node's RPC only: the
// worker commits the readings of the registered, consenting car (by the OEM's observation
// times), drops the others (a VIN that no vehicle holds, a car that consents to no collector of
// ours, an OEM without a push feed), releases the segment, and the owner reads the pushed reading
// through the gateway.

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TypeRegistry } from '@polkadot/types';
import { blake2AsHex } from '@polkadot/util-crypto';
import { hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { startNode, rpcCall, sendOk } from '../lib/node.js';
import { DIMO, fresh, keyring, onboard as onboardVehicle, until } from '../lib/chain.js';
import { streamAuth } from '../lib/streams.js';

let node;
let alice;
let ferdie;

const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
const api = () => node.api;

// The SCALE layout of `dimo_offchain::push_inbox`, as a receiver writes it.
const registry = new TypeRegistry();
registry.register({
  PushKind: { _enum: ['Mqtt', 'Kafka', 'FleetTelemetry'] },
  PushedReading: {
    oem: 'u32', kind: 'PushKind', oemRef: 'Bytes', observedAtMs: 'u64', receivedAtMs: 'u64',
    signals: 'BTreeMap<Text, i64>', raw: 'Option<Bytes>',
  },
  InboxSegment: { seq: 'u64', readings: 'u32', bytes: 'u32', oldestMs: 'u64' },
  Inbox: { segments: 'Vec<InboxSegment>', nextSeq: 'u64' },
});
const INBOX_KEY = stringToU8a('dimo/collector/push-inbox');
const segmentKey = (seq) => u8aConcat(stringToU8a('dimo/collector/push-inbox/segment/'), registry.createType('u64', seq).toU8a().reverse());

/** The inbox's list as the node holds it. */
async function readInbox() {
  const held = await rpc('offchain_localStorageGet', 'PERSISTENT', u8aToHex(INBOX_KEY));
  return registry.createType('Inbox', held ? hexToU8a(held) : new Uint8Array());
}

/** Writes `readings` as the inbox's next segment, as a receiver does: bytes, then the list. */
async function pushSegment(readings) {
  const inbox = await readInbox();
  const seq = inbox.nextSeq.toNumber();
  const bytes = registry.createType('Vec<PushedReading>', readings).toU8a();
  await rpc('offchain_localStorageSet', 'PERSISTENT', u8aToHex(segmentKey(seq)), u8aToHex(bytes));
  const listed = registry.createType('Inbox', {
    segments: [...inbox.segments.map((s) => s.toJSON()), { seq, readings: readings.length, bytes: bytes.length, oldestMs: Date.now() }],
    nextSeq: seq + 1,
  });
  await rpc('offchain_localStorageSet', 'PERSISTENT', u8aToHex(INBOX_KEY), listed.toHex());
  return seq;
}

const pushed = (oem, vin, observedAtMs, speedKph) => ({
  oem, kind: 'FleetTelemetry', oemRef: u8aToHex(stringToU8a(vin)), observedAtMs, receivedAtMs: observedAtMs + 50,
  signals: new Map([['speedKph', speedKph]]), raw: null,
});

before(async () => {
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
  node = await startNode({
    chain: 'dev',
    basePath: mkdtempSync(join(tmpdir(), 'dimo-push-')),
    extraArgs: ['--collector-anchor', 'commitments'],
  });
  await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
  // The node's sealing key is made with the first secret an operator stores (an OAuth client
  // here); pushed readings are sealed with the vehicles' content keys under it.
  await rpc('collector_setOemClient', 1, 'dimo-dev-client', 'dimo-dev-secret');
  // Fleet Telemetry for Tesla (OEM 1): the CA's shape only matters to the chain here.
  await sendOk(api(), api().tx.sudo.sudo(api().tx.anchoring.setPushFeed(1, { fleetTelemetry: { vehicleCa: '0x3000' } })), alice);
});

after(async () => {
  await node?.stop();
});

describe('pushed readings', () => {
  test('the worker commits the pushed readings of a registered, consenting car, drops the rest, and the owner reads them', async () => {
    const owner = fresh();
    const stranger = fresh();
    await sendOk(api(), api().tx.utility.batchAll([owner, stranger].map((who) => api().tx.balances.transferKeepAlive(who.address, 10n * DIMO))), alice);
    const vin = '5YJ3E1EA7KF000316';
    const vehicle = await onboardVehicle(api(), owner, { oem: 1, oemRefHash: blake2AsHex(vin), backend: 'Local', collector: ferdie.address });
    // Registered, but consenting to no collector: its pushed readings are never stored.
    const otherVin = '5YJ3E1EA7KF000999';
    await sendOk(api(), api().tx.vehicles.register(1, blake2AsHex(otherVin), null), stranger);

    const now = Date.now();
    const [t1, t2] = [now - 4_000, now - 2_000];
    const seq = await pushSegment([
      pushed(1, vin, t2, 88),
      pushed(1, vin, t1, 80),
      pushed(1, 'NO-SUCH-VIN', t1, 1),
      pushed(1, otherVin, t1, 1),
      pushed(9, vin, t1, 1),
    ]);

    // The commitment holds the registered car's two readings, by observation time.
    const committed = await until('the pushed readings committed', async () => {
      const answer = await rpc('dimo_anchorProof', vehicle, 1);
      return answer?.committedAt != null ? answer : null;
    }, { timeoutMs: 120_000, everyMs: 1_000 });
    assert.equal(committed.record.observedFrom, t2);
    const first = await rpc('dimo_anchorProof', vehicle, 0);
    assert.equal(first.record.observedFrom, t1);
    assert.equal(first.commitment, committed.commitment, 'one commitment');
    const info = (await api().query.anchoring.commitments(ferdie.address, committed.commitment)).unwrap();
    assert.equal(info.leafCount.toNumber(), 2, 'nothing of the other cars or of an OEM without a feed');

    // The segment left the inbox, its bytes with it.
    await until('the segment released', async () => (await readInbox()).segments.length === 0 || null, { timeoutMs: 30_000, everyMs: 1_000 });
    assert.equal(await rpc('offchain_localStorageGet', 'PERSISTENT', u8aToHex(segmentKey(seq))), null);

    // The owner reads the pushed readings through the gateway, as polled ones.
    const genesis = api().genesisHash.toHex();
    const readings = await rpc('dimo_readStream', vehicle, 'nonLocationData', streamAuth(genesis, owner, vehicle, 'nonLocationData', 1_000_000), null, 10);
    const speeds = readings.map((r) => [r.observedAt, r.record.signals.speedKph]).sort((a, b) => a[0] - b[0]);
    assert.deepEqual(speeds, [[t1, 80], [t2, 88]]);
  });
});
