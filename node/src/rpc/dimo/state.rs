//! The one place where the node reads pallet storage natively instead of asking a runtime
//! API: `dimo_canRead`, the gateway's question, asked on every read, where a runtime call
//! would cost most of the answer (README "Figures": canRead within 1.2x of
//! `state_getStorage`).
//!
//! The entries read, all from one snapshot of the state at the block asked:
//!
//! | entry | key | value |
//! | --- | --- | --- |
//! | a vehicle's record | `Vehicles.Vehicles(vehicle)` | `pallet_vehicles::VehicleOf` |
//! | its public streams | `DataAccess.PublicStreams(vehicle)` | `pallet_data_access::PublicAccess` |
//! | a grantee's grant | `DataAccess.Grants(vehicle, grantee)` | `pallet_data_access::GrantOf` |
//!
//! Keys and value types come from the pallets' own crates, so a change of layout in the code
//! changes what the node reads with it; but a node reads the state of whatever runtime the
//! chain runs, so a runtime upgrade that changes one of these entries needs a node release
//! with it. The test below pins the keys' prefixes: it fails when a pallet or an entry is
//! renamed, which is the reminder.

use super::DimoError;
use codec::Decode;
use dimo_primitives::{vehicle::VehicleId, AccountId, BlockNumber};
use dimo_runtime::{opaque::Block, Runtime};
use pallet_data_access::{GrantOf, Grants, PublicAccess, PublicStreams};
use pallet_vehicles::{VehicleOf, Vehicles};
use sc_client_api::StateBackend;
use sp_runtime::traits::HashingFor;
use std::cell::Cell;

/// The entries of one state snapshot; a failed lazy read is kept and answered with by
/// [`Snapshot::finish`].
pub struct Snapshot<S> {
	state: S,
	failed: Cell<Option<DimoError>>,
}

impl<S: StateBackend<HashingFor<Block>>> Snapshot<S> {
	/// The entries of `state`.
	pub fn new(state: S) -> Self {
		Self { state, failed: Cell::new(None) }
	}

	/// `vehicle`'s record.
	pub fn vehicle(&self, vehicle: VehicleId) -> Result<Option<VehicleOf<Runtime>>, DimoError> {
		self.read(&Vehicles::<Runtime>::hashed_key_for(vehicle))
	}

	/// `vehicle`'s public streams, read lazily: a failure reads as none and is kept.
	pub fn public_streams(&self, vehicle: VehicleId) -> Option<PublicAccess<BlockNumber>> {
		self.read_or_keep_error(&PublicStreams::<Runtime>::hashed_key_for(vehicle))
	}

	/// `grantee`'s grant on `vehicle`, read lazily: a failure reads as none and is kept.
	pub fn grant(&self, vehicle: VehicleId, grantee: &AccountId) -> Option<GrantOf<Runtime>> {
		self.read_or_keep_error(&Grants::<Runtime>::hashed_key_for(vehicle, grantee))
	}

	/// `answer`, unless a lazy read failed on the way to it.
	pub fn finish<V>(self, answer: V) -> Result<V, DimoError> {
		match self.failed.take() {
			Some(error) => Err(error),
			None => Ok(answer),
		}
	}

	fn read_or_keep_error<V: Decode>(&self, key: &[u8]) -> Option<V> {
		self.read(key).unwrap_or_else(|error| {
			self.failed.set(Some(error));
			None
		})
	}

	/// The SCALE-decoded value at `key`.
	fn read<V: Decode>(&self, key: &[u8]) -> Result<Option<V>, DimoError> {
		let state_error = |error: String| DimoError::State(sp_blockchain::Error::Storage(error));
		let Some(data) = self.state.storage(key).map_err(|error| state_error(error.to_string()))?
		else {
			return Ok(None);
		};
		V::decode(&mut &data[..])
			.map(Some)
			.map_err(|error| state_error(format!("a value does not decode: {error}")))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_io::hashing::twox_128;

	fn prefix(pallet: &str, entry: &str) -> Vec<u8> {
		[twox_128(pallet.as_bytes()), twox_128(entry.as_bytes())].concat()
	}

	#[test]
	fn the_entries_read_are_where_the_node_expects_them() {
		let owner = AccountId::new([1; 32]);
		assert!(Vehicles::<Runtime>::hashed_key_for(7).starts_with(&prefix("Vehicles", "Vehicles")));
		assert!(PublicStreams::<Runtime>::hashed_key_for(7)
			.starts_with(&prefix("DataAccess", "PublicStreams")));
		assert!(Grants::<Runtime>::hashed_key_for(7, &owner)
			.starts_with(&prefix("DataAccess", "Grants")));
	}
}
