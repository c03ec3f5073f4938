// The performance figures of scripts/perf.sh, side by side, on one `dimo-node --dev` (the binary
// that DIMO_NODE names: perf.sh builds a release one):
//
//   1. readings anchored per block and per second, one anchor record per reading
//      (anchoring.anchorBatch from 4 collectors, 100 records each, resubmitted every block), and
//      with commitments (anchoring.commit: one Merkle root a block per collector over
//      PERF_COMMIT_LEAVES records), against the baseline a user would pick instead: one
//      system.remarkWithEvent per CID;
//   2. dimo_canRead against state_getStorage of the same grant entry, over HTTP JSON-RPC,
//      requests per second and p50/p99 latency, with autocannon (npm) as the load generator.
//
// Not a test: nothing here fails on a slow machine; it prints figures (and the machine) for the
// README. The epoch boundary's figures come from scripts/benchmark.sh (pallet_issuance).
//   3. one collector, end to end: readings committed per minute (counted from the chain's
//      Committed events) against the OEM simulator with PERF_COLLECTOR_VEHICLES cars (default
//      1,000) on Local, in commitment mode; and the `fleet` part, the same with
//      PERF_FLEET_VEHICLES cars (default 3,000) on IPFS (the dev IPFS node) for
//      PERF_FLEET_MINUTES (default 10), with latency, the node's memory, the collector's runs,
//      and sampled records proved and fetched from IPFS by the CID and archive the chain names.
//
//   node e2e/bench/perf.js      (PERF_BLOCKS: blocks measured per figure, default 5;
//                               PERF_PARTS=anchoring,canread,collector,fleet: the parts to run;
//                               PERF_POLL_EVERY: the collector's poll cadence in blocks)

import { availableParallelism, cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { blake2AsHex, blake2AsU8a, mnemonicGenerate } from '@polkadot/util-crypto';
import { hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { join } from 'node:path';
import { startNode, sendOk, rpcCall } from '../lib/node.js';
import { readFileSync, statSync } from 'node:fs';
import { genCerts, oemKinds, startIpfs, startSimulator, trustBundle } from '../lib/collector.js';
import { archiveEnvelopeCids, checkCid } from '../lib/reader.js';
import { DIMO, keyring, registeredVehicle } from '../lib/chain.js';
import { anchorExtrinsic, commitExtrinsic, merkleProof, merkleRows, record } from '../lib/anchoring.js';

const BLOCKS = Number(process.env.PERF_BLOCKS ?? 5);
const REMARKS_PER_BLOCK = Number(process.env.PERF_REMARKS_PER_BLOCK ?? 4_000);
const COLLECTORS = 4; // 100 records of one collector per block at most (BlockShareUsed)
const RECORDS_PER_BATCH = 100;
const LOAD_SECONDS = Number(process.env.PERF_LOAD_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.PERF_CONNECTIONS ?? 16);
// Records per commitment tree: 4 collectors x 65,536 a block is ~44,000 readings a second at 6 s.
const COMMIT_LEAVES = Number(process.env.PERF_COMMIT_LEAVES ?? 65_536);
const LEAF_TAG = stringToU8a('dimo/anchor-leaf/v1');
// The collector's row: cars on the OEM simulator, and how long it is measured.
const COLLECTOR_VEHICLES = Number(process.env.PERF_COLLECTOR_VEHICLES ?? 1_000);
const COLLECTOR_MINUTES = Number(process.env.PERF_COLLECTOR_MINUTES ?? 2);
// The fleet's row: the same on IPFS (the dev IPFS node), longer.
const FLEET_VEHICLES = Number(process.env.PERF_FLEET_VEHICLES ?? 3_000);
const FLEET_MINUTES = Number(process.env.PERF_FLEET_MINUTES ?? 10);
// Every how many blocks the collector polls each car (--collector-poll-every); unset: the
// chain's 5. A fleet of N cars asks N / (PERF_POLL_EVERY × 6 s) readings a second: 1 loads one
// collector with 10,000 cars as 50,000 would at the chain's cadence.
const POLL_EVERY = process.env.PERF_POLL_EVERY ? Number(process.env.PERF_POLL_EVERY) : null;
// The parts to run: anchoring (1), canread (2), collector (3, Local); fleet (3 on IPFS) on demand.
const PARTS = new Set((process.env.PERF_PARTS ?? 'anchoring,canread,collector').split(','));
// dimo_canRead and state_getStorage run in turns, LOAD_ROUNDS each: the machine drifts (the
// node, autocannon and this script share its cores), and alternating keeps the drift out of
// the ratio; the figures are the medians.
const LOAD_ROUNDS = Number(process.env.PERF_LOAD_ROUNDS ?? 3);

const alice = keyring.addFromUri('//Alice');
const fresh = () => keyring.addFromMnemonic(mnemonicGenerate());

const node = await startNode({ chain: 'dev', extraArgs: ['--pool-limit', '100000', '--pool-kbytes', '200000'] });
const { api } = node;
const httpUrl = node.rpcUrl.replace(/^ws/, 'http');
const rpc = async (method, ...params) => {
  const res = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
  });
  const body = await res.json();
  if (body.error) throw Object.assign(new Error(`${method}: ${body.error.message}`), { code: body.error.code });
  return body.result;
};
// Aura's slot: twice the timestamp pallet's minimum period.
const blockTimeMs = 2 * api.consts.timestamp.minimumPeriod.toNumber();
const rows = [];

/** Counts the events that `isCounted` matches in each of the next `blocks` blocks after `start()`. */
async function perBlock(blocks, isCounted, onBlock = async () => {}) {
  const counts = [];
  await new Promise((resolve, reject) => {
    let unsubscribe;
    api.rpc.chain.subscribeNewHeads(async (header) => {
      try {
        const at = await api.at(header.hash);
        const events = await at.query.system.events();
        counts.push(events.filter(({ event }) => isCounted(event)).length);
        await onBlock(header.number.toNumber());
        if (counts.length >= blocks) {
          unsubscribe?.();
          resolve();
        }
      } catch (error) {
        reject(error);
      }
    }).then((u) => { unsubscribe = u; }, reject);
  });
  return counts;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const step = (text) => console.error(`[perf] ${text}`);
// Why the pool refused submissions, with how many times: printed with the figures.
const refusals = new Map();
const refused = (error) => refusals.set(error.message, (refusals.get(error.message) ?? 0) + 1);

// 1a. The baseline: one remark per CID, from 24 accounts, the pool kept full: before the
// measure two blocks' worth is queued, and after each block as many again as it took. A block
// counts only if remarks were still waiting after it (it was bounded by the block, not by
// what was queued); the measure goes on (up to 3 × BLOCKS blocks) until BLOCKS of them are full.
const baseline = { full: [], notFull: [] };
if (PARTS.has('anchoring')) {
  step('the baseline: one remark per CID');
  const SENDERS = 24;
  const senders = Array.from({ length: SENDERS }, fresh);
  await sendOk(api, api.tx.utility.batchAll(senders.map((s) => api.tx.balances.transferKeepAlive(s.address, 1000n * DIMO))), alice);
  const nonces = senders.map(() => 0);
  let submitted = 0;
  let included = 0;
  const signRemark = (index) => {
    const nonce = nonces[index];
    nonces[index] += 1;
    return api.tx.system.remarkWithEvent(u8aToHex(record(index, nonce).cid)).sign(senders[index], {
      nonce,
      era: 0,
      blockHash: api.genesisHash,
      genesisHash: api.genesisHash,
      runtimeVersion: api.runtimeVersion,
      signedExtensions: api.registry.signedExtensions,
    }).toHex();
  };
  // `count` more remarks, spread over the senders; each sender's in nonce order (out of order
  // they would wait in the pool's bounded future queue), the senders side by side.
  const topUp = async (count) => {
    const perSender = Math.ceil(count / SENDERS);
    const signed = senders.map((_, index) => Array.from({ length: perSender }, () => signRemark(index)));
    await Promise.all(signed.map(async (mine) => {
      for (const hex of mine) {
        await rpc('author_submitExtrinsic', hex).then(() => { submitted += 1; }, refused);
      }
    }));
  };
  // A release node takes over 2,000 a block; the pool's limits are raised to hold two blocks.
  await topUp(2 * REMARKS_PER_BLOCK);
  // The first block may be part-filled (the pool was still filling): skipped.
  let first = true;
  await new Promise((resolve, reject) => {
    let unsubscribe;
    let seen = 0;
    let done = false;
    // One block after the other: a block's handler waits for the previous one's top-up.
    let previous = Promise.resolve();
    api.rpc.chain.subscribeNewHeads((header) => { previous = previous.then(async () => {
      if (done) return;
      try {
        const events = await (await api.at(header.hash)).query.system.events();
        const count = events.filter(({ event }) => api.events.system.Remarked.is(event)).length;
        included += count;
        if (first) {
          first = false;
        } else if (submitted - included > 0) {
          baseline.full.push(count);
        } else {
          baseline.notFull.push(count);
        }
        seen += 1;
        if (baseline.full.length >= BLOCKS || seen > 3 * BLOCKS) {
          done = true;
          unsubscribe?.();
          resolve();
          return;
        }
        await topUp(Math.max(count, REMARKS_PER_BLOCK / 4));
      } catch (error) {
        done = true;
        reject(error);
      }
    }); }).then((u) => { unsubscribe = u; }, reject);
  });
  rows.push(['one remark per CID (baseline)', baseline.full.length ? median(baseline.full) : null, baseline.full]);
}

// 1b. One anchor record per reading: 4 collectors with 100 vehicles each, a batch per collector
// per block.
let fleets;
if (PARTS.has('anchoring')) {
  step(`one anchor record per reading: ${COLLECTORS} collectors, ${RECORDS_PER_BATCH} vehicles each`);
  const collectors = Array.from({ length: COLLECTORS }, fresh);
  await sendOk(api, api.tx.sudo.sudo(api.tx.utility.batchAll(
    collectors.map((c) => api.tx.anchoring.registerCollector(u8aToHex(c.publicKey))))), alice);
  // 25 vehicles per owner (a batch of 100 registrations would not fit a block), owners side by side.
  const OWNER_SHARE = 25;
  fleets = await Promise.all(collectors.map(async (collector) => {
    const owners = Array.from({ length: RECORDS_PER_BATCH / OWNER_SHARE }, fresh);
    return { collector, owners };
  }));
  const owners = fleets.flatMap((fleet) => fleet.owners);
  await sendOk(api, api.tx.utility.batchAll(owners.map((o) => api.tx.balances.transferKeepAlive(o.address, 500n * DIMO))), alice);
  await Promise.all(fleets.map(async (fleet) => {
    const shares = await Promise.all(fleet.owners.map(async (owner) => {
      const events = await sendOk(api, api.tx.utility.batchAll(Array.from({ length: OWNER_SHARE },
        () => api.tx.vehicles.register(1, blake2AsHex(mnemonicGenerate()), null))), owner);
      const vehicles = events.filter(({ event }) => api.events.vehicles.Registered.is(event))
        .map(({ event }) => event.data.vehicle.toNumber());
      await sendOk(api, api.tx.utility.batchAll(vehicles.flatMap((vehicle) => [
        api.tx.vehicles.setStorage(vehicle, 'Ipfs'),
        api.tx.vehicles.authorizeCollector(vehicle, fleet.collector.address, null),
      ])), owner);
      return vehicles;
    }));
    fleet.vehicles = shares.flat().sort((a, b) => a - b);
  }));
  const submitAll = async () => {
    const at = Date.now();
    await Promise.all(fleets.map(({ collector, vehicles }) => rpc('author_submitExtrinsic',
      anchorExtrinsic(api, collector, vehicles.map((vehicle) => record(vehicle, at)))).catch(refused)));
  };
  await submitAll();
  const counts = (await perBlock(BLOCKS + 1, (event) => api.events.anchoring.Anchored.is(event), submitAll)).slice(1);
  rows.push(['one anchor record per reading', median(counts), counts]);
}

// 1c. Commitments: the same 4 collectors each commit, every block, one Merkle tree of
// COMMIT_LEAVES records of their vehicles (anchoring.commit). The trees are built here ahead of
// time, as a collector would over a window's readings, with the algorithm the primitives document
// (e2e/lib/anchoring.js); the time that takes is printed as the collector's side of the cost. A
// sample of records is then proved against the chain (the runtime API's verify_committed).
const commitRows = [];
if (PARTS.has('anchoring')) {
  const leavesPerTree = COMMIT_LEAVES;
  step(`commitments: ${COLLECTORS} collectors, one tree of ${leavesPerTree} records each per block`);
  const trees = BLOCKS + 3;
  // Windows an hour back, a second per commitment: all behind the chain's clock.
  const base = Date.now() - 3_600_000;
  const leafBuffer = new Uint8Array(LEAF_TAG.length + 8 + 8 + 1 + 36 + 4 + 1 + 1 + 8 + 8);
  leafBuffer.set(LEAF_TAG);
  const view = new DataView(leafBuffer.buffer);
  // The documented leaf encoding, written into one buffer (record(): a fresh object per leaf
  // would spend the time on allocation, not on hashing).
  const leafOf = (vehicle, seq, digestSeed, from, to) => {
    let at = LEAF_TAG.length;
    view.setBigUint64(at, BigInt(vehicle), true); at += 8;
    view.setBigUint64(at, BigInt(seq), true); at += 8;
    leafBuffer[at] = 36 << 2; at += 1;
    leafBuffer.set([0x01, 0x55, 0x12, 0x20], at); at += 4;
    leafBuffer.fill(0, at, at + 32);
    view.setUint32(at, digestSeed, true); view.setUint32(at + 4, seq, true); at += 32;
    view.setUint32(at, 300, true); at += 4;
    leafBuffer[at] = 1; at += 1; // Ipfs
    leafBuffer[at] = 0; at += 1; // no Arweave transaction
    view.setBigUint64(at, BigInt(from), true); at += 8;
    view.setBigUint64(at, BigInt(to), true);
    return blake2AsU8a(leafBuffer, 256);
  };
  const recordOf = (vehicle, seq, digestSeed, from, to) => {
    const digest = new Uint8Array(32);
    new DataView(digest.buffer).setUint32(0, digestSeed, true);
    new DataView(digest.buffer).setUint32(4, seq, true);
    return { vehicle, seq, cid: u8aToHex(u8aConcat(new Uint8Array([0x01, 0x55, 0x12, 0x20]), digest)), size: 300, backend: 'Ipfs', arweaveTx: null, observedFrom: from, observedTo: to };
  };
  const buildStarted = performance.now();
  const built = fleets.map(({ vehicles }, c) => Array.from({ length: trees }, (_, k) => {
    const from = base + (c * trees + k) * 1_000;
    const leaves = new Array(leavesPerTree);
    for (let i = 0; i < leavesPerTree; i += 1) leaves[i] = leafOf(vehicles[i % vehicles.length], k * leavesPerTree + i, c, from, from + 999);
    const rows = merkleRows(leaves);
    return { index: k, root: u8aToHex(rows.at(-1)[0]), from, rows: k === 0 ? rows : null };
  }));
  const buildMs = (performance.now() - buildStarted) / (fleets.length * trees);
  // Each collector's windows follow its own: collector c's k-th window starts at base + (c * trees + k) s.
  const submitNext = async () => {
    await Promise.all(fleets.map(async ({ collector }, c) => {
      const head = await api.call.anchoringApi.commitmentHead(collector.address);
      const tree = built[c][head.nextIndex.toNumber()];
      if (!tree) return;
      await rpc('author_submitExtrinsic', commitExtrinsic(api, collector, {
        index: tree.index, root: tree.root, leafCount: leavesPerTree, windowFrom: tree.from, windowTo: tree.from + 999,
      })).catch(refused);
    }));
  };
  await submitNext();
  let readings = 0;
  const counts = (await perBlock(BLOCKS + 1, (event) => {
    if (!api.events.anchoring.Committed.is(event)) return false;
    readings += event.data.leafCount.toNumber();
    return true;
  }, submitNext)).slice(1);
  // Proofs of a sample of records of each collector's first tree, checked by the chain.
  let proved = 0;
  for (const [c, { vehicles, collector }] of fleets.entries()) {
    const { rows, from } = built[c][0];
    for (const i of [0, 1, leavesPerTree - 1]) {
      const rec = recordOf(vehicles[i % vehicles.length], i, c, from, from + 999);
      const result = await api.call.anchoringApi.verifyCommitted(collector.address, 0, rec, merkleProof(rows, i));
      if (!result.isOk) throw new Error(`record ${i} of collector ${c} does not prove: ${result.asErr.type}`);
      proved += 1;
    }
  }
  commitRows.push({ perBlock: median(counts) * leavesPerTree, counts, buildMs, proved, leavesPerTree });
}

// 2. dimo_canRead against the raw read of the same grant entry.
const load = [];
if (PARTS.has('canread')) {
  step('dimo_canRead against state_getStorage');
  const owner = fresh();
  const grantee = fresh();
  await sendOk(api, api.tx.balances.transferKeepAlive(owner.address, 10n * DIMO), alice);
  const events = await sendOk(api, api.tx.vehicles.register(1, blake2AsHex(mnemonicGenerate()), null), owner);
  const vehicle = registeredVehicle(api, events);
  await sendOk(api, api.tx.dataAccess.grant(vehicle, grantee.address, [{ stream: 'NonLocationData', until: null }]), owner);
  const key = api.query.dataAccess.grants.key(vehicle, grantee.address);
  if (!(await rpc('dimo_canRead', vehicle, grantee.address, 'nonLocationData'))) throw new Error('the grant does not read');
  if (!(await rpc('state_getStorage', key))) throw new Error('no grant entry');
  const run = async (method, params) => {
    const result = await autocannon({
      url: httpUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
      connections: CONNECTIONS,
      duration: LOAD_SECONDS,
    });
    return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
  };
  const rounds = { getStorage: [], canRead: [] };
  for (let round = 0; round < LOAD_ROUNDS; round += 1) {
    rounds.getStorage.push(await run('state_getStorage', [key]));
    rounds.canRead.push(await run('dimo_canRead', [vehicle, grantee.address, 'nonLocationData']));
  }
  // The round of median throughput, for each method.
  const middle = (results) => [...results].sort((a, b) => a.rps - b.rps)[Math.floor(results.length / 2)];
  load.push({ name: 'state_getStorage (grant entry)', rounds: rounds.getStorage, ...middle(rounds.getStorage) });
  load.push({ name: 'dimo_canRead (same grant)', rounds: rounds.canRead, ...middle(rounds.canRead) });
}

await node.stop();

// 3. One collector, end to end: a dev node in commitment mode against the OEM simulator (HTTPS,
// its own CA) with `vehicles` cars on `backend` (polled, sealed, stored, kept for the gateway,
// committed), measured over `minutes` after a minute of warm-up. Readings are counted from the
// chain's Committed events: readings that went from the OEM through storage to the chain.
async function runCollector({ vehicles, minutes, backend }) {
  const certs = genCerts('DIMO perf OEM CA');
  // --vehicles is per OEM: as many cars of each kind of OEM API.
  const kindsCount = oemKinds(api).length;
  const ipfs = backend === 'Ipfs' ? await startIpfs() : null;
  const sim = await startSimulator({ certsDir: certs, vehicles: Math.ceil(vehicles / kindsCount) });
  const ferdie = keyring.addFromUri('//Ferdie');
  const collectorNode = await startNode({
    chain: 'dev',
    env: { SSL_CERT_FILE: trustBundle([join(certs, 'ca.pem')]) },
    extraArgs: [
      '--collector-anchor', 'commitments', '--collector-oem-host', `localhost:${sim.port}`,
      '--pool-limit', '100000', '--pool-kbytes', '200000',
      ...(ipfs ? ['--collector-ipfs-api', ipfs.apiUrl] : []),
      ...(POLL_EVERY ? ['--collector-poll-every', String(POLL_EVERY)] : []),
    ],
  });
  try {
    const capi = collectorNode.api;
    const crpc = (method, ...params) => rpcCall(collectorNode.rpcUrl, method, params);
    await crpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
    const kinds = oemKinds(capi);
    const oemOf = Object.fromEntries(kinds.map(({ oem, name }) => [name, oem]));
    for (const { oem } of kinds) await crpc('collector_setOemClient', oem, 'dimo-dev-client', 'dimo-dev-secret');
    const source = (kind, prefix) => ({ api: kind, apiBaseUrl: `${sim.url}/${prefix}`, authUrl: `${sim.url}/${prefix}/auth` });
    await sendOk(capi, capi.tx.sudo.sudo(capi.tx.utility.batchAll(
      kinds.map(({ oem, kind, name }) => capi.tx.anchoring.setOemSource(oem, source(kind, name))),
    )), alice);
    const cars = await sim.admin('GET', 'vehicles');
    const SHARE = 25; // registrations per owner per batch: a batch of 100 would not fit a block
    const WAVE = 20; // owners onboarding at once: more and their transactions miss their blocks
    const owners = Array.from({ length: Math.ceil(cars.length / SHARE) }, fresh);
    for (let w = 0; w < owners.length; w += 100) {
      await sendOk(capi, capi.tx.utility.batchAll(owners.slice(w, w + 100).map((o) => capi.tx.balances.transferKeepAlive(o.address, 1000n * DIMO))), alice);
    }
    const idsOf = new Map();
    for (let w = 0; w < owners.length; w += WAVE) {
      await Promise.all(owners.slice(w, w + WAVE).map(async (owner, i) => {
        const o = w + i;
        const mine = cars.slice(o * SHARE, (o + 1) * SHARE);
        const events = await sendOk(capi, capi.tx.utility.batchAll(mine.map((car) =>
          capi.tx.vehicles.register(oemOf[car.oem], blake2AsHex(car.id), null))), owner);
        const ids = events.filter(({ event }) => capi.events.vehicles.Registered.is(event)).map(({ event }) => event.data.vehicle.toNumber());
        await sendOk(capi, capi.tx.utility.batchAll(ids.flatMap((id) => [
          ...(backend === 'Local' ? [] : [capi.tx.vehicles.setStorage(id, backend)]),
          capi.tx.vehicles.authorizeCollector(id, ferdie.address, null),
        ])), owner);
        for (const [k, id] of ids.entries()) {
          const car = mine[k];
          idsOf.set(id, car);
          const tokens = await sim.admin('POST', 'grant', { oem: car.oem, vehicle: car.id });
          await crpc('collector_setCredentials', id, oemOf[car.oem], tokens.access_token, tokens.refresh_token, tokens.expires_at, car.id);
        }
      }));
    }
    // Count what each block commits, with the block's time; sample the node's memory.
    const measured = []; // { leafCount, windowFrom, windowTo, at }
    // VmRSS, and its parts: RssAnon (the heap: what a leak grows) and RssFile (pages of mapped
    // files: ParityDB maps its index and value tables, so they grow with the data stored).
    const rss = { total: [], anon: [], file: [] };
    const rssOf = () => {
      try {
        const lines = readFileSync(`/proc/${collectorNode.child.pid}/status`, 'utf8').split('\n');
        const kib = (name) => Number(lines.find((l) => l.startsWith(`${name}:`)).split(/\s+/)[1]);
        return { total: kib('VmRSS') / 1024, anon: kib('RssAnon') / 1024, file: kib('RssFile') / 1024 };
      } catch { return null; }
    };
    const sampler = setInterval(() => {
      const mib = rssOf();
      if (mib !== null) for (const part of Object.keys(rss)) rss[part].push(mib[part]);
    }, 5_000);
    // CPU time, in clock ticks: the machine's busy and total (from /proc/stat), the node's own
    // (utime + stime): whether the machine was the bound, and how much of it the node took.
    const cpuOf = () => {
      const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
      // user nice system idle iowait irq softirq steal (guest time is counted in user).
      const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
      const idle = ticks[3] + ticks[4];
      const fields = readFileSync(`/proc/${collectorNode.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return { total, busy: total - idle, node: Number(fields[11]) + Number(fields[12]) };
    };
    let cpuAtStart = null;
    // The node's log over the measure: the IPFS importer's lines (archives taken into IPFS) and
    // the runs that a full spool stopped.
    let logFrom = null;
    const warmupEnds = Date.now() + 60_000;
    const measureEnds = warmupEnds + minutes * 60_000;
    const loads = [];
    await new Promise((resolve, reject) => {
      let unsubscribe;
      capi.rpc.chain.subscribeNewHeads(async (header) => {
        try {
          if (Date.now() < warmupEnds) return;
          cpuAtStart ??= cpuOf();
          logFrom ??= statSync(collectorNode.logFile).size;
          const at = await capi.at(header.hash);
          const [events, now] = await Promise.all([at.query.system.events(), at.query.timestamp.now()]);
          for (const { event } of events) {
            if (capi.events.anchoring.Committed.is(event)) {
              const { leafCount, windowFrom, windowTo } = event.data;
              measured.push({ leafCount: leafCount.toNumber(), windowFrom: windowFrom.toNumber(), windowTo: windowTo.toNumber(), at: now.toNumber() });
            }
          }
          loads.push(await crpc('collector_load'));
          if (Date.now() >= measureEnds) { unsubscribe?.(); resolve(); }
        } catch (error) { reject(error); }
      }).then((u) => { unsubscribe = u; }, reject);
    });
    clearInterval(sampler);
    const cpuAtEnd = cpuOf();
    const logText = readFileSync(collectorNode.logFile).subarray(logFrom ?? 0).toString();
    const imports = [...logText.matchAll(/imported archive \S+ \((\d+) readings, (\d+) bytes\) into IPFS in (\d+) ms, spooled (\d+) ms before/g)]
      .map(([, readings, bytes, importMs, spooledMs]) => ({ readings: Number(readings), bytes: Number(bytes), importMs: Number(importMs), spooledMs: Number(spooledMs) }));
    const spoolFull = (logText.match(/behind: \d+ archives/g) ?? []).length;
    const cores = availableParallelism();
    const share = (ticks) => (100 * cores * ticks) / (cpuAtEnd.total - cpuAtStart.total);
    const cpu = { cores, machine: share(cpuAtEnd.busy - cpuAtStart.busy), node: share(cpuAtEnd.node - cpuAtStart.node) };
    // Each run once (a block without a run of its own repeats the last).
    const runs = [...new Map(loads.filter(Boolean).map((load) => [load.block, load])).values()];
    const readings = measured.reduce((a, { leafCount }) => a + leafCount, 0);
    // Latency of each reading from the collector's read (its commitment's window start: the
    // run's read time, an upper bound for the run's readings) to the block that commits it.
    const latencies = measured.flatMap(({ leafCount, windowFrom, at }) => Array(leafCount).fill(at - windowFrom)).sort((a, b) => a - b);
    const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null);
    // Sampled records: the proof the collector answers, checked by the runtime; on IPFS, the
    // envelope fetched by the CID the chain's leaf names and re-hashed, and the archive the
    // commitment names on chain listing it.
    const sampled = [...idsOf.keys()].filter((_, i) => i % Math.max(1, Math.floor(idsOf.size / 5)) === 0).slice(0, 5);
    let checked = 0;
    for (const vehicle of sampled) {
      const proof = await crpc('dimo_anchorProof', vehicle, null);
      if (!proof?.committedAt) continue;
      const verdict = await capi.call.anchoringApi.verifyCommitted(proof.collector, proof.commitment, proof.record, proof.proof);
      if (!verdict.isOk) throw new Error(`vehicle ${vehicle}: the runtime refuses the collector's proof`);
      if (backend === 'Ipfs') {
        const { status, bytes } = await ipfs.call('cat', `arg=${proof.record.cidText}&timeout=10s`);
        if (status !== 200) throw new Error(`vehicle ${vehicle}: IPFS does not serve ${proof.record.cidText}`);
        checkCid(proof.record.cid, bytes);
        const named = (await capi.query.anchoring.commitmentArchives(proof.collector, proof.commitment)).unwrap().toHex();
        if (named !== proof.archive?.root) throw new Error(`vehicle ${vehicle}: the chain names another archive`);
        const listed = await archiveEnvelopeCids(hexToU8a(named), async (cid) => (await ipfs.call('block/get', `arg=${cid}&timeout=10s`)).bytes);
        if (!listed.some((cid) => u8aToHex(cid) === proof.record.cid)) throw new Error(`vehicle ${vehicle}: the archive does not list its envelope`);
      }
      checked += 1;
    }
    const behind = loads.filter((load) => load?.dueLeft > 0).length;
    const lastLoad = loads.at(-1);
    // The rate over the blocks measured (whole blocks: a minute is not a whole number of poll
    // rounds, so a short measure may hold one round more or less).
    const seconds = (loads.length * blockTimeMs) / 1000;
    return {
      backend,
      vehicles: cars.length,
      minutes,
      seconds,
      readings,
      perMinute: (readings * 60) / seconds,
      commitments: measured.length,
      p50: pct(0.5),
      p99: pct(0.99),
      rss: rss.total.length ? Object.fromEntries(Object.entries(rss).map(([part, values]) => [part, { first: values[0], last: values.at(-1), max: Math.max(...values) }])) : null,
      checked,
      sampled: sampled.length,
      behind,
      blocks: loads.length,
      budget: lastLoad?.budget,
      runMs: runs.map((load) => load.runMs),
      polled: runs.map((load) => load.polled),
      steps: runs.map((load) => load.steps),
      cpu,
      imports,
      spoolFull,
    };
  } finally {
    await collectorNode.stop();
    sim.stop();
    ipfs?.stop();
  }
}

const collectorRows = [];
if (PARTS.has('collector')) {
  step(`one collector: ${COLLECTOR_VEHICLES} vehicles on the OEM simulator, commitment mode, Local`);
  collectorRows.push(await runCollector({ vehicles: COLLECTOR_VEHICLES, minutes: COLLECTOR_MINUTES, backend: 'Local' }));
}
if (PARTS.has('fleet')) {
  step(`the fleet: ${FLEET_VEHICLES} vehicles on the OEM simulator, commitment mode, IPFS (the dev node)${POLL_EVERY ? `, each polled every ${POLL_EVERY} blocks` : ''}`);
  collectorRows.push(await runCollector({ vehicles: FLEET_VEHICLES, minutes: FLEET_MINUTES, backend: 'Ipfs' }));
}

const per = (count) => `${count} per block, ${(count * 1000 / blockTimeMs).toFixed(1)}/s`;
console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; node: ${process.env.DIMO_NODE ?? 'debug build'}; block time ${blockTimeMs / 1000} s; ${BLOCKS} blocks each\n`);
if (PARTS.has('anchoring')) {
  console.log('readings anchored (median of full blocks)');
  for (const [name, count, counts] of rows) {
    const figure = count === null ? 'no full block' : per(count);
    console.log(`  ${name.padEnd(34)} ${figure.padEnd(28)} blocks: ${counts.join(', ')}`);
  }
  if (baseline.notFull.length) {
    console.log(`  (baseline blocks not counted: the pool ran dry in them: ${baseline.notFull.join(', ')})`);
  }
  for (const { perBlock: count, counts, leavesPerTree } of commitRows) {
    console.log(`  ${'commitments (Merkle roots)'.padEnd(34)} ${per(count).padEnd(28)} commitments a block: ${counts.join(', ')} of ${leavesPerTree} records`);
  }
  // No ratio against a baseline that filled no block: it would say nothing (or "Infinity×").
  const ratio = (count, digits) => (rows[0][1] ? `${(count / rows[0][1]).toFixed(digits)}× the baseline` : 'n/a (the baseline filled no block)');
  console.log(`  ratio, one record per reading      ${ratio(rows[1][1], 2)}`);
  for (const { perBlock: count, buildMs, proved, leavesPerTree } of commitRows) {
    console.log(`  ratio, commitments                 ${ratio(count, 1)}`);
    console.log(`  the collector's side: ${buildMs.toFixed(0)} ms to build a tree of ${leavesPerTree} records in Node.js; ${proved} sampled records proved by the chain`);
  }
}
if (PARTS.has('canread')) {
  console.log(`\nJSON-RPC over HTTP (autocannon, ${CONNECTIONS} connections, ${LOAD_SECONDS} s a round, ${LOAD_ROUNDS} rounds in turns; the median round)`);
  for (const { name, rps, p50, p99, errors, rounds } of load) {
    const all = rounds.map((round) => Math.round(round.rps)).join(', ');
    console.log(`  ${name.padEnd(34)} ${Math.round(rps).toString().padStart(6)} req/s  p50 ${p50} ms  p99 ${p99} ms${errors ? `  (${errors} errors)` : ''}  rounds: ${all}`);
  }
  console.log(`  ratio                              ${(load[1].rps / load[0].rps).toFixed(2)}× state_getStorage`);
}
if (refusals.size) {
  console.log('\nsubmissions the pool refused (expected: a batch while the collector\'s last is pending)');
  for (const [message, count] of refusals) console.log(`  ${count} × ${message}`);
}
if (collectorRows.length) {
  console.log('\none collector, commitment mode, against the OEM simulator: readings counted from the chain\'s Committed events (read from the OEM, sealed, stored, committed)');
  for (const row of collectorRows) {
    const median = (values) => (values.length ? [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] : null);
    console.log(`  ${row.backend.padEnd(5)} ${row.vehicles} vehicles: ${Math.round(row.perMinute)} readings committed a minute, ${(row.perMinute / 60).toFixed(1)}/s (${row.readings} in ${row.commitments} commitments over ${row.blocks} blocks, ${row.seconds} s, after 1 min of warm-up)`);
    console.log(`        latency, the collector's read to the committing block: p50 ${row.p50} ms, p99 ${row.p99} ms (${(row.p99 / blockTimeMs).toFixed(1)} blocks)`);
    if (row.rss) {
      const part = (name, label) => `${label} ${row.rss[name].first.toFixed(0)} → ${row.rss[name].last.toFixed(0)} MiB (at most ${row.rss[name].max.toFixed(0)})`;
      console.log(`        node memory, start → end of the measure: ${part('total', 'RSS')}; of which ${part('anon', 'heap (RssAnon)')}, ${part('file', 'mapped files (RssFile)')}`);
    }
    console.log(`        runs: the last budget ${row.budget} vehicles, median run ${median(row.runMs)} ms for ${median(row.polled)} vehicles; blocks after a run that left vehicles due: ${row.behind} of ${row.blocks}`);
    const stepNames = ['due', 'tokens', 'fetch', 'seal', 'store', 'keep', 'schedule', 'commit'];
    const steps = stepNames.map((name) => `${name} ${median(row.steps.map((s) => s[`${name}Ms`]))}`);
    console.log(`        where a run's time goes (median ms over ${row.steps.length} runs): ${steps.join(', ')}`);
    if (row.backend === 'Ipfs') {
      const imported = row.imports.reduce((a, { readings }) => a + readings, 0);
      const sorted = (key) => row.imports.map((i) => i[key]).sort((a, b) => a - b);
      const p = (values, q) => values[Math.min(values.length - 1, Math.floor(q * values.length))];
      console.log(`        IPFS, the node's importer: ${row.imports.length} archives, ${imported} readings imported over the measure (${(imported / row.seconds).toFixed(1)}/s); an import p50 ${median(sorted('importMs'))} ms, p99 ${p(sorted('importMs'), 0.99)} ms; spooled → in IPFS p50 ${median(sorted('spooledMs'))} ms, p99 ${p(sorted('spooledMs'), 0.99)} ms; runs stopped by a full spool: ${row.spoolFull}`);
    }
    console.log(`        CPU over the measure (${row.cpu.cores} cores = ${row.cpu.cores * 100}%): the machine ${row.cpu.machine.toFixed(0)}%, of which the node ${row.cpu.node.toFixed(0)}% (the rest: the IPFS node, the simulator, this harness)`);
    console.log(`        sampled records proved by the runtime${row.backend === 'Ipfs' ? ', fetched from IPFS by their CID and found in the archive the chain names' : ''}: ${row.checked} of ${row.sampled}`);
  }
}
process.exit(0);
