//! The runtime API of the vehicle registry.
//!
//! The node's `dimo_vehiclesOf`, `dimo_vehicle` and `dimo_consents` JSON-RPC methods call it;
//! clients that speak the runtime API directly (Polkadot.js: `api.call.vehiclesApi.*`) may too.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use dimo_primitives::vehicle::VehicleId;
pub use pallet_vehicles::{CollectorConsent, Consents, Vehicle, VehicleDetails};

sp_api::decl_runtime_apis! {
	/// Questions about registered vehicles.
	#[api_version(1)]
	pub trait VehiclesApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The ids of the vehicles that `owner` owns, in the order in which it got them.
		fn vehicles_of(owner: AccountId) -> Vec<VehicleId>;

		/// A vehicle, or `None` if no vehicle has this id.
		fn vehicle(vehicle: VehicleId) -> Option<VehicleDetails<AccountId, Balance, BlockNumber>>;

		/// What the owner of `vehicle` consents to now: the storage backend and the collectors
		/// whose consent has not expired. `None` if no vehicle has this id.
		fn consents(vehicle: VehicleId) -> Option<Consents<AccountId, BlockNumber>>;
	}
}
