//! The schedule: epochs, emission, decay, the supply cap, and the bounds governance must keep.

use super::*;

#[test]
fn genesis_starts_epoch_zero_with_dimos_numbers() {
	test(|| {
		assert_eq!(CurrentEpoch::<Test>::get(), EpochState { index: 0, started_at: 0 });
		assert_eq!(EpochEmission::<Test>::get(), 1_105_000 * DIMO);
		assert_eq!(CurrentShares::<Test>::get(), DEFAULT_SHARES);
		assert_eq!(Issuance::next_epoch_at(), EPOCH);
		// The budgets hold nothing: what accounts hold is all that is issued.
		assert_eq!(unpaid_budgets(), 0);
		assert_eq!(Issuance::issued(), Balances::total_issuance());
	});
}

#[test]
fn nothing_is_minted_inside_an_epoch() {
	test(|| {
		let before = Balances::total_issuance();
		run_to_block(EPOCH - 1);
		assert_eq!(Balances::total_issuance(), before);
		assert!(Mints::<Test>::get(0).is_none());
		close_epoch();
		// Minted into the budgets: issued, in no account yet.
		assert_eq!(Issuance::issued(), before + EMISSION);
		assert_eq!(unpaid_budgets(), EMISSION);
		assert_eq!(Balances::total_issuance(), before);
		assert_eq!(CurrentEpoch::<Test>::get(), EpochState { index: 1, started_at: EPOCH });
	});
}

#[test]
fn a_budget_mints_what_it_pays_when_it_pays() {
	test(|| {
		let owner_vehicle = register(ALICE);
		active(owner_vehicle);
		let before = Balances::total_issuance();
		close_epoch();
		assert_eq!(Balances::total_issuance(), before);
		let rewards = RewardPots::<Test>::get(0).expect("a vehicle was active").pot;
		let alice = Balances::balance(&ALICE);

		assert_ok!(Issuance::claim(RuntimeOrigin::signed(ALICE), 0));
		assert_eq!(Balances::balance(&ALICE), alice + rewards);
		assert_eq!(Balances::total_issuance(), before + rewards);
		assert_eq!(unpaid_budgets(), EMISSION - rewards);

		let dao = DaoPot::<Test>::get();
		assert_ok!(Issuance::spend_dao(RuntimeOrigin::root(), BOB, dao));
		assert_eq!(Balances::total_issuance(), before + EMISSION);
		assert_eq!(unpaid_budgets(), 0);
		assert!(Issuance::do_try_state().is_ok());
	});
}

#[test]
fn a_payment_the_account_cannot_take_changes_nothing() {
	test(|| {
		close_epoch();
		// A new account would hold less than the existential deposit.
		let nobody = 9_999;
		assert_noop!(
			Issuance::spend_dao(RuntimeOrigin::root(), nobody, EXISTENTIAL_DEPOSIT - 1),
			sp_runtime::TokenError::BelowMinimum
		);
		assert_eq!(unpaid_budgets(), EMISSION);
		assert_eq!(DaoPot::<Test>::get(), EMISSION);
	});
}

#[test]
fn the_cap_counts_what_the_budgets_hold() {
	test(|| {
		close_epoch();
		let in_accounts = Balances::total_issuance();
		// Below what is issued, though above what accounts hold: refused.
		assert_noop!(
			Issuance::set_schedule(
				RuntimeOrigin::root(),
				Schedule { supply_cap: in_accounts + EMISSION - 1, ..test_schedule() }
			),
			Error::<Test>::SupplyCapOutOfBounds
		);
		assert_ok!(Issuance::set_schedule(
			RuntimeOrigin::root(),
			Schedule { supply_cap: in_accounts + EMISSION, ..test_schedule() }
		));
		assert_eq!(Issuance::issuance_info().remaining_under_cap, 0);
		close_epoch();
		assert_eq!(minted(1), 0);
	});
}

#[test]
fn the_emission_falls_fifteen_percent_every_52_epochs() {
	test(|| {
		for _ in 0..54 {
			close_epoch();
		}
		let year_two = 939_250 * DIMO; // 1,105,000 × 0.85
		assert_eq!(minted(0), 1_105_000 * DIMO);
		assert_eq!(minted(51), 1_105_000 * DIMO);
		assert_eq!(minted(52), year_two);
		assert_eq!(minted(53), year_two);
		assert!(
			events().contains(&Event::EmissionDecayed { from_epoch: 52, epoch_emission: year_two })
		);
		assert_eq!(TotalMinted::<Test>::get(), 52 * 1_105_000 * DIMO + 2 * year_two);
	});
}

#[test]
fn year_forty_matches_a_floating_point_estimate_and_exact_integer_steps() {
	let schedule = test_schedule();
	let epoch = 39 * 52; // the first epoch of year 40
	let exact = Issuance::emission_of_epoch(EMISSION, &schedule, epoch);
	// Integer steps of the same rule: ×85/100, rounding down, 39 times.
	let mut steps = EMISSION;
	for _ in 0..39 {
		steps = steps * 85 / 100;
	}
	assert_eq!(exact, steps);
	// And within a millionth of 1,105,000 × 0.85^39 computed in floating point.
	let estimate = 1_105_000f64 * 0.85f64.powi(39);
	let exact_dimo = exact as f64 / DIMO as f64;
	assert!((exact_dimo - estimate).abs() / estimate < 1e-6, "{exact_dimo} vs {estimate}");
	assert_eq!(Issuance::emission_of_epoch(EMISSION, &schedule, 51), EMISSION);
	assert_eq!(Issuance::emission_of_epoch(EMISSION, &schedule, 52), 939_250 * DIMO);
}

#[test]
fn the_hook_decays_as_the_formula_says_over_many_periods() {
	// Short periods so that many decays run through the hook.
	let schedule = Schedule { epochs_per_decay: 2, ..test_schedule() };
	new_test_ext_with(schedule, DEFAULT_REWARD_PARAMS).execute_with(|| {
		for epoch in 0..40 {
			close_epoch();
			assert_eq!(minted(epoch), Issuance::emission_of_epoch(EMISSION, &schedule, epoch));
		}
	});
}

#[test]
fn the_cap_is_reached_exactly_and_then_nothing_is_minted() {
	test(|| {
		// Leave room for two and a half epochs under the cap.
		let room = EMISSION * 5 / 2 + 7;
		let cap = Balances::total_issuance() + room;
		assert_ok!(Issuance::set_schedule(
			RuntimeOrigin::root(),
			Schedule { supply_cap: cap, ..test_schedule() }
		));
		for _ in 0..5 {
			close_epoch();
		}
		assert_eq!(minted(0), EMISSION);
		assert_eq!(minted(1), EMISSION);
		assert_eq!(minted(2), EMISSION / 2 + 7);
		assert_eq!(minted(3), 0);
		assert_eq!(minted(4), 0);
		assert_eq!(Issuance::issued(), cap);
		assert_eq!(Issuance::issuance_info().remaining_under_cap, 0);
		assert_eq!(Issuance::issuance_info().next_emission, 0);
	});
}

#[test]
fn the_cap_counts_the_genesis_supply() {
	test(|| {
		let genesis = Balances::total_issuance();
		assert_noop!(
			Issuance::set_schedule(
				RuntimeOrigin::root(),
				Schedule { supply_cap: genesis - 1, ..test_schedule() }
			),
			Error::<Test>::SupplyCapOutOfBounds
		);
		assert_ok!(Issuance::set_schedule(
			RuntimeOrigin::root(),
			Schedule { supply_cap: genesis, ..test_schedule() }
		));
		close_epoch();
		assert_eq!(minted(0), 0);
		assert_eq!(Issuance::issued(), genesis);
	});
}

#[test]
fn a_shorter_epoch_applies_to_the_epoch_in_progress() {
	test(|| {
		run_to_block(6);
		assert_ok!(Issuance::set_schedule(
			RuntimeOrigin::root(),
			Schedule { epoch_length: 4, ..test_schedule() }
		));
		// Started at 0, now 4 blocks long: it closes at the start of the next block.
		run_to_block(7);
		assert_eq!(CurrentEpoch::<Test>::get(), EpochState { index: 1, started_at: 7 });
		run_to_block(11);
		assert_eq!(CurrentEpoch::<Test>::get().index, 2);
	});
}

#[test]
fn schedule_bounds_are_enforced() {
	test(|| {
		let set = |schedule| Issuance::set_schedule(RuntimeOrigin::root(), schedule);
		let base = test_schedule();
		assert_noop!(
			set(Schedule { epoch_length: 1, ..base }),
			Error::<Test>::EpochLengthOutOfBounds
		);
		assert_noop!(
			set(Schedule { epoch_length: 1_000_001, ..base }),
			Error::<Test>::EpochLengthOutOfBounds
		);
		assert_noop!(set(Schedule { epochs_per_decay: 0, ..base }), Error::<Test>::ZeroDecayPeriod);
		assert_noop!(
			set(Schedule { decay: Perbill::from_percent(51), ..base }),
			Error::<Test>::DecayTooLarge
		);
		assert_noop!(
			set(Schedule { supply_cap: 10_000_000_001 * DIMO, ..base }),
			Error::<Test>::SupplyCapOutOfBounds
		);
		assert_noop!(
			Issuance::set_epoch_emission(RuntimeOrigin::root(), 10_000_001 * DIMO),
			Error::<Test>::EmissionTooLarge
		);
		assert_ok!(Issuance::set_epoch_emission(RuntimeOrigin::root(), 1_000 * DIMO));
		assert!(events().contains(&Event::EpochEmissionChanged { epoch_emission: 1_000 * DIMO }));
		close_epoch();
		assert_eq!(minted(0), 1_000 * DIMO);
	});
}

#[test]
fn every_admin_call_rejects_a_signed_account() {
	test(|| {
		let signed = RuntimeOrigin::signed(ALICE);
		let bad = DispatchError::BadOrigin;
		assert_noop!(Issuance::set_schedule(signed.clone(), test_schedule()), bad);
		assert_noop!(Issuance::set_epoch_emission(signed.clone(), 1), bad);
		assert_noop!(Issuance::set_shares(signed.clone(), DEFAULT_SHARES), bad);
		assert_noop!(Issuance::set_reward_params(signed.clone(), DEFAULT_REWARD_PARAMS), bad);
		assert_noop!(
			Issuance::create_dteam(signed.clone(), name("x"), BOB, Funding::Fixed(1)),
			bad
		);
		assert_noop!(Issuance::update_dteam(signed.clone(), 0, BOB, Funding::Fixed(1)), bad);
		assert_noop!(Issuance::close_dteam(signed.clone(), 0), bad);
		assert_noop!(Issuance::spend_dao(signed.clone(), BOB, 1), bad);
		assert_noop!(
			Issuance::record_activity(signed, vec![0].try_into().expect("one vehicle")),
			bad
		);
	});
}
