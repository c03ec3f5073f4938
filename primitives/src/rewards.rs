//! What the data-provider rewards (pallets/issuance) need to know from the other pallets, and
//! what they need to be told.
//!
//! A vehicle earns in an epoch in which it sent data; its points are weighted by the demand for
//! its data; they go to whoever owns the vehicle when the epoch closes. Three facts, each owned
//! by another pallet:
//!
//! - activity: the anchors (pallets/anchoring) report each vehicle that sent data through
//!   [`VehicleActivity`];
//! - demand: the access lists (pallets/data-access) say how many registered data consumers may
//!   read a vehicle through [`DataDemand`];
//! - ownership: the registry (pallets/vehicles) tells [`OnVehicleTransfer`] when a vehicle
//!   changes hands, so that the points of the open epoch follow the vehicle to its new owner.
//!
//! Each answer is O(1): the rewards never loop over vehicles, grants or owners.

use crate::vehicle::VehicleId;
use sp_runtime::Weight;

/// Reports that a vehicle sent data.
pub trait VehicleActivity {
	/// `vehicle` had data anchored in the current block. Cheap and idempotent within an epoch:
	/// the caller may report the same vehicle many times.
	fn note_active(vehicle: VehicleId);

	/// The most that one [`note_active`](Self::note_active) costs, for the caller's weight.
	fn note_active_weight() -> Weight;
}

impl VehicleActivity for () {
	fn note_active(_: VehicleId) {}

	fn note_active_weight() -> Weight {
		Weight::zero()
	}
}

/// The demand for a vehicle's data.
pub trait DataDemand {
	/// How many data consumers that governance registered hold an access grant on `vehicle`
	/// under its current owner. O(1) in storage reads. Grants to other accounts do not count:
	/// an owner could make them to itself for free.
	fn consumer_grants(vehicle: VehicleId) -> u32;
}

impl DataDemand for () {
	fn consumer_grants(_: VehicleId) -> u32 {
		0
	}
}

/// Told when a vehicle changes hands, after the registry has recorded the new owner.
pub trait OnVehicleTransfer<AccountId> {
	/// `vehicle` went from `from` to `to`.
	fn on_vehicle_transfer(vehicle: VehicleId, from: &AccountId, to: &AccountId);

	/// The most that one [`on_vehicle_transfer`](Self::on_vehicle_transfer) costs, for the
	/// weight of the transfer.
	fn on_vehicle_transfer_weight() -> Weight;
}

impl<AccountId> OnVehicleTransfer<AccountId> for () {
	fn on_vehicle_transfer(_: VehicleId, _: &AccountId, _: &AccountId) {}

	fn on_vehicle_transfer_weight() -> Weight {
		Weight::zero()
	}
}
