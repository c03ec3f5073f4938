//! The registry and the owners' consent, as the other pallets see them.

use super::*;
use frame_system::pallet_prelude::BlockNumberFor;

impl<T: Config> VehicleRegistry<T::AccountId> for Pallet<T> {
	fn ownership(vehicle: VehicleId) -> Option<Ownership<T::AccountId>> {
		Vehicles::<T>::get(vehicle).map(|record| record.ownership())
	}

	fn oem_reference(vehicle: VehicleId) -> Option<(OemId, sp_core::H256)> {
		Vehicles::<T>::get(vehicle).map(|record| (record.oem, record.oem_ref_hash))
	}

	fn vehicle_by_reference(oem: OemId, oem_ref_hash: sp_core::H256) -> Option<VehicleId> {
		VehicleByReference::<T>::get(oem, oem_ref_hash)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmark(owner: &T::AccountId) -> VehicleId {
		use frame_support::traits::{
			fungible::{Inspect, Mutate},
			Get,
		};
		use sp_runtime::traits::Saturating;

		// Enough for a thousand deposits, and no more: benchmarks of other pallets register
		// up to 100,000 vehicles, whose owners' funds must not overflow the total issuance.
		let funds = T::VehicleDeposit::get()
			.saturating_mul(1_000u32.into())
			.saturating_add(T::Currency::minimum_balance());
		if T::Currency::balance(owner) < funds {
			let _ = T::Currency::set_balance(owner, funds);
		}
		let mut reference = [0u8; 32];
		reference[24..].copy_from_slice(&NextVehicleId::<T>::get().to_be_bytes());
		Self::do_register(owner.clone(), 0, sp_core::H256::from(reference), None)
			.expect("the owner is funded and the reference is fresh; qed")
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn transfer_for_benchmark(vehicle: VehicleId, new_owner: &T::AccountId) {
		let record =
			Vehicles::<T>::get(vehicle).expect("benchmarks transfer vehicles they registered; qed");
		Self::hand_over(record, vehicle, new_owner.clone())
			.map(|_| ())
			.expect("the new owner owns no vehicle in benchmarks; qed")
	}
}

impl<T: Config> ConsentProvider<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn may_collect(vehicle: VehicleId, collector: &T::AccountId, at: BlockNumberFor<T>) -> bool {
		CollectorConsents::<T>::get(vehicle)
			.iter()
			.any(|consent| consent.collector == *collector && consent.is_live_at(&at))
	}

	fn storage_backend(vehicle: VehicleId) -> Option<StorageBackend> {
		Vehicles::<T>::get(vehicle).map(|record| record.storage)
	}

	fn consent_at(
		vehicle: VehicleId,
		collector: &T::AccountId,
		backend: StorageBackend,
		at: BlockNumberFor<T>,
	) -> PastConsent {
		Self::past_consent(vehicle, collector, backend, at)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn consent_for_benchmark(
		vehicle: VehicleId,
		collector: &T::AccountId,
		backend: StorageBackend,
	) {
		use frame_support::traits::Get;

		let owner = Vehicles::<T>::get(vehicle)
			.expect("benchmarks consent for vehicles they registered; qed")
			.owner;
		// The other slots first, so that the collector is the last one a lookup finds.
		for slot in 1..T::MaxCollectorsPerVehicle::get() {
			let other = frame_benchmarking::account("other collector", slot, 0);
			Self::do_authorize_collector(&owner, vehicle, other, None)
				.expect("within the bound; qed");
		}
		Self::do_authorize_collector(&owner, vehicle, collector.clone(), None)
			.expect("the last slot is free; qed");
		Self::do_set_storage(&owner, vehicle, backend).expect("the owner sets it; qed");
	}
}
