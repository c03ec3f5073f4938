//! Unit tests of the governance timings.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::{BuildStorage, DispatchError};

fn short() -> Timings<u64> {
	Timings {
		launch_period: 10,
		voting_period: 10,
		fast_track_voting_period: 5,
		enactment_period: 5,
		cooloff_period: 10,
		motion_duration: 10,
	}
}

#[test]
fn without_genesis_timings_dip1_applies() {
	new_test_ext().execute_with(|| {
		assert_eq!(Governance::timings(), Timings::dip1());
		assert_eq!(LaunchPeriod::<Test>::get(), 7 * 14_400);
		assert_eq!(VotingPeriod::<Test>::get(), 7 * 14_400);
		assert_eq!(EnactmentPeriod::<Test>::get(), 96 * 600);
	});
}

#[test]
fn genesis_timings_apply_through_the_getters() {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	crate::GenesisConfig::<Test> { timings: Some(short()) }
		.assimilate_storage(&mut storage)
		.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		assert_eq!(LaunchPeriod::<Test>::get(), 10);
		assert_eq!(VotingPeriod::<Test>::get(), 10);
		assert_eq!(FastTrackVotingPeriod::<Test>::get(), 5);
		assert_eq!(EnactmentPeriod::<Test>::get(), 5);
		assert_eq!(CooloffPeriod::<Test>::get(), 10);
		assert_eq!(MotionDuration::<Test>::get(), 10);
	});
}

#[test]
fn only_governance_sets_timings_within_bounds() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Governance::set_timings(RuntimeOrigin::signed(1), short()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Governance::set_timings(RuntimeOrigin::root(), Timings { voting_period: 4, ..short() }),
			Error::<Test>::PeriodOutOfBounds
		);
		assert_noop!(
			Governance::set_timings(
				RuntimeOrigin::root(),
				Timings { cooloff_period: 1_000_001, ..short() }
			),
			Error::<Test>::PeriodOutOfBounds
		);
		assert_noop!(
			Governance::set_timings(
				RuntimeOrigin::root(),
				Timings { fast_track_voting_period: 11, ..short() }
			),
			Error::<Test>::FastTrackLongerThanVote
		);
		assert_ok!(Governance::set_timings(RuntimeOrigin::root(), short()));
		assert_eq!(VotingPeriod::<Test>::get(), 10);
		System::assert_last_event(Event::<Test>::TimingsChanged { timings: short() }.into());
	});
}
