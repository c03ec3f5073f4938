// What an app needs to read a vehicle's streams from a collector's gateway, and what an
// auditor needs to open the collector's envelopes, written from the formats the README and the
// module docs give (node/src/rpc/gateway/, offchain-workers/src/envelope.rs, seal.rs), with
// registry packages only: @polkadot/util-crypto for the keys, @noble/ciphers for
// XChaCha20-Poly1305.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha';
import { CLASSES, openPart, parseEnvelope } from './reader.js';
import { Keyring } from '@polkadot/keyring';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { bnToU8a, compactFromU8a, hexToU8a, stringToU8a, u8aConcat, u8aToHex, u8aToU8a } from '@polkadot/util';

/** The streams, by name, with their index in the runtime's `Stream` enum. */
export const STREAMS = ['nonLocationData', 'currentLocation', 'allTimeLocation', 'approximateLocation', 'liveDataSubscription', 'rawData', 'vinCredential'];

const u64 = (n) => bnToU8a(n, { bitLength: 64, isLe: true });
const u32 = (n) => bnToU8a(n, { bitLength: 32, isLe: true });

/** The bytes an `auth` signs: ("dimo/stream-auth/v1", genesis, vehicle, stream, expiry). */
export function authPayload(genesis, vehicle, stream, expiry) {
  return u8aConcat(stringToU8a('dimo/stream-auth/v1'), u8aToU8a(genesis), u64(vehicle), new Uint8Array([STREAMS.indexOf(stream)]), u32(expiry));
}

/**
 * The `auth` argument of dimo_readStream / dimo_subscribeStream: `pair` (sr25519) signs for
 * `vehicle` and `stream` on the chain of `genesis` until block `expiry`. `signer` signs
 * instead of `pair` (a forgery), `genesis` may be another chain's.
 */
export function streamAuth(genesis, pair, vehicle, stream, expiry, signer = pair) {
  const signature = u8aConcat(new Uint8Array([1]), signer.sign(authPayload(genesis, vehicle, stream, expiry)));
  return { account: pair.address, expiry, signature: u8aToHex(signature) };
}

/**
 * Subscribes to `stream` of `vehicle` through @polkadot/api's provider. Resolves with
 * { events, next(timeoutMs), closed(timeoutMs), unsubscribe() } once the node accepted, or
 * rejects with the node's error (its `code`).
 */
export async function subscribeStream(api, vehicle, stream, auth) {
  const events = [];
  const waiters = [];
  const wake = () => { for (const w of waiters.splice(0)) w(); };
  const id = await api._rpcCore.provider.subscribe('dimo_streamReading', 'dimo_subscribeStream', [vehicle, stream, auth], (error, event) => {
    events.push(error ? { error } : event);
    wake();
  });
  const waitFor = async (predicate, timeoutMs, what) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms (got ${JSON.stringify(events)})`);
      await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, Math.min(left, 1_000)); });
    }
  };
  return {
    events,
    readings: () => events.filter((e) => e.reading).map((e) => e.reading),
    next: (after = -1, timeoutMs = 120_000) => waitFor((e) => e.reading && e.reading.number > after, timeoutMs, 'reading').then((e) => e.reading),
    closed: (timeoutMs = 30_000) => waitFor((e) => e.closed, timeoutMs, 'closing notification').then((e) => e.closed),
    unsubscribe: () => api._rpcCore.provider.unsubscribe('dimo_streamReading', 'dimo_unsubscribeStream', id).catch(() => {}),
  };
}

/**
 * The collector's sealing key (offchain-workers/src/seal.rs), as its operator can make it from
 * the node's keystore: blake2-256("dimo/credentials-seal/v1/key" ++ the `dsea` ecdsa key's
 * RFC 6979 signature of "dimo/credentials-seal/v1").
 */
export function sealKeyFromKeystore(basePath) {
  const prefix = Buffer.from('dsea').toString('hex');
  const found = readdirSync(join(basePath, 'chains')).flatMap((chain) => {
    const dir = join(basePath, 'chains', chain, 'keystore');
    try {
      return readdirSync(dir).filter((name) => name.startsWith(prefix)).map((name) => [dir, name]);
    } catch {
      return [];
    }
  });
  if (found.length !== 1) throw new Error(`${found.length} dsea keys under ${basePath}`);
  const [[dir, file]] = found;
  const phrase = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const pair = new Keyring({ type: 'ecdsa' }).addFromUri(phrase);
  const signature = pair.sign(stringToU8a('dimo/credentials-seal/v1'));
  return blake2AsU8a(u8aConcat(stringToU8a('dimo/credentials-seal/v1/key'), signature), 256);
}

/** Opens a SCALE `Sealed` entry of offchain storage (hex) stored under `storageKey`. */
export function openSealed(sealKey, storageKey, sealedHex) {
  const bytes = hexToU8a(sealedHex);
  if (bytes[0] !== 1) throw new Error(`sealed entry version ${bytes[0]}`);
  const nonce = bytes.slice(1, 25);
  const [offset, length] = compactFromU8a(bytes.slice(25));
  const ciphertext = bytes.slice(25 + offset, 25 + offset + length.toNumber());
  return xchacha20poly1305(sealKey, nonce, storageKey).decrypt(ciphertext);
}

/** The offchain-storage key of a vehicle's content keys (one per class, since spec 104). */
export function classKeysKey(vehicle) {
  return u8aConcat(stringToU8a('dimo/collector/class-keys/v3/'), u64(vehicle));
}

/**
 * `vehicle`'s content keys as the collector keeps them, read with its sealing key:
 * { lastId, keys: { nonLocation: { id, key }, ... } } (offchain-workers/src/content_keys.rs,
 * SCALE `ClassKeys`).
 */
export async function classKeys(rpc, sealKey, vehicle) {
  const storageKey = classKeysKey(vehicle);
  const sealed = await rpc('offchain_localStorageGet', 'PERSISTENT', u8aToHex(storageKey));
  if (!sealed) return null;
  return parseClassKeys(openSealed(sealKey, storageKey, sealed));
}

/** The SCALE `ClassKeys` in `plain`: { lastId, keys: { nonLocation: { id, key }, ... } }. */
export function parseClassKeys(plain) {
  const view = new DataView(plain.buffer, plain.byteOffset);
  let at = 0;
  const compact = () => {
    const [offset, value] = compactFromU8a(plain.slice(at));
    at += offset;
    return value.toNumber();
  };
  const lastId = view.getUint32(at, true);
  at += 4;
  const keys = {};
  for (let n = compact(); n > 0; n -= 1) {
    const cls = CLASSES[plain[at]];
    const id = view.getUint32(at + 1, true);
    const key = plain.slice(at + 5, at + 37);
    at += 37 + 32 + 1; // the key, then the readers: the owner's hash and `public`
    const grantees = compact(); // (read before `at +=`, which would keep the old `at`)
    at += 32 * grantees;
    const wraps = compact();
    at += 112 * wraps;
    keys[cls] = { id, key };
  }
  return { lastId, keys };
}

/**
 * An envelope's header (docs/storage-formats.md, versions 1 to 3), with its `magic`; for a
 * version-3 envelope, `keyId` is its non-location part's.
 */
export function envelopeHeader(bytes) {
  const header = parseEnvelope(bytes);
  const keyId = header.version === 3 ? header.parts.find((p) => p.class === 'nonLocation')?.keyId : header.keyId;
  return { ...header, keyId, magic: new TextDecoder().decode(bytes.slice(0, 4)), vehicle: Number(header.vehicle) };
}

/** The non-location record inside a version-3 envelope, opened with that part's content key; throws if the key is not its. */
export function openNonLocation(key, bytes) {
  return JSON.parse(new TextDecoder().decode(openPart(key, bytes, 'nonLocation')));
}
