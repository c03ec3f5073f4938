//! The split of each epoch's emission between the budgets, and its rounding.

use super::*;

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
		assert_eq!(unpaid_budgets(), EMISSION);
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
