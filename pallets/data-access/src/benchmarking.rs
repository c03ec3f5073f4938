//! Benchmarks of the access lists, each in its worst case: the caller an admin at the end of a
//! full admin list, the vehicle's grantee list as full as the call allows, every stream named.

use super::*;
use crate::Pallet as DataAccess;
use alloc::vec::Vec;
use dimo_primitives::encryption::KeyScheme;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, EnsureOrigin, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::traits::{Bounded, StaticLookup};

/// An account with funds for any deposit: a thousandth of the largest balance, so that a
/// benchmark can fund many accounts without overflowing the total issuance.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let _ = T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1_000u32.into());
	who
}

/// Every stream, without expiry.
fn every_stream<T: Config>() -> StreamAccessOf<T> {
	Stream::ALL
		.into_iter()
		.map(|stream| StreamExpiry { stream, until: None })
		.collect::<Vec<_>>()
		.try_into()
		.expect("the bound is the number of streams; qed")
}

fn every_stream_name() -> BoundedVec<Stream, MaxStreams> {
	Stream::ALL.to_vec().try_into().expect("the bound is the number of streams; qed")
}

/// A vehicle owned by a funded account, with a full admin list; returns the vehicle, its
/// owner and the last admin (the longest search in the list).
fn vehicle_with_admins<T: Config>() -> (VehicleId, T::AccountId, T::AccountId) {
	let owner = funded::<T>("owner", 0);
	let vehicle = T::Vehicles::register_for_benchmark(&owner);
	let mut last = owner.clone();
	for index in 0..T::MaxAdminsPerVehicle::get() {
		last = funded::<T>("admin", index);
		Pallet::<T>::do_add_admin(&owner, vehicle, last.clone()).expect("room for admins; qed");
	}
	(vehicle, owner, last)
}

/// Like [`vehicle_with_admins`], but the vehicle changed hands once: its first owner had
/// granted every stream to each of `stale`, whose entries are now stale and hold the first
/// owner's deposit (the path of `grant` that releases it); and `stale` are registered data
/// consumers, as far as the registry has room (the path that counts demand).
fn vehicle_with_stale_grants<T: Config>(
	stale: &[T::AccountId],
) -> (VehicleId, T::AccountId, T::AccountId) {
	let first_owner = funded::<T>("first_owner", 0);
	let vehicle = T::Vehicles::register_for_benchmark(&first_owner);
	Pallet::<T>::do_grant(&first_owner, vehicle, stale.iter().cloned(), &every_stream::<T>())
		.expect("room for the batch; qed");
	for consumer in stale.iter().take(T::MaxDataConsumers::get() as usize) {
		Pallet::<T>::do_add_data_consumer(consumer.clone()).expect("room; qed");
	}
	let owner = funded::<T>("owner", 0);
	T::Vehicles::transfer_for_benchmark(vehicle, &owner);
	let mut last = owner.clone();
	for index in 0..T::MaxAdminsPerVehicle::get() {
		last = funded::<T>("admin", index);
		Pallet::<T>::do_add_admin(&owner, vehicle, last.clone()).expect("room for admins; qed");
	}
	(vehicle, owner, last)
}

/// Grants every stream to `count` filler grantees.
fn fill_grants<T: Config>(by: &T::AccountId, vehicle: VehicleId, count: u32) {
	let grantees = (0..count).map(|index| account::<T::AccountId>("filler", index, 0));
	Pallet::<T>::do_grant(by, vehicle, grantees, &every_stream::<T>()).expect("room; qed");
}

fn lookup_of<T: Config>(who: &T::AccountId) -> AccountIdLookupOf<T> {
	T::Lookup::unlookup(who.clone())
}

fn grantees<T: Config>(name: &'static str, count: u32) -> GranteesOf<T> {
	(0..count)
		.map(|index| account::<T::AccountId>(name, index, 0))
		.collect::<Vec<_>>()
		.try_into()
		.expect("count is at most MaxBatch; qed")
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn grant() {
		let grantee: T::AccountId = account("grantee", 0, 0);
		let (vehicle, _, admin) = vehicle_with_stale_grants::<T>(core::slice::from_ref(&grantee));
		fill_grants::<T>(&admin, vehicle, T::MaxGranteesPerVehicle::get().saturating_sub(1));

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), vehicle, lookup_of::<T>(&grantee), every_stream::<T>());

		assert!(DataAccess::<T>::can_read(
			vehicle,
			&grantee,
			Stream::RawData,
			frame_system::Pallet::<T>::block_number()
		));
	}

	#[benchmark]
	fn revoke() {
		let (vehicle, _, admin) = vehicle_with_admins::<T>();
		fill_grants::<T>(&admin, vehicle, T::MaxGranteesPerVehicle::get());
		let grantee: T::AccountId = account("filler", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), vehicle, lookup_of::<T>(&grantee), every_stream_name());

		assert!(!Grants::<T>::contains_key(vehicle, &grantee));
	}

	#[benchmark]
	fn revoke_all() {
		let (vehicle, _, admin) = vehicle_with_admins::<T>();
		fill_grants::<T>(&admin, vehicle, T::MaxGranteesPerVehicle::get());
		let grantee: T::AccountId = account("filler", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), vehicle, lookup_of::<T>(&grantee));

		assert!(!Grants::<T>::contains_key(vehicle, &grantee));
	}

	#[benchmark]
	fn grant_many(n: Linear<1, { T::MaxBatch::get() }>) {
		let batch = grantees::<T>("grantee", n);
		let (vehicle, _, admin) = vehicle_with_stale_grants::<T>(&batch);
		fill_grants::<T>(&admin, vehicle, T::MaxGranteesPerVehicle::get().saturating_sub(n));

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), vehicle, batch, every_stream::<T>());

		assert_eq!(GranteeCount::<T>::get(vehicle).count, T::MaxGranteesPerVehicle::get());
	}

	#[benchmark]
	fn revoke_many(n: Linear<1, { T::MaxBatch::get() }>) {
		let (vehicle, _, admin) = vehicle_with_admins::<T>();
		fill_grants::<T>(&admin, vehicle, T::MaxGranteesPerVehicle::get());
		let batch = grantees::<T>("filler", n);

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), vehicle, batch, None);

		assert_eq!(
			GranteeCount::<T>::get(vehicle).count,
			T::MaxGranteesPerVehicle::get().saturating_sub(n)
		);
	}

	#[benchmark]
	fn set_public() {
		let (vehicle, owner, _) = vehicle_with_admins::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), vehicle, every_stream::<T>());

		assert!(PublicStreams::<T>::contains_key(vehicle));
	}

	#[benchmark]
	fn add_admin() {
		let owner = funded::<T>("owner", 0);
		let vehicle = T::Vehicles::register_for_benchmark(&owner);
		for index in 1..T::MaxAdminsPerVehicle::get() {
			Pallet::<T>::do_add_admin(&owner, vehicle, account("admin", index, 0))
				.expect("room for admins; qed");
		}
		let admin: T::AccountId = account("admin", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), vehicle, lookup_of::<T>(&admin));

		assert_eq!(
			Admins::<T>::get(vehicle).map(|list| list.admins.len() as u32),
			Some(T::MaxAdminsPerVehicle::get())
		);
	}

	#[benchmark]
	fn remove_admin() {
		let (vehicle, owner, admin) = vehicle_with_admins::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), vehicle, lookup_of::<T>(&admin));

		assert!(!Admins::<T>::get(vehicle).is_some_and(|list| list.admins.contains(&admin)));
	}

	#[benchmark]
	fn remove_expired() {
		let (vehicle, owner, admin) = vehicle_with_admins::<T>();
		fill_grants::<T>(&admin, vehicle, T::MaxGranteesPerVehicle::get());
		// A transfer makes every entry stale.
		let new_owner = funded::<T>("new_owner", 0);
		T::Vehicles::transfer_for_benchmark(vehicle, &new_owner);
		let grantee: T::AccountId = account("filler", 0, 0);
		let caller = funded::<T>("caller", 0);
		let _ = owner;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), vehicle, lookup_of::<T>(&grantee));

		assert!(!Grants::<T>::contains_key(vehicle, &grantee));
	}

	#[benchmark]
	fn add_data_consumer() {
		for index in 0..T::MaxDataConsumers::get().saturating_sub(1) {
			Pallet::<T>::do_add_data_consumer(account("consumer", index, 0)).expect("room; qed");
		}
		let consumer: T::AccountId = account("new consumer", 0, 0);
		let origin =
			T::ConsumerOrigin::try_successful_origin().expect("governance has an origin; qed");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, lookup_of::<T>(&consumer));

		assert!(DataConsumers::<T>::contains_key(&consumer));
	}

	#[benchmark]
	fn remove_data_consumer() {
		let consumer: T::AccountId = account("consumer", 0, 0);
		Pallet::<T>::do_add_data_consumer(consumer.clone()).expect("room; qed");
		let origin =
			T::ConsumerOrigin::try_successful_origin().expect("governance has an origin; qed");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, lookup_of::<T>(&consumer));

		assert!(!DataConsumers::<T>::contains_key(&consumer));
	}

	// Replacing a published key with the largest: the old deposit released, the new held.
	#[benchmark]
	fn set_encryption_key() {
		let account = funded::<T>("reader", 0);
		let key = |scheme: KeyScheme| EncryptionKey {
			scheme,
			public: alloc::vec![9; scheme.public_key_len()]
				.try_into()
				.expect("as long as the bound; qed"),
		};
		Pallet::<T>::do_set_encryption_key(account.clone(), key(KeyScheme::X25519))
			.expect("a valid key and the deposit; qed");
		let largest = key(KeyScheme::MlKem768);

		#[extrinsic_call]
		_(RawOrigin::Signed(account.clone()), largest.clone());

		assert_eq!(
			EncryptionKeys::<T>::get(&account).map(|published| published.key),
			Some(largest)
		);
	}

	#[benchmark]
	fn remove_encryption_key() {
		let account = funded::<T>("reader", 0);
		let largest = EncryptionKey {
			scheme: KeyScheme::MlKem768,
			public: alloc::vec![9; KeyScheme::MlKem768.public_key_len()]
				.try_into()
				.expect("as long as the bound; qed"),
		};
		Pallet::<T>::do_set_encryption_key(account.clone(), largest)
			.expect("a valid key and the deposit; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(account.clone()));

		assert!(!EncryptionKeys::<T>::contains_key(&account));
	}

	impl_benchmark_test_suite!(DataAccess, crate::mock::new_test_ext(), crate::mock::Test);
}
