// Anchor batches as a collector's offchain worker submits them, built from JavaScript: a general
// (v5) extrinsic with no signer, authorized by the collector key's signature over the batch
// (#[pallet::authorize]). Shared by the anchoring tests and the performance harness.

import { blake2AsU8a, sha256AsU8a } from '@polkadot/util-crypto';
import { compactAddLength, hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';

// The runtime's transaction extensions, in order, and what each encodes in a general
// transaction that a collector sends: nothing, except an immortal era (0x00), nonce 0 (compact)
// and tip 0 (compact). anchoring.test.js checks them against the metadata, so that a change of
// the runtime's extensions fails there loudly instead of producing a garbled transaction.
export const EXTENSIONS = [
  ['AuthorizeCall', []],
  ['CheckNonZeroSender', []],
  ['CheckSpecVersion', []],
  ['CheckTxVersion', []],
  ['CheckGenesis', []],
  ['CheckMortality', [0x00]],
  ['CheckNonce', [0x00]],
  ['CheckWeight', []],
  ['ChargeTransactionPayment', [0x00]],
];
/** Version 5 | general (0b0100_0000), then the extension version (0). */
const GENERAL_V5 = [0x45, 0x00];

/** A CIDv1 (raw, sha2-256) of `bytes`. */
export function rawCid(bytes) {
  return u8aConcat(new Uint8Array([0x01, 0x55, 0x12, 0x20]), sha256AsU8a(bytes));
}

/** An anchor record of a made-up reading of `vehicle` at `at` (Unix ms). */
export function record(vehicle, at, backend = 'Ipfs') {
  const blob = stringToU8a(JSON.stringify({ v: 1, vehicle, from: at, to: at }));
  return { vehicle, cid: u8aToHex(rawCid(blob)), size: blob.length, backend, arweaveTx: null, observedFrom: at, observedTo: at };
}

/**
 * The extrinsic (hex) that anchors `records`, signed by `collector` as the offchain worker signs
 * it: the sr25519 signature over ("dimo/anchor-batch/v1", genesis hash, batch), SCALE-encoded.
 */
export function anchorExtrinsic(api, collector, records) {
  const batchType = api.tx.anchoring.anchorBatch.meta.args[0].type.toString();
  const batch = api.registry.createType(batchType, { collector: collector.publicKey, records });
  const payload = u8aConcat(
    compactAddLength(stringToU8a('dimo/anchor-batch/v1')),
    api.genesisHash.toU8a(),
    batch.toU8a(),
  );
  const call = api.tx.anchoring.anchorBatch(batch, collector.sign(payload)).method;
  const extensions = EXTENSIONS.flatMap(([, bytes]) => bytes);
  return u8aToHex(compactAddLength(u8aConcat(new Uint8Array(GENERAL_V5), new Uint8Array(extensions), call.toU8a())));
}

// Anchor commitments (dimo_primitives::commitment), written out here from the algorithm the
// crate documents, not from its code: a check that anyone can verify a proof without DIMO code.

const LEAF_TAG = stringToU8a('dimo/anchor-leaf/v1');
const BACKENDS = { Local: 0, Ipfs: 1, Arweave: 2 };
const blake2 = (bytes) => blake2AsU8a(bytes, 256);

function u64le(value) {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

function u32le(value) {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

/**
 * The leaf bytes of a committed record as the documentation spells them: vehicle and seq (u64
 * LE), the CID with its compact length, size (u32 LE), the backend's byte, the Arweave
 * transaction as 0x00 or 0x01 ++ 32 bytes, observed_from and observed_to (u64 LE).
 */
export function leafBytes({ vehicle, seq, cid, size, backend, arweaveTx, observedFrom, observedTo }) {
  const cidBytes = hexToU8a(cid);
  return u8aConcat(
    u64le(vehicle),
    u64le(seq),
    compactAddLength(cidBytes),
    u32le(size),
    new Uint8Array([BACKENDS[backend]]),
    arweaveTx ? u8aConcat(new Uint8Array([1]), hexToU8a(arweaveTx)) : new Uint8Array([0]),
    u64le(observedFrom),
    u64le(observedTo),
  );
}

/** blake2_256(LEAF_TAG ++ leaf). */
export const leafHash = (record) => blake2(u8aConcat(LEAF_TAG, leafBytes(record)));

/** The rows of the tree over `leaves` (Uint8Arrays), bottom up; the last row holds the root. */
export function merkleRows(leaves) {
  const rows = [leaves];
  while (rows.at(-1).length > 1) {
    const row = rows.at(-1);
    const next = [];
    for (let i = 0; i < row.length; i += 2) next.push(i + 1 < row.length ? blake2(u8aConcat(row[i], row[i + 1])) : row[i]);
    rows.push(next);
  }
  return rows;
}

/** The root over `leaves`: 32 zero bytes for none. */
export const merkleRoot = (leaves) => (leaves.length ? merkleRows(leaves).at(-1)[0] : new Uint8Array(32));

/** The proof of leaf `index` from the tree's `rows`: { leafIndex, leafCount, siblings } (hex). */
export function merkleProof(rows, index) {
  const siblings = [];
  let position = index;
  for (const row of rows.slice(0, -1)) {
    const sibling = position % 2 === 1 ? position - 1 : position + 1;
    if (sibling < row.length) siblings.push(u8aToHex(row[sibling]));
    position = Math.floor(position / 2);
  }
  return { leafIndex: index, leafCount: rows[0].length, siblings };
}

/**
 * The extrinsic (hex) that submits `commitment` ({ index, root, leafCount, windowFrom, windowTo })
 * for `collector`: the sr25519 signature over ("dimo/anchor-commitment/v1", genesis hash,
 * commitment), in a general transaction like a batch's.
 */
export function commitExtrinsic(api, collector, commitment, { signer = collector } = {}) {
  const type = api.tx.anchoring.commit.meta.args[0].type.toString();
  const value = api.registry.createType(type, { collector: collector.publicKey, ...commitment });
  const payload = u8aConcat(compactAddLength(stringToU8a('dimo/anchor-commitment/v1')), api.genesisHash.toU8a(), value.toU8a());
  const call = api.tx.anchoring.commit(value, signer.sign(payload)).method;
  const extensions = EXTENSIONS.flatMap(([, bytes]) => bytes);
  return u8aToHex(compactAddLength(u8aConcat(new Uint8Array(GENERAL_V5), new Uint8Array(extensions), call.toU8a())));
}

/**
 * Whether `proof` ({ leafIndex, leafCount, siblings }, hex siblings) leads from `leaf` to `root`
 * (Uint8Arrays): step 4 of the documented algorithm.
 */
export function merkleVerify(root, leaf, { leafIndex, leafCount, siblings }) {
  let [position, width, node] = [leafIndex, leafCount, leaf];
  for (const hex of siblings) {
    const sibling = hexToU8a(hex);
    node = position % 2 === 1 || position + 1 === width ? blake2(u8aConcat(sibling, node)) : blake2(u8aConcat(node, sibling));
    position = Math.floor(position / 2);
    width = Math.ceil(width / 2);
  }
  return leafIndex < leafCount && u8aToHex(node) === u8aToHex(root);
}
