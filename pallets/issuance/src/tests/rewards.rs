//! Data-provider rewards: activity, points, streaks, demand, claims, expiry and reaping.

use super::*;

#[test]
fn an_active_vehicle_earns_and_its_owner_claims_the_whole_pot() {
	test(|| {
		let vehicle = register(ALICE);
		active(vehicle);
		active(vehicle); // reported twice: counted once
		assert_eq!(AccountPoints::<Test>::get(0, ALICE), Some(BASE_POINTS));
		assert_eq!(CurrentEpochPoints::<Test>::get(), BASE_POINTS);
		assert_noop!(
			Issuance::claim(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::EpochNotClosed
		);
		close_epoch();
		let pot = Perbill::from_percent(70) * EMISSION;
		assert_eq!(
			Issuance::pending_rewards(&ALICE).claimable,
			vec![PendingReward { epoch: 0, points: BASE_POINTS, amount: pot, claimable_until: 8 }]
		);
		let before = Balances::balance(&ALICE);
		assert_ok!(Issuance::claim(RuntimeOrigin::signed(ALICE), 0));
		assert_eq!(Balances::balance(&ALICE), before + pot);
		assert!(events().contains(&Event::Claimed {
			epoch: 0,
			who: ALICE,
			points: BASE_POINTS,
			amount: pot
		}));
		// Twice: nothing left.
		assert_noop!(
			Issuance::claim(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::NothingToClaim
		);
		assert!(Issuance::pending_rewards(&ALICE).claimable.is_empty());
	});
}

#[test]
fn a_vehicle_that_sent_nothing_earns_nothing_and_a_non_owner_claims_nothing() {
	test(|| {
		let quiet = register(BOB);
		let busy = register(ALICE);
		active(busy);
		close_epoch();
		assert_eq!(AccountPoints::<Test>::get(0, BOB), None);
		assert_noop!(Issuance::claim(RuntimeOrigin::signed(BOB), 0), Error::<Test>::NothingToClaim);
		assert_noop!(
			Issuance::claim(RuntimeOrigin::signed(CHARLIE), 0),
			Error::<Test>::NothingToClaim
		);
		assert!(VehicleActivityOf::<Test>::get(quiet).is_none());
	});
}

#[test]
fn the_pot_is_split_by_points_rounding_down_and_no_dust_is_created_or_lost() {
	test(|| {
		let a = register(ALICE);
		let b = register(BOB);
		let c = register(CHARLIE);
		consumer(DAVE);
		grant(BOB, b, DAVE); // +10%
		for vehicle in [a, b, c] {
			active(vehicle);
		}
		let total = 3 * BASE_POINTS + BASE_POINTS / 10;
		assert_eq!(CurrentEpochPoints::<Test>::get(), total);
		close_epoch();
		let pot = RewardPots::<Test>::get(0).expect("a pot").pot;
		let mut paid = 0;
		for (who, points) in
			[(ALICE, BASE_POINTS), (BOB, BASE_POINTS * 11 / 10), (CHARLIE, BASE_POINTS)]
		{
			let before = Balances::balance(&who);
			assert_ok!(Issuance::claim(RuntimeOrigin::signed(who), 0));
			let got = Balances::balance(&who) - before;
			assert_eq!(got, pot * u128::from(points) / u128::from(total));
			paid += got;
		}
		assert!(paid <= pot);
		assert!(pot - paid < 3, "at most one unit of dust per claimant");
		// The dust stays in the pot and returns to the DAO at expiry: nothing is lost.
		for _ in 0..9 {
			close_epoch();
		}
		assert!(events().contains(&Event::RewardsExpired { epoch: 0, returned: pot - paid }));
		let minted = TotalMinted::<Test>::get();
		let in_teams: Balance = DTeams::<Test>::iter_values().map(|t| t.balance).sum();
		let unclaimed: Balance = RewardPots::<Test>::iter_values().map(|p| p.pot - p.paid).sum();
		assert_eq!(paid + DaoPot::<Test>::get() + in_teams + unclaimed, minted);
	});
}

#[test]
fn demand_raises_points_up_to_the_cap() {
	test(|| {
		let vehicle = register(ALICE);
		for grantee in 10..20 {
			consumer(grantee);
			grant(ALICE, vehicle, grantee);
		}
		active(vehicle);
		// Ten grants, five count: +50%.
		assert_eq!(AccountPoints::<Test>::get(0, ALICE), Some(BASE_POINTS * 3 / 2));
		assert!(events().contains(&Event::PointsEarned {
			vehicle,
			epoch: 0,
			points: BASE_POINTS * 3 / 2,
			streak: 1,
			rewarded_grants: 5,
			credited_to: ALICE,
		}));
	});
}

#[test]
fn grants_to_accounts_that_are_not_data_consumers_earn_no_bonus() {
	test(|| {
		let vehicle = register(ALICE);
		// Self-grant farming: five grants to the owner's own spare accounts (deposits
		// that come back with revokeMany) turned 6,000 points into 9,000.
		for spare in 30..35 {
			grant(ALICE, vehicle, spare);
		}
		active(vehicle);
		assert_eq!(AccountPoints::<Test>::get(0, ALICE), Some(BASE_POINTS));
		// A grant to a data consumer that governance registered counts.
		consumer(40);
		grant(ALICE, vehicle, 40);
		active(vehicle);
		assert_eq!(AccountPoints::<Test>::get(0, ALICE), Some(BASE_POINTS * 11 / 10));
		// A consumer removed from the registry: grants made to it later do not count.
		assert_ok!(DataAccess::remove_data_consumer(RuntimeOrigin::root(), 40));
		consumer(41);
		assert_ok!(DataAccess::remove_data_consumer(RuntimeOrigin::root(), 41));
		grant(ALICE, vehicle, 41);
		assert_eq!(
			<DataAccess as dimo_primitives::rewards::DataDemand>::consumer_grants(vehicle),
			1
		);
	});
}

#[test]
fn demand_that_rises_later_in_the_epoch_counts() {
	test(|| {
		let vehicle = register(ALICE);
		active(vehicle);
		consumer(BOB);
		grant(ALICE, vehicle, BOB);
		active(vehicle);
		assert_eq!(AccountPoints::<Test>::get(0, ALICE), Some(BASE_POINTS * 11 / 10));
		assert_eq!(CurrentEpochPoints::<Test>::get(), BASE_POINTS * 11 / 10);
	});
}

#[test]
fn the_owner_at_the_close_claims_after_a_transfer_during_the_epoch() {
	test(|| {
		let vehicle = register(ALICE);
		active(vehicle);
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle));
		assert_eq!(AccountPoints::<Test>::get(0, ALICE), None);
		assert_eq!(AccountPoints::<Test>::get(0, BOB), Some(BASE_POINTS));
		close_epoch();
		assert_noop!(
			Issuance::claim(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::NothingToClaim
		);
		assert_ok!(Issuance::claim(RuntimeOrigin::signed(BOB), 0));
	});
}

#[test]
fn a_transfer_after_the_close_leaves_the_claim_with_the_owner_at_the_close() {
	test(|| {
		let vehicle = register(ALICE);
		active(vehicle);
		close_epoch();
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle));
		assert_noop!(Issuance::claim(RuntimeOrigin::signed(BOB), 0), Error::<Test>::NothingToClaim);
		assert_ok!(Issuance::claim(RuntimeOrigin::signed(ALICE), 0));
	});
}

#[test]
fn unclaimed_rewards_expire_into_the_dao_pot() {
	test(|| {
		let vehicle = register(ALICE);
		active(vehicle);
		close_epoch(); // epoch 0 closes; claimable during epochs 1..=8
		let pot = RewardPots::<Test>::get(0).expect("a pot").pot;
		for _ in 0..8 {
			close_epoch();
		}
		assert_eq!(CurrentEpoch::<Test>::get().index, 9);
		assert_noop!(Issuance::claim(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::ClaimExpired);
		assert!(RewardPots::<Test>::get(0).is_none());
		assert!(events().contains(&Event::RewardsExpired { epoch: 0, returned: pot }));
		// Everything minted is in the DAO pot: epoch 0's rewards came back.
		assert_eq!(DaoPot::<Test>::get(), TotalMinted::<Test>::get());
	});
}

#[test]
fn rewards_may_be_claimed_on_the_last_epoch_of_the_window() {
	test(|| {
		let vehicle = register(ALICE);
		active(vehicle);
		for _ in 0..8 {
			close_epoch();
		}
		assert_eq!(CurrentEpoch::<Test>::get().index, 8);
		assert_ok!(Issuance::claim(RuntimeOrigin::signed(ALICE), 0));
	});
}

#[test]
fn streaks_rise_survive_transfers_and_fall_a_level_per_missed_epoch() {
	assert_eq!(Issuance::next_streak(None, 5), 1);
	assert_eq!(Issuance::next_streak(Some((4, 3)), 5), 4);
	assert_eq!(Issuance::next_streak(Some((5, 3)), 5), 3);
	// Level 3 (21..=35), one epoch missed: back to the start of level 2, plus this one.
	assert_eq!(Issuance::next_streak(Some((3, 30)), 5), 4 + 1);
	// Level 4, three missed: level 1.
	assert_eq!(Issuance::next_streak(Some((1, 40)), 5), 1);
	assert_eq!(Issuance::next_streak(Some((0, 40)), 10), 1);

	test(|| {
		let vehicle = register(ALICE);
		for _ in 0..4 {
			active(vehicle);
			close_epoch();
		}
		// The fourth consecutive epoch reached level 2.
		let activity = VehicleActivityOf::<Test>::get(vehicle).expect("active");
		assert_eq!((activity.streak, activity.points), (4, BASE_POINTS + 1_000));
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle));
		active(vehicle);
		let activity = VehicleActivityOf::<Test>::get(vehicle).expect("active");
		assert_eq!((activity.streak, activity.credited_to), (5, BOB));
		close_epoch();
		close_epoch(); // missed one
		active(vehicle);
		let activity = VehicleActivityOf::<Test>::get(vehicle).expect("active");
		assert_eq!((activity.streak, activity.points), (1, BASE_POINTS));
	});
}

#[test]
fn recorded_activity_needs_known_vehicles() {
	test(|| {
		let vehicle = register(ALICE);
		assert_noop!(
			Issuance::record_activity(RuntimeOrigin::root(), Default::default()),
			Error::<Test>::EmptyBatch
		);
		assert_noop!(
			Issuance::record_activity(
				RuntimeOrigin::root(),
				vec![vehicle, vehicle + 1].try_into().expect("two")
			),
			Error::<Test>::UnknownVehicle
		);
		assert_ok!(Issuance::record_activity(
			RuntimeOrigin::root(),
			vec![vehicle].try_into().expect("one")
		));
		assert_eq!(AccountPoints::<Test>::get(0, ALICE), Some(BASE_POINTS));
	});
}

#[test]
fn reward_params_are_bounded() {
	test(|| {
		let set = |params| Issuance::set_reward_params(RuntimeOrigin::root(), params);
		assert_noop!(
			set(RewardParams { max_rewarded_grants: 11, ..DEFAULT_REWARD_PARAMS }),
			Error::<Test>::TooManyRewardedGrants
		);
		assert_noop!(
			set(RewardParams { claim_window: 0, ..DEFAULT_REWARD_PARAMS }),
			Error::<Test>::ClaimWindowOutOfBounds
		);
		assert_noop!(
			set(RewardParams { claim_window: 53, ..DEFAULT_REWARD_PARAMS }),
			Error::<Test>::ClaimWindowOutOfBounds
		);
		let params = RewardParams { claim_window: 2, ..DEFAULT_REWARD_PARAMS };
		assert_ok!(set(params));
		assert!(events().contains(&Event::RewardParamsChanged { params }));
	});
}

#[test]
fn unclaimed_points_of_expired_epochs_are_reaped_by_anyone() {
	test(|| {
		let vehicle = register(ALICE);
		let other = register(BOB);
		active(vehicle);
		active(other);
		close_epoch();
		let reap = |accounts: Vec<u64>| {
			Issuance::reap_points(RuntimeOrigin::signed(DAVE), 0, accounts.try_into().expect("few"))
		};
		// Claimable still: nothing is reaped.
		assert_noop!(reap(vec![ALICE]), Error::<Test>::RewardsNotExpired);
		assert_noop!(
			Issuance::reap_points(
				RuntimeOrigin::signed(DAVE),
				5,
				vec![ALICE].try_into().expect("one")
			),
			Error::<Test>::RewardsNotExpired
		);
		assert_ok!(Issuance::claim(RuntimeOrigin::signed(BOB), 0));
		for _ in 0..9 {
			close_epoch();
		}
		assert!(RewardPots::<Test>::get(0).is_none(), "expired");
		assert_eq!(AccountPoints::<Test>::get(0, ALICE), Some(BASE_POINTS));
		// Bob claimed: nothing of his to reap; Alice's points go.
		assert_noop!(reap(vec![BOB, CHARLIE]), Error::<Test>::NothingToReap);
		assert_ok!(reap(vec![BOB, ALICE]));
		assert_eq!(AccountPoints::<Test>::get(0, ALICE), None);
		assert!(events().contains(&Event::PointsReaped { epoch: 0, accounts: 1 }));
		assert_noop!(Issuance::claim(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::ClaimExpired);
	});
}

#[test]
fn retiring_a_vehicle_removes_its_activity_and_leaves_its_owners_points() {
	test(|| {
		let vehicle = register(ALICE);
		let other = register(BOB);
		active(vehicle);
		active(other);
		assert!(VehicleActivityOf::<Test>::contains_key(vehicle));
		let points = AccountPoints::<Test>::get(0, ALICE);
		assert_ok!(Vehicles::retire(RuntimeOrigin::signed(ALICE), vehicle));
		assert!(!VehicleActivityOf::<Test>::contains_key(vehicle));
		assert!(VehicleActivityOf::<Test>::contains_key(other));
		// What it earned in the epoch in progress stays with Alice, who earned it.
		assert_eq!(AccountPoints::<Test>::get(0, ALICE), points);
		close_epoch();
		assert_ok!(Issuance::claim(RuntimeOrigin::signed(ALICE), 0));
	});
}
