// A collector that anchors in commitments (--collector-anchor commitments), end to end: a real
// `dimo-node --dev` collecting from the OEM simulator over HTTPS (its own test CA, trusted
// through SSL_CERT_FILE) into the dev IPFS node, committing each run's readings under one Merkle
// root, and answering dimo_anchorProof for any reading it committed.
//
// What a user checks, with @polkadot/api and nothing of DIMO's code: the proof leads to the
// root the chain holds (the algorithm the primitives document, written out in e2e/lib);
// the runtime API agrees (with the owner's consent checked at the commitment's block); the
// IPFS bytes re-hash to the committed CID; the owner reads the reading through the gateway; no
// per-record anchor is written; and the owner claims the vehicle's activity with the proof.
// Then the collector is killed (SIGKILL) right after it submitted a commitment and restarted:
// every reading it committed is committed once, in order, and none that the OEM served is lost.
// Last, IPFS goes down: a run's archive waits in the collector's spool while its commitment
// lands; the collector is killed (SIGKILL) and restarted, IPFS comes back, and the archive the
// chain names reaches IPFS whole.

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake2AsHex, sha256AsU8a } from '@polkadot/util-crypto';
import { hexToU8a, u8aEq, u8aToHex } from '@polkadot/util';
import { killAfterNextLog, startNode, rpcCall, sendOk, waitForLog } from '../lib/node.js';
import { DIMO, fresh, keyring, onboard as onboardVehicle, until } from '../lib/chain.js';
import { genCerts, startIpfs, startSimulator, trustBundle } from '../lib/collector.js';
import { leafHash, merkleVerify } from '../lib/anchoring.js';
import { streamAuth } from '../lib/streams.js';
import { archiveEnvelopeCids, checkCid, cidText } from '../lib/reader.js';

let sim;
let ipfs;
let node;
let nodeOptions;
let alice;
let ferdie;
const owners = {};
const vehicles = {}; // onIpfs, onLocal: { id, car }

const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
const api = () => node.api;

before(async () => {
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
  const certs = genCerts('DIMO e2e OEM CA');
  [sim, ipfs] = await Promise.all([startSimulator({ certsDir: certs }), startIpfs()]);
  nodeOptions = {
    chain: 'dev',
    basePath: mkdtempSync(join(tmpdir(), 'dimo-commitments-')),
    env: { SSL_CERT_FILE: trustBundle([join(certs, 'ca.pem')]) },
    extraArgs: ['--collector-anchor', 'commitments', '--collector-ipfs-api', ipfs.apiUrl, '--collector-oem-host', `localhost:${sim.port}`],
  };
  await launchNode();
  await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
  for (const oem of [1, 2]) await rpc('collector_setOemClient', oem, 'dimo-dev-client', 'dimo-dev-secret');
  const source = (kind, prefix) => ({ api: kind, apiBaseUrl: `${sim.url}/${prefix}`, authUrl: `${sim.url}/${prefix}/auth` });
  await sendOk(api(), api().tx.sudo.sudo(api().tx.utility.batchAll([
    api().tx.anchoring.setOemSource(1, source('Tesla', 'tesla')),
    api().tx.anchoring.setOemSource(2, source('Smartcar', 'smartcar')),
  ])), alice);
});

after(async () => {
  await node?.stop();
  for (const process of [sim, ipfs]) process?.stop();
});

/** Starts the collector node on its database (the same after a restart). */
async function launchNode() {
  node = await startNode(nodeOptions);
  node.readLog = () => readFileSync(node.logFile, 'utf8');
}

/** A vehicle of a fresh owner at `oem` on `backend`, consenting to Ferdie, its grant handed over. */
async function onboard(oem, oemName, car, backend) {
  const owner = fresh();
  await sendOk(api(), api().tx.balances.transferKeepAlive(owner.address, 10n * DIMO), alice);
  const id = await onboardVehicle(api(), owner, { oem, oemRefHash: blake2AsHex(car), backend, collector: ferdie.address });
  owners[id] = owner;
  const tokens = await sim.admin('POST', 'grant', { oem: oemName, vehicle: car });
  await rpc('collector_setCredentials', id, oem, tokens.access_token, tokens.refresh_token, tokens.expires_at, car);
  return id;
}

/** dimo_anchorProof of `vehicle`'s reading `seq` (latest if null) once the chain holds its commitment. */
const committedProof = (vehicle, seq = null) => until(`a committed reading of vehicle ${vehicle}`, async () => {
  const answer = await rpc('dimo_anchorProof', vehicle, seq);
  return answer?.committedAt != null ? answer : null;
}, { timeoutMs: 240_000, everyMs: 2_000, diagnose: async () => node.readLog().split('\n').filter((l) => l.includes('collector')).slice(-20).join('\n') });

describe('commitments from a collector', () => {
  test('readings are committed under Merkle roots, proved by anyone, and claimed as activity', async () => {
    const fleet = await sim.admin('GET', 'vehicles');
    const tesla = fleet.find((v) => v.oem === 'tesla').id;
    const smartcar = fleet.find((v) => v.oem === 'smartcar').id;
    const [onIpfs, onLocal] = [await onboard(1, 'tesla', tesla, 'Ipfs'), await onboard(2, 'smartcar', smartcar, 'Local')];
    Object.assign(vehicles, { onIpfs: { id: onIpfs, car: tesla }, onLocal: { id: onLocal, car: smartcar } });

    for (const vehicle of [onIpfs, onLocal]) {
      const answer = await committedProof(vehicle);
      const { record, proof, root, collector, commitment } = answer;
      assert.equal(collector, ferdie.address);
      assert.equal(record.vehicle, vehicle);
      // The root is the chain's, and the proof leads there with the documented algorithm.
      const onChain = (await api().query.anchoring.commitments(collector, commitment)).unwrap();
      assert.equal(onChain.root.toHex(), root);
      assert.equal(onChain.committedAt.toNumber(), answer.committedAt);
      assert.ok(merkleVerify(hexToU8a(root), leafHash(record), proof), 'the proof leads to the root');
      assert.ok(!merkleVerify(hexToU8a(root), leafHash({ ...record, size: record.size + 1 }), proof), 'a changed record does not');
      // The runtime agrees, consent included.
      const verdict = await api().call.anchoringApi.verifyCommitted(collector, commitment, record, proof);
      assert.ok(verdict.isOk, `verifyCommitted: ${verdict.isErr ? verdict.asErr.type : ''}`);
      // Nothing per record on chain.
      assert.deepEqual(await rpc('dimo_anchors', vehicle, null, null), []);
    }

    // The owner reads the committed reading through the gateway (which names the envelope's
    // CID of readings stored on IPFS).
    const latest = await committedProof(onIpfs);
    const genesis = api().genesisHash.toU8a();
    const auth = streamAuth(genesis, owners[onIpfs], onIpfs, 'nonLocationData', 1_000_000);
    const readings = await rpc('dimo_readStream', onIpfs, 'nonLocationData', auth, null, 1000);
    assert.ok(readings.some((r) => r.envelopeCid === latest.record.cidText), 'the gateway serves the committed reading');

    // The IPFS vehicle's envelope re-hashes to the committed CID.
    const { record } = await committedProof(onIpfs);
    const { status, bytes } = await ipfs.call('cat', `arg=${record.cidText}&timeout=10s`);
    assert.equal(status, 200);
    assert.equal(record.backend, 'Ipfs');
    assert.ok(u8aEq(hexToU8a(record.cid).slice(4), sha256AsU8a(bytes)), 'IPFS bytes re-hash to the committed CID');
    assert.equal(bytes.length, record.size);

    // The commitment names its IPFS archive on chain, and the archive, walked from that root
    // block by block (each checked against its CID), lists the envelope.
    const withArchive = await committedProof(onIpfs);
    assert.ok(withArchive.archive, 'a reading on IPFS lies in its commitment\'s archive');
    const named = await api().query.anchoring.commitmentArchives(withArchive.collector, withArchive.commitment);
    assert.equal(named.unwrap().toHex(), withArchive.archive.root);
    assert.equal(cidText(hexToU8a(withArchive.archive.root)), withArchive.archive.rootText);
    const listed = await archiveEnvelopeCids(hexToU8a(withArchive.archive.root), async (cid) => {
      const block = await ipfs.call('block/get', `arg=${cid}&timeout=10s`);
      assert.equal(block.status, 200, `IPFS serves block ${cid}`);
      return block.bytes;
    });
    assert.ok(listed.some((cid) => u8aEq(cid, hexToU8a(withArchive.record.cid))), 'the archive lists the committed envelope');
    // A reading that stayed with the collector lies in no archive.
    assert.equal((await committedProof(onLocal)).archive, null);

    // A later reading gets the next sequence number, in a later commitment.
    const second = await committedProof(onLocal, 1);
    const first = await rpc('dimo_anchorProof', onLocal, 0);
    assert.ok(second.commitment > first.commitment);
    assert.ok(second.record.observedFrom > first.record.observedTo);

    // The owner claims the vehicle's activity with the proof the collector gave.
    const owner = owners[onLocal];
    const events = await sendOk(api(), api().tx.anchoring.claimActivity(second.collector, second.commitment, second.record, second.proof), owner);
    const claimed = events.find(({ event }) => api().events.anchoring.ActivityClaimed.is(event));
    assert.equal(claimed?.event.data.vehicle.toNumber(), onLocal);
    // An unknown reading has no proof.
    assert.equal(await rpc('dimo_anchorProof', onLocal, 10_000), null);

    // The collector says whether it keeps up: two cars leave nothing due.
    const load = await rpc('collector_load');
    assert.ok(load.block > 0 && load.polled >= 1 && load.budget >= 50, JSON.stringify(load));
    assert.deepEqual([load.dueLeft, load.behindRuns], [0, 0], JSON.stringify(load));
    assert.equal(load.ipfsSpool.full, false, JSON.stringify(load));
    // And where its run's time went, step by step: whole milliseconds that add up to at most
    // the run (each step's clock rounds down; the run's is read once).
    const steps = ['due', 'tokens', 'fetch', 'seal', 'store', 'keep', 'schedule', 'commit'].map((name) => load.steps[`${name}Ms`]);
    assert.ok(steps.every(Number.isInteger), JSON.stringify(load));
    assert.ok(steps.reduce((a, b) => a + b, 0) <= load.runMs, JSON.stringify(load));
  });

  test('killed right after submitting a commitment and restarted: every reading committed once, in order, none lost', async () => {
    // The commitment may or may not reach a block; the next run may be under way.
    const killedAt = await killAfterNextLog(node, /submitted commitment \d+/g);
    await node.stop().catch(() => {});
    await launchNode();

    const all = Object.values(vehicles);
    const latestSeq = async (vehicle) => (await rpc('dimo_anchorProof', vehicle.id, null))?.record.seq ?? -1;
    const atRestart = {};
    for (const vehicle of all) atRestart[vehicle.id] = await latestSeq(vehicle);
    // Collection resumes: two more committed readings of each vehicle.
    await Promise.all(all.map((vehicle) => committedProof(vehicle.id, atRestart[vehicle.id] + 2)));
    const checkedAt = Date.now();

    const served = await sim.admin('GET', 'served');
    const genesis = api().genesisHash.toU8a();
    for (const vehicle of all) {
      // Every sequence number up to the latest is committed on chain, each once: windows move
      // forward, no CID twice.
      const last = await latestSeq(vehicle);
      const proofs = [];
      for (let seq = 0; seq <= last; seq += 1) {
        const proof = await committedProof(vehicle.id, seq);
        assert.equal(proof.record.seq, seq);
        proofs.push(proof);
      }
      for (let i = 1; i < proofs.length; i += 1) assert.ok(proofs[i].record.observedFrom > proofs[i - 1].record.observedTo, `seq ${i} after seq ${i - 1}`);
      assert.equal(new Set(proofs.map((p) => p.record.cid)).size, proofs.length, 'no CID committed twice');

      // None lost: each reading the simulator served is committed (joined through the gateway,
      // which serves every reading the collector kept, by its observation time), but those in
      // flight when the node died and those still on their way.
      const read = (stream) => rpc('dimo_readStream', vehicle.id, stream, streamAuth(genesis, owners[vehicle.id], vehicle.id, stream, 1_000_000), null, 1000);
      const [values, positions] = await Promise.all([read('nonLocationData'), read('allTimeLocation')]);
      const committedAt = new Set(proofs.map((p) => p.record.observedTo));
      const committedSignals = new Set(values.filter((r) => committedAt.has(r.observedAt)).map((r) => {
        const position = positions.find((p) => p.number === r.number);
        const signals = Object.entries({ ...r.record.signals, ...(position?.record.signals ?? {}) }).sort(([a], [b]) => (a < b ? -1 : 1));
        return JSON.stringify(Object.fromEntries(signals));
      }));
      assert.equal(committedSignals.size, proofs.length, 'each committed reading served once by the gateway');
      const settled = served.filter((entry) => entry.vehicle === vehicle.car &&
        !(entry.at_ms > killedAt - 5_000 && entry.at_ms <= killedAt) && entry.at_ms < checkedAt - 45_000);
      assert.ok(settled.length >= 2, `${settled.length} settled readings of ${vehicle.car}`);
      for (const entry of settled) {
        assert.ok(committedSignals.has(JSON.stringify(entry.signals)), `the reading served at ${entry.at_ms} is committed`);
      }
    }
  });

  test('IPFS down: the archive waits in the spool, committed, through a SIGKILL, and reaches IPFS once it is back', async () => {
    await ipfs.stop();
    // The collector's next run of the IPFS car spools its archive and commits; the node's
    // importer cannot reach IPFS and says so.
    const [, root] = await waitForLog(node.logFile, /did not take the archive (b[a-z2-7]+)/, 120_000);
    assert.equal(await ipfs.call('id', '', { timeoutMs: 2_000 }).catch(() => null), null, 'IPFS is down');
    const rootBytes = await until('the chain holding a commitment that names the spooled archive', async () => {
      const named = await api().query.anchoring.commitmentArchives.entries(ferdie.address);
      return named.map(([, archive]) => hexToU8a(archive.unwrap().toHex())).find((archive) => cidText(archive) === root) ?? null;
    }, { timeoutMs: 60_000, everyMs: 1_000 });

    // The collector says what waits for IPFS.
    const { ipfsSpool } = await rpc('collector_load');
    assert.ok(ipfsSpool.archives >= 1 && ipfsSpool.readings >= 1 && ipfsSpool.bytes > 0, JSON.stringify(ipfsSpool));

    await node.kill();
    await node.stop().catch(() => {});
    ipfs = await startIpfs({ port: ipfs.port, repo: ipfs.repo });
    await launchNode();
    // The restarted node's importer takes the spooled archive into IPFS: every block of it,
    // walked from the root the chain names, each checked against its CID.
    await waitForLog(node.logFile, new RegExp(`imported archive ${root} `), 120_000);
    const envelopes = await archiveEnvelopeCids(rootBytes, async (cid) => {
      const block = await ipfs.call('block/get', `arg=${cid}&timeout=10s`);
      assert.equal(block.status, 200, `IPFS serves block ${cid}`);
      return block.bytes;
    });
    assert.ok(envelopes.length >= 1);
    for (const cid of envelopes) {
      const { status, bytes } = await ipfs.call('block/get', `arg=${cidText(cid)}&timeout=10s`);
      assert.equal(status, 200, `IPFS holds the envelope ${cidText(cid)}`);
      checkCid(u8aToHex(cid), bytes);
    }
  });
});
