//! Mocks of the traits in `dimo_primitives`, each holding its state in a thread-local (every
//! test runs on its own thread) with a `reset` for a fresh genesis.

use core::cell::RefCell;
use dimo_primitives::{ownership::CollectorRegistry, rewards::VehicleActivity, vehicle::VehicleId};
use frame_support::weights::Weight;
use sp_runtime::{testing::UintAuthorityId, traits::Convert};

thread_local! {
	static ACTIVE: RefCell<Vec<VehicleId>> = const { RefCell::new(Vec::new()) };
	static REGISTERED_COLLECTORS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
	static CHAIN_TIME_MS: RefCell<u64> = const { RefCell::new(0) };
}

/// The issuance as the anchors see it ([`VehicleActivity`]): records the vehicles reported
/// active, in order, for [`ActivityRecorder::reported`].
pub struct ActivityRecorder;

impl ActivityRecorder {
	/// The vehicles reported active since the last [`reset`](Self::reset).
	pub fn reported() -> Vec<VehicleId> {
		ACTIVE.with(|active| active.borrow().clone())
	}

	/// Forgets what was reported.
	pub fn reset() {
		ACTIVE.with(|active| active.borrow_mut().clear());
	}
}

impl VehicleActivity for ActivityRecorder {
	fn note_active(vehicle: VehicleId) {
		ACTIVE.with(|active| active.borrow_mut().push(vehicle));
	}

	fn note_active_weight() -> Weight {
		Weight::zero()
	}
}

/// The anchoring pallet's collector registry as the vehicle registry sees it
/// ([`CollectorRegistry`]): a list of `UintAuthorityId` keys.
pub struct MockCollectors;

impl MockCollectors {
	/// Registers exactly `keys`.
	pub fn reset(keys: impl IntoIterator<Item = u64>) {
		REGISTERED_COLLECTORS
			.with(|registered| *registered.borrow_mut() = keys.into_iter().collect());
	}
}

impl CollectorRegistry<UintAuthorityId> for MockCollectors {
	fn is_registered(collector: &UintAuthorityId) -> bool {
		REGISTERED_COLLECTORS.with(|registered| registered.borrow().contains(&collector.0))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmarks(collector: UintAuthorityId) {
		REGISTERED_COLLECTORS.with(|registered| registered.borrow_mut().push(collector.0));
	}
}

/// The chain's clock (`pallet_timestamp` in the runtime), in Unix milliseconds, set by the
/// tests.
pub struct MockTime;

impl MockTime {
	/// Sets the clock.
	pub fn set(unix_ms: u64) {
		CHAIN_TIME_MS.with(|now| *now.borrow_mut() = unix_ms);
	}
}

impl frame_support::traits::Time for MockTime {
	type Moment = u64;

	fn now() -> u64 {
		CHAIN_TIME_MS.with(|now| *now.borrow())
	}
}

/// A test collector key's account: its number (`UintAuthorityId(n)` spells account `n`).
pub struct KeyAccount;

impl Convert<UintAuthorityId, u64> for KeyAccount {
	fn convert(key: UintAuthorityId) -> u64 {
		key.0
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use frame_support::traits::Time;

	#[test]
	fn mocks_hold_what_the_tests_set_and_reset() {
		ActivityRecorder::note_active(3);
		ActivityRecorder::note_active(1);
		assert_eq!(ActivityRecorder::reported(), vec![3, 1]);
		ActivityRecorder::reset();
		assert!(ActivityRecorder::reported().is_empty());

		MockCollectors::reset([7]);
		assert!(MockCollectors::is_registered(&UintAuthorityId(7)));
		assert!(!MockCollectors::is_registered(&UintAuthorityId(8)));

		MockTime::set(1_234);
		assert_eq!(MockTime::now(), 1_234);
		assert_eq!(KeyAccount::convert(UintAuthorityId(12)), 12);
	}
}
