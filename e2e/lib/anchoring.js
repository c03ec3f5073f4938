// Anchor batches as a collector's offchain worker submits them, built from JavaScript: a general
// (v5) extrinsic with no signer, authorized by the collector key's signature over the batch
// (#[pallet::authorize]). Shared by the anchoring tests and the performance harness.

import { sha256AsU8a } from '@polkadot/util-crypto';
import { compactAddLength, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';

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
