//! A test runtime with the validator set; the session pallet's side (keys registered, offenders
//! disabled) is played by [`Keys`] and [`Disabler`].

use crate as pallet_validator_set;
use core::cell::RefCell;
use dimo_test_utils::ExtBuilder;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64, ValidatorRegistration},
};
use std::collections::BTreeSet;

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type ValidatorSet = pallet_validator_set;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// The account of the technical committee in these tests: it may remove, not add.
pub const COMMITTEE: u64 = 100;

thread_local! {
	static REGISTERED: RefCell<BTreeSet<u64>> = RefCell::new((1..=10).collect());
	static DISABLED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Accounts 1..=10 have session keys; [`Keys::register`] adds others.
pub struct Keys;
impl Keys {
	pub fn register(who: u64) {
		REGISTERED.with(|r| r.borrow_mut().insert(who));
	}
}
impl ValidatorRegistration<u64> for Keys {
	fn is_registered(who: &u64) -> bool {
		REGISTERED.with(|r| r.borrow().contains(who))
	}
}

/// Disables any validator of the set, at most two (the session pallet's limit).
pub struct Disabler;
impl Disabler {
	pub fn disabled() -> Vec<u64> {
		DISABLED.with(|d| d.borrow().clone())
	}
}
impl dimo_primitives::validators::DisableValidator<u64> for Disabler {
	fn disable(who: &u64) -> bool {
		if !ValidatorSet::validators().contains(who) {
			return false;
		}
		DISABLED.with(|d| {
			let mut disabled = d.borrow_mut();
			if disabled.len() >= 2 {
				return false;
			}
			disabled.push(*who);
			true
		})
	}

	fn enable_all() {
		DISABLED.with(|d| d.borrow_mut().clear())
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<u64> for Keys {
	fn register_keys(who: &u64) {
		Keys::register(*who)
	}
}

impl pallet_validator_set::Config for Test {
	type AddOrigin = frame_system::EnsureRoot<u64>;
	type RemoveOrigin = frame_support::traits::EitherOfDiverse<
		frame_system::EnsureRoot<u64>,
		frame_system::EnsureSignedBy<CommitteeMember, u64>,
	>;
	type KeysRegistration = Keys;
	type DisableValidator = Disabler;
	type MinValidators = ConstU32<2>;
	type MaxValidators = ConstU32<5>;
	type MinSessionLength = ConstU64<5>;
	type MaxSessionLength = ConstU64<1_000>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Keys;
}

frame_support::ord_parameter_types! {
	pub const CommitteeMember: u64 = COMMITTEE;
}

/// Validators 1, 2 and 3; sessions of 10 blocks; at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	ExtBuilder::<Test>::default()
		.with(pallet_validator_set::GenesisConfig::<Test> {
			validators: vec![1, 2, 3],
			session_length: 10,
		})
		.build()
}
