//! Benchmarks of the issuance, each in its worst case, and of the epoch boundary: with every
//! dTeam funded, a reward pot opened and another expired, and the emission decaying, all in
//! the same block. `epoch_boundary_with_vehicles` measures the boundary with 10, 1,000 and
//! 100,000 active vehicles; its controls, the boundary with as much state that nothing reads
//! (`epoch_boundary_with_unrelated_state`) and one write after the vehicles' set-up
//! (`write_with_vehicles`), measure what the benchmarking host's time does as the state grows
//! (`scripts/benchmark.sh` prints the three; none is a weight the runtime uses).

use super::*;
use crate::Pallet as Issuance;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	ensure,
	traits::{
		fungible::{Inspect, Mutate},
		EnsureOrigin, Get,
	},
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{
	traits::{Saturating, StaticLookup},
	Perbill,
};

fn lookup_of<T: Config>(who: &T::AccountId) -> AccountIdLookupOf<T> {
	T::Lookup::unlookup(who.clone())
}

/// Funds an account with a hundred DIMO (and at least the existential deposit).
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let amount = (100 * dimo_primitives::currency::DIMO).max(T::Currency::minimum_balance());
	let _ = T::Currency::set_balance(&who, amount);
	who
}

/// A schedule that mints: the largest cap the runtime allows, so that the benchmarks' own
/// funding never leaves the emission at zero.
fn minting_schedule<T: Config>() {
	let schedule = Schedule { supply_cap: T::MaxSupplyCap::get(), ..Issuance::<T>::schedule() };
	CurrentSchedule::<T>::put(schedule);
	if EpochEmission::<T>::get() == 0 {
		EpochEmission::<T>::put(T::MaxEpochEmission::get());
	}
}

/// A vehicle of a new owner, active in the epoch in progress.
fn active_vehicle<T: Config>(index: u32) -> (VehicleId, T::AccountId) {
	let owner: T::AccountId = account("owner", index, 0);
	let vehicle = T::Vehicles::register_for_benchmark(&owner);
	Issuance::<T>::do_note_active(vehicle).expect("the vehicle was just registered; qed");
	(vehicle, owner)
}

/// Closes the epoch in progress as the hook does.
fn close<T: Config>() {
	let schedule = Issuance::<T>::schedule();
	let epoch = CurrentEpoch::<T>::get();
	Issuance::<T>::close_epoch(epoch.index, &schedule);
	CurrentEpoch::<T>::put(EpochState {
		index: epoch.index.saturating_add(1),
		started_at: frame_system::Pallet::<T>::block_number(),
	});
}

/// 10^x: the unit tests of the benchmarks run natively in debug builds, so they stop at 1,000
/// there, to check that the benchmarks work; the benchmark CLI goes to 100,000.
fn ten_to_the(x: u32) -> u32 {
	10u32.saturating_pow(if cfg!(test) { x.min(3) } else { x })
}

/// 10^x vehicles registered, each active in the epoch in progress (their owners funded).
fn active_vehicles<T: Config>(x: u32) {
	minting_schedule::<T>();
	// No events during the set-up: at block 0 `frame_system` keeps none, and half a million
	// of them would make the set-up, not the boundary, the slow part.
	let block = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(0u32.into());
	for index in 0..ten_to_the(x) {
		active_vehicle::<T>(index);
	}
	frame_system::Pallet::<T>::set_block_number(block);
}

/// As many entries as `10^x` active vehicles add to the state (7 each: 7.4 in the mock), that
/// no pallet reads, under a prefix of their own with keys hashed as a map's; and one active
/// vehicle, so that the boundary opens a reward pot.
fn unrelated_state<T: Config>(x: u32) {
	use codec::Encode;
	use frame_support::{Blake2_128, StorageHasher, Twox128};
	use sp_runtime::traits::Hash;
	minting_schedule::<T>();
	active_vehicle::<T>(0);
	let prefix = Twox128::hash(b"UnrelatedState");
	for index in 0..ten_to_the(x).saturating_mul(7) {
		let mut key = prefix.to_vec();
		key.extend_from_slice(&Blake2_128::hash(&index.encode()));
		key.extend_from_slice(&index.encode());
		frame_support::storage::unhashed::put_raw(
			&key,
			T::Hashing::hash_of(&index).as_ref().repeat(2).as_slice(),
		);
	}
}

/// Commits the set-up to the benchmark's database and runs `warm_up` once, rolled back.
///
/// Committed here, then `warm_up` run, rather than only committed by the harness before the
/// timed block: the benchmarking host's first writes after committing a set-up of 100,000
/// vehicles cost it milliseconds (a single `DaoPot` write took 1–12 ms, 4 µs after 10
/// vehicles), a cost of the host's memory after a large commit that no block pays and that
/// would swamp what is timed. `warm_up` is what the timed block does: the same reads and
/// writes, undone, so that the timed block starts from the committed set-up.
fn commit_and_warm_up(warm_up: impl FnOnce()) {
	// The unit tests' externalities have no database to commit to (nor does their harness
	// commit before the timed block).
	if !cfg!(test) {
		frame_benchmarking::benchmarking::commit_db();
		let _ = frame_support::storage::with_transaction(|| {
			warm_up();
			frame_support::storage::TransactionOutcome::Rollback(
				Ok::<(), sp_runtime::DispatchError>(()),
			)
		});
	}
}

/// `set_up(x)`, committed, and the boundary warmed up: returns the block whose start closes
/// the epoch in progress.
fn boundary_after<T: Config>(x: u32, set_up: fn(u32)) -> BlockNumberFor<T> {
	set_up(x);
	let now: BlockNumberFor<T> = Issuance::<T>::schedule().epoch_length;
	commit_and_warm_up(|| {
		Issuance::<T>::on_epoch_boundary(now);
	});
	now
}

/// Epoch 0 closed, and its reward pot opened.
fn assert_epoch_zero_closed<T: Config>() {
	assert_eq!(CurrentEpoch::<T>::get().index, 1);
	assert!(RewardPots::<T>::contains_key(0));
}

/// The longest dTeam name.
fn long_name<T: Config>() -> DTeamNameOf<T> {
	alloc::vec![b'n'; T::MaxDTeamNameLen::get() as usize]
		.try_into()
		.expect("the length is the bound; qed")
}

/// A share small enough that `MaxDTeams` of them fit in the DAO's share.
fn small_share<T: Config>() -> Perbill {
	Perbill::from_rational(1u32, T::MaxDTeams::get().saturating_mul(100).max(1))
}

/// `count` dTeams, alternately share- and fixed-funded, administered by `admin`.
fn dteams<T: Config>(count: u32, admin: &T::AccountId) {
	for index in 0..count {
		let funding = if index % 2 == 0 {
			Funding::Share(small_share::<T>())
		} else {
			Funding::Fixed(dimo_primitives::currency::DIMO)
		};
		Issuance::<T>::do_create_dteam(long_name::<T>(), admin.clone(), funding)
			.expect("fewer than MaxDTeams; qed");
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn claim() {
		minting_schedule::<T>();
		let (_, owner) = active_vehicle::<T>(0);
		close::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), 0);

		assert!(AccountPoints::<T>::get(0, &owner).is_none());
		assert!(T::Currency::balance(&owner) > 0);
	}

	#[benchmark]
	fn spend() {
		minting_schedule::<T>();
		let admin = funded::<T>("admin", 0);
		dteams::<T>(1, &admin);
		close::<T>();
		// A new account: the transfer creates it.
		let to: T::AccountId = account("to", 0, 0);
		let amount = DTeams::<T>::get(0).expect("created; qed").balance;

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), 0, lookup_of::<T>(&to), amount);

		assert_eq!(T::Currency::balance(&to), amount);
	}

	#[benchmark]
	fn spend_dao() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		minting_schedule::<T>();
		close::<T>();
		let to: T::AccountId = account("to", 0, 0);
		let amount = DaoPot::<T>::get();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, lookup_of::<T>(&to), amount);

		assert_eq!(T::Currency::balance(&to), amount);
		Ok(())
	}

	#[benchmark]
	fn create_dteam() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let admin: T::AccountId = account("admin", 0, 0);
		dteams::<T>(T::MaxDTeams::get().saturating_sub(1), &admin);

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			long_name::<T>(),
			lookup_of::<T>(&admin),
			Funding::Share(small_share::<T>()),
		);

		assert_eq!(DTeams::<T>::count(), T::MaxDTeams::get());
		Ok(())
	}

	#[benchmark]
	fn update_dteam() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let admin: T::AccountId = account("admin", 0, 0);
		dteams::<T>(1, &admin);
		let new_admin: T::AccountId = account("admin", 1, 0);
		let share = small_share::<T>().saturating_mul(Perbill::from_percent(50));

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0, lookup_of::<T>(&new_admin), Funding::Share(share));

		assert_eq!(DTeams::<T>::get(0).expect("created; qed").admin, new_admin);
		Ok(())
	}

	#[benchmark]
	fn close_dteam() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		minting_schedule::<T>();
		let admin: T::AccountId = account("admin", 0, 0);
		dteams::<T>(1, &admin);
		close::<T>();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 0);

		assert!(DTeams::<T>::get(0).is_none());
		Ok(())
	}

	#[benchmark]
	fn set_schedule() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let schedule = Schedule {
			epoch_length: T::MaxEpochLength::get(),
			supply_cap: T::MaxSupplyCap::get(),
			..Issuance::<T>::schedule()
		};

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, schedule);

		assert_eq!(Issuance::<T>::schedule(), schedule);
		Ok(())
	}

	#[benchmark]
	fn set_epoch_emission() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let emission = T::MaxEpochEmission::get();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, emission);

		assert_eq!(EpochEmission::<T>::get(), emission);
		Ok(())
	}

	#[benchmark]
	fn set_shares() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let dteam_shares = DTeamShares::<T>::get();
		let shares = Shares {
			data_providers: Perbill::one().saturating_sub(dteam_shares),
			dao: Perbill::zero(),
		};

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, shares);

		assert_eq!(CurrentShares::<T>::get(), shares);
		Ok(())
	}

	#[benchmark]
	fn set_reward_params() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let params = RewardParams {
			demand_bonus_per_grant: Perbill::from_percent(20),
			max_rewarded_grants: T::MaxRewardedGrants::get(),
			claim_window: T::MaxClaimWindow::get(),
		};

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);

		assert_eq!(Issuance::<T>::reward_params(), params);
		Ok(())
	}

	/// Each vehicle was active in the epoch before (its streak grows) and its owner already
	/// has points in this epoch from another vehicle.
	#[benchmark]
	fn record_activity(n: Linear<1, { T::MaxActivityBatch::get() }>) -> Result<(), BenchmarkError> {
		let origin =
			T::ActivityOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		minting_schedule::<T>();
		let vehicles: Vec<VehicleId> = (0..n).map(|i| active_vehicle::<T>(i).0).collect();
		close::<T>();
		for i in 0..n {
			active_vehicle::<T>(n.saturating_add(i));
		}
		let batch: ActivityBatchOf<T> = vehicles.try_into().expect("n is within the bound; qed");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, batch);

		assert!(CurrentEpochPoints::<T>::get() > 0);
		Ok(())
	}

	/// `n` accounts with points in an epoch whose rewards expired.
	#[benchmark]
	fn reap_points(n: Linear<1, { T::MaxReapBatch::get() }>) {
		minting_schedule::<T>();
		let owners: Vec<T::AccountId> = (0..n).map(|i| active_vehicle::<T>(i).1).collect();
		close::<T>();
		// Epoch 0's pot has expired.
		RewardPots::<T>::remove(0);
		OldestRewardPot::<T>::put(1);
		let caller: T::AccountId = account("caller", 0, 0);
		let accounts: ReapBatchOf<T> = owners.try_into().expect("n is within the bound; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), 0, accounts);

		assert_eq!(AccountPoints::<T>::iter_prefix(0).count(), 0);
	}

	/// What an anchor pays per vehicle: as in `record_activity`, for one vehicle.
	#[benchmark]
	fn note_active() {
		minting_schedule::<T>();
		let (vehicle, _) = active_vehicle::<T>(0);
		close::<T>();
		active_vehicle::<T>(1);

		#[block]
		{
			<Issuance<T> as VehicleActivity>::note_active(vehicle);
		}

		assert_eq!(
			VehicleActivityOf::<T>::get(vehicle).map(|a| a.epoch),
			Some(CurrentEpoch::<T>::get().index)
		);
	}

	/// What a vehicle transfer pays: the vehicle was active in the epoch in progress, and both
	/// owners have points in it.
	#[benchmark]
	fn on_vehicle_transfer() {
		let (vehicle, owner) = active_vehicle::<T>(0);
		let (_, new_owner) = active_vehicle::<T>(1);

		#[block]
		{
			<Issuance<T> as OnVehicleTransfer<T::AccountId>>::on_vehicle_transfer(
				vehicle, &owner, &new_owner,
			);
		}

		assert!(AccountPoints::<T>::get(0, &owner).is_none());
	}

	/// A block inside an epoch.
	#[benchmark]
	fn on_initialize_idle() {
		let now = CurrentEpoch::<T>::get().started_at.saturating_add(1u32.into());

		#[block]
		{
			Issuance::<T>::on_epoch_boundary(now);
		}

		assert_eq!(CurrentEpoch::<T>::get().index, 0);
	}

	/// The first block of an epoch: `t` dTeams funded, the rewards pot of the closing epoch
	/// opened, the oldest pot expired into the DAO pot, and the emission decayed.
	#[benchmark]
	fn on_initialize_epoch_boundary(
		t: Linear<0, { T::MaxDTeams::get() }>,
	) -> Result<(), BenchmarkError> {
		minting_schedule::<T>();
		let admin: T::AccountId = account("admin", 0, 0);
		dteams::<T>(t, &admin);
		// Epoch 0 had activity: its pot opens, and is left unclaimed.
		active_vehicle::<T>(0);
		close::<T>();
		ensure!(RewardPots::<T>::contains_key(0), "epoch 0 opened a pot");
		// Jump to the last epoch of a decay period, past epoch 0's claim window.
		let schedule = Issuance::<T>::schedule();
		let last_of_period = schedule
			.epochs_per_decay
			.saturating_sub(1)
			.max(Issuance::<T>::reward_params().claim_window.saturating_add(1));
		CurrentEpoch::<T>::put(EpochState { index: last_of_period, started_at: 0u32.into() });
		active_vehicle::<T>(1);
		let now: BlockNumberFor<T> = schedule.epoch_length;

		#[block]
		{
			Issuance::<T>::on_epoch_boundary(now);
		}

		assert!(!RewardPots::<T>::contains_key(0), "epoch 0's pot expired");
		assert!(RewardPots::<T>::contains_key(last_of_period));
		assert_eq!(CurrentEpoch::<T>::get().index, last_of_period.saturating_add(1));
		Ok(())
	}

	/// The epoch boundary with 10^x active vehicles (x = 1, 3, 5: 10, 1,000 and 100,000): the
	/// same reads and writes, and the same proof, whatever their number. Not a weight of the
	/// runtime: `scripts/benchmark.sh` runs it apart, with its controls, and prints their figures
	/// (README, "Weights", says where the time's growth comes from).
	#[benchmark]
	fn epoch_boundary_with_vehicles(x: Linear<1, 5>) {
		let now = boundary_after::<T>(x, active_vehicles::<T>);

		#[block]
		{
			Issuance::<T>::on_epoch_boundary(now);
		}

		assert_epoch_zero_closed::<T>();
	}

	/// A control of `epoch_boundary_with_vehicles`: the same boundary, with one active vehicle
	/// and as many entries of state as 10^x vehicles add, that nothing reads. What it shows of
	/// growth comes from the size of the state, not from the vehicles.
	#[benchmark]
	fn epoch_boundary_with_unrelated_state(x: Linear<1, 5>) {
		let now = boundary_after::<T>(x, unrelated_state::<T>);

		#[block]
		{
			Issuance::<T>::on_epoch_boundary(now);
		}

		assert_epoch_zero_closed::<T>();
	}

	/// The other control of `epoch_boundary_with_vehicles`: one write of a pallet value after the
	/// same set-up. A write of a value touches no trie node until the block's end, yet the
	/// benchmarking host's writes cost more after a large set-up than after a small one: what
	/// this measures of growth is the host's, not the boundary's.
	#[benchmark]
	fn write_with_vehicles(x: Linear<1, 5>) {
		active_vehicles::<T>(x);
		commit_and_warm_up(|| DaoPot::<T>::put(Balance::from(7u32)));

		#[block]
		{
			DaoPot::<T>::put(Balance::from(7u32));
		}

		assert_eq!(DaoPot::<T>::get(), Balance::from(7u32));
	}

	impl_benchmark_test_suite!(Issuance, crate::mock::new_test_ext(), crate::mock::Test);
}
