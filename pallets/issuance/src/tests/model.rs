//! Property test: random sequences of epochs, activity, grants, transfers and claims agree with
//! a plain model of the issuance. After every step, the total issuance is the genesis supply
//! plus what the model says was minted, never above the cap; every claim succeeds exactly when
//! the model says so and pays exactly `points / all points × pot`, rounded down, with the
//! points computed by the model.

use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Accounts 1 to 4 own vehicles; 10 to 14 only receive grants, and 10 to 13 are registered
/// data consumers (their grants count as demand, 14's do not).
const OWNERS: u64 = 4;
const VEHICLES: u64 = 3;
const WINDOW: u32 = 2;

#[derive(Clone, Debug)]
enum Action {
	Active { vehicle: u64 },
	Grant { vehicle: u64, grantee: u64 },
	Transfer { vehicle: u64, to: u64 },
	Claim { who: u64, back: u32 },
	CloseEpoch,
}

fn action() -> impl Strategy<Value = Action> {
	prop_oneof![
		4 => (0..VEHICLES).prop_map(|vehicle| Action::Active { vehicle }),
		2 => (0..VEHICLES, 10..15u64).prop_map(|(vehicle, grantee)| Action::Grant { vehicle, grantee }),
		1 => (0..VEHICLES, 1..=OWNERS).prop_map(|(vehicle, to)| Action::Transfer { vehicle, to }),
		3 => (1..=OWNERS, 0..4u32).prop_map(|(who, back)| Action::Claim { who, back }),
		3 => Just(Action::CloseEpoch),
	]
}

#[derive(Default)]
struct VehicleModel {
	owner: u64,
	grantees: BTreeSet<u64>,
	/// (last active epoch, streak, points in it, credited to)
	activity: Option<(u32, u32, u64, u64)>,
}

struct Model {
	epoch: u32,
	emission: Balance,
	cap: Balance,
	issuance: Balance,
	vehicles: BTreeMap<u64, VehicleModel>,
	/// Points per (epoch, account), removed when claimed.
	points: BTreeMap<(u32, u64), u64>,
	/// Closed epochs: (pot, total points).
	pots: BTreeMap<u32, (Balance, u64)>,
}

impl Model {
	/// DIMO's streak, written out: +1 after an active epoch, back one level per missed epoch.
	fn streak(last: Option<(u32, u32)>, epoch: u32) -> u32 {
		let starts = [0u32, 4, 21, 36];
		match last {
			None => 1,
			Some((last, streak)) if last == epoch => streak,
			Some((last, streak)) if last + 1 == epoch => streak + 1,
			Some((last, streak)) => {
				let level = starts.iter().filter(|start| streak >= **start).count() - 1;
				let missed = (epoch - last - 1) as usize;
				starts[level.saturating_sub(missed)] + 1
			},
		}
	}

	fn points(streak: u32, grants: usize) -> u64 {
		let bonus = match streak {
			0..=3 => 0,
			4..=20 => 1_000,
			21..=35 => 2_000,
			_ => 3_000,
		};
		let base = 6_000 + bonus;
		base + base / 10 * grants.min(5) as u64
	}

	fn active(&mut self, vehicle: u64) {
		let epoch = self.epoch;
		let v = self.vehicles.get_mut(&vehicle).expect("registered");
		let streak = Self::streak(v.activity.map(|(e, s, _, _)| (e, s)), epoch);
		let consumers = v.grantees.iter().filter(|grantee| **grantee < 14).count();
		let points = Self::points(streak, consumers);
		let earned = v.activity.filter(|a| a.0 == epoch).map(|a| a.2).unwrap_or(0);
		if points > earned {
			*self.points.entry((epoch, v.owner)).or_default() += points - earned;
			v.activity = Some((epoch, streak, points, v.owner));
		}
	}

	fn transfer(&mut self, vehicle: u64, to: u64) {
		let epoch = self.epoch;
		let v = self.vehicles.get_mut(&vehicle).expect("registered");
		v.owner = to;
		v.grantees.clear();
		if let Some((e, s, p, from)) = v.activity {
			if e == epoch && from != to {
				let left = self.points.get(&(epoch, from)).copied().unwrap_or(0) - p;
				if left == 0 {
					self.points.remove(&(epoch, from));
				} else {
					self.points.insert((epoch, from), left);
				}
				*self.points.entry((epoch, to)).or_default() += p;
				v.activity = Some((e, s, p, to));
			}
		}
	}

	fn close_epoch(&mut self) {
		let minted = self.emission.min(self.cap - self.issuance);
		self.issuance += minted;
		let total: u64 =
			self.points.iter().filter(|((e, _), _)| *e == self.epoch).map(|(_, p)| *p).sum();
		if total > 0 {
			self.pots.insert(self.epoch, (Perbill::from_percent(70).mul_floor(minted), total));
		}
		self.epoch += 1;
		// Decay every three epochs in this test.
		if self.epoch.is_multiple_of(3) {
			self.emission = Perbill::from_percent(85) * self.emission;
		}
	}

	/// What a claim of `who` for `epoch` pays, if it may be made.
	fn claim(&mut self, who: u64, epoch: u32) -> Option<Balance> {
		if epoch >= self.epoch || self.epoch > epoch + WINDOW {
			return None;
		}
		let (pot, total) = *self.pots.get(&epoch)?;
		let points = self.points.remove(&(epoch, who))?;
		Some(pot * u128::from(points) / u128::from(total))
	}
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

	#[test]
	fn issuance_agrees_with_a_plain_model(actions in proptest::collection::vec(action(), 1..60)) {
		let schedule = Schedule { epochs_per_decay: 3, ..test_schedule() };
		let params = RewardParams { claim_window: WINDOW, ..DEFAULT_REWARD_PARAMS };
		new_test_ext_with(schedule, params).execute_with(|| {
			let mut vehicles = BTreeMap::new();
			for i in 0..VEHICLES {
				let owner = 1 + i % OWNERS;
				let id = register(owner);
				vehicles.insert(id, VehicleModel { owner, ..Default::default() });
			}
			for consumer in 10..14 {
				assert_ok!(DataAccess::add_data_consumer(RuntimeOrigin::root(), consumer));
			}
			let genesis = Balances::total_issuance();
			// Room for a few epochs only, so that the cap is reached in long runs.
			let cap = genesis + EMISSION * 7 / 2;
			assert_ok!(Issuance::set_schedule(
				RuntimeOrigin::root(),
				Schedule { supply_cap: cap, ..schedule }
			));
			let mut model = Model {
				epoch: 0,
				emission: EMISSION,
				cap,
				issuance: genesis,
				vehicles,
				points: BTreeMap::new(),
				pots: BTreeMap::new(),
			};

			for action in actions {
				match action {
					Action::Active { vehicle } => {
						active(vehicle);
						model.active(vehicle);
					},
					Action::Grant { vehicle, grantee } => {
						let owner = model.vehicles[&vehicle].owner;
						grant(owner, vehicle, grantee);
						model.vehicles.get_mut(&vehicle).expect("registered").grantees.insert(grantee);
					},
					Action::Transfer { vehicle, to } => {
						let owner = model.vehicles[&vehicle].owner;
						let result = Vehicles::transfer(RuntimeOrigin::signed(owner), vehicle, to)
							.and_then(|_| {
								Vehicles::accept_transfer(RuntimeOrigin::signed(to), vehicle)
							});
						if owner == to {
							prop_assert!(result.is_err());
						} else {
							prop_assert!(result.is_ok());
							model.transfer(vehicle, to);
						}
					},
					Action::Claim { who, back } => {
						let Some(epoch) = model.epoch.checked_sub(1 + back) else { continue };
						let before = Balances::balance(&who);
						let result = Issuance::claim(RuntimeOrigin::signed(who), epoch);
						match model.claim(who, epoch) {
							Some(owed) => {
								prop_assert!(result.is_ok(), "{:?}", result);
								prop_assert_eq!(Balances::balance(&who) - before, owed);
							},
							None => {
								prop_assert!(result.is_err());
								prop_assert_eq!(Balances::balance(&who), before);
							},
						}
					},
					Action::CloseEpoch => {
						close_epoch();
						model.close_epoch();
					},
				}
				let issuance = Issuance::issued();
				prop_assert_eq!(issuance, genesis + TotalMinted::<Test>::get());
				prop_assert_eq!(issuance, Balances::total_issuance() + UnpaidBudgets::<Test>::get());
				prop_assert_eq!(issuance, model.issuance);
				prop_assert!(issuance <= cap);
				prop_assert_eq!(CurrentEpoch::<Test>::get().index, model.epoch);
				for ((epoch, who), points) in &model.points {
					if *epoch + WINDOW >= model.epoch {
						prop_assert_eq!(AccountPoints::<Test>::get(epoch, who), Some(*points));
					}
				}
				prop_assert!(Issuance::do_try_state().is_ok());
			}
			Ok(())
		})?;
	}
}
