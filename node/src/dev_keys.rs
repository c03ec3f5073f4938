//! The refusal to run a live chain whose genesis hands power to the well-known dev keys.
//!
//! The keys of `//Alice`, `//Bob`, ... are derived from a mnemonic that everyone knows: on a
//! chain others rely on (chain type `Live`), whoever holds them can author blocks, finalize
//! and, on the technical committee, fast-track or cancel referenda. The `testnet` preset
//! carries them as placeholders until the operators' keys are known; a node started on such a
//! spec by mistake refuses, unless the operator says it knows
//! (`--allow-dev-keys-on-live-chain`).

use codec::Decode;
use sc_service::ChainType;
use sp_core::storage::Storage;
use sp_io::hashing::twox_128;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// The storage key of a plain storage value.
fn plain_key(pallet: &str, item: &str) -> Vec<u8> {
	[twox_128(pallet.as_bytes()), twox_128(item.as_bytes())].concat()
}

/// The public keys of every well-known dev account, sr25519 and ed25519.
fn dev_keys() -> Vec<[u8; 32]> {
	Sr25519Keyring::iter()
		.map(|key| key.public().0)
		.chain(Ed25519Keyring::iter().map(|key| key.public().0))
		.collect()
}

/// The roles in `genesis` that a dev key holds: "Aura authority", "GRANDPA authority",
/// "validator account", "session key", "technical committee member", each named once.
pub fn dev_key_roles(genesis: &Storage) -> Vec<&'static str> {
	let dev = dev_keys();
	let read = |pallet: &str, item: &str| genesis.top.get(&plain_key(pallet, item)).cloned();
	let mut roles = Vec::new();
	let holds = |keys: &[[u8; 32]]| keys.iter().any(|key| dev.contains(key));
	if let Some(Ok(aura)) =
		read("Aura", "Authorities").map(|v| Vec::<[u8; 32]>::decode(&mut &v[..]))
	{
		if holds(&aura) {
			roles.push("Aura authority");
		}
	}
	if let Some(Ok(grandpa)) =
		read("Grandpa", "Authorities").map(|v| Vec::<([u8; 32], u64)>::decode(&mut &v[..]))
	{
		let keys: Vec<[u8; 32]> = grandpa.into_iter().map(|(key, _)| key).collect();
		if holds(&keys) {
			roles.push("GRANDPA authority");
		}
	}
	if let Some(Ok(validators)) =
		read("ValidatorSet", "Validators").map(|v| Vec::<[u8; 32]>::decode(&mut &v[..]))
	{
		if holds(&validators) {
			roles.push("validator account");
		}
	}
	// Each queued validator's account and session keys (aura, grandpa).
	if let Some(Ok(queued)) = read("Session", "QueuedKeys")
		.map(|v| Vec::<([u8; 32], [u8; 32], [u8; 32])>::decode(&mut &v[..]))
	{
		let keys: Vec<[u8; 32]> =
			queued.into_iter().flat_map(|(_, aura, grandpa)| [aura, grandpa]).collect();
		if holds(&keys) {
			roles.push("session key");
		}
	}
	if let Some(Ok(members)) =
		read("TechnicalCommittee", "Members").map(|v| Vec::<[u8; 32]>::decode(&mut &v[..]))
	{
		if holds(&members) {
			roles.push("technical committee member");
		}
	}
	roles
}

/// Refuses a `Live` chain spec whose genesis gives a dev key any of the roles above, unless
/// `allowed`. Builds the genesis (a call into the runtime) only for a `Live` chain.
pub fn check(spec: &dyn sc_service::ChainSpec, allowed: bool) -> Result<(), String> {
	if allowed || spec.chain_type() != ChainType::Live {
		return Ok(());
	}
	let genesis = spec.as_storage_builder().build_storage()?;
	refusal(spec, &genesis)
}

/// The refusal of `spec` with genesis `genesis`, if a dev key holds a role in it.
fn refusal(spec: &dyn sc_service::ChainSpec, genesis: &Storage) -> Result<(), String> {
	let roles = dev_key_roles(genesis);
	if roles.is_empty() {
		return Ok(());
	}
	Err(format!(
		"the chain {:?} is a Live chain whose genesis makes well-known dev keys (//Alice, \
		 //Bob, ...) {}: anyone can sign with them. Replace them with the operators' keys \
		 (dimo-node build-spec --chain {} > spec.json, edit, --chain spec.json), or pass \
		 --allow-dev-keys-on-live-chain if this chain is a throw-away",
		spec.name(),
		roles.join(", "),
		spec.id(),
	))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::chain_spec;
	use sp_runtime::BuildStorage;

	/// One genesis build (a call into the runtime, slow in a debug build) for every case.
	#[test]
	fn the_testnet_placeholder_is_refused_unless_allowed_and_other_chains_pass() {
		let testnet = chain_spec::testnet().expect("the runtime's wasm is built for tests");
		let mut genesis = testnet.build_storage().expect("builds");
		let error = refusal(&testnet, &genesis).expect_err("dev keys on a Live chain");
		assert!(
			error.contains(
				"Aura authority, GRANDPA authority, validator account, session key, technical \
				 committee member"
			),
			"{error}"
		);
		// The operator's word overrides it, without building anything.
		assert_eq!(check(&testnet, true), Ok(()));
		// Dev and local chains may use dev keys: not Live.
		for spec in [chain_spec::development(), chain_spec::local_testnet()] {
			let spec = spec.expect("the runtime's wasm is built for tests");
			assert_eq!(check(&spec, false), Ok(()));
		}
		// The operators' keys instead: nothing to refuse.
		let others: Vec<[u8; 32]> = vec![[7; 32], [8; 32]];
		genesis.top.insert(plain_key("Aura", "Authorities"), codec::Encode::encode(&others));
		genesis.top.insert(
			plain_key("Grandpa", "Authorities"),
			codec::Encode::encode(&others.iter().map(|k| (*k, 1u64)).collect::<Vec<_>>()),
		);
		genesis
			.top
			.insert(plain_key("TechnicalCommittee", "Members"), codec::Encode::encode(&others));
		genesis.top.insert(plain_key("ValidatorSet", "Validators"), codec::Encode::encode(&others));
		// A dev session key left in place is still refused.
		let queued = |aura: [u8; 32]| codec::Encode::encode(&vec![([7u8; 32], aura, [8u8; 32])]);
		genesis
			.top
			.insert(plain_key("Session", "QueuedKeys"), queued(Sr25519Keyring::Alice.public().0));
		assert_eq!(dev_key_roles(&genesis), vec!["session key"]);
		genesis.top.insert(plain_key("Session", "QueuedKeys"), queued([9; 32]));
		assert!(dev_key_roles(&genesis).is_empty());
		assert_eq!(refusal(&testnet, &genesis), Ok(()));
	}
}
