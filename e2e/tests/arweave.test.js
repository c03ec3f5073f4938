// Arweave, the permanent storage an owner may choose, end to end with real parts: a
// `dimo-node --dev` collecting as //Ferdie, the OEM simulator over HTTPS, arlocal (a local Arweave
// node from npm: it checks every transaction's signature and the wallet's balance) as the gateway
// the node posts to (--collector-arweave-api), and @polkadot/api as the owner.
//
// The collector gets the throwaway test wallet (offchain-workers/testdata) through the unsafe
// collector_setArweaveWallet. A vehicle on Arweave is onboarded while the gateway is down: its
// readings wait in the node and nothing is anchored; the gateway comes up with the wallet unfunded:
// it refuses the transactions, still nothing anchored; the wallet is funded (arlocal's mint route):
// the waiting readings are posted, as the data items of ANS-104 bundles (one transaction a round),
// and anchored only once mined and confirmed (arlocal's mine route; the node asks for one
// confirmation here), oldest first, each with its data item's id. Then: arbundles (the library
// arlocal unbundles with) reads each bundle and verifies each item's signature; the data under
// each anchored id re-hashes to the anchored CID, its tags name DIMO, the vehicle and the window,
// and the bundle's transaction is the wallet's; the owner reads the reading it seals through the
// collector's gateway; a gateway that swallows the transactions and says "mined" (a proxy in front
// of arlocal) is found out by the collector and nothing it swallowed is anchored; and the
// wallet's private key appears in no chain state, block, event, node log, or (unsealed) in the
// node's offchain storage.

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blake2AsHex, sha256AsU8a } from '@polkadot/util-crypto';
import { hexToU8a, stringToHex, stringToU8a, u8aEq, u8aToHex } from '@polkadot/util';
import { freePort, rpcCall, sendOk, startNode, waitForBlock } from '../lib/node.js';
import { DIMO, fresh, keyring, onboard, until, waitForAnchors } from '../lib/chain.js';
import { genCerts, startArlocal, startLyingGateway, startSimulator, trustBundle } from '../lib/collector.js';
import { envelopeHeader, streamAuth } from '../lib/streams.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WALLET_JSON = readFileSync(join(ROOT, 'offchain-workers', 'testdata', 'arweave-test-wallet.json'), 'utf8');
const WALLET = JSON.parse(WALLET_JSON);
// sha256 of the wallet's modulus, base64url: its Arweave address.
const ADDRESS = '6NiiVhpQgSOcOYkfgdkViM-MESt5NCPMFmvR-IdvuiM';
// arbundles, from the dev gateway's packages: an ANS-104 reader that is not ours.
const { Bundle, DataItem } = createRequire(join(ROOT, 'tools', 'arweave-dev-gateway', 'package.json'))('arbundles');
const POSTED = /vehicle (\d+): reading of \d+ posted to Arweave as ([A-Za-z0-9_-]{43}) in bundle ([A-Za-z0-9_-]{43})/g;

let sim;
let gateway; // arlocal, once started
let gatewayPort; // the node's --collector-arweave-api: a gateway in front of arlocal, once started
let front; // that gateway, honest until a test makes it lie
let node;
let alice;
let ferdie;
let owner;
const vehicle = {};

const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
const api = () => node.api;
const log = () => readFileSync(node.logFile, 'utf8');
const base64url = (u8a) => Buffer.from(u8a).toString('base64url');
/** The bundle of each data item posted, as the node's log says. */
const bundleOf = () => new Map([...log().matchAll(POSTED)].map(([, , item, bundle]) => [item, bundle]));

/** Waits until the node's log matches `pattern` after its first `from` characters. */
function logShows(pattern, from = 0, timeoutMs = 180_000) {
  return until(`the node log to show ${pattern}`, async () => pattern.exec(log().slice(from)), {
    timeoutMs,
    diagnose: async () => log().split('\n').filter((l) => /dimo::(collector|arweave)/.test(l)).slice(-20).join('\n'),
  });
}

before(async () => {
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
  const certs = genCerts('DIMO e2e OEM CA');
  sim = await startSimulator({ certsDir: certs });
  // The gateway's port is chosen now; arlocal starts on it later (it is down at first).
  gatewayPort = await freePort();
  node = await startNode({
    chain: 'dev',
    basePath: mkdtempSync(join(tmpdir(), 'dimo-arweave-')),
    env: { SSL_CERT_FILE: trustBundle([join(certs, 'ca.pem')]) },
    extraArgs: [
      '--collector-oem-host', `localhost:${sim.port}`,
      '--collector-arweave-api', `http://127.0.0.1:${gatewayPort}`,
      // One block on top of a transaction's before it is anchored (the default is 10).
      '--collector-arweave-confirmations', '1',
    ],
  });
  await rpc('author_insertKey', 'dcol', '//Ferdie', u8aToHex(ferdie.publicKey));
  await rpc('collector_setOemClient', 1, 'dimo-dev-client', 'dimo-dev-secret');
  await sendOk(api(), api().tx.sudo.sudo(api().tx.anchoring.setOemSource(1, {
    api: 'Tesla', apiBaseUrl: `${sim.url}/tesla`, authUrl: `${sim.url}/tesla/auth`,
  })), alice);
});

after(async () => {
  await node?.stop();
  sim?.stop();
  await front?.stop();
  await gateway?.stop();
});

describe('Arweave storage', () => {
  test('the wallet is handed to the node sealed; only its address comes back', async () => {
    await assert.rejects(rpc('collector_setArweaveWallet', JSON.stringify({ ...WALLET, n: WALLET.n.slice(0, 200) })), { code: 15 });
    await assert.rejects(rpc('collector_setArweaveWallet', '{"kty":"EC"}'), { code: 15 });
    assert.equal(await rpc('collector_setArweaveWallet', WALLET_JSON), ADDRESS);
  });

  test('gateway down, then refusing (no balance): the readings wait and nothing is anchored', async () => {
    owner = fresh();
    await sendOk(api(), api().tx.balances.transferKeepAlive(owner.address, 10n * DIMO), alice);
    const car = (await sim.admin('GET', 'vehicles')).find((v) => v.oem === 'tesla').id;
    vehicle.id = await onboard(api(), owner, { oem: 1, oemRefHash: blake2AsHex(car), backend: 'Arweave', collector: ferdie.address });
    const tokens = await sim.admin('POST', 'grant', { oem: 'tesla', vehicle: car });
    await rpc('collector_setCredentials', vehicle.id, 1, tokens.access_token, tokens.refresh_token, tokens.expires_at, car);

    // Down: the reading is sealed and queued for Arweave, the post cannot reach the gateway.
    await logShows(new RegExp(`vehicle ${vehicle.id}: reading of \\d+ queued for Arweave`));
    // The node made its Ed25519 key for data items.
    const [, itemKey, itemAddress] = await logShows(/Arweave data items are signed by the node's new item key ([A-Za-z0-9_-]{43}) \(address ([A-Za-z0-9_-]{43})\)/);
    vehicle.itemKey = itemKey;
    vehicle.itemAddress = itemAddress;
    await logShows(/\d+ readings wait for Arweave: the gateway http:\/\/127\.0\.0\.1:\d+ gave no anchor: .*[Cc]onnection refused/);
    assert.deepEqual(await rpc('dimo_anchors', vehicle.id, null, 100), []);

    // Up, the wallet unfunded: arlocal refuses the transaction.
    const mark = log().length;
    gateway = await startArlocal();
    front = await startLyingGateway({ port: gatewayPort, upstream: gateway.url });
    await logShows(/\d+ readings not stored on Arweave yet: .*refused it: 4\d\d/, mark);
    assert.deepEqual(await rpc('dimo_anchors', vehicle.id, null, 100), []);
    const outbox = await rpc('offchain_localStorageGet', 'PERSISTENT', stringToHex('dimo/collector/arweave-outbox'));
    assert.ok(outbox && outbox.length > 2, 'the readings wait in the node');
  });

  test('funded: the waiting readings are posted, anchored once mined, oldest first, with their transaction ids', async () => {
    const fundedAt = Date.now();
    // arlocal 1.1.66 indexes a bundle's items only if their owner has an arlocal wallet (it
    // checks the balance of each item's owner as if it paid): give the item key one, empty.
    // Arweave's gateways index the items of any bundle.
    await gateway.mint(vehicle.itemAddress, '0');
    await gateway.mint(ADDRESS, '1000000000000000');
    const mark = log().length;
    const [, , bundle] = await logShows(new RegExp(`vehicle ${vehicle.id}: reading of \\d+ posted to Arweave as ([A-Za-z0-9_-]{43}) in bundle ([A-Za-z0-9_-]{43})`), mark);
    // Posted is not stored: nothing is anchored before the gateway mines it.
    assert.deepEqual(await rpc('dimo_anchors', vehicle.id, null, 100), []);

    // Mined but with fewer confirmations than the node asks for: still not anchored.
    await gateway.mine();
    const status = JSON.parse(new TextDecoder().decode((await gateway.get(`tx/${bundle}/status`)).bytes));
    assert.equal(typeof status.block_height, 'number', 'mined');
    if (status.number_of_confirmations < 1) {
      const best = (await api().rpc.chain.getHeader()).number.toNumber();
      await waitForBlock(api(), best + 2);
      assert.deepEqual(await rpc('dimo_anchors', vehicle.id, null, 100), [], 'not anchored before its confirmation');
      await gateway.mine();
    }
    const first = await waitForAnchors(node.rpcUrl, vehicle.id, 1, { timeoutMs: 120_000 });
    // The reading refused while the gateway was down or unfunded is the one anchored first.
    assert.ok(first[0].observedTo < fundedAt, 'the oldest waiting reading is anchored first');

    // Later readings: posted, mined, anchored.
    const anchors = await until('three anchors', async () => {
      await gateway.mine();
      const held = await rpc('dimo_anchors', vehicle.id, null, 100);
      return held.length >= 3 ? held : null;
    }, { timeoutMs: 240_000, everyMs: 3_000 });

    const windows = anchors.map((a) => a.observedFrom);
    assert.deepEqual(windows, [...windows].sort((a, b) => a - b), 'in the order of their windows');
    assert.equal(new Set(windows).size, windows.length, 'no window anchored twice');
    assert.equal(new Set(anchors.map((a) => a.cid)).size, anchors.length, 'no reading anchored twice');
    assert.equal(new Set(anchors.map((a) => a.arweaveTx)).size, anchors.length, 'one data item each');

    const bundles = bundleOf();
    for (const anchor of anchors) {
      assert.equal(anchor.backend, 'arweave');
      assert.match(anchor.arweaveTx, /^[A-Za-z0-9_-]{43}$/);
      // The gateway serves the data under the anchored id, and it re-hashes to the anchored CID.
      const { status, bytes } = await gateway.get(anchor.arweaveTx);
      assert.equal(status, 200, `the gateway serves ${anchor.arweaveTx}`);
      const cid = hexToU8a(anchor.cidHex);
      assert.ok(u8aEq(cid.slice(0, 4), new Uint8Array([0x01, 0x55, 0x12, 0x20])), 'a CIDv1, raw codec, sha2-256');
      assert.ok(u8aEq(cid.slice(4), sha256AsU8a(bytes)), 're-hashing the data gives the anchored CID');
      assert.equal(bytes.length, anchor.size);
      const header = envelopeHeader(bytes);
      assert.deepEqual([header.magic, header.vehicle, header.from, header.to], ['DENV', vehicle.id, anchor.observedFrom, anchor.observedTo]);
      // Its bundle, read by arbundles: the item is there under its id, its signature (the node's
      // item key's) verifies, its data is the envelope, its tags name it so that anyone finds it.
      const bundleId = bundles.get(anchor.arweaveTx);
      assert.ok(bundleId, `the log names the bundle of ${anchor.arweaveTx}`);
      const data = Buffer.from(new TextDecoder().decode((await gateway.get(`tx/${bundleId}/data`)).bytes), 'base64url');
      const read = new Bundle(data);
      assert.ok(await read.verify(), 'every item of the bundle verifies');
      const item = read.items.find((i) => i.id === anchor.arweaveTx);
      assert.ok(item, `bundle ${bundleId} holds ${anchor.arweaveTx}`);
      assert.ok(await DataItem.verify(item.getRaw()));
      assert.equal(item.signatureType, 2, 'Ed25519');
      assert.equal(item.owner, vehicle.itemKey);
      assert.ok(u8aEq(item.rawData, bytes));
      assert.deepEqual(Object.fromEntries(item.tags.map((t) => [t.name, t.value])), {
        'Content-Type': 'application/octet-stream',
        'App-Name': 'DIMO',
        Vehicle: String(vehicle.id),
        Window: `${anchor.observedFrom}-${anchor.observedTo}`,
      });
      // The bundle's transaction: signed by the collector's wallet, tagged as a bundle.
      const tx = JSON.parse(new TextDecoder().decode((await gateway.get(`tx/${bundleId}`)).bytes));
      assert.equal(base64url(sha256AsU8a(Buffer.from(tx.owner, 'base64url'))), ADDRESS);
      const tags = Object.fromEntries(tx.tags.map((t) => [Buffer.from(t.name, 'base64url').toString(), Buffer.from(t.value, 'base64url').toString()]));
      assert.deepEqual(tags, { 'Bundle-Format': 'binary', 'Bundle-Version': '2.0.0', 'App-Name': 'DIMO' });
    }

    // The owner reads the reading each envelope seals through the collector's gateway.
    const genesis = api().genesisHash.toU8a();
    const auth = streamAuth(genesis, owner, vehicle.id, 'nonLocationData', 1_000_000);
    const readings = await rpc('dimo_readStream', vehicle.id, 'nonLocationData', auth, null, 1000);
    for (const anchor of anchors) {
      assert.ok(readings.some((r) => r.envelopeCid === anchor.cid), `the gateway serves the reading sealed in ${anchor.cid}`);
    }
    assert.doesNotMatch(log(), /panicked/);
  });

  test('a gateway that says "mined" for what it does not serve is logged, and nothing it swallowed is anchored', async () => {
    const mark = log().length;
    front.lie(true);
    try {
      const [, , swallowed] = await logShows(new RegExp(`vehicle ${vehicle.id}: reading of \\d+ posted to Arweave as ([A-Za-z0-9_-]{43}) in bundle ([A-Za-z0-9_-]{43})`), mark);
      assert.ok(front.swallowed.has(swallowed), 'the lying gateway took the transaction');
      await logShows(new RegExp(`the gateway reports transaction ${swallowed} mined, but the data http://127\\.0\\.0\\.1:${gatewayPort} serves for it is not a bundle .*; none of its \\d+ readings is anchored`), mark);
      // The worker anchors what the uploader marked mined within a block: give it two.
      const best = (await api().rpc.chain.getHeader()).number.toNumber();
      await waitForBlock(api(), best + 2);
      const anchors = await rpc('dimo_anchors', vehicle.id, null, 1000);
      const bundles = bundleOf();
      assert.ok(anchors.every((a) => !front.swallowed.has(bundles.get(a.arweaveTx))), 'no item of a swallowed bundle is anchored');
      assert.equal((await gateway.get(`tx/${swallowed}/status`)).status, 404, 'Arweave (arlocal) never saw it');
    } finally {
      front.lie(false);
    }
  });

  test('the wallet appears in no chain state, block, event or log, nor unsealed in offchain storage', async () => {
    // The private parts of the key, as the JWK holds them (base64url), as hex of that text, and as
    // the bytes of the numbers.
    const secrets = ['d', 'p', 'q', 'dp', 'dq', 'qi'].flatMap((part) => [
      WALLET[part],
      stringToHex(WALLET[part]).slice(2),
      u8aToHex(Buffer.from(WALLET[part], 'base64url')).slice(2, 66),
    ]);
    const leak = (haystack, where) => {
      for (const secret of secrets) assert.ok(!haystack.includes(secret), `the wallet's private key in ${where}`);
    };
    leak(log(), 'the node log');
    const best = Number((await rpc('chain_getHeader')).number);
    const eventsKey = api().query.system.events.key();
    for (let n = 0; n <= best; n += 1) {
      const hash = await rpc('chain_getBlockHash', n);
      leak(JSON.stringify(await rpc('chain_getBlock', hash)), `block ${n}`);
      leak(JSON.stringify(await rpc('state_getStorage', eventsKey, hash)), `the events of block ${n}`);
    }
    leak(JSON.stringify(await rpc('state_getPairs', '0x')), 'chain state');
    const stored = await rpc('offchain_localStorageGet', 'PERSISTENT', u8aToHex(stringToU8a('dimo/collector/arweave-wallet')));
    assert.ok(stored && stored.length > 1000, 'the node holds the wallet');
    leak(stored, 'the offchain storage of the wallet');
    // Removed: the node no longer holds it.
    assert.equal(await rpc('collector_removeArweaveWallet'), true);
    assert.equal(await rpc('offchain_localStorageGet', 'PERSISTENT', u8aToHex(stringToU8a('dimo/collector/arweave-wallet'))), null);
  });
});
