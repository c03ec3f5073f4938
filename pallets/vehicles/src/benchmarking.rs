//! Benchmarks of the vehicle registry, each in its worst case: the owners' lists and the
//! consent lists as full as the limits allow.

use super::*;
use crate::Pallet as Vehicles;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, EnsureOrigin, Get};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_core::H256;
use sp_runtime::{
	traits::{Bounded, Saturating, StaticLookup, Zero},
	RuntimeAppPublic,
};

/// An account with funds for any deposit: a thousandth of the largest balance, so that a
/// benchmark can fund many accounts without overflowing the total issuance.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let _ = T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1_000u32.into());
	who
}

/// Registers `count` vehicles for `owner` and returns the last one.
fn register_many<T: Config>(owner: &T::AccountId, count: u32) -> Option<VehicleId> {
	(0..count).map(|_| Vehicles::<T>::register_for_benchmark(owner)).last()
}

/// Fills the consent list of `vehicle` with live consents of other collectors.
fn fill_consents<T: Config>(owner: &T::AccountId, vehicle: VehicleId, count: u32) {
	for index in 0..count {
		let collector: T::AccountId = account("filler", index, 0);
		Vehicles::<T>::do_authorize_collector(owner, vehicle, collector, None)
			.expect("the consent list has room; qed");
	}
}

/// A registered collector's attestation that `owner` controls the car `(oem, reference)`,
/// living as long as it may.
fn attestation_for<T: Config>(
	oem: OemId,
	reference: &H256,
	owner: &T::AccountId,
) -> Result<AttestationOf<T>, BenchmarkError> {
	let collector = T::CollectorId::generate_pair(None);
	T::Collectors::register_for_benchmarks(collector.clone());
	let expires_at =
		frame_system::Pallet::<T>::block_number().saturating_add(T::MaxAttestationLifetime::get());
	let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
	let payload =
		dimo_primitives::ownership::ownership_payload(&genesis, oem, reference, owner, &expires_at);
	let signature = collector.sign(&payload).ok_or(BenchmarkError::Stop("the key signs"))?;
	Ok(OwnershipAttestation { collector, expires_at, signature })
}

/// A vehicle that its owner accepted from a seller, its consent list full, the owner holding as
/// many vehicles as it may, and a claimant holding all but one it may, with an attestation:
/// the worst case of a reclaim that waits for the owner's answer. Returns (owner, claimant,
/// vehicle, the claimant's attestation).
#[allow(clippy::type_complexity)]
fn bought_and_claimable<T: Config>(
) -> Result<(T::AccountId, T::AccountId, VehicleId, AttestationOf<T>), BenchmarkError> {
	let seller = funded::<T>("seller", 0);
	let vehicle = Vehicles::<T>::register_for_benchmark(&seller);
	let owner = funded::<T>("owner", 0);
	register_many::<T>(&owner, T::MaxVehiclesPerOwner::get().saturating_sub(1));
	Vehicles::<T>::do_offer_transfer(&seller, vehicle, owner.clone())
		.map_err(|_| BenchmarkError::Stop("the seller offers"))?;
	Vehicles::<T>::do_accept_transfer(owner.clone(), vehicle)
		.map_err(|_| BenchmarkError::Stop("the owner accepts"))?;
	fill_consents::<T>(&owner, vehicle, T::MaxCollectorsPerVehicle::get());
	let claimant = funded::<T>("claimant", 0);
	register_many::<T>(&claimant, T::MaxVehiclesPerOwner::get().saturating_sub(1));
	let record = crate::Vehicles::<T>::get(vehicle).ok_or(BenchmarkError::Weightless)?;
	let attestation = attestation_for::<T>(record.oem, &record.oem_ref_hash, &claimant)?;
	Ok((owner, claimant, vehicle, attestation))
}

/// [`bought_and_claimable`], with the claim made.
fn claimed<T: Config>() -> Result<(T::AccountId, T::AccountId, VehicleId), BenchmarkError> {
	let (owner, claimant, vehicle, attestation) = bought_and_claimable::<T>()?;
	Vehicles::<T>::do_reclaim(claimant.clone(), vehicle, attestation)
		.map_err(|_| BenchmarkError::Stop("the claimant reclaims"))?;
	Ok((owner, claimant, vehicle))
}

fn lookup_of<T: Config>(who: &T::AccountId) -> AccountIdLookupOf<T> {
	T::Lookup::unlookup(who.clone())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	// With an attestation, checked: the costlier way.
	#[benchmark]
	fn register() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		register_many::<T>(&owner, T::MaxVehiclesPerOwner::get().saturating_sub(1));
		let reference = H256::repeat_byte(0xee);
		let attestation = attestation_for::<T>(7, &reference, &owner)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), 7, reference, Some(attestation));

		assert_eq!(VehiclesOf::<T>::get(&owner).len() as u32, T::MaxVehiclesPerOwner::get());
		Ok(())
	}

	// From a squatter whose consent list is full, to a claimant who owns all but one vehicle
	// it may; the squatter's deposit moves.
	#[benchmark]
	fn reclaim() -> Result<(), BenchmarkError> {
		let squatter = funded::<T>("squatter", 0);
		let vehicle = register_many::<T>(&squatter, T::MaxVehiclesPerOwner::get())
			.ok_or(BenchmarkError::Weightless)?;
		fill_consents::<T>(&squatter, vehicle, T::MaxCollectorsPerVehicle::get());
		let claimant = funded::<T>("claimant", 0);
		register_many::<T>(&claimant, T::MaxVehiclesPerOwner::get().saturating_sub(1));
		let record = crate::Vehicles::<T>::get(vehicle).ok_or(BenchmarkError::Weightless)?;
		let attestation = attestation_for::<T>(record.oem, &record.oem_ref_hash, &claimant)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(claimant.clone()), vehicle, attestation);

		assert_eq!(Vehicles::<T>::owner_of(vehicle), Some(claimant.clone()));
		assert_eq!(
			crate::Vehicles::<T>::get(vehicle).map(|record| record.depositor),
			Some(claimant)
		);
		assert!(CollectorConsents::<T>::get(vehicle).is_empty());
		Ok(())
	}

	// A reclaim of a vehicle its owner accepted: the claim opens, the deposit is held.
	#[benchmark]
	fn open_reclaim() -> Result<(), BenchmarkError> {
		let (owner, claimant, vehicle, attestation) = bought_and_claimable::<T>()?;

		#[block]
		{
			Vehicles::<T>::reclaim(
				RawOrigin::Signed(claimant.clone()).into(),
				vehicle,
				attestation,
			)?;
		}

		assert_eq!(ReclaimClaims::<T>::get(vehicle).map(|claim| claim.claimant), Some(claimant));
		assert_eq!(Vehicles::<T>::owner_of(vehicle), Some(owner));
		Ok(())
	}

	// A fresher answer: the attestation checked, the deposit moved to the owner.
	#[benchmark]
	fn answer_reclaim() -> Result<(), BenchmarkError> {
		let (owner, _, vehicle) = claimed::<T>()?;
		let now = frame_system::Pallet::<T>::block_number();
		frame_system::Pallet::<T>::set_block_number(now.saturating_add(1u32.into()));
		let record = crate::Vehicles::<T>::get(vehicle).ok_or(BenchmarkError::Weightless)?;
		let answer = attestation_for::<T>(record.oem, &record.oem_ref_hash, &owner)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), vehicle, answer);

		assert!(!ReclaimClaims::<T>::contains_key(vehicle));
		assert_eq!(Vehicles::<T>::owner_of(vehicle), Some(owner));
		Ok(())
	}

	// Unanswered: the vehicle moves with a full consent list to a claimant with all but one
	// vehicle it may own.
	#[benchmark]
	fn complete_reclaim() -> Result<(), BenchmarkError> {
		let (_, claimant, vehicle) = claimed::<T>()?;
		let answer_by = ReclaimClaims::<T>::get(vehicle)
			.map(|claim| claim.answer_by)
			.ok_or(BenchmarkError::Weightless)?;
		frame_system::Pallet::<T>::set_block_number(answer_by.saturating_add(1u32.into()));

		#[extrinsic_call]
		_(RawOrigin::Signed(claimant.clone()), vehicle);

		assert_eq!(Vehicles::<T>::owner_of(vehicle), Some(claimant));
		assert!(CollectorConsents::<T>::get(vehicle).is_empty());
		Ok(())
	}

	// For the claimant: the costlier way.
	#[benchmark]
	fn settle_reclaim() -> Result<(), BenchmarkError> {
		let (_, claimant, vehicle) = claimed::<T>()?;
		let origin =
			T::DisputeOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, vehicle, true);

		assert_eq!(Vehicles::<T>::owner_of(vehicle), Some(claimant));
		Ok(())
	}

	#[benchmark]
	fn transfer() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let vehicle = Vehicles::<T>::register_for_benchmark(&owner);
		let new_owner: T::AccountId = account("new_owner", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), vehicle, lookup_of::<T>(&new_owner));

		assert_eq!(TransferOffers::<T>::get(vehicle).map(|offer| offer.to), Some(new_owner));
		assert_eq!(Vehicles::<T>::owner_of(vehicle), Some(owner));
		Ok(())
	}

	#[benchmark]
	fn accept_transfer() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let vehicle = register_many::<T>(&owner, T::MaxVehiclesPerOwner::get())
			.ok_or(BenchmarkError::Weightless)?;
		fill_consents::<T>(&owner, vehicle, T::MaxCollectorsPerVehicle::get());
		let new_owner = funded::<T>("new_owner", 0);
		register_many::<T>(&new_owner, T::MaxVehiclesPerOwner::get().saturating_sub(1));
		Vehicles::<T>::do_offer_transfer(&owner, vehicle, new_owner.clone())
			.map_err(|_| BenchmarkError::Stop("the owner offers"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(new_owner.clone()), vehicle);

		assert_eq!(Vehicles::<T>::owner_of(vehicle), Some(new_owner));
		assert!(CollectorConsents::<T>::get(vehicle).is_empty());
		assert!(!TransferOffers::<T>::contains_key(vehicle));
		Ok(())
	}

	#[benchmark]
	fn cancel_transfer() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let vehicle = Vehicles::<T>::register_for_benchmark(&owner);
		let receiver: T::AccountId = account("receiver", 0, 0);
		Vehicles::<T>::do_offer_transfer(&owner, vehicle, receiver.clone())
			.map_err(|_| BenchmarkError::Stop("the owner offers"))?;

		// The receiver declines: the longer check (the offer, then the vehicle).
		#[extrinsic_call]
		_(RawOrigin::Signed(receiver), vehicle);

		assert!(!TransferOffers::<T>::contains_key(vehicle));
		Ok(())
	}

	#[benchmark]
	fn retire() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let vehicle = register_many::<T>(&owner, T::MaxVehiclesPerOwner::get())
			.ok_or(BenchmarkError::Weightless)?;
		fill_consents::<T>(&owner, vehicle, T::MaxCollectorsPerVehicle::get());

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), vehicle);

		assert!(!crate::Vehicles::<T>::contains_key(vehicle));
		Ok(())
	}

	#[benchmark]
	fn authorize_collector() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let vehicle = Vehicles::<T>::register_for_benchmark(&owner);
		fill_consents::<T>(&owner, vehicle, T::MaxCollectorsPerVehicle::get().saturating_sub(1));
		let collector: T::AccountId = account("collector", 0, 0);
		// Far enough ahead: the benchmark machinery moves to block 1 before the call.
		let until = frame_system::Pallet::<T>::block_number() + 1_000u32.into();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), vehicle, lookup_of::<T>(&collector), Some(until));

		assert!(Vehicles::<T>::may_collect(
			vehicle,
			&collector,
			frame_system::Pallet::<T>::block_number()
		));
		Ok(())
	}

	#[benchmark]
	fn revoke_collector() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let vehicle = Vehicles::<T>::register_for_benchmark(&owner);
		fill_consents::<T>(&owner, vehicle, T::MaxCollectorsPerVehicle::get());
		// The last collector in the list: the longest search.
		let collector: T::AccountId =
			account("filler", T::MaxCollectorsPerVehicle::get().saturating_sub(1), 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), vehicle, lookup_of::<T>(&collector));

		assert!(!Vehicles::<T>::may_collect(
			vehicle,
			&collector,
			frame_system::Pallet::<T>::block_number()
		));
		Ok(())
	}

	#[benchmark]
	fn set_storage() {
		let owner = funded::<T>("owner", 0);
		let vehicle = Vehicles::<T>::register_for_benchmark(&owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), vehicle, StorageBackend::Arweave);

		assert_eq!(Vehicles::<T>::storage_backend(vehicle), Some(StorageBackend::Arweave));
	}

	impl_benchmark_test_suite!(Vehicles, crate::mock::new_test_ext(), crate::mock::Test);
}
