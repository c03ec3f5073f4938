// The dimo-node command line, as an operator uses it: --help, chain specs by name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { u8aToHex } from '@polkadot/util';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, xxhashAsU8a } from '@polkadot/util-crypto';
import { nodeBinary } from '../lib/node.js';

const run = promisify(execFile);

async function node(...args) {
  const { stdout } = await run(nodeBinary(), args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The raw storage key of a plain storage value: twox128(pallet) ++ twox128(item). */
function plainKey(pallet, item) {
  return u8aToHex(new Uint8Array([...xxhashAsU8a(pallet, 128), ...xxhashAsU8a(item, 128)]));
}

test('--help names the subcommands an operator needs', async () => {
  const help = await node('--help');
  for (const sub of ['key', 'build-spec', 'benchmark', 'purge-chain', 'export-chain-spec']) {
    assert.match(help, new RegExp(`^\\s+${sub}\\b`, 'm'), `--help lists ${sub}`);
  }
  assert.match(help, /--chain/);
  assert.match(help, /dimo-node --dev/);
});

for (const [chain, validators, sudo] of [['dev', 1, true], ['local', 4, false], ['testnet', 3, false]]) {
  test(`build-spec --chain ${chain}: properties, ${validators} validators, ${sudo ? 'sudo' : 'no sudo'}`, async () => {
    const spec = JSON.parse(await node('build-spec', '--chain', chain, '--raw'));
    assert.deepEqual(spec.properties, { ss58Format: 4242, tokenDecimals: 18, tokenSymbol: 'DIMO' });
    const top = spec.genesis.raw.top;
    const auraKey = plainKey('Aura', 'Authorities');
    assert.ok(top[auraKey], 'Aura authorities are set');
    // A SCALE Vec of 32-byte keys: a compact length prefix, then the keys.
    assert.equal((top[auraKey].length - 2 - 2) / 64, validators);
    const sudoKey = top[plainKey('Sudo', 'Key')];
    if (sudo) {
      await cryptoWaitReady();
      const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
      assert.equal(sudoKey, u8aToHex(alice.publicKey), 'Alice holds the sudo key');
    }
    else assert.equal(sudoKey, undefined, `${chain} has no sudo key`);
  });
}

test('a Live chain whose genesis gives power to the dev keys is refused unless the operator allows it', async () => {
  // The testnet preset carries //Alice, //Bob and //Charlie as placeholders.
  await assert.rejects(
    run(nodeBinary(), ['--chain', 'testnet', '--tmp', '--no-mdns', '--rpc-port', '0', '--port', '0'], { timeout: 60_000 }),
    (error) => {
      assert.notEqual(error.code, 0);
      assert.match(error.stderr, /well-known dev keys/);
      assert.match(error.stderr, /Aura authority, GRANDPA authority, technical committee member/);
      assert.match(error.stderr, /--allow-dev-keys-on-live-chain/);
      return true;
    },
  );
});

test('a collector with a log filter that prints HTTP headers (tokens) is refused', async () => {
  await assert.rejects(
    run(nodeBinary(), ['--dev', '--tmp', '--collector-oem-host', 'localhost:7443', '-l', 'offchain-worker::http=debug'], { timeout: 60_000 }),
    (error) => {
      assert.match(error.stderr, /prints the headers of the collector's HTTP requests/);
      return true;
    },
  );
  // A host with a scheme is refused by the option's own check.
  await assert.rejects(
    run(nodeBinary(), ['--dev', '--tmp', '--collector-oem-host', 'https://localhost:7443'], { timeout: 60_000 }),
    (error) => /is not an OEM host/.test(error.stderr),
  );
});
