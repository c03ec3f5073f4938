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

/** Section 3: the classes of a version-3 envelope's parts, by their byte. */
export const CLASSES = ['nonLocation', 'preciseLocation', 'approximateLocation', 'raw'];

const parseWrap = (wrap) => ({ recipient: wrap.slice(0, 32), ephemeral: wrap.slice(32, 64), sealed: wrap.slice(64, 112) });

/** Section 3: a version-3 header: { version: 3, vehicle, from, to, parts: [{ class, keyId, nonce, wraps, start, end }], length }. */
function parseV3(bytes, view) {
  const count = bytes[29];
  if (count < 1 || count > 4) throw new Error(`${count} parts`);
  const parts = [];
  let at = 30;
  for (let i = 0; i < count; i += 1) {
    if (bytes.length < at + 34) throw new Error('too short for its parts');
    const cls = CLASSES[bytes[at]];
    if (!cls || (parts.length && CLASSES.indexOf(parts.at(-1).class) >= bytes[at])) throw new Error(`part class ${bytes[at]}`);
    const part = { class: cls, keyId: view.getUint32(at + 1, true), nonce: bytes.slice(at + 5, at + 29), len: view.getUint32(at + 29, true), wraps: [] };
    const wraps = bytes[at + 33];
    at += 34;
    if (bytes.length < at + 112 * wraps) throw new Error('too short for its wraps');
    for (let w = 0; w < wraps; w += 1, at += 112) part.wraps.push(parseWrap(bytes.slice(at, at + 112)));
    parts.push(part);
  }
  let start = at;
  for (const part of parts) {
    if (part.len < 16) throw new Error('a part shorter than its tag');
    Object.assign(part, { start, end: start + part.len });
    start += part.len;
  }
  if (start !== bytes.length) throw new Error('the parts do not add up to the envelope');
  return {
    version: 3,
    vehicle: view.getBigUint64(5, true),
    from: Number(view.getBigUint64(13, true)),
    to: Number(view.getBigUint64(21, true)),
    parts,
    length: at,
  };
}

/** Section 3: an envelope's header, version 1, 2 or 3; throws on anything else. */
export function parseEnvelope(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 30 || new TextDecoder().decode(bytes.slice(0, 4)) !== 'DENV') throw new Error('not an envelope');
  const version = bytes[4];
  if (version === 3) return parseV3(bytes, view);
  if (bytes.length < 57) throw new Error('too short');
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
  return { ...header, length: 170, wrap: parseWrap(bytes.slice(58, 170)) };
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

/** Section 3: the plaintext of a version-1 or -2 envelope `bytes` under `contentKey`. */
export function openWithContentKey(contentKey, bytes) {
  const header = parseEnvelope(bytes);
  if (header.version === 3) throw new Error('a version-3 envelope opens part by part (openPart)');
  return xchacha20poly1305(contentKey, header.nonce, bytes.slice(0, header.length)).decrypt(bytes.slice(header.length));
}

/** Section 3: the descriptor of the `cls` part in a parsed version-3 header. */
function partIn(header, cls) {
  const part = header.parts?.find((p) => p.class === cls);
  if (!part) throw new Error(`no ${cls} part`);
  return part;
}

/** Section 3: the `cls` part of `bytes` (whose parsed header is `header`) under `contentKey`. */
function decryptPart(header, bytes, cls, contentKey) {
  const part = partIn(header, cls);
  return xchacha20poly1305(contentKey, part.nonce, bytes.slice(0, header.length)).decrypt(bytes.slice(part.start, part.end));
}

/** Sections 3 and 4: the content key of the `cls` part of a parsed header, from its wrap to `key`. */
function unwrapPartKey(header, cls, key) {
  const part = partIn(header, cls);
  const fingerprint = blake2AsU8a(key.public, 256);
  const wrap = part.wraps.find((w) => u8aEq(w.recipient, fingerprint));
  if (!wrap) throw new Error('not wrapped to this key');
  return { keyId: part.keyId, key: unwrapContentKey(key, wrap, header.vehicle, part.keyId) };
}

/** Section 3: the bytes of the `cls` part of a version-3 envelope, under `contentKey`. */
export function openPart(contentKey, bytes, cls) {
  return decryptPart(parseEnvelope(bytes), bytes, cls, contentKey);
}

/** Sections 3 and 4: the content key of the `cls` part, from its wrap to `key`; throws if it has none. */
export function partKey(key, bytes, cls) {
  return unwrapPartKey(parseEnvelope(bytes), cls, key);
}

/** Section 3: the parts a reader opened, as one record: the non-location signals and the precise position. */
export function recordOfParts(parts) {
  const base = parts.nonLocation ?? parts.preciseLocation;
  if (!base) return undefined;
  return { ...base, signals: { ...(parts.nonLocation?.signals ?? {}), ...(parts.preciseLocation?.signals ?? {}) } };
}

const decodePart = (cls, plain) => (cls === 'raw' ? plain : JSON.parse(new TextDecoder().decode(plain)));

/**
 * Sections 3, 4 and 6: what the reader holding `key` opens of `bytes` with its own wraps: for
 * version 3, { header, parts: { class: record or raw bytes }, record } (the owner opens every
 * part, a grantee those of its streams); for version 2, the whole record. Throws if it opens
 * nothing.
 */
export function openAsReader(key, bytes) {
  const header = parseEnvelope(bytes);
  if (header.version !== 3) {
    if (!header.wrap) throw new Error(`envelope v${header.version} without a wrap to the owner`);
    const contentKey = unwrapContentKey(key, header.wrap, header.vehicle, header.keyId);
    return { header, record: JSON.parse(new TextDecoder().decode(openWithContentKey(contentKey, bytes))) };
  }
  const parts = {};
  for (const part of header.parts) {
    let opened;
    try {
      opened = unwrapPartKey(header, part.class, key);
    } catch {
      continue;
    }
    parts[part.class] = decodePart(part.class, decryptPart(header, bytes, part.class, opened.key));
  }
  if (Object.keys(parts).length === 0) throw new Error('not wrapped to this key');
  return { header, parts, record: recordOfParts(parts) };
}

/** The owner's view: every part (openAsReader). */
export const openAsOwner = openAsReader;

/** Section 2: checks that `bytes` are what the anchored CID (hex, CIDv1 raw sha2-256) names. */
export function checkCid(cidHex, bytes) {
  const cid = Buffer.from(cidHex.replace(/^0x/, ''), 'hex');
  if (!u8aEq(cid.subarray(0, 4), new Uint8Array([0x01, 0x55, 0x12, 0x20]))) throw new Error('not a CIDv1 raw sha2-256');
  if (!u8aEq(cid.subarray(4), sha256AsU8a(bytes))) throw new Error('the bytes are not the anchored ones');
}

/**
 * Sections 2 and 5: every anchored reading of `vehicle` that `fetchBytes(anchor)` can get,
 * opened with `key`, in anchor order: [{ anchor, header, record, parts } | { anchor, error }].
 * A part (or a version-2 envelope) with a wrap to `key` opens with it; one without (sealed
 * before its reader published its key, or a version-1 envelope) with a key unwrapped from
 * another envelope of the same collector and key id (key ids count per vehicle and collector).
 * A grantee gets the parts of its streams; `record` is what its parts make of the record.
 */
export async function readStoredHistory(rpc, vehicle, key, fetchBytes) {
  const anchors = await rpc('dimo_anchors', vehicle, null, 1000);
  const fetched = [];
  const keys = new Map(); // `${collector}/${key id}` -> content key, from the wraps `key` opens
  for (const anchor of anchors) {
    try {
      const bytes = await fetchBytes(anchor);
      checkCid(anchor.cidHex, bytes);
      const header = parseEnvelope(bytes);
      if (header.version === 3) {
        for (const part of header.parts) {
          try {
            keys.set(`${anchor.collector}/${part.keyId}`, unwrapPartKey(header, part.class, key).key);
          } catch {
            // Not this reader's part, or its wrap is in another envelope.
          }
        }
      } else if (header.wrap) {
        try {
          keys.set(`${anchor.collector}/${header.keyId}`, unwrapContentKey(key, header.wrap, header.vehicle, header.keyId));
        } catch (error) {
          fetched.push({ anchor, header, error: error.message });
          continue;
        }
      }
      fetched.push({ anchor, bytes, header });
    } catch (error) {
      fetched.push({ anchor, error: error.message });
    }
  }
  return fetched.map(({ anchor, bytes, header, error }) => {
    if (error) return { anchor, header, error };
    try {
      if (header.version !== 3) {
        const contentKey = keys.get(`${anchor.collector}/${header.keyId}`);
        if (!contentKey) return { anchor, header, error: `no wrap of key ${header.keyId} opens` };
        return { anchor, header, record: JSON.parse(new TextDecoder().decode(openWithContentKey(contentKey, bytes))) };
      }
      const parts = {};
      for (const part of header.parts) {
        const contentKey = keys.get(`${anchor.collector}/${part.keyId}`);
        if (contentKey) parts[part.class] = decodePart(part.class, decryptPart(header, bytes, part.class, contentKey));
      }
      if (Object.keys(parts).length === 0) return { anchor, header, error: 'not wrapped to this key' };
      return { anchor, header, parts, record: recordOfParts(parts) };
    } catch (e) {
      return { anchor, header, error: e.message };
    }
  });
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A binary CID as IPFS prints it: multibase `b`, RFC 4648 base32 lower case, no padding. */
export function cidText(cid) {
  let text = 'b';
  let buffer = 0;
  let bits = 0;
  for (const byte of cid) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += BASE32[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) text += BASE32[(buffer << (5 - bits)) & 31];
  return text;
}

/**
 * Section 2: one DAG-CBOR block of a commitment's archive, decoded. The archive uses only maps
 * with text keys, unsigned integers, arrays and CID links (tag 42 around 0x00 ‖ the CID's
 * bytes), which come back as { cid: Uint8Array }; anything else is refused.
 */
export function decodeArchiveBlock(bytes) {
  let at = 0;
  const argument = (info) => {
    if (info < 24) return info;
    const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (!size) throw new Error(`CBOR: additional information ${info} not allowed`);
    let value = 0;
    for (let i = 0; i < size; i += 1) value = value * 256 + bytes[at + i];
    at += size;
    return value;
  };
  const item = () => {
    if (at >= bytes.length) throw new Error('CBOR: cut short');
    const initial = bytes[at];
    at += 1;
    const major = initial >> 5;
    const value = argument(initial & 31);
    switch (major) {
      case 0: return value;
      case 3: {
        const text = new TextDecoder().decode(bytes.subarray(at, at + value));
        at += value;
        return text;
      }
      case 4: return Array.from({ length: value }, item);
      case 5: {
        const map = {};
        for (let i = 0; i < value; i += 1) {
          const key = item();
          if (typeof key !== 'string') throw new Error('CBOR: a map key that is not text');
          map[key] = item();
        }
        return map;
      }
      case 6: {
        if (value !== 42 || bytes[at] !== 0x58) throw new Error(`CBOR: tag ${value} not allowed`);
        const length = bytes[at + 1];
        if (bytes[at + 2] !== 0x00) throw new Error('CBOR: a CID link without its 0x00 prefix');
        const cid = bytes.slice(at + 3, at + 2 + length);
        at += 2 + length;
        return { cid };
      }
      default: throw new Error(`CBOR: major type ${major} not allowed`);
    }
  };
  const decoded = item();
  if (at !== bytes.length) throw new Error('CBOR: bytes after the item');
  return decoded;
}

/** Section 2: checks that `bytes` are the DAG-CBOR block that `cid` (binary, CIDv1 dag-cbor sha2-256) names. */
export function checkArchiveBlock(cid, bytes) {
  if (!u8aEq(cid.subarray(0, 4), new Uint8Array([0x01, 0x71, 0x12, 0x20]))) throw new Error('not a CIDv1 dag-cbor sha2-256');
  if (!u8aEq(cid.subarray(4), sha256AsU8a(bytes))) throw new Error('the bytes are not the named block');
}

/**
 * Section 2: the envelope CIDs (binary) that a commitment's archive lists, in order, from its
 * root (binary CID, as `anchoring.commitmentArchives` holds it); `fetchBlock(cidText)` gets a
 * block's bytes from any IPFS node. Every block is checked against its CID.
 */
export async function archiveEnvelopeCids(root, fetchBlock) {
  const rootBytes = await fetchBlock(cidText(root));
  checkArchiveBlock(root, rootBytes);
  const { v, count, chunks } = decodeArchiveBlock(rootBytes);
  if (v !== 1) throw new Error(`archive version ${v}`);
  const cids = [];
  for (const { cid } of chunks) {
    const bytes = await fetchBlock(cidText(cid));
    checkArchiveBlock(cid, bytes);
    cids.push(...decodeArchiveBlock(bytes).records.map((link) => link.cid));
  }
  if (cids.length !== count) throw new Error(`the archive lists ${cids.length} envelopes, its root says ${count}`);
  return cids;
}
