// Proof of control before a car is registered, end to end: a `dimo-node --dev` whose keystore
// holds the registered collector key (//Ferdie's `dcol`), the OEM simulator over HTTPS with its
// own test CA, and @polkadot/api for owners and squatters.
//
// The collector checks an owner's grant with the carmaker's API (collector_attestOwnership) and
// signs the documented payload; the owner registers with the attestation; a squatter's earlier
// registration is reclaimed by the attested owner, with the squatter's deposit; a seller whose
// carmaker account still lists a sold car only opens a claim, which the buyer answers with a
// fresher attestation, and which the committee settles otherwise; a forged, an
// expired, a foreign (another owner's) and an unregistered collector's attestation are refused;
// the OEM refusing the token or not listing the car makes the node refuse to attest, and the
// token appears nowhere.

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blake2AsHex, signatureVerify } from '@polkadot/util-crypto';
import { bnToU8a, hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { startNode, rpcCall, sendOk, sendFailing } from '../lib/node.js';
import { DIMO, fresh, keyring, registeredVehicle } from '../lib/chain.js';
import { genCerts, startSimulator, trustBundle } from '../lib/collector.js';


let sim;
let node;
let alice;
let ferdie;
let fleet;
const api = () => node.api;
const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
const u32 = (n) => bnToU8a(n, { bitLength: 32, isLe: true });

/** The ownership payload, built from its documentation (primitives/src/ownership.rs). */
function payload(oem, oemRefHash, owner, expiresAt) {
  return u8aConcat(
    stringToU8a('dimo/ownership/v1'),
    api().genesisHash.toU8a(),
    u32(oem),
    hexToU8a(oemRefHash),
    keyring.decodeAddress(owner),
    u32(expiresAt),
  );
}

/** A funded account. */
async function funded() {
  const who = fresh();
  await sendOk(api(), api().tx.balances.transferKeepAlive(who.address, 10n * DIMO), alice);
  return who;
}

/** The simulator's OAuth grant for `car`. */
const grant = (oem, car) => sim.admin('POST', 'grant', { oem, vehicle: car });

const attest = (oem, token, car, owner) => rpc('collector_attestOwnership', oem, token, car, owner);
const asArg = ({ collector, expiresAt, signature }) => ({ collector, expiresAt, signature });
const best = async () => (await api().rpc.chain.getHeader()).number.toNumber();
const heldDeposit = async (who) => (await api().query.balances.holds(who)).reduce((sum, hold) => sum + hold.amount.toBigInt(), 0n);

before(async () => {
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
  const certs = genCerts('DIMO e2e OEM CA');
  sim = await startSimulator({ certsDir: certs });
  node = await startNode({
    chain: 'dev',
    env: { SSL_CERT_FILE: trustBundle([join(certs, 'ca.pem')]) },
    extraArgs: ['--collector-oem-host', `localhost:${sim.port}`],
  });
  await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
  const source = (kind, prefix) => ({ api: kind, apiBaseUrl: `${sim.url}/${prefix}`, authUrl: `${sim.url}/${prefix}/auth` });
  await sendOk(api(), api().tx.sudo.sudo(api().tx.utility.batchAll([
    api().tx.anchoring.setOemSource(1, source('Tesla', 'tesla')),
    api().tx.anchoring.setOemSource(2, source('Smartcar', 'smartcar')),
  ])), alice);
  fleet = await sim.admin('GET', 'vehicles');
});

after(async () => {
  await node?.stop();
  sim?.stop();
});

describe('ownership attestations', () => {
  const tokens = []; // every access token handed to the node

  test('the collector attests a car that the OEM lists for the owner\'s token, and the owner registers with it', async () => {
    const owner = await funded();
    const car = fleet.find((v) => v.oem === 'tesla').id;
    const { access_token: token } = await grant('tesla', car);
    tokens.push(token);
    const before = await best();
    const attestation = await attest(1, token, car, owner.address);

    assert.equal(attestation.oem, 1);
    assert.equal(attestation.oemRefHash, blake2AsHex(car), 'BLAKE2-256 of the OEM\'s id of the car');
    assert.equal(attestation.owner, owner.address);
    assert.equal(attestation.genesisHash, api().genesisHash.toHex());
    assert.equal(attestation.collector, u8aToHex(ferdie.publicKey), 'signed with the registered dcol key');
    const lifetime = api().consts.vehicles.maxAttestationLifetime.toNumber();
    assert.ok(attestation.expiresAt >= before + lifetime && attestation.expiresAt <= before + lifetime + 2);
    // Anyone can check it from the documented payload.
    const signed = payload(1, attestation.oemRefHash, owner.address, attestation.expiresAt);
    assert.ok(signatureVerify(signed, attestation.signature, ferdie.publicKey).isValid);

    const events = await sendOk(api(), api().tx.vehicles.register(1, attestation.oemRefHash, asArg(attestation)), owner);
    const registered = events.find(({ event }) => api().events.vehicles.Registered.is(event)).event.data;
    assert.equal(registered.owner.toString(), owner.address);
    assert.equal(registered.attestedBy.unwrap().toHex(), u8aToHex(ferdie.publicKey));
  });

  test('the node refuses to attest when the OEM does not list the car for the token, refuses the token, or has no source', async () => {
    const owner = fresh();
    const [car, other] = fleet.filter((v) => v.oem === 'tesla').map((v) => v.id);
    const { access_token: token } = await grant('tesla', car);
    tokens.push(token);
    await assert.rejects(attest(1, token, other, owner.address), (e) => e.code === 34, 'another car: not listed');
    await assert.rejects(attest(1, 'not-a-token', car, owner.address), (e) => e.code === 33, 'the OEM refuses the token');
    await assert.rejects(attest(9, token, car, owner.address), (e) => e.code === 30, 'no OEM source');
    await assert.rejects(attest(1, '', car, owner.address), (e) => e.code === 36, 'an empty token');
  });

  test('the attested owner reclaims a squatted car, and the squatter\'s deposit with it', async () => {
    const [squatter, owner] = [await funded(), await funded()];
    const car = fleet.find((v) => v.oem === 'smartcar').id;
    // The dev chain registers without an attestation: the squatter takes the car first.
    const squatted = await sendOk(api(), api().tx.vehicles.register(2, blake2AsHex(car), null), squatter);
    const vehicle = registeredVehicle(api(), squatted);
    await sendOk(api(), api().tx.vehicles.authorizeCollector(vehicle, ferdie.address, null), squatter);
    const deposit = api().consts.vehicles.vehicleDeposit.toBigInt();
    assert.equal(await heldDeposit(squatter.address), deposit);

    const { access_token: token } = await grant('smartcar', car);
    tokens.push(token);
    const attestation = await attest(2, token, car, owner.address);
    // The same car cannot be registered twice, attestation or not ...
    assert.equal(await sendFailing(api(), api().tx.vehicles.register(2, blake2AsHex(car), asArg(attestation)), owner), 'vehicles.AlreadyRegistered');
    // ... and only the attested owner can reclaim it.
    assert.equal(await sendFailing(api(), api().tx.vehicles.reclaim(vehicle, asArg(attestation)), squatter), 'vehicles.AlreadyOwner');
    const stranger = await funded();
    assert.equal(await sendFailing(api(), api().tx.vehicles.reclaim(vehicle, asArg(attestation)), stranger), 'vehicles.BadAttestationSignature');

    const events = await sendOk(api(), api().tx.vehicles.reclaim(vehicle, asArg(attestation)), owner);
    const reclaimed = events.find(({ event }) => api().events.vehicles.Reclaimed.is(event)).event.data;
    assert.equal(reclaimed.from.toString(), squatter.address);
    assert.equal(reclaimed.to.toString(), owner.address);
    assert.equal(reclaimed.deposit.toBigInt(), deposit);
    const details = await rpc('dimo_vehicle', vehicle);
    assert.equal(details.owner, owner.address);
    assert.equal(details.depositor, owner.address);
    assert.deepEqual((await rpc('dimo_consents', vehicle)).collectors, [], 'the squatter\'s consents are gone');
    assert.equal(await heldDeposit(squatter.address), 0n, 'the squatter lost the deposit');
    assert.equal(await heldDeposit(owner.address), deposit, 'the owner holds it, released when the car is retired');
  });

  test('a seller whose carmaker account still lists the sold car cannot take it from the buyer who answers; the committee settles what is left', async () => {
    const [seller, buyer] = [await funded(), await funded()];
    const car = fleet.filter((v) => v.oem === 'tesla')[1].id;
    const sellersToken = (await grant('tesla', car)).access_token;
    tokens.push(sellersToken);
    const registered = await sendOk(api(), api().tx.vehicles.register(1, blake2AsHex(car), asArg(await attest(1, sellersToken, car, seller.address))), seller);
    const vehicle = registeredVehicle(api(), registered);
    await sendOk(api(), api().tx.vehicles.transfer(vehicle, buyer.address), seller);
    await sendOk(api(), api().tx.vehicles.acceptTransfer(vehicle), buyer);

    // After the sale the carmaker still lists the car for the seller's grant: a fresh
    // attestation, and a reclaim that only opens a claim.
    const claim = async () => {
      const events = await sendOk(api(), api().tx.vehicles.reclaim(vehicle, asArg(await attest(1, sellersToken, car, seller.address))), seller);
      return events.find(({ event }) => api().events.vehicles.ReclaimOpened.is(event))?.event.data;
    };
    const opened = await claim();
    assert.ok(opened, 'the reclaim opened a claim');
    assert.equal(opened.owner.toString(), buyer.address);
    assert.equal((await rpc('dimo_vehicle', vehicle)).owner, buyer.address, 'the buyer still owns it');
    assert.equal(await sendFailing(api(), api().tx.vehicles.transfer(vehicle, seller.address), buyer), 'vehicles.ReclaimOpen');

    // The buyer controls the car too: its own, fresher, attestation answers the claim.
    const buyersToken = (await grant('tesla', car)).access_token;
    tokens.push(buyersToken);
    const buyersFree = (await api().query.system.account(buyer.address)).data.free.toBigInt();
    const answered = await sendOk(api(), api().tx.vehicles.answerReclaim(vehicle, asArg(await attest(1, buyersToken, car, buyer.address))), buyer);
    const rejected = answered.find(({ event }) => api().events.vehicles.ReclaimRejected.is(event))?.event.data;
    assert.ok(rejected, 'the claim was rejected');
    assert.equal(rejected.claimant.toString(), seller.address);
    const deposit = api().consts.vehicles.vehicleDeposit.toBigInt();
    assert.equal(rejected.deposit.toBigInt(), deposit);
    const paid = answered.find(({ event }) => api().events.transactionPayment.TransactionFeePaid.is(event)).event.data;
    const fee = paid.actualFee.toBigInt() + paid.tip.toBigInt();
    assert.equal((await api().query.system.account(buyer.address)).data.free.toBigInt(), buyersFree - fee + deposit, 'the buyer got the claim\'s deposit');
    assert.equal((await rpc('dimo_vehicle', vehicle)).owner, buyer.address);

    // The seller claims again; the committee (sudo on the dev chain stands for it) settles for
    // the seller: the vehicle moves, the claim's deposit comes back.
    await claim();
    const settled = await sendOk(api(), api().tx.sudo.sudo(api().tx.vehicles.settleReclaim(vehicle, true)), alice);
    assert.ok(settled.some(({ event }) => api().events.vehicles.Reclaimed.is(event)), 'the vehicle was reclaimed');
    assert.equal((await rpc('dimo_vehicle', vehicle)).owner, seller.address);
    assert.equal(await heldDeposit(seller.address), deposit, 'the seller holds the vehicle\'s deposit only: the claim\'s came back');
  });

  test('a forged, an expired and an unregistered collector\'s attestation are refused', async () => {
    const owner = await funded();
    const car = fleet.filter((v) => v.oem === 'tesla')[2].id;
    const oemRefHash = blake2AsHex(car);
    const now = await best();
    const register = (attestation) => sendFailing(api(), api().tx.vehicles.register(1, oemRefHash, attestation), owner);

    // Forged: claims the registered collector, signed by another key.
    const eve = keyring.addFromUri('//Eve');
    const forged = { collector: u8aToHex(ferdie.publicKey), expiresAt: now + 50, signature: u8aToHex(eve.sign(payload(1, oemRefHash, owner.address, now + 50))) };
    assert.equal(await register(forged), 'vehicles.BadAttestationSignature');
    // A real signature by a key governance never registered.
    const unregistered = { collector: u8aToHex(eve.publicKey), expiresAt: now + 50, signature: u8aToHex(eve.sign(payload(1, oemRefHash, owner.address, now + 50))) };
    assert.equal(await register(unregistered), 'vehicles.UnknownAttestingCollector');
    // Expired: signed by the registered collector, but for a block already past.
    const expired = { collector: u8aToHex(ferdie.publicKey), expiresAt: now, signature: u8aToHex(ferdie.sign(payload(1, oemRefHash, owner.address, now))) };
    assert.equal(await register(expired), 'vehicles.AttestationExpired');
    assert.ok((await api().query.vehicles.vehicleByReference(1, oemRefHash)).isNone, 'nothing was registered');
  });

  test('the tokens used for attestations are nowhere: not in the node\'s log, not in offchain storage', async () => {
    const log = readFileSync(node.logFile, 'utf8');
    for (const token of tokens) {
      assert.ok(!log.includes(token), 'the log holds no token');
    }
    assert.deepEqual(await rpc('collector_vehicles'), [], 'attesting stored no credentials');
  });
});
