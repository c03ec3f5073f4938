//! Unit tests of the issuance: the schedule, the split and its rounding, the budgets, the
//! rewards and their claims, every error; and a property test against a plain model in
//! [`model`].

mod model;
mod split;

use crate::{mock::*, *};
use dimo_primitives::{currency::DIMO, rewards::VehicleActivity, vehicle::Stream};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use pallet_data_access::{StreamAccess, StreamExpiry};
use sp_core::H256;
use sp_runtime::{DispatchError, Perbill};

fn register(owner: u64) -> VehicleId {
	let id = pallet_vehicles::NextVehicleId::<Test>::get();
	assert_ok!(Vehicles::register(
		RuntimeOrigin::signed(owner),
		1,
		H256::repeat_byte((id % 250) as u8 + 1),
		None
	));
	id
}

fn grant(owner: u64, vehicle: VehicleId, grantee: u64) {
	let streams: StreamAccess<u64> =
		vec![StreamExpiry { stream: Stream::NonLocationData, until: None }]
			.try_into()
			.expect("one stream");
	assert_ok!(DataAccess::grant(RuntimeOrigin::signed(owner), vehicle, grantee, streams));
}

/// Governance registers `who` as a data consumer: its grants count as demand.
fn consumer(who: u64) {
	assert_ok!(DataAccess::add_data_consumer(RuntimeOrigin::root(), who));
}

fn active(vehicle: VehicleId) {
	<Issuance as VehicleActivity>::note_active(vehicle);
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Issuance(event) => Some(event),
			_ => None,
		})
		.collect()
}

fn minted(epoch: EpochIndex) -> Balance {
	Mints::<Test>::get(epoch).map(|record| record.minted).unwrap_or_default()
}

fn name(text: &str) -> DTeamNameOf<Test> {
	text.as_bytes().to_vec().try_into().expect("a short name")
}

fn pot_account_balance() -> Balance {
	Balances::balance(&Issuance::account_id())
}

// ---- Schedule ----

#[test]
fn genesis_starts_epoch_zero_with_dimos_numbers() {
	test(|| {
		assert_eq!(CurrentEpoch::<Test>::get(), EpochState { index: 0, started_at: 0 });
		assert_eq!(EpochEmission::<Test>::get(), 1_105_000 * DIMO);
		assert_eq!(CurrentShares::<Test>::get(), DEFAULT_SHARES);
		assert_eq!(Issuance::next_epoch_at(), EPOCH);
		// The pallet's account exists with its existential deposit and nothing else.
		assert_eq!(pot_account_balance(), EXISTENTIAL_DEPOSIT);
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
		assert_eq!(Balances::total_issuance(), before + EMISSION);
		assert_eq!(CurrentEpoch::<Test>::get(), EpochState { index: 1, started_at: EPOCH });
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
		assert_eq!(Balances::total_issuance(), cap);
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
		assert_eq!(Balances::total_issuance(), genesis);
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

// ---- Split and rounding ----

#[test]
fn without_activity_the_data_providers_part_goes_to_the_dao() {
	test(|| {
		close_epoch();
		let record = Mints::<Test>::get(0).expect("epoch 0 minted");
		assert_eq!(
			record,
			MintRecord { minted: EMISSION, data_providers: 0, dteams: 0, dao: EMISSION }
		);
		assert_eq!(DaoPot::<Test>::get(), EMISSION);
		assert!(RewardPots::<Test>::get(0).is_none());
		assert_eq!(pot_account_balance(), EXISTENTIAL_DEPOSIT + EMISSION);
	});
}

#[test]
fn the_split_follows_the_shares_and_the_dao_gets_the_remainder() {
	test(|| {
		// An emission that does not divide evenly.
		let emission = 1_000 * DIMO + 7;
		assert_ok!(Issuance::set_epoch_emission(RuntimeOrigin::root(), emission));
		assert_ok!(Issuance::create_dteam(
			RuntimeOrigin::root(),
			name("maps"),
			DAVE,
			Funding::Share(Perbill::from_rational(1u32, 7u32))
		));
		assert_ok!(Issuance::create_dteam(
			RuntimeOrigin::root(),
			name("docs"),
			DAVE,
			Funding::Fixed(50 * DIMO)
		));
		let vehicle = register(ALICE);
		active(vehicle);
		close_epoch();

		let shares = CurrentShares::<Test>::get();
		let seventh = Perbill::from_rational(1u32, 7u32).mul_floor(emission);
		let to_data = shares.data_providers.mul_floor(emission);
		let record = Mints::<Test>::get(0).expect("minted");
		assert_eq!(record.minted, emission);
		assert_eq!(record.data_providers, to_data);
		assert_eq!(record.dteams, seventh + 50 * DIMO);
		assert_eq!(record.data_providers + record.dteams + record.dao, emission);
		assert_eq!(DTeams::<Test>::get(0).expect("maps").balance, seventh);
		assert_eq!(DTeams::<Test>::get(1).expect("docs").balance, 50 * DIMO);
		assert!(events().contains(&Event::Split {
			epoch: 0,
			data_providers: to_data,
			dteams: seventh + 50 * DIMO,
			dao: record.dao,
			total_points: BASE_POINTS,
		}));
	});
}

#[test]
fn a_fixed_dteam_gets_no_more_than_the_daos_part() {
	test(|| {
		assert_ok!(Issuance::set_shares(
			RuntimeOrigin::root(),
			Shares { data_providers: Perbill::from_percent(99), dao: Perbill::from_percent(1) }
		));
		assert_ok!(Issuance::create_dteam(
			RuntimeOrigin::root(),
			name("greedy"),
			DAVE,
			Funding::Fixed(EMISSION)
		));
		close_epoch(); // no activity: the data providers' part goes to the DAO first
		let record = Mints::<Test>::get(0).expect("minted");
		assert_eq!(record.dteams, EMISSION);
		assert_eq!(record.dao, 0);
		let vehicle = register(ALICE);
		active(vehicle);
		close_epoch();
		let record = Mints::<Test>::get(1).expect("minted");
		assert_eq!(record.dteams, Perbill::from_percent(1).mul_floor(EMISSION));
		assert_eq!(record.dao, 0);
		assert_eq!(record.data_providers + record.dteams, EMISSION);
	});
}

#[test]
fn shares_that_do_not_make_100_percent_are_rejected() {
	test(|| {
		let set = |data, dao| {
			Issuance::set_shares(
				RuntimeOrigin::root(),
				Shares {
					data_providers: Perbill::from_percent(data),
					dao: Perbill::from_percent(dao),
				},
			)
		};
		assert_noop!(set(60, 30), Error::<Test>::SharesDoNotSumToWhole);
		assert_noop!(set(80, 30), Error::<Test>::SharesDoNotSumToWhole);
		assert_ok!(set(50, 50));
		// With a team at 20%, data and DAO must make 80%.
		assert_ok!(Issuance::create_dteam(
			RuntimeOrigin::root(),
			name("maps"),
			DAVE,
			Funding::Share(Perbill::from_percent(20))
		));
		assert_eq!(CurrentShares::<Test>::get().dao, Perbill::from_percent(30));
		assert_noop!(set(50, 50), Error::<Test>::SharesDoNotSumToWhole);
		assert_ok!(set(60, 20));
		assert!(events().contains(&Event::SharesChanged {
			shares: Shares {
				data_providers: Perbill::from_percent(60),
				dao: Perbill::from_percent(20)
			},
			dteam_shares: Perbill::from_percent(20),
		}));
	});
}

// ---- dTeams and the DAO pot ----

#[test]
fn a_dteam_is_created_funded_spent_and_closed_into_the_dao_pot() {
	test(|| {
		assert_ok!(Issuance::create_dteam(
			RuntimeOrigin::root(),
			name("maps"),
			DAVE,
			Funding::Share(Perbill::from_percent(10))
		));
		assert!(events().contains(&Event::DTeamCreated {
			team: 0,
			name: name("maps"),
			admin: DAVE,
			funding: Funding::Share(Perbill::from_percent(10)),
		}));
		close_epoch();
		let funded = Perbill::from_percent(10) * EMISSION;
		assert_eq!(DTeams::<Test>::get(0).expect("team").balance, funded);

		// Only the admin spends, and no more than the team holds.
		assert_noop!(
			Issuance::spend(RuntimeOrigin::signed(ALICE), 0, ALICE, DIMO),
			Error::<Test>::NotDTeamAdmin
		);
		assert_noop!(
			Issuance::spend(RuntimeOrigin::signed(DAVE), 0, BOB, funded + 1),
			Error::<Test>::InsufficientBudget
		);
		assert_noop!(
			Issuance::spend(RuntimeOrigin::signed(DAVE), 0, BOB, 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			Issuance::spend(RuntimeOrigin::signed(DAVE), 7, BOB, DIMO),
			Error::<Test>::UnknownDTeam
		);
		assert_ok!(Issuance::spend(RuntimeOrigin::signed(DAVE), 0, BOB, 1_000 * DIMO));
		assert_eq!(Balances::balance(&BOB), ENDOWMENT + 1_000 * DIMO);
		assert!(events().contains(&Event::DTeamSpent {
			team: 0,
			to: BOB,
			amount: 1_000 * DIMO,
			balance: funded - 1_000 * DIMO,
		}));

		// Governance hands the team to another admin.
		assert_ok!(Issuance::update_dteam(RuntimeOrigin::root(), 0, CHARLIE, Funding::Fixed(DIMO)));
		assert_eq!(CurrentShares::<Test>::get().dao, Perbill::from_percent(30));
		assert_noop!(
			Issuance::spend(RuntimeOrigin::signed(DAVE), 0, BOB, DIMO),
			Error::<Test>::NotDTeamAdmin
		);

		let dao_before = DaoPot::<Test>::get();
		assert_ok!(Issuance::close_dteam(RuntimeOrigin::root(), 0));
		assert_eq!(DaoPot::<Test>::get(), dao_before + funded - 1_000 * DIMO);
		assert!(events().contains(&Event::DTeamClosed { team: 0, returned: funded - 1_000 * DIMO }));
		assert_noop!(Issuance::close_dteam(RuntimeOrigin::root(), 0), Error::<Test>::UnknownDTeam);
	});
}

#[test]
fn dteam_limits_and_bad_funding_are_rejected() {
	test(|| {
		let create =
			|funding| Issuance::create_dteam(RuntimeOrigin::root(), name("t"), DAVE, funding);
		assert_noop!(
			Issuance::create_dteam(RuntimeOrigin::root(), name(""), DAVE, Funding::Fixed(1)),
			Error::<Test>::EmptyName
		);
		assert_noop!(create(Funding::Fixed(0)), Error::<Test>::ZeroAmount);
		assert_noop!(create(Funding::Share(Perbill::zero())), Error::<Test>::ZeroAmount);
		assert_noop!(
			create(Funding::Share(Perbill::from_percent(31))),
			Error::<Test>::ShareExceedsDaoShare
		);
		for _ in 0..MAX_DTEAMS {
			assert_ok!(create(Funding::Fixed(DIMO)));
		}
		assert_noop!(create(Funding::Fixed(DIMO)), Error::<Test>::TooManyDTeams);
		assert_noop!(
			Issuance::update_dteam(RuntimeOrigin::root(), 0, DAVE, Funding::Share(Perbill::one())),
			Error::<Test>::ShareExceedsDaoShare
		);
		assert_noop!(
			Issuance::update_dteam(RuntimeOrigin::root(), 99, DAVE, Funding::Fixed(1)),
			Error::<Test>::UnknownDTeam
		);
	});
}

#[test]
fn only_governance_spends_the_dao_pot() {
	test(|| {
		close_epoch();
		assert_noop!(
			Issuance::spend_dao(RuntimeOrigin::root(), BOB, EMISSION + 1),
			Error::<Test>::InsufficientBudget
		);
		assert_noop!(Issuance::spend_dao(RuntimeOrigin::root(), BOB, 0), Error::<Test>::ZeroAmount);
		assert_ok!(Issuance::spend_dao(RuntimeOrigin::root(), BOB, EMISSION));
		assert_eq!(Balances::balance(&BOB), ENDOWMENT + EMISSION);
		assert_eq!(DaoPot::<Test>::get(), 0);
		assert!(events().contains(&Event::DaoSpent { to: BOB, amount: EMISSION, dao_pot: 0 }));
		// The account keeps its existential deposit.
		assert_eq!(pot_account_balance(), EXISTENTIAL_DEPOSIT);
	});
}

// ---- Rewards ----

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
