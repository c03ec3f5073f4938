//! The validator set's calls, its session plan and its offences, bad inputs included.

use crate::{mock::*, Error, Event, SessionLength, SetChanged, Validators};
use frame_support::{
	assert_noop, assert_ok,
	traits::{EstimateNextSessionRotation, Hooks},
};
use pallet_session::{SessionManager, ShouldEndSession};
use sp_runtime::{DispatchError, Perbill, Permill};
use sp_staking::offence::{OffenceDetails, OnOffenceHandler};

type Pallet = crate::Pallet<Test>;

fn root() -> RuntimeOrigin {
	RuntimeOrigin::root()
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

#[test]
fn genesis_sets_the_validators_and_the_session_length() {
	new_test_ext().execute_with(|| {
		assert_eq!(Pallet::validators(), vec![1, 2, 3]);
		assert_eq!(SessionLength::<Test>::get(), 10);
		assert!(!SetChanged::<Test>::get());
		// The session pallet's genesis takes the set, whether or not it changed.
		assert_eq!(Pallet::new_session_genesis(0), Some(vec![1, 2, 3]));
		Pallet::integrity_test();
		assert_ok!(Pallet::do_try_state());
	});
}

#[test]
#[should_panic(expected = "distinct and within the pallet's bounds")]
fn a_genesis_below_the_minimum_does_not_build() {
	dimo_test_utils::ExtBuilder::<Test>::default()
		.with(crate::GenesisConfig::<Test> { validators: vec![1], session_length: 10 });
}

#[test]
#[should_panic(expected = "distinct and within the pallet's bounds")]
fn a_genesis_naming_a_validator_twice_does_not_build() {
	dimo_test_utils::ExtBuilder::<Test>::default()
		.with(crate::GenesisConfig::<Test> { validators: vec![1, 2, 1], session_length: 10 });
}

#[test]
#[should_panic(expected = "session length is within the pallet's bounds")]
fn a_genesis_session_length_out_of_bounds_does_not_build() {
	dimo_test_utils::ExtBuilder::<Test>::default()
		.with(crate::GenesisConfig::<Test> { validators: vec![1, 2], session_length: 1 });
}

#[test]
fn governance_adds_a_validator_with_session_keys() {
	new_test_ext().execute_with(|| {
		assert_ok!(Pallet::add_validator(root(), 4));
		assert_eq!(Pallet::validators(), vec![1, 2, 3, 4]);
		assert!(SetChanged::<Test>::get());
		assert_eq!(last_event(), Event::ValidatorAdded { validator: 4 }.into());
	});
}

#[test]
fn adding_fails_for_a_bad_origin_a_member_no_keys_or_a_full_set() {
	new_test_ext().execute_with(|| {
		// Only a referendum admits: not an account, not the committee.
		assert_noop!(Pallet::add_validator(RuntimeOrigin::signed(1), 4), DispatchError::BadOrigin);
		assert_noop!(
			Pallet::add_validator(RuntimeOrigin::signed(COMMITTEE), 4),
			DispatchError::BadOrigin
		);
		assert_noop!(Pallet::add_validator(root(), 2), Error::<Test>::AlreadyValidator);
		assert_noop!(Pallet::add_validator(root(), 42), Error::<Test>::NoSessionKeys);
		assert_ok!(Pallet::add_validator(root(), 4));
		assert_ok!(Pallet::add_validator(root(), 5));
		assert_noop!(Pallet::add_validator(root(), 6), Error::<Test>::TooManyValidators);
		assert_eq!(Pallet::validators(), vec![1, 2, 3, 4, 5]);
	});
}

#[test]
fn governance_or_the_committee_removes_a_validator() {
	new_test_ext().execute_with(|| {
		assert_ok!(Pallet::remove_validator(RuntimeOrigin::signed(COMMITTEE), 2));
		assert_eq!(Pallet::validators(), vec![1, 3]);
		assert!(SetChanged::<Test>::get());
		assert_eq!(last_event(), Event::ValidatorRemoved { validator: 2 }.into());
		assert_ok!(Pallet::add_validator(root(), 2));
		assert_ok!(Pallet::remove_validator(root(), 1));
		assert_eq!(Pallet::validators(), vec![3, 2]);
	});
}

#[test]
fn removing_fails_for_a_bad_origin_a_stranger_or_below_the_minimum() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Pallet::remove_validator(RuntimeOrigin::signed(1), 2),
			DispatchError::BadOrigin
		);
		assert_noop!(Pallet::remove_validator(root(), 7), Error::<Test>::NotValidator);
		assert_ok!(Pallet::remove_validator(root(), 3));
		// Two left, the minimum: the chain keeps them rather than stalling.
		assert_noop!(Pallet::remove_validator(root(), 1), Error::<Test>::TooFewValidators);
		assert_eq!(Pallet::validators(), vec![1, 2]);
	});
}

#[test]
fn a_change_is_planned_once_at_the_next_session() {
	new_test_ext().execute_with(|| {
		// Nothing changed: the session pallet keeps its set.
		assert_eq!(Pallet::new_session(2), None);
		assert_ok!(Pallet::add_validator(root(), 4));
		assert_ok!(Pallet::remove_validator(root(), 1));
		assert_eq!(Pallet::new_session(3), Some(vec![2, 3, 4]));
		assert_eq!(
			last_event(),
			Event::NewSetPlanned { session: 3, validators: vec![2, 3, 4] }.into()
		);
		assert!(!SetChanged::<Test>::get());
		assert_eq!(Pallet::new_session(4), None);
	});
}

#[test]
fn a_session_ends_after_its_length() {
	new_test_ext().execute_with(|| {
		// The genesis session started at block 0.
		assert!(!Pallet::should_end_session(9));
		assert!(Pallet::should_end_session(10));
		assert_eq!(Pallet::estimate_next_session_rotation(3).0, Some(10));
		assert_eq!(Pallet::estimate_current_session_progress(4).0, Some(Permill::from_percent(50)));
		assert_eq!(Pallet::average_session_length(), 10);

		System::set_block_number(10);
		Pallet::start_session(1);
		assert!(!Pallet::should_end_session(19));
		assert!(Pallet::should_end_session(20));
		assert_eq!(Pallet::estimate_next_session_rotation(10).0, Some(20));
	});
}

#[test]
fn governance_sets_the_session_length() {
	new_test_ext().execute_with(|| {
		assert_ok!(Pallet::set_session_length(root(), 600));
		assert_eq!(last_event(), Event::SessionLengthChanged { length: 600 }.into());
		assert!(!Pallet::should_end_session(599));
		assert!(Pallet::should_end_session(600));
		// Shortened below what the session has run: it ends at the next block.
		System::set_block_number(300);
		assert_ok!(Pallet::set_session_length(root(), 100));
		assert!(Pallet::should_end_session(300));
		assert_eq!(Pallet::estimate_next_session_rotation(300).0, Some(301));
		assert_eq!(Pallet::estimate_current_session_progress(300).0, Some(Permill::one()));
	});
}

#[test]
fn setting_the_session_length_fails_for_a_bad_origin_or_out_of_bounds() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Pallet::set_session_length(RuntimeOrigin::signed(COMMITTEE), 100),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Pallet::set_session_length(root(), 4),
			Error::<Test>::SessionLengthOutOfBounds
		);
		assert_noop!(
			Pallet::set_session_length(root(), 1_001),
			Error::<Test>::SessionLengthOutOfBounds
		);
		assert_eq!(SessionLength::<Test>::get(), 10);
	});
}

#[test]
fn an_offender_is_disabled_and_reported() {
	new_test_ext().execute_with(|| {
		let offence = |who: u64| OffenceDetails { offender: (who, ()), reporters: vec![9] };
		Pallet::on_offence(&[offence(2)], &[Perbill::zero()], 7);
		assert_eq!(Disabler::disabled(), vec![2]);
		assert_eq!(
			last_event(),
			Event::OffenceReported { validator: 2, session: 7, disabled: true }.into()
		);
		// Past the session pallet's limit the offender is still reported, not disabled; the
		// set itself is governance's to change.
		Pallet::on_offence(&[offence(3), offence(1)], &[Perbill::zero(); 2], 7);
		assert_eq!(Disabler::disabled(), vec![2, 3]);
		assert_eq!(
			last_event(),
			Event::OffenceReported { validator: 1, session: 7, disabled: false }.into()
		);
		assert_eq!(Pallet::validators(), vec![1, 2, 3]);
		// The next session starts with everyone enabled.
		Pallet::start_session(8);
		assert!(Disabler::disabled().is_empty());
	});
}

#[test]
fn try_state_catches_a_set_below_the_minimum() {
	new_test_ext().execute_with(|| {
		Validators::<Test>::put(frame_support::BoundedVec::truncate_from(vec![1]));
		assert!(Pallet::do_try_state().is_err());
	});
}

#[test]
fn a_running_chain_is_seeded_once_with_a_valid_set() {
	let seed =
		|validators, length| Pallet::initialize(validators, length).map_err(DispatchError::from);
	new_test_ext().execute_with(|| {
		System::set_block_number(42);
		assert_eq!(seed(vec![4, 5, 4], 10), Err(Error::<Test>::DuplicateValidator.into()));
		assert_eq!(seed(vec![4], 10), Err(Error::<Test>::TooFewValidators.into()));
		assert_eq!(seed(vec![4, 5], 2), Err(Error::<Test>::SessionLengthOutOfBounds.into()));
		assert_eq!(Pallet::validators(), vec![1, 2, 3], "nothing changed");
		assert_eq!(seed(vec![4, 5], 20), Ok(()));
		assert_eq!(Pallet::validators(), vec![4, 5]);
		// The current session started now and ends after the new length.
		assert!(!Pallet::should_end_session(61));
		assert!(Pallet::should_end_session(62));
	});
}
