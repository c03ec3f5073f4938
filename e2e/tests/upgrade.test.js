// A running chain upgraded to this runtime: a real dimo-node on a dev chain whose genesis is spec
// 109's (the last runtime with fixed Aura and GRANDPA authorities, runtime/fixtures/, made by
// scripts/build-runtime-fixture.sh), upgraded by sudo to the node's own runtime. The migration
// seeds the sessions from the authorities: blocks and finality go on through the upgrade, Alice
// is session 0's validator, and once governance shortens the session, sessions turn and finality
// still goes on.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync, zstdCompressSync } from 'node:zlib';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { encodeAddress } from '@polkadot/util-crypto';
import { nodeBinary, rpcCall, sendOk, startNode } from '../lib/node.js';
import { keyring, until as untilShared } from '../lib/chain.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'runtime', 'fixtures', 'dimo_runtime-spec109.wasm.gz');
const dir = mkdtempSync(join(tmpdir(), 'dimo-upgrade-'));
let node;
let api;
let newCode;

const alice = keyring.addFromUri('//Alice');
const rpc = (method, ...params) => rpcCall(node.rpcUrl, method, params);
const finalized = async () => parseInt((await rpc('chain_getHeader', await rpc('chain_getFinalizedHead'))).number, 16);
const best = async () => parseInt((await rpc('chain_getHeader')).number, 16);
const specVersion = async () => (await rpc('state_getRuntimeVersion')).specVersion;
const until = (what, probe, timeoutMs = 180_000) => untilShared(what, probe, { timeoutMs, everyMs: 2_000 });

/**
 * `code` compressed as a release build's `.compact.compressed.wasm` is (zstd behind
 * sp-maybe-compressed-blob's prefix): a debug build's 4 MiB of wasm would not fit in a block.
 */
const compressed = (code) => u8aToHex(u8aConcat(
  new Uint8Array([82, 188, 83, 118, 70, 219, 142, 5]),
  zstdCompressSync(hexToU8a(code)),
));

before(async () => {
  // Today's dev chain spec, with spec 109's code and the genesis spec 109 took: Alice as the Aura
  // and GRANDPA authority, nothing of the sessions.
  const { stdout } = await promisify(execFile)(nodeBinary(), ['build-spec', '--chain', 'dev'], { maxBuffer: 256 * 1024 * 1024 });
  // Balances are beyond a double's precision: keep their digits (JSON.rawJSON) through the edit.
  const spec = JSON.parse(stdout, (key, value, { source }) => (typeof value === 'number' && !Number.isSafeInteger(value) ? JSON.rawJSON(source) : value));
  const genesis = spec.genesis.runtimeGenesis;
  newCode = genesis.code;
  genesis.code = u8aToHex(gunzipSync(readFileSync(FIXTURE)));
  delete genesis.patch.validatorSet;
  delete genesis.patch.session;
  // Keys in a chain spec are SS58 with Substrate's generic prefix, 42.
  const aliceEd = keyring.addFromUri('//Alice', {}, 'ed25519');
  genesis.patch.aura = { authorities: [encodeAddress(alice.publicKey, 42)] };
  genesis.patch.grandpa = { authorities: [[encodeAddress(aliceEd.publicKey, 42), 1]] };
  const path = join(dir, 'spec-109.json');
  writeFileSync(path, JSON.stringify(spec));
  node = await startNode({ chain: path, validator: 'alice', extraArgs: ['--force-authoring'] });
  ({ api } = node);
});

after(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a running chain upgraded from fixed authorities to sessions', () => {
  test('spec 109 runs: Alice authors and finalizes, no sessions', async () => {
    assert.equal(await specVersion(), 109);
    assert.equal(api.query.session, undefined, 'no session pallet');
    await until('#3 finalized', async () => (await finalized()) >= 3);
  });

  test('the upgrade: blocks and finality go on, the authorities become session 0\'s validators', async () => {
    const aura = (await api.query.aura.authorities()).map(String);
    const setId = (await api.query.grandpa.currentSetId()).toNumber();
    await sendOk(api, api.tx.sudo.sudoUncheckedWeight(api.tx.system.setCode(compressed(newCode)), { refTime: 0, proofSize: 0 }), alice);
    await until('spec 110', async () => (await specVersion()) === 110);
    // The block that set the code reports the new version; the next runs the migrations.
    const upgradedAt = await best();
    await until('the first block of spec 110', async () => (await best()) > upgradedAt);

    // A client connecting now sees the new pallets.
    const fresh = await ApiPromise.create({ provider: new WsProvider(node.rpcUrl), noInitWarn: true });
    try {
      assert.deepEqual((await fresh.query.session.validators()).map(String), [alice.address]);
      assert.deepEqual((await fresh.query.validatorSet.validators()).map(String), [alice.address]);
      assert.ok((await fresh.query.session.nextKeys(alice.address)).isSome, 'Alice has session keys');
      assert.deepEqual((await fresh.query.aura.authorities()).map(String), aura, 'Aura unchanged');
      assert.equal((await fresh.query.grandpa.currentSetId()).toNumber(), setId, 'GRANDPA unchanged');
      await until('finality past the upgrade', async () => (await finalized()) >= upgradedAt + 3);

      // Governance (sudo on dev) shortens the session from the migration's hour: sessions turn,
      // and finality goes on across them.
      await sendOk(fresh, fresh.tx.sudo.sudo(fresh.tx.validatorSet.setSessionLength(10)), alice);
      await until('session 2', async () => (await fresh.query.session.currentIndex()).toNumber() >= 2);
      const at = await best();
      await until('finality past session 2', async () => (await finalized()) >= at + 2);
      assert.deepEqual((await fresh.query.session.validators()).map(String), [alice.address]);
    } finally {
      await fresh.disconnect();
    }
  });
});
