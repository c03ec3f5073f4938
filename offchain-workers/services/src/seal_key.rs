//! The node's sealing key, under which the collector's secrets and kept readings are sealed in
//! offchain storage ([`dimo_offchain::seal`]): the `collector_*` RPC seals with it, the
//! offchain worker, the Arweave uploader and the gateway open with it.

use dimo_offchain::seal::{SealKey, SEAL_KEY_TYPE, SEAL_MESSAGE};
use sp_keystore::{Keystore, KeystorePtr};

/// The node's sealing key: the keystore's `dsea` key's signature of [`SEAL_MESSAGE`], hashed.
/// Without a `dsea` key: one is generated if `create`, else `None`.
pub fn node_seal_key(keystore: &KeystorePtr, create: bool) -> Result<Option<SealKey>, String> {
	let public = match keystore.ecdsa_public_keys(SEAL_KEY_TYPE).into_iter().next() {
		Some(public) => public,
		None if create => keystore
			.ecdsa_generate_new(SEAL_KEY_TYPE, None)
			.map_err(|e| format!("the keystore could not make a sealing key: {e}"))?,
		None => return Ok(None),
	};
	let signature = keystore
		.ecdsa_sign(SEAL_KEY_TYPE, &public, SEAL_MESSAGE)
		.map_err(|e| format!("the keystore could not sign: {e}"))?;
	Ok(signature.map(|signature| SealKey::from_signature(&signature.0)))
}
