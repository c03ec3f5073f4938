// A local network under faults, with real processes: the `local` chain's four validators
// (Alice, Bob, Charlie, Dave), each its own dimo-node with its own base path, on loopback.
//
// Four finalize; one SIGKILLed, finality goes on (3 of 4 > 2/3); a second down, blocks go on
// (Aura's slots of the two left) and finality stops; both restarted from their databases,
// finality passes every block made meanwhile, every node agrees on the finalized hashes, and no
// validator equivocates; a fresh full node joins and syncs to the finalized head; after its disk
// state is deleted, it syncs again.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpcCall, startNode } from '../lib/node.js';
import { until as untilShared } from '../lib/chain.js';

const NAMES = ['alice', 'bob', 'charlie', 'dave'];
const nodes = {}; // name -> the running node
const basePaths = {};
const logs = [];
let bootnode;

async function start(name, validator = name) {
  basePaths[name] ??= mkdtempSync(join(tmpdir(), `dimo-net-${name}-`));
  const node = await startNode({
    chain: 'local',
    validator,
    basePath: basePaths[name],
    extraArgs: bootnode ? ['--bootnodes', bootnode] : [],
  });
  nodes[name] = node;
  return node;
}

async function kill(name) {
  const node = nodes[name];
  await node.kill();
  logs.push(readFileSync(node.logFile, 'utf8'));
  await node.stop().catch(() => {});
  delete nodes[name];
}

const rpc = (name, method, ...params) => rpcCall(nodes[name].rpcUrl, method, params);
const best = async (name) => parseInt((await rpc(name, 'chain_getHeader')).number, 16);
const finalized = async (name) => parseInt((await rpc(name, 'chain_getHeader', await rpc(name, 'chain_getFinalizedHead'))).number, 16);

/** Waits until `predicate()` holds, checking every second. */
const until = (predicate, timeoutMs, what) => untilShared(what, predicate, { timeoutMs });

after(async () => {
  for (const name of Object.keys(nodes)) {
    logs.push(readFileSync(nodes[name].logFile, 'utf8'));
    await nodes[name].stop();
  }
  for (const path of Object.values(basePaths)) rmSync(path, { recursive: true, force: true });
});

describe('a local network of four validators', () => {
  test('four finalize; with one down finality goes on', async () => {
    const alice = await start('alice');
    bootnode = `/ip4/127.0.0.1/tcp/${alice.p2pPort}/p2p/${await rpc('alice', 'system_localPeerId')}`;
    await Promise.all(NAMES.slice(1).map((name) => start(name)));
    await until(async () => (await rpc('alice', 'system_health')).peers === 3, 60_000, 'alice sees three peers');
    await until(async () => (await Promise.all(NAMES.map(finalized))).every((n) => n >= 3), 120_000, 'every node finalizes #3');

    await kill('dave');
    const at = await finalized('alice');
    await until(async () => (await finalized('alice')) >= at + 3, 120_000, 'finality goes on without Dave');
  });

  test('with two down blocks go on and finality stops; restarted, finality catches up on the same chain', async () => {
    await kill('charlie');
    const bestAtKill = await best('alice');
    // Alice's and Bob's slots still make blocks; 2 of 4 voters finalize nothing new.
    await until(async () => (await best('alice')) >= bestAtKill + 3, 120_000, 'blocks go on with two validators');
    assert.ok((await finalized('alice')) <= bestAtKill, 'nothing made after the second kill is finalized');
    const stalledAt = await best('alice');

    // Restarted from their databases (and keystores).
    await Promise.all([start('charlie'), start('dave')]);
    await until(async () => (await Promise.all(NAMES.map(finalized))).every((n) => n >= stalledAt), 180_000, 'finality passes the blocks made meanwhile');
    // Every node has the same finalized chain.
    const common = Math.min(...(await Promise.all(NAMES.map(finalized))));
    for (const n of [1, Math.floor(common / 2), common]) {
      const hashes = await Promise.all(NAMES.map((name) => rpc(name, 'chain_getBlockHash', n)));
      assert.equal(new Set(hashes).size, 1, `one block #${n} on every node: ${hashes}`);
    }
  });

  test('a fresh full node syncs to the finalized head, and again after its disk state is deleted', async () => {
    await start('observer', null);
    const target = await finalized('alice');
    await until(async () => (await finalized('observer')) >= target, 120_000, 'the full node reaches the finalized head');
    assert.equal(await rpc('observer', 'chain_getBlockHash', target), await rpc('alice', 'chain_getBlockHash', target));

    await nodes.observer.stop();
    delete nodes.observer;
    rmSync(join(basePaths.observer, 'chains'), { recursive: true, force: true });
    await start('observer', null);
    const again = await finalized('alice');
    await until(async () => (await finalized('observer')) >= again, 120_000, 'the wiped node syncs again');
    assert.equal(await rpc('observer', 'chain_getBlockHash', again), await rpc('alice', 'chain_getBlockHash', again));

    // No validator signed two blocks for one slot or two votes in one round.
    for (const name of Object.keys(nodes)) logs.push(readFileSync(nodes[name].logFile, 'utf8'));
    for (const log of logs) assert.doesNotMatch(log, /equivocat/i);
  });
});
