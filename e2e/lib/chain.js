// What every end-to-end file needs from the chain besides a node: DIMO's units and keyring, fresh
// accounts, waiting for a condition, reading a registered vehicle's id and its anchors, and a
// `--dev` node started before the file's tests and stopped after them.

import { after, before } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { mnemonicGenerate, randomAsHex } from '@polkadot/util-crypto';
import { rpcCall, sendOk, sleep, startNode } from './node.js';

/** One DIMO in planck (18 decimals). */
export const DIMO = 10n ** 18n;

/** sr25519 keys with DIMO's SS58 prefix (4242), as Polkadot.js shows them. */
export const keyring = new Keyring({ type: 'sr25519', ss58Format: 4242 });

/** A fresh account with no history, so that no test sees another's effects. */
export const fresh = () => keyring.addFromMnemonic(mnemonicGenerate());

/**
 * Resolves with the first truthy value of `probe()`, asked every `everyMs`; an exception counts
 * as "not yet" (a service still starting). Rejects after `timeoutMs` with `what`, the last
 * exception and whatever `diagnose()` says (a log's tail, for example).
 */
export async function until(what, probe, { timeoutMs = 180_000, everyMs = 1_000, diagnose = async () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const detail = await diagnose();
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${last.message})` : ''}${detail ? `\n${detail}` : ''}`);
    }
    await sleep(everyMs);
  }
}

/** The id of the vehicle that a `vehicles.register` extrinsic's `events` report. */
export function registeredVehicle(api, events) {
  const registered = events.find(({ event }) => api.events.vehicles.Registered.is(event));
  if (!registered) throw new Error('no vehicles.Registered event');
  return registered.event.data.vehicle.toNumber();
}

/**
 * Registers a vehicle of `owner` (funded) at `oem` under `oemRefHash` (random unless given) and,
 * in one batch, sets its storage `backend` and consents to `collector` (an address) where given.
 * Resolves with the vehicle's id.
 */
export async function onboard(api, owner, { oem = 1, oemRefHash = randomAsHex(32), backend = null, collector = null } = {}) {
  const vehicle = registeredVehicle(api, await sendOk(api, api.tx.vehicles.register(oem, oemRefHash, null), owner));
  const calls = [];
  if (backend) calls.push(api.tx.vehicles.setStorage(vehicle, backend));
  if (collector) calls.push(api.tx.vehicles.authorizeCollector(vehicle, collector, null));
  if (calls.length) await sendOk(api, api.tx.utility.batchAll(calls), owner);
  return vehicle;
}

/**
 * The anchors of `vehicle` (dimo_anchors, oldest first) once there are at least `count`; polls
 * the node at `rpcUrl` every `everyMs`.
 */
export function waitForAnchors(rpcUrl, vehicle, count, { timeoutMs = 60_000, everyMs = 1_000, diagnose } = {}) {
  let seen = 0;
  return until(`${count} anchors of vehicle ${vehicle}`, async () => {
    const anchors = await rpcCall(rpcUrl, 'dimo_anchors', [vehicle, null, 1000]);
    seen = anchors.length;
    return anchors.length >= count ? anchors : null;
  }, { timeoutMs, everyMs, diagnose: async () => `it has ${seen}${diagnose ? `\n${await diagnose()}` : ''}` });
}

/**
 * A `dimo-node` (the `--dev` chain unless `options` say otherwise) started before the file's tests
 * and stopped after them, whatever their outcome. Returns an object whose `ready` resolves once
 * the node answers (a file's own `before` hook awaits it: node:test runs a file's top-level
 * `before` hooks side by side), whose `node` and `api` are then set, and whose
 * `rpc(method, ...params)` calls the node over HTTP.
 */
export function nodeForFile(options = { chain: 'dev' }) {
  let started;
  let failed;
  const context = {
    node: null,
    api: null,
    ready: new Promise((resolve, reject) => { started = resolve; failed = reject; }),
    rpc: (method, ...params) => rpcCall(context.node.rpcUrl, method, params),
  };
  context.ready.catch(() => {}); // the file's hook reports it
  before(async () => {
    try {
      context.node = await startNode(options);
      context.api = context.node.api;
      started(context);
    } catch (error) {
      failed(error);
      throw error;
    }
  });
  after(async () => {
    await context.node?.stop();
  });
  return context;
}
