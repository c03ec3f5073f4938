//! The issuance as the other pallets see it, through the traits of `dimo_primitives`: the anchors
//! report activity ([`VehicleActivity`]), the vehicle registry reports retirements and
//! transfers ([`OnVehicleRetired`](dimo_primitives::vehicle::OnVehicleRetired),
//! [`OnVehicleTransfer`]).

use super::*;
use frame_support::pallet_prelude::*;

impl<T: Config> VehicleActivity for Pallet<T> {
	fn note_active(vehicle: VehicleId) {
		// An anchor names a registered vehicle; an unknown one simply earns nothing.
		let _ = Self::do_note_active(vehicle);
	}

	fn note_active_weight() -> Weight {
		T::WeightInfo::note_active()
	}
}

/// A retired vehicle's streak goes with it: one removal. The points it earned in the epoch in
/// progress stay with the owner who earned them, as they would after a transfer.
impl<T: Config> dimo_primitives::vehicle::OnVehicleRetired for Pallet<T> {
	fn on_vehicle_retired(vehicle: VehicleId) {
		VehicleActivityOf::<T>::remove(vehicle);
	}

	fn on_vehicle_retired_weight() -> Weight {
		T::DbWeight::get().writes(1)
	}
}

impl<T: Config> OnVehicleTransfer<T::AccountId> for Pallet<T> {
	fn on_vehicle_transfer(vehicle: VehicleId, _from: &T::AccountId, to: &T::AccountId) {
		Self::do_vehicle_transferred(vehicle, to)
	}

	fn on_vehicle_transfer_weight() -> Weight {
		T::WeightInfo::on_vehicle_transfer()
	}
}
