// An owner's reader of stored vehicle data, written from docs/storage-formats.md alone: the
// owner's X25519 secret from its recovery phrase, the envelopes found from the chain's anchors,
// checked against their CIDs, and opened with the content key unwrapped from each envelope. No
// collector is asked anything. Registry packages only: @noble/curves (X25519), @noble/ciphers
// (XChaCha20-Poly1305), @polkadot/util-crypto (BLAKE2b, sha2-256, the mini-secret).

import { xchacha20poly1305 } from '@noble/ciphers/chacha';
import { x25519 } from '@noble/curves/ed25519';
import { bnToU8a, stringToU8a, u8aConcat, u8aEq, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, mnemonicToMiniSecret, sha256AsU8a } from '@polkadot/util-crypto';

const u64 = (n) => bnToU8a(n, { bitLength: 64, isLe: true });
const u32 = (n) => bnToU8a(n, { bitLength: 32, isLe: true });

/** Section 1: the X25519 secret and public key of a mini-secret (32 bytes). */
export function encryptionKeyFromMiniSecret(mini) {
  const secret = blake2AsU8a(u8aConcat(stringToU8a('dimo/encryption-key/v1/x25519'), mini), 256);
  return { secret, public: x25519.getPublicKey(secret) };
}

/** Section 1, from a recovery phrase. */
export function encryptionKeyFromPhrase(phrase) {
  return encryptionKeyFromMiniSecret(mnemonicToMiniSecret(phrase));
}

/** The argument of dataAccess.setEncryptionKey for `key`. */
export function publishedKey(key) {
  return { scheme: 'X25519', public: u8aToHex(key.public) };
}

/** Section 3: an envelope's header, version 1 or 2; throws on anything else. */
export function parseEnvelope(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 57 || new TextDecoder().decode(bytes.slice(0, 4)) !== 'DENV') throw new Error('not an envelope');
  const version = bytes[4];
  const header = {
    version,
    vehicle: view.getBigUint64(5, true),
    from: Number(view.getBigUint64(13, true)),
    to: Number(view.getBigUint64(21, true)),
    keyId: view.getUint32(29, true),
    nonce: bytes.slice(33, 57),
    wrap: null,
    length: 57,
  };
  if (version === 1) return header;
  if (version !== 2) throw new Error(`envelope version ${version}`);
  const slot = bytes[57];
  if (slot === 0) return { ...header, length: 58 };
  if (slot !== 1) throw new Error(`owner's key slot ${slot}`);
  if (bytes.length < 170) throw new Error('too short for its wrap');
  const wrap = bytes.slice(58, 170);
  return { ...header, length: 170, wrap: { recipient: wrap.slice(0, 32), ephemeral: wrap.slice(32, 64), sealed: wrap.slice(64, 112) } };
}

/** Section 4: the content key in `wrap`, for `vehicle` (bigint) and `keyId`, opened with `key`. */
export function unwrapContentKey(key, wrap, vehicle, keyId) {
  if (!u8aEq(wrap.recipient, blake2AsU8a(key.public, 256))) throw new Error('not wrapped to this key');
  const shared = x25519.getSharedSecret(key.secret, wrap.ephemeral);
  if (shared.every((b) => b === 0)) throw new Error('low-order ephemeral key');
  const kek = blake2AsU8a(u8aConcat(stringToU8a('dimo/key-wrap/v1/x25519'), shared, wrap.ephemeral, key.public), 256);
  const aad = u8aConcat(stringToU8a('dimo/key-wrap/v1'), u64(vehicle), u32(keyId));
  return xchacha20poly1305(kek, new Uint8Array(24), aad).decrypt(wrap.sealed);
}

/** Section 3: the plaintext of `bytes` under `contentKey`. */
export function openWithContentKey(contentKey, bytes) {
  const header = parseEnvelope(bytes);
  return xchacha20poly1305(contentKey, header.nonce, bytes.slice(0, header.length)).decrypt(bytes.slice(header.length));
}

/** Sections 3, 4 and 6: the record in `bytes`, opened by the owner holding `key`; throws if it cannot. */
export function openAsOwner(key, bytes) {
  const header = parseEnvelope(bytes);
  if (!header.wrap) throw new Error(`envelope v${header.version} without a wrap to the owner`);
  const contentKey = unwrapContentKey(key, header.wrap, header.vehicle, header.keyId);
  return { header, record: JSON.parse(new TextDecoder().decode(openWithContentKey(contentKey, bytes))) };
}

/** Section 2: checks that `bytes` are what the anchored CID (hex, CIDv1 raw sha2-256) names. */
export function checkCid(cidHex, bytes) {
  const cid = Buffer.from(cidHex.replace(/^0x/, ''), 'hex');
  if (!u8aEq(cid.subarray(0, 4), new Uint8Array([0x01, 0x55, 0x12, 0x20]))) throw new Error('not a CIDv1 raw sha2-256');
  if (!u8aEq(cid.subarray(4), sha256AsU8a(bytes))) throw new Error('the bytes are not the anchored ones');
}

/**
 * Sections 2 and 5: every anchored reading of `vehicle` that `fetchBytes(anchor)` can get,
 * opened with `key`: [{ anchor, header, record } | { anchor, error }], in anchor order. An
 * envelope with a wrap opens with the key in it; one without (sealed before the owner published
 * its key, or a version-1 one) with a key unwrapped from another envelope of the same collector
 * and key id (key ids count per collector).
 */
export async function readStoredHistory(rpc, vehicle, key, fetchBytes) {
  const anchors = await rpc('dimo_anchors', vehicle, null, 1000);
  const fetched = [];
  const keys = new Map(); // `${collector}/${key id}` -> content key, from the wraps the owner opens
  for (const anchor of anchors) {
    try {
      const bytes = await fetchBytes(anchor);
      checkCid(anchor.cidHex, bytes);
      const header = parseEnvelope(bytes);
      let own = null;
      if (header.wrap) {
        try {
          own = unwrapContentKey(key, header.wrap, header.vehicle, header.keyId);
          keys.set(`${anchor.collector}/${header.keyId}`, own);
        } catch (error) {
          fetched.push({ anchor, header, error: error.message });
          continue;
        }
      }
      fetched.push({ anchor, bytes, header, own });
    } catch (error) {
      fetched.push({ anchor, error: error.message });
    }
  }
  return fetched.map(({ anchor, bytes, header, own, error }) => {
    if (error) return { anchor, header, error };
    const contentKey = own ?? keys.get(`${anchor.collector}/${header.keyId}`);
    if (!contentKey) return { anchor, header, error: `no wrap of key ${header.keyId} opens` };
    try {
      return { anchor, header, record: JSON.parse(new TextDecoder().decode(openWithContentKey(contentKey, bytes))) };
    } catch (e) {
      return { anchor, header, error: e.message };
    }
  });
}
