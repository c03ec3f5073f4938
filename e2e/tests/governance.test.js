// DAO governance on a dev chain, with no sudo involved: a real `dimo-node --dev` process (whose
// preset makes every governance period a minute or less) driven by @polkadot/api as DIMO
// holders and the technical committee would drive it from Polkadot.js Apps.
//
// Covers: note a preimage that changes an issuance parameter, propose it with a
// deposit, second it, let it launch, vote with conviction from several accounts (one by
// delegation), let it pass and be enacted, and read the new parameter on chain; then a second
// proposal that the committee cancels leaves the parameter unchanged.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { blake2AsHex } from '@polkadot/util-crypto';
import { sendOk, sendFailing } from '../lib/node.js';
import { DIMO, keyring, nodeForFile, until as untilShared } from '../lib/chain.js';

const dev = nodeForFile();
let api;
let alice, bob, charlie, dave, eve;

const ok = (tx, signer) => sendOk(api, tx, signer);

/** Polls `check` every two seconds (a third of a block) until it returns a truthy value; returns it. */
const until = (what, check) => untilShared(what, check, { everyMs: 2_000 });

const emission = async () => (await api.query.issuance.epochEmission()).toBigInt();

/** Notes the preimage of `call` from Alice, proposes it with the minimum deposit, Bob seconds. */
async function proposePublicly(call) {
  const encoded = call.method.toHex();
  const hash = blake2AsHex(encoded);
  const len = (encoded.length - 2) / 2;
  await ok(api.tx.preimage.notePreimage(encoded), alice);
  assert.ok((await api.query.preimage.requestStatusFor(hash)).isSome, 'the preimage is stored');
  const deposit = api.consts.democracy.minimumDeposit.toBigInt();
  const index = (await api.query.democracy.publicPropCount()).toNumber();
  await ok(api.tx.democracy.propose({ Lookup: { hash, len } }, deposit), alice);
  await ok(api.tx.democracy.second(index), bob);
  const deposits = (await api.query.democracy.depositOf(index)).unwrap();
  assert.equal(deposits[0].length, 2, 'proposer and seconder');
  // It becomes a referendum at the next launch.
  const referendum = (await api.query.democracy.referendumCount()).toNumber();
  await until('the referendum to launch', async () => (await api.query.democracy.referendumInfoOf(referendum)).isSome);
  return { referendum, hash };
}

const standard = (aye, conviction, balance) => ({ Standard: { vote: { aye, conviction }, balance } });

before(async () => {
  ({ api } = await dev.ready);
  [alice, bob, charlie, dave, eve] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'].map((uri) => keyring.addFromUri(uri));
});

describe('governance', () => {
  test('a proposal is noted, proposed, seconded, voted with conviction and delegation, and enacted', async () => {
    const newEmission = 1_234_567n * DIMO;
    assert.notEqual(await emission(), newEmission);
    const { referendum, hash } = await proposePublicly(api.tx.issuance.setEpochEmission(newEmission));

    const info = (await api.query.democracy.referendumInfoOf(referendum)).unwrap().asOngoing;
    assert.equal(info.proposal.asLookup.hash_.toHex(), hash);
    assert.ok(info.threshold.isSuperMajorityApprove, 'public proposals need a super-majority to pass');

    // Eve delegates to Dave; Charlie, Dave and Bob vote.
    await ok(api.tx.democracy.delegate(dave.address, 'Locked2x', 2_000n * DIMO), eve);
    await ok(api.tx.democracy.vote(referendum, standard(true, 'Locked3x', 1_000n * DIMO)), charlie);
    await ok(api.tx.democracy.vote(referendum, standard(true, 'Locked1x', 500n * DIMO)), dave);
    await ok(api.tx.democracy.vote(referendum, standard(false, 'None', 100n * DIMO)), bob);

    // The tally counts conviction and the delegation: 1,000×3 + 500×1 + 2,000×2 for,
    // 100×0.1 against.
    const { tally } = (await api.query.democracy.referendumInfoOf(referendum)).unwrap().asOngoing;
    assert.equal(tally.ayes.toBigInt(), 7_500n * DIMO);
    assert.equal(tally.nays.toBigInt(), 10n * DIMO);
    assert.equal(tally.turnout.toBigInt(), 3_600n * DIMO);

    // What Polkadot.js Apps' democracy page shows comes from these derives.
    const shown = await api.derive.democracy.referendums();
    const mine = shown.find((r) => r.index.toNumber() === referendum);
    assert.ok(mine, 'the referendum is listed');
    assert.equal(mine.allAye.length, 3, 'Charlie, Dave and Eve (delegated) are ayes');
    assert.equal(mine.votedAye.toBigInt(), 7_500n * DIMO, 'the conviction-weighted ayes');
    assert.equal(mine.votedNay.toBigInt(), 10n * DIMO, 'the conviction-weighted nays');
    // The proposal's preimage decodes to the call that was proposed.
    const len = info.proposal.asLookup.len.toNumber();
    const bytes = (await api.query.preimage.preimageFor([hash, len])).unwrap();
    const proposed = api.createType('Call', bytes);
    assert.equal(`${proposed.section}.${proposed.method}`, 'issuance.setEpochEmission');
    assert.equal(proposed.args[0].toBigInt(), newEmission);

    // It passes at the end of the vote and is enacted after the timelock.
    await until('the referendum to pass', async () => {
      const done = await api.query.democracy.referendumInfoOf(referendum);
      return done.isSome && done.unwrap().isFinished && done.unwrap().asFinished.approved.isTrue;
    });
    await until('the enactment', async () => (await emission()) === newEmission);
    assert.equal((await api.query.sudo.key()).unwrap().toString(), alice.address, 'sudo exists but was not used');
  });

  test('the technical committee cancels a referendum, and the parameter stays', async () => {
    const before = await emission();
    const { referendum } = await proposePublicly(api.tx.issuance.setEpochEmission(42n * DIMO));
    await ok(api.tx.democracy.vote(referendum, standard(true, 'Locked1x', 1_000n * DIMO)), charlie);

    // Two of the three members: Alice proposes the motion, both vote, Alice closes it.
    const cancel = api.tx.democracy.emergencyCancel(referendum);
    const length = cancel.method.encodedLength;
    const proposed = await ok(api.tx.technicalCommittee.propose(2, cancel, length), alice);
    const { proposalIndex, proposalHash } = proposed
      .find(({ event }) => api.events.technicalCommittee.Proposed.is(event)).event.data;
    await ok(api.tx.technicalCommittee.vote(proposalHash, proposalIndex, true), alice);
    await ok(api.tx.technicalCommittee.vote(proposalHash, proposalIndex, true), bob);
    const closed = await ok(api.tx.technicalCommittee.close(proposalHash, proposalIndex,
      { refTime: 10_000_000_000n, proofSize: 1_000_000n }, length), alice);
    assert.ok(closed.some(({ event }) => api.events.democracy.Cancelled.is(event)), 'democracy.Cancelled');
    assert.ok((await api.query.democracy.referendumInfoOf(referendum)).isNone);

    // Past the end the vote would have had, and its timelock: nothing changed.
    const timings = (await api.query.governance.currentTimings()).unwrap();
    const wait = timings.votingPeriod.toNumber() + timings.enactmentPeriod.toNumber() + 2;
    const start = (await api.rpc.chain.getHeader()).number.toNumber();
    await until('the blocks to pass', async () => (await api.rpc.chain.getHeader()).number.toNumber() >= start + wait);
    assert.equal(await emission(), before);
  });

  test('a plain account cannot cancel a referendum or change governance timings', async () => {
    assert.match(await sendFailing(api, api.tx.democracy.emergencyCancel(0), dave), /BadOrigin/);
    const timings = (await api.query.governance.currentTimings()).unwrap();
    assert.match(await sendFailing(api, api.tx.governance.setTimings(timings), dave), /BadOrigin/);
  });
});
