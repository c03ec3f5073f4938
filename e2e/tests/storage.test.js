// Stored data that its owner can read back without the collector, end to end, with real parts:
// a `dimo-node --dev` (the chain, Alice authoring), two collector nodes that follow it as full
// nodes of the dev chain (//Ferdie's and //Dave's `dcol` keys, offchain workers on), the OEM
// simulator over HTTPS, the dev IPFS node, and @polkadot/api as owner and governance.
//
// The owner publishes an X25519 key derived from its recovery phrase, and then reads its car's
// stored history with e2e/lib/reader.js, written from docs/storage-formats.md alone: the
// anchors from the chain, each envelope from IPFS by its CID, opened with its own secret.
// (a) a grantee is revoked (the content key rotates): readings from before and after open;
// (b) the consent to Ferdie ends and Dave's collector takes over: Ferdie's readings still open;
// (c) both collectors are killed and their whole base paths (offchain storage included)
// deleted: every anchored reading still opens; (d) a `nonLocationData` grantee that published
// its own key opens the non-location part of each reading from IPFS, never its position;
// (e) once revoked, it opens no reading made after the revoke's block. Someone else's key
// opens none. An owner who publishes its key after the first readings opens those too (the
// same content keys, wrapped in the later envelopes).

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake2AsHex, mnemonicGenerate } from '@polkadot/util-crypto';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { startNode, rpcCall, sendAndWaitInBlock, sendOk, waitForLog } from '../lib/node.js';
import { DIMO, keyring, onboard, until } from '../lib/chain.js';
import { genCerts, startIpfs, startSimulator, trustBundle } from '../lib/collector.js';
import { checkCid, encryptionKeyFromMiniSecret, encryptionKeyFromPhrase, openAsOwner, openAsReader, parseEnvelope, partKey, publishedKey, readStoredHistory, unwrapContentKey } from '../lib/reader.js';

let sim;
let ipfs;
let chain; // the authoring node: the chain that outlives the collectors
let api;
let alice;
const collectors = {}; // name -> { pair, node, basePath }
const owner = { phrase: mnemonicGenerate() };
const grantee = { phrase: mnemonicGenerate() }; // nonLocationData, with its own published key
const lateOwner = { phrase: mnemonicGenerate() }; // publishes its key after the first readings
let vehicle;
let car;
let lateVehicle;
let lateCar;
let revokedAt; // the timestamp of the block that revoked the grantee (Unix ms)

const rpc = (method, ...params) => rpcCall(chain.rpcUrl, method, params);
const fetchFromIpfs = async (anchor) => {
  const { status, bytes } = await ipfs.call('cat', `arg=${anchor.cid}&timeout=10s`);
  if (status !== 200) throw new Error(`IPFS answered ${status} for ${anchor.cid}`);
  return bytes;
};
const history = (key = owner.key, id = vehicle) => readStoredHistory(rpc, id, key, fetchFromIpfs);

/** Starts `name`'s collector node: a full node of the dev chain holding its `dcol` key. */
async function startCollector(name, trusted) {
  const pair = keyring.addFromUri(`//${name[0].toUpperCase()}${name.slice(1)}`);
  const basePath = mkdtempSync(join(tmpdir(), `dimo-storage-${name}-`));
  const bootnode = `/ip4/127.0.0.1/tcp/${chain.p2pPort}/p2p/${await rpc('system_localPeerId')}`;
  const node = await startNode({
    chain: 'dev',
    validator: null,
    basePath,
    env: { SSL_CERT_FILE: trustBundle([join(trusted, 'ca.pem')]) },
    extraArgs: ['--bootnodes', bootnode, '--offchain-worker', 'always', '--collector-ipfs-api', ipfs.apiUrl, '--collector-oem-host', `localhost:${sim.port}`],
  });
  const call = (method, ...params) => rpcCall(node.rpcUrl, method, params);
  await call('author_insertKey', 'dcol', `//${name[0].toUpperCase()}${name.slice(1)}`, u8aToHex(pair.publicKey));
  await call('collector_setOemClient', 1, 'dimo-dev-client', 'dimo-dev-secret');
  collectors[name] = { pair, node, basePath, call };
  return collectors[name];
}

/** Hands the owner's OEM grant to `name`'s collector. */
async function handOver(name, id = vehicle, oemId = car) {
  const tokens = await sim.admin('POST', 'grant', { oem: 'tesla', vehicle: oemId });
  await collectors[name].call('collector_setCredentials', id, 1, tokens.access_token, tokens.refresh_token, tokens.expires_at, oemId);
}

/** The vehicle's anchors, once `predicate(anchors)` holds. */
function anchorsWhen(predicate, what, timeoutMs = 240_000, id = vehicle) {
  return until(what, async () => {
    const anchors = await rpc('dimo_anchors', id, null, 1000);
    return predicate(anchors) ? anchors : null;
  }, { timeoutMs, everyMs: 2_000 });
}

/** The id of the key of an envelope's non-location part (of the whole envelope before version 3). */
const nonLocationKeyId = (header) => (header.version === 3 ? header.parts.find((p) => p.class === 'nonLocation')?.keyId : header.keyId);

/** The non-location key id of the envelope an anchor names. */
const keyIdOf = async (anchor) => nonLocationKeyId(parseEnvelope(await fetchFromIpfs(anchor)));

/** Whether a version-3 envelope carries a wrap in some part (version 2: its owner's slot). */
const hasWrap = (header) => (header.version === 3 ? header.parts.some((p) => p.wraps.length > 0) : header.wrap !== null);

before(async () => {
  alice = keyring.addFromUri('//Alice');
  const trusted = genCerts('DIMO e2e OEM CA');
  [sim, ipfs] = await Promise.all([startSimulator({ certsDir: trusted }), startIpfs()]);
  chain = await startNode({ chain: 'dev' });
  api = chain.api;
  await Promise.all([startCollector('ferdie', trusted), startCollector('dave', trusted)]);
  await sendOk(api, api.tx.sudo.sudo(api.tx.utility.batchAll([
    api.tx.anchoring.setOemSource(1, { api: 'Tesla', apiBaseUrl: `${sim.url}/tesla`, authUrl: `${sim.url}/tesla/auth` }),
    api.tx.anchoring.registerCollector(u8aToHex(collectors.dave.pair.publicKey)),
  ])), alice);

  owner.pair = keyring.addFromMnemonic(owner.phrase);
  owner.key = encryptionKeyFromPhrase(owner.phrase);
  grantee.pair = keyring.addFromMnemonic(grantee.phrase);
  grantee.key = encryptionKeyFromPhrase(grantee.phrase);
  lateOwner.pair = keyring.addFromMnemonic(lateOwner.phrase);
  lateOwner.key = encryptionKeyFromPhrase(lateOwner.phrase);
  await sendOk(api, api.tx.utility.batchAll([owner.pair, lateOwner.pair, grantee.pair].map((p) => api.tx.balances.transferKeepAlive(p.address, 10n * DIMO))), alice);
  // The owner and the grantee publish their encryption keys before the car is connected.
  await Promise.all([
    sendOk(api, api.tx.dataAccess.setEncryptionKey(publishedKey(owner.key)), owner.pair),
    sendOk(api, api.tx.dataAccess.setEncryptionKey(publishedKey(grantee.key)), grantee.pair),
  ]);
  [car, lateCar] = (await sim.admin('GET', 'vehicles')).filter((v) => v.oem === 'tesla').map((v) => v.id);
  lateVehicle = await onboard(api, lateOwner.pair, { oemRefHash: blake2AsHex(lateCar), backend: 'Ipfs', collector: collectors.ferdie.pair.address });
  await handOver('ferdie', lateVehicle, lateCar);
  vehicle = await onboard(api, owner.pair, { oemRefHash: blake2AsHex(car), backend: 'Ipfs', collector: collectors.ferdie.pair.address });
  await sendOk(api, api.tx.dataAccess.grant(vehicle, grantee.pair.address, [{ stream: 'NonLocationData', until: null }]), owner.pair);
  await handOver('ferdie');
});

after(async () => {
  for (const { node, basePath } of Object.values(collectors)) {
    if (node) await node.stop();
    rmSync(basePath, { recursive: true, force: true });
  }
  if (chain) await chain.stop();
  for (const process of [sim, ipfs]) process?.stop();
});

describe('an owner reads its stored data with its own secret, whatever becomes of the collector', () => {
  test('the reader agrees with the documented test vectors', () => {
    const key = encryptionKeyFromMiniSecret(new Uint8Array(32).fill(0x11));
    assert.equal(u8aToHex(key.secret), '0xaff28d6a9cb4cba98785f537507a546d547ceb794c8f4f95f79bd0206fc35e92');
    assert.equal(u8aToHex(key.public), '0xb518a6e1c805c387416de84d1c8ba291c4bf348e6cf691f2200522df10978d69');
    const envelope = hexToU8a('0x44454e56020700000000000000e803000000000000d007000000000000030000004444444444444444444444444444444444444444444444440122e78738a312a1821389a8f1c19094b189585ba577efd8cbbf42cf4ebb6ff4900faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f209a7459fc3f1887767871e8f0bc85fda90a41abd9138eaa2a88bf75ae7eaf98519493986780741a499e41f60e15c64975638406f60ad34a72b4354e3d0c9edcb67fd32048244aee');
    const header = parseEnvelope(envelope);
    assert.deepEqual([header.version, header.vehicle, header.from, header.to, header.keyId], [2, 7n, 1000, 2000, 3]);
    assert.equal(u8aToHex(unwrapContentKey(key, header.wrap, header.vehicle, header.keyId)), `0x${'33'.repeat(32)}`);
    assert.deepEqual(openAsOwner(key, envelope).record, { v: 1 });
    const stranger = encryptionKeyFromMiniSecret(new Uint8Array(32).fill(0x12));
    assert.throws(() => openAsOwner(stranger, envelope), /not wrapped to this key/);
    const moved = envelope.slice();
    moved[5] = 8; // another vehicle: the wrap's associated data no longer matches
    assert.throws(() => openAsOwner(key, moved));
  });

  test('the reader agrees with the documented version-3 envelope: each reader opens its parts only', () => {
    const ownerKey = encryptionKeyFromMiniSecret(new Uint8Array(32).fill(0x11));
    const granteeKey = encryptionKeyFromMiniSecret(new Uint8Array(32).fill(0x55));
    const envelope = hexToU8a('0x44454e56030700000000000000e803000000000000d007000000000000020003000000444444444444444444444444444444444444444444444444170000000222e78738a312a1821389a8f1c19094b189585ba577efd8cbbf42cf4ebb6ff4900faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f209a7459fc3f1887767871e8f0bc85fda90a41abd9138eaa2a88bf75ae7eaf98519493986780741a499e41f60e15c649754f7a9351be625444a769c9d5c0b4986ccf71b8187b3006b79330ec15367759b8219e4d800da968d2a5fcb009c784f4746c7138edb9ee4844b739e830b05cf4245da91fd43859f5deeafbf94cf2d8cd3c3394a74e3288deba6c9538d26ad8f94fccb7fc8f61864b4f3628ccec247041620104000000888888888888888888888888888888888888888888888888170000000122e78738a312a1821389a8f1c19094b189585ba577efd8cbbf42cf4ebb6ff490ba193836cff1f4e866c139715d306408d26a76f76d638a39afc1001084d254112f068928e523cb8de6f26556bec8d6766f9cfbf43610558df5e0c6126406c7dc097f19aeb9b19b09957d693e0c7c11db638406f60ad34aa556c857c79b95bbd566945a898d59edee3fc40f5560fe3b5e53d0244ebe78eda1dcbec81230e8');
    const header = parseEnvelope(envelope);
    assert.deepEqual([header.version, header.vehicle, header.from, header.to], [3, 7n, 1000, 2000]);
    assert.deepEqual(header.parts.map((p) => [p.class, p.keyId, p.wraps.length]), [['nonLocation', 3, 2], ['preciseLocation', 4, 1]]);
    assert.equal(u8aToHex(partKey(granteeKey, envelope, 'nonLocation').key), `0x${'33'.repeat(32)}`);
    assert.deepEqual(openAsReader(ownerKey, envelope).parts, { nonLocation: { v: 1 }, preciseLocation: { v: 2 } });
    assert.deepEqual(openAsReader(granteeKey, envelope).parts, { nonLocation: { v: 1 } });
    assert.throws(() => partKey(granteeKey, envelope, 'preciseLocation'), /not wrapped to this key/);
    const moved = envelope.slice();
    moved[5] = 8; // another vehicle: every part's associated data no longer matches
    assert.throws(() => openAsReader(ownerKey, moved));
  });

  test('(d) a nonLocationData grantee opens the non-location part of each reading from IPFS, and never a position', async () => {
    await anchorsWhen((anchors) => anchors.length >= 2, 'two readings anchored while the grant holds');
    const [mine, theirs] = await Promise.all([history(), history(grantee.key)]);
    assert.equal(theirs.length, mine.length);
    for (const [i, entry] of theirs.entries()) {
      assert.equal(entry.error, undefined, `anchor ${entry.anchor.seq}: ${entry.error}`);
      assert.deepEqual(Object.keys(entry.parts), ['nonLocation'], 'only its stream\'s part');
      const owners = mine[i];
      assert.deepEqual(Object.keys(owners.parts).sort(), ['approximateLocation', 'nonLocation', 'preciseLocation', 'raw']);
      assert.equal(typeof owners.record.signals.latE7, 'number', 'the owner reads the position');
      assert.equal(entry.record.signals.latE7, undefined);
      assert.equal(entry.record.signals.lonE7, undefined);
      assert.equal(entry.record.signals.odometerM, owners.record.signals.odometerM);
      assert.deepEqual([entry.record.from, entry.record.vehicle], [entry.anchor.observedFrom, vehicle]);
      const bytes = await fetchFromIpfs(entry.anchor);
      for (const cls of ['preciseLocation', 'approximateLocation', 'raw']) {
        assert.throws(() => partKey(grantee.key, bytes, cls), /not wrapped to this key/, cls);
      }
    }
  });

  test('(a) after a revoke rotates the content key, the owner opens readings from before and after', async () => {
    await anchorsWhen((anchors) => anchors.length >= 2, 'two readings anchored under the first content key');
    const { blockHash } = await sendAndWaitInBlock(api.tx.dataAccess.revokeAll(vehicle, grantee.pair.address), owner.pair);
    revokedAt = (await api.query.timestamp.now.at(blockHash)).toNumber();
    const anchors = await anchorsWhen(() => true, 'anchors');
    const before = anchors.length;
    const after = await until('a reading sealed under a new content key', async () => {
      const now = await rpc('dimo_anchors', vehicle, null, 1000);
      const ids = await Promise.all(now.slice(before).map(keyIdOf));
      return ids.some((id) => id > 1) ? now : null;
    }, { timeoutMs: 240_000, everyMs: 2_000 });
    const read = await history();
    assert.equal(read.length, after.length);
    for (const entry of read) {
      assert.equal(entry.error, undefined, `anchor ${entry.anchor.seq} opens: ${entry.error}`);
      assert.equal(entry.record.vehicle, vehicle);
      assert.deepEqual([entry.record.from, entry.record.to], [entry.anchor.observedFrom, entry.anchor.observedTo]);
    }
    const keyIds = new Set(read.map((entry) => nonLocationKeyId(entry.header)));
    assert.ok(keyIds.has(1) && [...keyIds].some((id) => id > 1), `key ids ${[...keyIds]}`);
    // Someone else's key opens nothing.
    const stranger = encryptionKeyFromPhrase(mnemonicGenerate());
    assert.ok((await history(stranger)).every((entry) => /not wrapped to this key/.test(entry.error)));
  });

  test('(e) the revoked grantee opens no reading made after the revoke\'s block, with any key it learned', async () => {
    // A reading is made by an offchain worker that reads the chain's state at some block and
    // the OEM soon after: one read at the revoke's block or later was sealed without a wrap to
    // the grantee. Two slots after the revoke's block time, no worker still reads older state.
    const margin = 2 * api.consts.aura.slotDuration.toNumber();
    await anchorsWhen((all) => all.filter((a) => a.observedFrom > revokedAt + margin).length >= 2, 'two readings after the revoke');
    const theirs = await history(grantee.key);
    const before = theirs.filter((entry) => entry.anchor.observedFrom < revokedAt);
    const after = theirs.filter((entry) => entry.anchor.observedFrom > revokedAt + margin);
    assert.ok(before.length >= 2 && after.length >= 2, `${before.length} before, ${after.length} after`);
    assert.ok(before.every((entry) => entry.parts?.nonLocation), 'what it could read before stays readable to it');
    // readStoredHistory tries every key the grantee unwrapped from any envelope on every part.
    for (const entry of after) assert.match(entry.error ?? 'opened', /not wrapped to this key/, `anchor ${entry.anchor.seq}`);
  });

  test('an owner who publishes its key late opens the readings sealed before, under the same key id', async () => {
    const unwrapped = await anchorsWhen((all) => all.length >= 1, 'a reading of the late owner\'s car', 240_000, lateVehicle);
    const first = parseEnvelope(await fetchFromIpfs(unwrapped[0]));
    assert.equal(hasWrap(first), false, 'no key published: no wrap');
    await sendOk(api, api.tx.dataAccess.setEncryptionKey(publishedKey(lateOwner.key)), lateOwner.pair);
    const count = unwrapped.length;
    await until('a wrapped reading of the late owner\'s car', async () => {
      const now = await rpc('dimo_anchors', lateVehicle, null, 1000);
      const headers = await Promise.all(now.slice(count).map(async (a) => parseEnvelope(await fetchFromIpfs(a))));
      return headers.some(hasWrap);
    }, { timeoutMs: 240_000, everyMs: 2_000 });
    const read = await history(lateOwner.key, lateVehicle);
    assert.ok(read.every((entry) => entry.error === undefined), JSON.stringify(read.filter((e) => e.error).map((e) => [e.anchor.seq, e.error])));
    assert.equal(hasWrap(read[0].header), false, 'the first reading opened with the keys unwrapped from a later one');
    assert.equal(read[0].record.vehicle, lateVehicle);
  });

  test('(b) the consent moves to another collector: the first collector\'s readings still open', async () => {
    const ferdie = collectors.ferdie.pair.address;
    const dave = collectors.dave.pair.address;
    await sendOk(api, api.tx.utility.batchAll([
      api.tx.vehicles.revokeCollector(vehicle, ferdie),
      api.tx.vehicles.authorizeCollector(vehicle, dave, null),
    ]), owner.pair);
    await handOver('dave');
    await waitForLog(collectors.ferdie.node.logFile, new RegExp(`vehicle ${vehicle}: content keys retired`), 120_000);
    const anchors = await anchorsWhen((all) => all.some((a) => a.collector === dave), 'a reading anchored by the second collector');
    const read = await history();
    assert.equal(read.length, anchors.length);
    assert.ok(read.every((entry) => entry.error === undefined), JSON.stringify(read.filter((e) => e.error).map((e) => [e.anchor.seq, e.error])));
    const by = (who) => read.filter((entry) => entry.anchor.collector === who);
    assert.ok(by(ferdie).length >= 2 && by(dave).length >= 1);
    // The second collector made its own content key: the owner opens it the same way.
    assert.ok(by(dave).every((entry) => entry.record.vehicle === vehicle));
  });

  test('(c) both collectors\' nodes and their offchain storage are gone: every anchored reading still opens', async () => {
    for (const name of ['ferdie', 'dave']) {
      const collector = collectors[name];
      await collector.node.kill();
      await collector.node.stop();
      collector.node = null;
      rmSync(collector.basePath, { recursive: true, force: true });
    }
    const anchors = await rpc('dimo_anchors', vehicle, null, 1000);
    const read = await history();
    assert.equal(read.length, anchors.length);
    assert.ok(read.length >= 3);
    for (const entry of read) {
      assert.equal(entry.error, undefined, `anchor ${entry.anchor.seq}: ${entry.error}`);
      checkCid(entry.anchor.cidHex, await fetchFromIpfs(entry.anchor));
    }
  });
});
