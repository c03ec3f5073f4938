// The chain as a client sees it: a real `dimo-node --dev` process, @polkadot/api.
//
// Covers: block production and GRANDPA finality, the chain's properties, a balance
// transfer (events and fee), an overdraft failing with the runtime's own error, Prometheus
// metrics, the runtime metadata decoding every storage item and every call, and the docs' list
// of DIMO's own JSON-RPC methods matching what the node serves.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringCamelCase } from '@polkadot/util';
import { sendAndWaitInBlock } from '../lib/node.js';
import { DIMO, fresh as freshAccount, keyring, nodeForFile } from '../lib/chain.js';

const dev = nodeForFile();
let api;
let alice;

async function freeBalance(address) {
  return (await api.query.system.account(address)).data.free.toBigInt();
}

before(async () => {
  ({ api } = await dev.ready);
  alice = keyring.addFromUri('//Alice');
});

describe('consensus', () => {
  test('Aura produces blocks and GRANDPA finalizes them', async () => {
    const target = 2;
    const finalized = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no finalized block #2 within 90 s')), 90_000);
      api.rpc.chain.subscribeFinalizedHeads((header) => {
        if (header.number.toNumber() >= target) {
          clearTimeout(timer);
          resolve(header.number.toNumber());
        }
      }).catch(reject);
    });
    assert.ok(finalized >= target);
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    assert.ok(best >= finalized, `best ${best} is behind finalized ${finalized}`);
    const authorities = await api.query.aura.authorities();
    assert.equal(authorities.length, 1, 'the dev chain has one validator');
    assert.equal(keyring.encodeAddress(authorities[0]), alice.address, 'Alice is the dev validator');
  });
});

describe('chain identity', () => {
  test('properties say DIMO, 18 decimals, SS58 prefix 4242', async () => {
    const properties = await api.rpc.system.properties();
    assert.deepEqual(properties.tokenSymbol.unwrap().map(String), ['DIMO']);
    assert.deepEqual(properties.tokenDecimals.unwrap().map((d) => d.toNumber()), [18]);
    assert.equal(properties.ss58Format.unwrap().toNumber(), 4242);
    // What @polkadot/api formats amounts and addresses with.
    assert.deepEqual(api.registry.chainTokens, ['DIMO']);
    assert.deepEqual(api.registry.chainDecimals, [18]);
    assert.equal(api.registry.chainSS58, 4242);
    // The runtime agrees with the chain spec.
    assert.equal(api.consts.system.ss58Prefix.toNumber(), 4242);
    assert.equal(api.consts.balances.existentialDeposit.toBigInt(), DIMO / 100n);
    assert.equal(api.runtimeVersion.specName.toString(), 'dimo');
    assert.equal((await api.rpc.system.chain()).toString(), 'DIMO Development');
  });

  test('the dev chain has sudo, held by Alice', async () => {
    const key = await api.query.sudo.key();
    assert.equal(keyring.encodeAddress(key.unwrap()), alice.address);
  });

  test('Prometheus serves the node metrics', async () => {
    const res = await fetch(dev.node.prometheusUrl, { signal: AbortSignal.timeout(5_000) });
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(body, /^substrate_block_height\{status="best"/m);
    assert.match(body, /^substrate_block_height\{status="finalized"/m);
  });
});

describe('balances and fees', () => {
  test('a transfer from Alice lands in a block, emits its events and charges the predicted fee', async () => {
    const dest = freshAccount();
    const amount = 12n * DIMO;
    const tx = api.tx.balances.transferKeepAlive(dest.address, amount);
    const predicted = (await tx.paymentInfo(alice)).partialFee.toBigInt();
    assert.ok(predicted > 0n, 'a transfer is not free');

    const aliceBefore = await freeBalance(alice.address);
    const { blockHash, events, dispatchError } = await sendAndWaitInBlock(tx, alice);
    assert.equal(dispatchError, undefined);

    const names = events.map(({ event }) => `${event.section}.${event.method}`);
    assert.ok(names.includes('system.ExtrinsicSuccess'), names.join(','));
    assert.ok(names.includes('system.NewAccount'), 'the destination is a new account');
    const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
    assert.ok(transfer, 'balances.Transfer emitted');
    assert.equal(keyring.encodeAddress(transfer.event.data.from), alice.address);
    assert.equal(keyring.encodeAddress(transfer.event.data.to), dest.address);
    assert.equal(transfer.event.data.amount.toBigInt(), amount);
    const feePaid = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
    assert.ok(feePaid, 'transactionPayment.TransactionFeePaid emitted');
    const fee = feePaid.event.data.actualFee.toBigInt();
    assert.equal(fee, predicted, 'the fee charged is the one payment_queryInfo predicted');

    const at = await api.at(blockHash);
    assert.equal((await at.query.system.account(dest.address)).data.free.toBigInt(), amount);
    assert.equal((await at.query.system.account(alice.address)).data.free.toBigInt(), aliceBefore - amount - fee);
  });

  test('a transfer that would overdraw fails with the runtime error and still pays its fee', async () => {
    const poor = freshAccount();
    await sendAndWaitInBlock(api.tx.balances.transferKeepAlive(poor.address, DIMO), alice);
    const before = await freeBalance(poor.address);
    assert.equal(before, DIMO);

    const { events, dispatchError } = await sendAndWaitInBlock(
      api.tx.balances.transferAllowDeath(alice.address, 100n * DIMO),
      poor,
    );
    assert.ok(dispatchError, 'the call failed');
    assert.ok(dispatchError.isToken, `a token error, not ${dispatchError.type}`);
    assert.equal(dispatchError.asToken.type, 'FundsUnavailable');
    assert.ok(events.some(({ event }) => api.events.system.ExtrinsicFailed.is(event)));
    assert.ok(!events.some(({ event }) => api.events.balances.Transfer.is(event)), 'nothing moved');
    const fee = events
      .find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event))
      .event.data.actualFee.toBigInt();
    assert.ok(fee > 0n);
    assert.equal(await freeBalance(poor.address), before - fee);
  });
});

describe('metadata', () => {
  test('every storage item of every pallet decodes', async () => {
    const pallets = api.runtimeMetadata.asLatest.pallets;
    let items = 0;
    for (const pallet of pallets) {
      if (pallet.storage.isNone) continue;
      const section = stringCamelCase(pallet.name);
      assert.ok(api.query[section], `pallet ${pallet.name} has its storage in api.query`);
      for (const entry of pallet.storage.unwrap().items) {
        const query = Object.values(api.query[section]).find(
          (q) => q.creator.meta.name.toString() === entry.name.toString(),
        );
        assert.ok(query, `${pallet.name}.${entry.name} is in api.query`);
        if (entry.type.isPlain) {
          const value = await query();
          assert.ok(value.toHex() !== undefined, `${pallet.name}.${entry.name} decodes`);
        } else {
          // Reads and decodes every key and value of the map (small on a fresh dev chain).
          const entries = await query.entries();
          for (const [key, value] of entries) {
            assert.ok(key.args.length > 0, `${pallet.name}.${entry.name} key decodes`);
            assert.ok(value.toHex() !== undefined);
          }
        }
        items += 1;
      }
    }
    assert.ok(items > 30, `only ${items} storage items`);
  });

  test('every call of every pallet encodes and decodes through the metadata', () => {
    let calls = 0;
    for (const section of Object.keys(api.tx)) {
      for (const method of Object.keys(api.tx[section])) {
        const tx = api.tx[section][method];
        const args = tx.meta.fields.map((field) =>
          api.registry.createType(api.registry.createLookupType(field.type)),
        );
        const call = tx(...args);
        const decoded = api.registry.createType('Call', call.method.toU8a());
        assert.equal(decoded.section, section);
        assert.equal(decoded.method, method);
        assert.equal(decoded.toHex(), call.method.toHex());
        calls += 1;
      }
    }
    for (const name of ['balances', 'assets', 'utility', 'sudo', 'system', 'timestamp']) {
      assert.ok(api.tx[name], `${name} calls are in the metadata`);
    }
    assert.ok(calls > 50, `only ${calls} calls`);
  });
});

describe('docs', () => {
  const ROOT = join(import.meta.dirname, '..', '..');

  test('every relative link of the README and docs/ leads to a file of the repository', () => {
    const pages = ['README.md', 'e2e/README.md', 'offchain-workers/README.md', 'pallets/README.md', 'docker/README.md',
      ...readdirSync(join(ROOT, 'docs')).map((file) => `docs/${file}`)];
    let links = 0;
    for (const page of pages) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
        const path = target.split('#')[0];
        assert.ok(existsSync(join(ROOT, dirname(page), path)), `${page} links to ${target}, which is not there`);
        links += 1;
      }
    }
    assert.ok(links > 20, `only ${links} links`);
  });

  test('docs/rpc.md and docs/gateway.md document exactly the dimo_* and collector_* methods the node serves', async () => {
    const docs = ['rpc.md', 'gateway.md']
      .map((file) => readFileSync(join(ROOT, 'docs', file), 'utf8'))
      .join('\n');
    const documented = new Set(docs.match(/\b(?:dimo|collector)_[a-zA-Z]+\b/g));
    const served = (await api.rpc.rpc.methods()).methods.map(String).filter((name) => /^(dimo|collector)_/.test(name));
    // A subscription's notification and unsubscribe names come with its subscribe method.
    const subscriptionParts = new Set(['dimo_streamReading', 'dimo_unsubscribeStream']);
    for (const method of served) {
      if (!subscriptionParts.has(method)) assert.ok(documented.has(method), `${method} is served but not documented`);
    }
    for (const method of documented) {
      if (!subscriptionParts.has(method)) assert.ok(served.includes(method), `${method} is documented but not served`);
    }
    assert.ok(served.length > 15, `only ${served.length} methods`);
  });
});
