// The $DIMO emission on a dev chain, as a vehicle owner and an auditor see it: a real
// `dimo-node --dev` process (one-minute epochs), @polkadot/api for transactions and events,
// and the node's dimo_issuance / dimo_pendingRewards JSON-RPC methods over HTTP.
//
// Covers: an epoch passes, the mint and split events appear, the emission goes into the budgets
// (no account, the total issuance unchanged), an owner with an active vehicle claims, the claim
// mints the reward into its account, and its balance moves by the expected amount (the reward
// minus the fee).
//
// Activity is recorded with `issuance.recordActivity` through sudo, the dev chain's stand-in for
// governance, so that this file needs no collector: on a running chain the anchors report it.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomAsHex } from '@polkadot/util-crypto';
import { waitForBlock, sendOk, sendFailing } from '../lib/node.js';
import { DIMO, fresh, keyring, nodeForFile, registeredVehicle } from '../lib/chain.js';

const PERBILL = 1_000_000_000n;
const dev = nodeForFile();
let api;
let alice;

const rpc = dev.rpc;

const ok = (tx, signer) => sendOk(api, tx, signer);
const fails = (tx, signer) => sendFailing(api, tx, signer);

/** Events of the block at height `n`, with their phase. */
async function eventsAt(n) {
  const hash = await api.rpc.chain.getBlockHash(n);
  return (await api.at(hash)).query.system.events();
}

const free = async (who) => (await api.query.system.account(who)).data.free.toBigInt();

before(async () => {
  ({ api } = await dev.ready);
  alice = keyring.addFromUri('//Alice');
});

describe('issuance', () => {
  test('dimo_issuance shows DIMO\'s schedule with one-minute epochs', async () => {
    const info = await rpc('dimo_issuance');
    assert.equal(info.epochLength, 10);
    assert.equal(info.epochsPerDecay, 52);
    assert.equal(info.decayPerbill, 150_000_000);
    assert.equal(info.epochEmission, (1_105_000n * DIMO).toString());
    assert.equal(info.supplyCap, (1_000_000_000n * DIMO).toString());
    // The cap bounds what accounts hold and what the budgets hold, to be minted as they pay.
    assert.equal(BigInt(info.remainingUnderCap),
      BigInt(info.supplyCap) - BigInt(info.totalIssuance) - BigInt(info.unpaidBudgets));
    assert.equal(info.totalIssuance, (await api.query.balances.totalIssuance()).toString());
    assert.equal(info.unpaidBudgets, (await api.query.issuance.unpaidBudgets()).toString());
    assert.equal(info.dataProvidersPerbill + info.daoPerbill + info.dteamsPerbill, 1_000_000_000);
    assert.equal(info.nextEpochAt, info.epochStartedAt + info.epochLength);
  });

  test('an epoch passes, the mint is split, and the owner of an active vehicle claims it', async () => {
    const [owner, reader] = [fresh(), fresh()];
    await ok(api.tx.utility.batchAll([
      api.tx.balances.transferKeepAlive(owner.address, 100n * DIMO),
      api.tx.balances.transferKeepAlive(reader.address, 10n * DIMO),
    ]), alice);

    // A vehicle with one grant to a data consumer that governance registered: demand adds 10%
    // to its points. A grant to an account that is not a consumer (the owner's own spare
    // account) adds nothing.
    const spare = fresh();
    await ok(api.tx.sudo.sudo(api.tx.dataAccess.addDataConsumer(reader.address)), alice);
    const registered = await ok(api.tx.vehicles.register(1, randomAsHex(32), null), owner);
    const vehicle = registeredVehicle(api, registered);
    await ok(api.tx.dataAccess.grantMany(vehicle, [reader.address, spare.address], [{ stream: 'NonLocationData', until: null }]), owner);

    // Its data arrives: governance (sudo on dev) records the activity.
    const events = await ok(api.tx.sudo.sudo(api.tx.issuance.recordActivity([vehicle])), alice);
    const sudid = events.find(({ event }) => api.events.sudo.Sudid.is(event));
    assert.ok(sudid.event.data.sudoResult.isOk, 'recordActivity succeeded');
    const earned = events.find(({ event }) => api.events.issuance.PointsEarned.is(event));
    assert.ok(earned, 'a PointsEarned event');
    assert.equal(earned.event.data.points.toNumber(), 6_600);
    assert.equal(earned.event.data.rewardedGrants.toNumber(), 1);
    assert.equal(earned.event.data.creditedTo.toString(), owner.address);

    const epoch = earned.event.data.epoch.toNumber();
    const now = await rpc('dimo_issuance');
    if (now.currentEpoch === epoch) {
      assert.equal((await rpc('dimo_pendingRewards', owner.address)).currentEpochPoints, 6_600);
      assert.equal(await fails(api.tx.issuance.claim(epoch), owner), 'issuance.EpochNotClosed');
    }

    // The epoch closes at the start of the first block of the next one.
    let latest = now;
    while (latest.currentEpoch <= epoch) {
      await waitForBlock(api, latest.nextEpochAt);
      latest = await rpc('dimo_issuance');
    }
    const boundaryBlock = latest.currentEpoch === epoch + 1 ? latest.epochStartedAt : now.nextEpochAt;
    const boundary = await eventsAt(boundaryBlock);
    const minted = boundary.find(({ event }) => api.events.issuance.Minted.is(event));
    const split = boundary.find(({ event }) => api.events.issuance.Split.is(event));
    assert.ok(minted && split, 'Minted and Split in the boundary block');
    assert.ok(minted.phase.isInitialization, 'minted in on_initialize');
    assert.equal(minted.event.data.epoch.toNumber(), epoch);
    const amount = minted.event.data.amount.toBigInt();
    assert.equal(amount, 1_105_000n * DIMO, 'the first year mints 1,105,000 DIMO an epoch');
    const { dataProviders, dteams, dao, totalPoints } = split.event.data;
    assert.equal(dataProviders.toBigInt() + dteams.toBigInt() + dao.toBigInt(), amount, 'the split adds up');
    assert.equal(dataProviders.toBigInt(), amount * BigInt(now.dataProvidersPerbill) / PERBILL);
    assert.equal(totalPoints.toNumber(), 6_600, 'only our vehicle was active');

    // The chain's own records agree with the events.
    const boundaryHash = await api.rpc.chain.getBlockHash(boundaryBlock);
    const atBoundary = await api.at(boundaryHash);
    const beforeBoundary = await api.at(await api.rpc.chain.getBlockHash(boundaryBlock - 1));
    // Minted into the budgets: no account received it, the total issuance did not move.
    assert.equal(minted.event.data.totalIssuance.toBigInt(),
      (await beforeBoundary.query.balances.totalIssuance()).toBigInt(), 'the boundary mints into no account');
    const unpaidBefore = (await beforeBoundary.query.issuance.unpaidBudgets()).toBigInt();
    assert.equal(minted.event.data.unpaidBudgets.toBigInt(), unpaidBefore + amount);
    assert.equal((await atBoundary.query.issuance.unpaidBudgets()).toBigInt(), unpaidBefore + amount);
    const mint = (await api.call.issuanceApi.mint(epoch)).unwrap();
    assert.equal(mint.minted.toBigInt(), amount);
    assert.equal(mint.dataProviders.toBigInt(), dataProviders.toBigInt());

    // The owner is owed the whole data-provider pot and claims it.
    const pending = await rpc('dimo_pendingRewards', owner.address);
    assert.deepEqual(pending.claimable.map((r) => [r.epoch, r.points, r.amount]),
      [[epoch, 6_600, dataProviders.toBigInt().toString()]]);
    const balanceBefore = await free(owner.address);
    const claimEvents = await ok(api.tx.issuance.claim(epoch), owner);
    const claimed = claimEvents.find(({ event }) => api.events.issuance.Claimed.is(event));
    assert.equal(claimed.event.data.amount.toBigInt(), dataProviders.toBigInt());
    // The reward pot mints what it pays into the owner's account as it pays it.
    const mintedToOwner = claimEvents.find(({ event }) => api.events.balances.Minted.is(event));
    assert.ok(mintedToOwner, 'the claim mints');
    assert.equal(mintedToOwner.event.data.who.toString(), owner.address);
    assert.equal(mintedToOwner.event.data.amount.toBigInt(), dataProviders.toBigInt());
    const fee = claimEvents.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event))
      .event.data.actualFee.toBigInt();
    assert.equal(await free(owner.address), balanceBefore + dataProviders.toBigInt() - fee);

    // Twice: nothing to claim; someone else: nothing to claim.
    assert.equal(await fails(api.tx.issuance.claim(epoch), owner), 'issuance.NothingToClaim');
    assert.equal(await fails(api.tx.issuance.claim(epoch), reader), 'issuance.NothingToClaim');
    assert.deepEqual((await rpc('dimo_pendingRewards', owner.address)).claimable, []);
  });

  test('a signed account cannot change the schedule', async () => {
    assert.match(await fails(api.tx.issuance.setEpochEmission(1n), alice), /BadOrigin/);
  });
});
