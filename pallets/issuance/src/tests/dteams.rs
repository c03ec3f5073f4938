//! dTeams and the DAO pot: creation, funding, spending, closing.

use super::*;

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
		// Minted when paid: the budgets hold nothing more.
		assert_eq!(unpaid_budgets(), 0);
	});
}
