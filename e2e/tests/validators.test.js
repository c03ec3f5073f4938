// The governed validator set on real nodes: the `local` chain's four validators (Alice, Bob,
// Charlie, Dave), each its own dimo-node on loopback, and a fifth node started as an authority
// with an empty keystore, whose operator (Eve) follows docs/validators.md.
//
// Eve's node makes keys (`author_rotateKeysWithOwner`), Eve sets them (`session.setKeys`), a
// referendum admits her; two sessions later her node authors blocks and the GRANDPA set moves.
// Two thirds of the technical committee remove Dave; two sessions later his node authors nothing
// and, with Charlie's node stopped too, Alice, Bob and Eve still finalize: 3 of 4 votes, which
// counts Eve's. Bob's equivocation, proven with his GRANDPA key and his node's key-ownership
// proof, disables him until the session ends; forged and repeated reports fail with their
// errors, and the pool refuses an unsigned report that is not the node's own.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { blake2AsHex } from '@polkadot/util-crypto';
import { bnToU8a, u8aConcat, u8aToHex, u8aToString } from '@polkadot/util';
import { Keyring } from '@polkadot/keyring';
import { rpcCall, sendFailing, sendOk, startNode } from '../lib/node.js';
import { DIMO, keyring, until as untilShared } from '../lib/chain.js';

const VALIDATORS = ['alice', 'bob', 'charlie', 'dave'];
const nodes = {}; // name -> the running node
let bootnode;

/** The dev validators' GRANDPA keys (ed25519, `//Bob`...), as the `local` preset gives them. */
const grandpaKeyring = new Keyring({ type: 'ed25519' });
const u32le = (n) => bnToU8a(n, { bitLength: 32 });
const u64le = (n) => bnToU8a(n, { bitLength: 64 });
const [alice, bob, charlie, dave, eve] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'].map((uri) => keyring.addFromUri(uri));

async function start(name, validator) {
  const node = await startNode({
    chain: 'local',
    validator,
    extraArgs: [...(validator ? [] : ['--validator']), ...(bootnode ? ['--bootnodes', bootnode] : [])],
  });
  nodes[name] = node;
  return node;
}

const api = () => nodes.alice.api;
const rpc = (name, method, ...params) => rpcCall(nodes[name].rpcUrl, method, params);
const finalized = async (name) => parseInt((await rpc(name, 'chain_getHeader', await rpc(name, 'chain_getFinalizedHead'))).number, 16);
const best = async () => (await api().rpc.chain.getHeader()).number.toNumber();
/** Blocks a node has sealed as their author, from its log. */
const sealed = (name) => (readFileSync(nodes[name].logFile, 'utf8').match(/Pre-sealed block for proposal/g) ?? []).length;
const sessionValidators = async () => (await api().query.session.validators()).map((v) => v.toString());
const setId = async () => (await api().query.grandpa.currentSetId()).toNumber();
const until = (what, probe, timeoutMs = 240_000) => untilShared(what, probe, { timeoutMs, everyMs: 2_000 });

/** The authors of the last `count` blocks, as Polkadot.js Apps' explorer finds them. */
async function recentAuthors(count) {
  const authors = [];
  let hash = await api().rpc.chain.getBlockHash();
  for (let i = 0; i < count; i += 1) {
    const header = await api().derive.chain.getHeader(hash);
    authors.push(header.author?.toString());
    hash = header.parentHash;
  }
  return authors;
}

/** A public proposal of `call` from Alice, seconded by Bob, voted aye by Charlie: enacted. */
async function passReferendum(call) {
  const encoded = call.method.toHex();
  const hash = blake2AsHex(encoded);
  const len = (encoded.length - 2) / 2;
  await sendOk(api(), api().tx.preimage.notePreimage(encoded), alice);
  const index = (await api().query.democracy.publicPropCount()).toNumber();
  await sendOk(api(), api().tx.democracy.propose({ Lookup: { hash, len } }, api().consts.democracy.minimumDeposit), alice);
  await sendOk(api(), api().tx.democracy.second(index), bob);
  const referendum = (await api().query.democracy.referendumCount()).toNumber();
  await until('the referendum to launch', async () => (await api().query.democracy.referendumInfoOf(referendum)).isSome);
  const vote = { Standard: { vote: { aye: true, conviction: 'Locked1x' }, balance: 10_000n * DIMO } };
  await sendOk(api(), api().tx.democracy.vote(referendum, vote), charlie);
  await until('the referendum to pass', async () => {
    const info = await api().query.democracy.referendumInfoOf(referendum);
    return info.isSome && info.unwrap().isFinished && info.unwrap().asFinished.approved.isTrue;
  });
}

after(async () => {
  for (const node of Object.values(nodes)) await node.stop();
});

describe('validators the DAO changes', () => {
  test('a fifth node rotates its keys, sets them, is admitted by referendum, then authors and votes', async () => {
    const first = await start('alice', 'alice');
    bootnode = `/ip4/127.0.0.1/tcp/${first.p2pPort}/p2p/${await rpc('alice', 'system_localPeerId')}`;
    await Promise.all([...VALIDATORS.slice(1).map((name) => start(name, name)), start('eve', null)]);
    await until('every validator finalizes #2', async () => (await Promise.all(VALIDATORS.map(finalized))).every((n) => n >= 2));
    assert.deepEqual(await sessionValidators(), [alice, bob, charlie, dave].map((k) => k.address));

    // Not admitted without keys; no plain account may admit.
    const { keys, proof } = await rpc('eve', 'author_rotateKeysWithOwner', u8aToHex(eve.publicKey));
    assert.ok(await rpc('eve', 'author_hasSessionKeys', keys), 'the keys are in her node\'s keystore');
    // A proof made for another account does not hold for Eve.
    const { dispatchError: wrongOwner } = await new Promise((resolve, reject) => {
      api().tx.session.setKeys(keys, proof).signAndSend(dave, (r) => {
        if (r.status.isInBlock) resolve(r);
      }).catch(reject);
    });
    assert.equal(api().registry.findMetaError(wrongOwner.asModule).name, 'InvalidProof');
    await sendOk(api(), api().tx.session.setKeys(keys, proof), eve);
    assert.ok((await api().query.session.nextKeys(eve.address)).isSome);

    const setBefore = await setId();
    await passReferendum(api().tx.validatorSet.addValidator(eve.address));
    await until('the enactment', async () => (await api().query.validatorSet.validators()).map(String).includes(eve.address));

    // Queued at the next session, active at the one after.
    await until('Eve in session.validators', async () => (await sessionValidators()).includes(eve.address));
    assert.ok((await setId()) > setBefore, 'GRANDPA scheduled a new authority set');
    await until('a block authored by Eve', async () => (await recentAuthors(10)).includes(eve.address));
    assert.ok(sealed('eve') > 0, 'her node sealed it');
    const at = await finalized('alice');
    await until('finality to go on with five', async () => (await finalized('alice')) >= at + 3);
  });

  test('the committee removes Dave: his node authors nothing and finality counts Eve\'s votes', async () => {
    // Two of the three members: Alice proposes the motion, Alice and Bob vote, Alice closes it.
    const remove = api().tx.validatorSet.removeValidator(dave.address);
    const length = remove.method.encodedLength;
    const proposed = await sendOk(api(), api().tx.technicalCommittee.propose(2, remove, length), alice);
    const { proposalIndex, proposalHash } = proposed.find(({ event }) => api().events.technicalCommittee.Proposed.is(event)).event.data;
    await sendOk(api(), api().tx.technicalCommittee.vote(proposalHash, proposalIndex, true), alice);
    await sendOk(api(), api().tx.technicalCommittee.vote(proposalHash, proposalIndex, true), bob);
    const closed = await sendOk(api(), api().tx.technicalCommittee.close(proposalHash, proposalIndex, { refTime: 10_000_000_000n, proofSize: 1_000_000n }, length), alice);
    assert.ok(closed.some(({ event }) => api().events.validatorSet.ValidatorRemoved.is(event)), 'validatorSet.ValidatorRemoved');

    await until('Dave out of session.validators', async () => !(await sessionValidators()).includes(dave.address));
    const daveSealed = sealed('dave');
    const from = await best();
    await until('ten more blocks', async () => (await best()) >= from + 10);
    assert.equal(sealed('dave'), daveSealed, 'Dave\'s node sealed no block once out of the set');
    assert.ok(!(await recentAuthors(10)).includes(dave.address));

    // Alice, Bob, Charlie and Eve vote now. Without Charlie, 3 of 4 (> 2/3) finalize only
    // if Eve's votes count.
    await nodes.charlie.stop();
    delete nodes.charlie;
    const at = await finalized('alice');
    await until('finality to go on with Alice, Bob and Eve', async () => (await finalized('alice')) >= at + 3);
  });

  test('an equivocation proven by any account disables Bob for the rest of the session; forged and repeated reports are refused', async () => {
    // The proof must be made and included in one session: GRANDPA's set id stays while the set
    // does, and the set id's session is then the latest one (grandpa.setIdSession). With seven
    // blocks of the session left, the reports take two and Bob's slot comes in the other five
    // (only Alice and Eve author: two adjacent slots in four).
    const blocksLeft = async () => (await api().query.validatorSet.sessionStart()).toNumber()
      + (await api().query.validatorSet.sessionLength()).toNumber() - (await best());
    if ((await blocksLeft()) < 7) {
      const sessionAt = (await api().query.session.currentIndex()).toNumber();
      await until('a new session', async () => (await api().query.session.currentIndex()).toNumber() > sessionAt);
    }
    const session = (await api().query.session.currentIndex()).toNumber();
    const set = await setId();
    const [bobKey, charlieKey] = ['//Bob', '//Charlie'].map((uri) => grandpaKeyring.addFromUri(uri));
    const [first, second] = await Promise.all([1, 2].map((n) => api().rpc.chain.getBlockHash(n)));
    const round = 1;
    /** A prevote for `target` signed by `key`, as a GRANDPA voter signs it (localized payload). */
    const prevote = (key, target, number) => {
      const payload = u8aConcat([0], target, u32le(number), u64le(round), u64le(set));
      return [{ targetHash: target, targetNumber: number }, u8aToHex(key.sign(payload))];
    };
    const proofOf = (key, firstVote, secondVote) => ({
      setId: set,
      equivocation: { Prevote: { roundNumber: round, identity: u8aToHex(key.publicKey), first: firstVote, second: secondVote } },
    });
    /**
     * The key-ownership proof a node makes for a report: the runtime API GRANDPA's voter calls,
     * `Option<OpaqueKeyOwnershipProof>` (the proof SCALE-encoded in bytes). Called with
     * `state_call`: Polkadot.js's `api.call.grandpaApi` hands back the answer's bytes whole,
     * Option byte and length included.
     */
    const ownership = async (key) => {
      const answer = await api().rpc.state.call('GrandpaApi_generate_key_ownership_proof', u8aToHex(u8aConcat(u64le(set), key.publicKey)));
      const opaque = api().createType('Option<Bytes>', answer.toU8a(true));
      return api().createType('SpSessionMembershipProof', opaque.unwrap().toU8a(true));
    };
    const [bobOwns, charlieOwns] = await Promise.all([ownership(bobKey), ownership(charlieKey)]);
    assert.equal(bobOwns.session.toNumber(), session);
    const proven = proofOf(bobKey, prevote(bobKey, first, 1), prevote(bobKey, second, 2));

    // Unsigned reports are a node's own (pallet-grandpa takes them only from the node's local
    // pool): even this true one, sent over RPC, is refused by the pool.
    await assert.rejects(
      api().rpc.author.submitExtrinsic(api().tx.grandpa.reportEquivocationUnsigned(proven, bobOwns).toHex()),
      /Invalid Transaction|1010/,
    );
    // Signed reports, from any account, go through the same checks, in one block here: the same
    // vote twice is no equivocation; Charlie's ownership proof does not name Bob's key; the true
    // one, reported by Alice, is taken by pallet-offences and the validator set disables Bob.
    const [sameTwice, notHisKey, events] = await Promise.all([
      sendFailing(api(), api().tx.grandpa.reportEquivocation(proofOf(bobKey, prevote(bobKey, first, 1), prevote(bobKey, first, 1)), bobOwns), eve),
      sendFailing(api(), api().tx.grandpa.reportEquivocation(proven, charlieOwns), bob),
      sendOk(api(), api().tx.grandpa.reportEquivocation(proven, bobOwns), alice),
    ]);
    assert.equal(sameTwice, 'grandpa.InvalidEquivocationProof');
    assert.equal(notHisKey, 'grandpa.InvalidKeyOwnershipProof');
    const offence = events.find(({ event }) => api().events.offences.Offence.is(event));
    assert.ok(offence, 'offences.Offence');
    assert.equal(u8aToString(offence.event.data.kind), 'grandpa:equivoca');
    const reported = events.find(({ event }) => api().events.validatorSet.OffenceReported.is(event))?.event.data;
    assert.ok(reported, 'validatorSet.OffenceReported');
    assert.equal(reported.validator.toString(), bob.address);
    assert.equal(reported.session.toNumber(), session);
    assert.ok(reported.disabled.isTrue, 'disabled for the rest of the session');
    const bobIndex = (await sessionValidators()).indexOf(bob.address);
    assert.deepEqual((await api().query.session.disabledValidators()).map(([index]) => index.toNumber()), [bobIndex]);
    // An offence is taken once.
    assert.equal(await sendFailing(api(), api().tx.grandpa.reportEquivocation(proven, bobOwns), eve), 'grandpa.DuplicateOffenceReport');

    // Until the session ends, Bob's slots stay empty (the runtime refuses a disabled author, and
    // his node says so) and Alice and Eve author; GRANDPA still finalizes.
    const finalizedAt = await finalized('alice');
    const bobSealed = sealed('bob');
    await until('the session to end', async () => (await api().query.session.currentIndex()).toNumber() > session);
    assert.equal(sealed('bob'), bobSealed, 'Bob\'s node sealed no block while disabled');
    assert.match(readFileSync(nodes.bob.logFile, 'utf8'), /is disabled and should not be attempting to author blocks/);
    assert.ok((await finalized('alice')) > finalizedAt, 'finality went on');
    // The next session enables him again: removing him is governance's call.
    assert.equal((await api().query.session.disabledValidators()).length, 0);
    assert.ok((await api().query.validatorSet.validators()).map(String).includes(bob.address));
  });
});
