//! Property test of the split: for every setting of the shares (zeros included, the DAO's
//! among them) and any emission, what the budgets receive is exactly what was minted, and
//! `UnpaidBudgets` grows by exactly that.

use super::*;
use proptest::prelude::*;

/// Shares in parts per billion that make exactly one whole: cut points on `0..=1e9`, sorted.
/// The first slice is the data providers', the last the DAO's, the others share-funded
/// dTeams'. `dao_zero` gives the DAO's slice to the last team (or the data providers).
fn slices(cuts: Vec<u32>, dao_zero: bool) -> (u32, Vec<u32>, u32) {
	let whole = Perbill::one().deconstruct();
	let mut points: Vec<u32> = cuts.into_iter().map(|cut| cut % (whole + 1)).collect();
	points.sort_unstable();
	let mut bounds = vec![0u32];
	bounds.extend(points);
	bounds.push(whole);
	let mut parts: Vec<u32> = bounds.windows(2).map(|pair| pair[1] - pair[0]).collect();
	let mut dao = parts.pop().expect("at least one slice");
	if dao_zero {
		*parts.last_mut().expect("the data providers' slice") += dao;
		dao = 0;
	}
	let data = parts.remove(0);
	(data, parts, dao)
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

	#[test]
	fn the_split_pays_out_exactly_what_was_minted(
		// At most 3 share-funded teams and a fixed one: the mock allows 4 dTeams.
		cuts in proptest::collection::vec(any::<u32>(), 1..5),
		dao_zero in any::<bool>(),
		fixed in proptest::option::of(1..EMISSION),
		emission in 1..=EMISSION,
		with_activity in any::<bool>(),
	) {
		let (data, teams, dao) = slices(cuts, dao_zero);
		new_test_ext().execute_with(|| {
			assert_ok!(Issuance::set_epoch_emission(RuntimeOrigin::root(), emission));
			let whole = Perbill::one().deconstruct();
			assert_ok!(Issuance::set_shares(
				RuntimeOrigin::root(),
				Shares {
					data_providers: Perbill::from_parts(data),
					dao: Perbill::from_parts(whole - data),
				}
			));
			for (index, part) in teams.iter().filter(|part| **part > 0).enumerate() {
				assert_ok!(Issuance::create_dteam(
					RuntimeOrigin::root(),
					name(&format!("team{index}")),
					DAVE,
					Funding::Share(Perbill::from_parts(*part))
				));
			}
			prop_assert_eq!(CurrentShares::<Test>::get().dao, Perbill::from_parts(dao));
			if let Some(amount) = fixed {
				assert_ok!(Issuance::create_dteam(
					RuntimeOrigin::root(),
					name("fixed"),
					DAVE,
					Funding::Fixed(amount)
				));
			}
			if with_activity {
				active(register(ALICE));
			}
			let before = unpaid_budgets();
			close_epoch();

			let record = Mints::<Test>::get(0).expect("the epoch was closed");
			prop_assert_eq!(record.minted, emission);
			prop_assert_eq!(record.data_providers + record.dteams + record.dao, record.minted);
			let to_teams: Balance = DTeams::<Test>::iter_values().map(|team| team.balance).sum();
			prop_assert_eq!(to_teams, record.dteams);
			prop_assert_eq!(DaoPot::<Test>::get(), record.dao);
			let to_rewards = RewardPots::<Test>::get(0).map(|pot| pot.pot).unwrap_or_default();
			prop_assert_eq!(to_rewards, record.data_providers);
			prop_assert_eq!(unpaid_budgets() - before, record.minted);
			prop_assert!(Issuance::do_try_state().is_ok());
			Ok(())
		})?;
	}
}
