// The containers an operator runs: the images of docker/ built from this machine's binaries
// (docker/build-images.sh), the dev network of docker/compose.yaml brought up, seeded, taken
// down and brought up again on its volumes, and the four validators of docker/compose.local.yaml
// finalizing. Real images, a real engine (podman here, Docker where it runs), real processes.
//
// Every port is published on 127.0.0.1 (free ports picked here); the compose projects are
// named after this process, and their volumes are removed at the end.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { freePort, rpcCall } from '../lib/node.js';
import { until as untilShared } from '../lib/chain.js';
import { buildImages, composeProject } from '../lib/containers.js';

const TAG = 'e2e';

/** Waits until `probe()` returns something truthy (exceptions count as not yet). */
const until = (probe, timeoutMs, what, diagnose) => untilShared(what, probe, { timeoutMs, diagnose });

const header = async (rpcUrl, hash) => rpcCall(rpcUrl, 'chain_getHeader', hash ? [hash] : []);
const bestNumber = async (rpcUrl) => parseInt((await header(rpcUrl)).number, 16);
const finalizedNumber = async (rpcUrl) => parseInt((await header(rpcUrl, await rpcCall(rpcUrl, 'chain_getFinalizedHead'))).number, 16);

before(async () => {
  const output = await buildImages(TAG);
  console.log(output.trim());
});

describe('the dev network in containers (docker/compose.yaml)', () => {
  let project;
  let rpcUrl;
  const diagnose = async () => {
    const parts = [];
    for (const service of ['node', 'seed', 'oem-simulator', 'ipfs']) parts.push(`--- ${service}\n${await project.logs(service)}`);
    return parts.join('\n');
  };

  before(async () => {
    const ports = { rpc: await freePort(), ipfs: await freePort(), oem: await freePort(), prometheus: await freePort() };
    project = composeProject('compose.yaml', `dimo-e2e-dev-${process.pid}`, {
      DIMO_IMAGE_TAG: TAG,
      DIMO_RPC_PORT: String(ports.rpc),
      DIMO_IPFS_PORT: String(ports.ipfs),
      DIMO_OEM_PORT: String(ports.oem),
      DIMO_PROMETHEUS_PORT: String(ports.prometheus),
    });
    rpcUrl = `http://127.0.0.1:${ports.rpc}`;
  });
  after(async () => {
    if (project) await project.remove().catch((error) => console.log(error.message));
  });

  // The seed onboards a car of each OEM source the dev genesis registers (one per kind of OEM API)
  // and one more Tesla on Local: vehicles 0 to that count - 1.
  const demoVehicles = async () => (await rpcCall(rpcUrl, 'dimo_oemSources', [])).length + 1;
  const anchorCounts = async () => {
    const ids = [...Array(await demoVehicles()).keys()];
    return Promise.all(ids.map(async (id) => (await rpcCall(rpcUrl, 'dimo_anchors', [id, null, 1000])).length));
  };

  let snapshot;
  test('up: the services start healthy, as uid 1000, the seed onboards its demo vehicles and anchors appear for each', async () => {
    await project.up();
    await until(() => bestNumber(rpcUrl).then((n) => n >= 1), 180_000, 'the node produces blocks', diagnose);
    for (const service of ['node', 'oem-simulator', 'ipfs']) {
      await until(() => project.healthy(service), 60_000, `${service}'s health check`, diagnose);
      assert.equal((await project.exec(service, 'id', '-u')).trim(), '1000', `${service} runs as uid 1000`);
    }
    await until(async () => (await project.state('seed')).status === 'exited', 240_000, 'the seed finishes', diagnose);
    assert.equal((await project.state('seed')).exitCode, 0, `the seed failed:\n${await project.logs('seed')}`);
    await until(async () => (await anchorCounts()).every((count) => count >= 1), 240_000, 'an anchor for each demo vehicle', diagnose);
    snapshot = { best: await bestNumber(rpcUrl), anchors: await anchorCounts(), genesis: await rpcCall(rpcUrl, 'chain_getBlockHash', [0]) };
  });

  test('down, then up on the same volumes: the chain goes on from where it was, nothing is onboarded twice, anchoring resumes', async () => {
    assert.ok(snapshot, 'the first test ran');
    await project.down();
    await assert.rejects(bestNumber(rpcUrl), 'nothing answers once the stack is down');
    await project.up();
    // The first answer after restart is already past the block reached before `down`: the chain
    // was read back from the volume, not started again from genesis.
    const resumedAt = await until(() => bestNumber(rpcUrl), 180_000, 'the node answers again', diagnose);
    assert.ok(resumedAt >= snapshot.best, `best block ${resumedAt} after restart, ${snapshot.best} before`);
    assert.equal(await rpcCall(rpcUrl, 'chain_getBlockHash', [0]), snapshot.genesis);
    await until(async () => (await project.state('seed')).status === 'exited', 240_000, 'the seed finishes again', diagnose);
    assert.equal((await project.state('seed')).exitCode, 0, `the seed failed on the second run:\n${await project.logs('seed')}`);

    const api = await ApiPromise.create({ provider: new WsProvider(rpcUrl.replace('http', 'ws')), noInitWarn: true });
    try {
      assert.equal((await api.query.vehicles.vehicles.keys()).length, await demoVehicles(), 'the seed registered no vehicle twice');
    } finally {
      await api.disconnect();
    }
    // The grants were handed over again (the simulator forgot its tokens): each vehicle gets
    // anchors it did not have before `down`.
    await until(async () => (await anchorCounts()).every((count, i) => count > snapshot.anchors[i]), 240_000, 'new anchors for each demo vehicle after restart', diagnose);
  });
});

describe('four validators in containers (docker/compose.local.yaml)', () => {
  const names = ['alice', 'bob', 'charlie', 'dave'];
  const rpcUrls = {};
  let project;
  const diagnose = async () => (await Promise.all(names.map(async (name) => `--- ${name}\n${await project.logs(name, 15)}`))).join('\n');

  before(async () => {
    const env = { DIMO_IMAGE_TAG: TAG };
    for (const name of names) {
      const port = await freePort();
      env[`DIMO_LOCAL_RPC_PORT_${name.toUpperCase()}`] = String(port);
      rpcUrls[name] = `http://127.0.0.1:${port}`;
    }
    project = composeProject('compose.local.yaml', `dimo-e2e-local-${process.pid}`, env);
  });
  after(async () => {
    if (project) await project.remove().catch((error) => console.log(error.message));
  });

  test('they find each other through the bootnode and finalize; with one stopped, finality goes on', async () => {
    await project.up();
    for (const name of names) {
      await until(async () => (await rpcCall(rpcUrls[name], 'system_health')).peers === 3, 180_000, `${name} has its three peers`, diagnose);
    }
    await until(async () => {
      const finalized = await Promise.all(names.map((name) => finalizedNumber(rpcUrls[name])));
      return finalized.every((n) => n >= 2);
    }, 180_000, 'all four finalize', diagnose);

    await project.stop('dave');
    const left = names.filter((name) => name !== 'dave');
    const finalizedAtStop = await finalizedNumber(rpcUrls.alice);
    await until(async () => {
      const finalized = await Promise.all(left.map((name) => finalizedNumber(rpcUrls[name])));
      return finalized.every((n) => n >= finalizedAtStop + 2);
    }, 120_000, 'the three left finalize two more blocks', diagnose);
  });
});
