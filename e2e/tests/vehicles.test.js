// Vehicles, consent and live data access, as an owner and a data consumer see them: a real
// `dimo-node --dev` process, @polkadot/api for transactions, and the node's dimo_* JSON-RPC
// methods over HTTP for the questions.
//
// Covers: register, consent, grant, check through dimo_canRead, let the grant expire,
// transfer and see grants and consents gone; errors of calls and of the RPC methods.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomAsHex } from '@polkadot/util-crypto';
import { sendAndWaitInBlock, waitForBlock, moduleError, sendOk } from '../lib/node.js';
import { DIMO, fresh, keyring, nodeForFile, registeredVehicle } from '../lib/chain.js';

const dev = nodeForFile();
let api;
let alice;

const rpc = dev.rpc;

const ok = (tx, signer) => sendOk(api, tx, signer);

/** Funds fresh accounts from Alice in one batch. */
async function funded(count, amount = 100n * DIMO) {
  const accounts = Array.from({ length: count }, fresh);
  await ok(api.tx.utility.batchAll(accounts.map((a) => api.tx.balances.transferKeepAlive(a.address, amount))), alice);
  return accounts;
}

async function register(owner) {
  const events = await ok(api.tx.vehicles.register(1, randomAsHex(32), null), owner);
  return registeredVehicle(api, events);
}

async function bestNumber() {
  return (await api.rpc.chain.getHeader()).number.toNumber();
}

before(async () => {
  ({ api } = await dev.ready);
  alice = keyring.addFromUri('//Alice');
});

describe('an owner onboards a vehicle and shares its data', () => {
  test('register, consent, grant, expire, transfer', async () => {
    const [owner, grantee, collector, buyer] = await funded(4);

    // Register: the chain assigns the id and holds the deposit.
    const freeBefore = (await api.query.system.account(owner.address)).data.free.toBigInt();
    const vehicle = await register(owner);
    const deposit = api.consts.vehicles.vehicleDeposit.toBigInt();
    assert.equal((await api.query.system.account(owner.address)).data.reserved.toBigInt(), deposit);
    assert.ok((await api.query.system.account(owner.address)).data.free.toBigInt() < freeBefore - deposit);
    assert.deepEqual(await rpc('dimo_vehiclesOf', owner.address), [vehicle]);
    const record = await rpc('dimo_vehicle', vehicle);
    assert.equal(record.id, vehicle);
    assert.equal(record.owner, owner.address, 'accounts print in DIMO SS58 format');
    assert.equal(record.oem, 1);
    assert.equal(record.storage, 'local', 'nothing leaves the collector by default');
    assert.equal(record.deposit, deposit.toString());
    assert.equal(await rpc('dimo_vehicle', 999_999), null);

    // Consent: a collector, and IPFS as storage.
    await ok(api.tx.utility.batchAll([
      api.tx.vehicles.authorizeCollector(vehicle, collector.address, null),
      api.tx.vehicles.setStorage(vehicle, 'Ipfs'),
    ]), owner);
    assert.deepEqual(await rpc('dimo_consents', vehicle), {
      storage: 'ipfs',
      collectors: [{ collector: collector.address, until: null }],
    });

    // Grant: current location for a few blocks, non-location data with no expiry.
    const until = (await bestNumber()) + 5;
    const events = await ok(api.tx.dataAccess.grant(vehicle, grantee.address, [
      { stream: 'CurrentLocation', until },
      { stream: 'NonLocationData', until: null },
    ]), owner);
    const changed = events.find(({ event }) => api.events.dataAccess.AccessChanged.is(event));
    assert.ok(changed, 'an AccessChanged event');
    assert.deepEqual(changed.event.data.streams.toJSON(), [
      { stream: 'NonLocationData', until: null },
      { stream: 'CurrentLocation', until },
    ], 'the event carries the full new state, with named streams');

    assert.equal(await rpc('dimo_canRead', vehicle, grantee.address, 'currentLocation'), true);
    assert.equal(await rpc('dimo_canRead', vehicle, grantee.address, 'nonLocationData'), true);
    assert.equal(await rpc('dimo_canRead', vehicle, grantee.address, 'allTimeLocation'), false);
    assert.equal(await rpc('dimo_canRead', vehicle, buyer.address, 'currentLocation'), false);
    assert.equal(await rpc('dimo_canRead', vehicle, owner.address, 'rawData'), true, 'the owner reads everything');
    assert.deepEqual(await rpc('dimo_grants', vehicle), {
      owner: owner.address,
      public: [],
      admins: [],
      grants: [{
        grantee: grantee.address,
        streams: [{ stream: 'nonLocationData', until: null }, { stream: 'currentLocation', until }],
      }],
    });
    // The same answer straight from the runtime API, as Polkadot.js calls it.
    assert.equal((await api.call.dataAccessApi.canRead(vehicle, grantee.address, 'CurrentLocation')).isTrue, true);
    // A public stream: anyone reads it (until the vehicle changes hands).
    await ok(api.tx.dataAccess.setPublic(vehicle, [{ stream: 'ApproximateLocation', until: null }]), owner);
    assert.equal(await rpc('dimo_canRead', vehicle, buyer.address, 'approximateLocation'), true);
    assert.equal(await rpc('dimo_canRead', vehicle, buyer.address, 'currentLocation'), false);
    await canReadAgreesWithTheRuntime(vehicle, [owner, grantee, buyer]);

    // Expiry: at block `until` the location stream reads as absent, with no cleanup.
    await waitForBlock(api, until);
    assert.equal(await rpc('dimo_canRead', vehicle, grantee.address, 'currentLocation'), false);
    assert.equal(await rpc('dimo_canRead', vehicle, grantee.address, 'nonLocationData'), true);
    await canReadAgreesWithTheRuntime(vehicle, [owner, grantee, buyer]);
    const old = await api.rpc.chain.getBlockHash(until - 1);
    assert.equal(await rpc('dimo_canRead', vehicle, grantee.address, 'currentLocation', old.toHex()), true,
      'the answer at an earlier block is the one of that block');

    // Transfer: an offer, which changes nothing until the buyer accepts it; then every grant and
    // consent of the old owner is gone.
    await ok(api.tx.vehicles.transfer(vehicle, buyer.address), owner);
    assert.deepEqual(await rpc('dimo_vehiclesOf', buyer.address), []);
    assert.equal(await rpc('dimo_canRead', vehicle, grantee.address, 'nonLocationData'), true);
    await ok(api.tx.vehicles.acceptTransfer(vehicle), buyer);
    assert.equal(await rpc('dimo_canRead', vehicle, grantee.address, 'nonLocationData'), false);
    assert.equal(await rpc('dimo_canRead', vehicle, owner.address, 'nonLocationData'), false);
    assert.equal(await rpc('dimo_canRead', vehicle, buyer.address, 'nonLocationData'), true);
    assert.equal(await rpc('dimo_canRead', vehicle, grantee.address, 'approximateLocation'), false, 'the old owner\'s public stream');
    assert.deepEqual(await rpc('dimo_grants', vehicle), { owner: buyer.address, public: [], admins: [], grants: [] });
    await canReadAgreesWithTheRuntime(vehicle, [owner, grantee, buyer]);
    assert.deepEqual(await rpc('dimo_consents', vehicle), { storage: 'local', collectors: [] });
    assert.deepEqual(await rpc('dimo_vehiclesOf', buyer.address), [vehicle]);
    assert.deepEqual(await rpc('dimo_vehiclesOf', owner.address), []);
    assert.equal((await rpc('dimo_vehicle', vehicle)).transfers, 1);
  });
});

/**
 * dimo_canRead reads the state natively and decides with the runtime's own rule
 * (pallet_data_access::may_read): at one block, for every stream and each of `accounts`, it must
 * answer what the runtime API answers.
 */
async function canReadAgreesWithTheRuntime(vehicle, accounts) {
  const hash = await api.rpc.chain.getBlockHash();
  const atBlock = await api.at(hash);
  const streams = ['NonLocationData', 'CurrentLocation', 'AllTimeLocation', 'ApproximateLocation', 'LiveDataSubscription', 'RawData', 'VinCredential'];
  for (const account of accounts) {
    for (const stream of streams) {
      const name = stream[0].toLowerCase() + stream.slice(1);
      const native = await rpc('dimo_canRead', vehicle, account.address, name, hash.toHex());
      const runtime = (await atBlock.call.dataAccessApi.canRead(vehicle, account.address, stream)).isTrue;
      assert.equal(native, runtime, `${name} for ${account.address} at ${hash.toHex()}`);
    }
  }
}

describe('refusals', () => {
  test('calls fail with the pallets\' own errors', async () => {
    const [owner, stranger] = await funded(2);
    const vehicle = await register(owner);
    let result = await sendAndWaitInBlock(
      api.tx.dataAccess.grant(vehicle, stranger.address, [{ stream: 'RawData', until: null }]), stranger);
    assert.equal(moduleError(api, result.dispatchError), 'dataAccess.NotOwnerOrAdmin');
    result = await sendAndWaitInBlock(api.tx.vehicles.transfer(vehicle, stranger.address), stranger);
    assert.equal(moduleError(api, result.dispatchError), 'vehicles.NotOwner');
    result = await sendAndWaitInBlock(
      api.tx.dataAccess.grant(vehicle, stranger.address, [{ stream: 'RawData', until: 1 }]), owner);
    assert.equal(moduleError(api, result.dispatchError), 'dataAccess.ExpiryNotInFuture');
    // The error's documentation reaches the client through the metadata.
    const meta = api.registry.findMetaError(result.dispatchError.asModule);
    assert.match(meta.docs.join(' '), /not in the future/);
  });

  test('RPC methods reject an unknown stream with a typed error', async () => {
    await assert.rejects(rpc('dimo_canRead', 0, alice.address, 'location'), (error) => {
      assert.equal(error.code, 2);
      assert.match(error.data, /currentLocation/);
      return true;
    });
  });
});
