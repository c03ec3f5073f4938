//! Property test: random sequences of grants, revocations, public streams, admins, transfers
//! and block advances agree with a plain model of who may read what, call by call: the model
//! predicts which calls succeed, and after every step the pallet and the model agree on every
//! (vehicle, account, stream).

use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Accounts 1 to 4 are funded; 5 and 6 only ever receive.
const ACCOUNTS: u64 = 6;
const VEHICLES: u64 = 2;

/// A set of streams with expiries given as offsets from the current block (0: not in the
/// future, which must be refused; `None`: no expiry).
type Offsets = Vec<(Stream, Option<u8>)>;

#[derive(Clone, Debug)]
enum Action {
	Grant { by: u64, vehicle: u64, grantee: u64, streams: Offsets },
	Revoke { by: u64, vehicle: u64, grantee: u64, streams: Vec<Stream> },
	RevokeAll { by: u64, vehicle: u64, grantee: u64 },
	SetPublic { by: u64, vehicle: u64, streams: Offsets },
	AddAdmin { by: u64, vehicle: u64, admin: u64 },
	Transfer { vehicle: u64, to: u64 },
	RemoveExpired { vehicle: u64, grantee: u64 },
	Advance { blocks: u8 },
}

fn account() -> impl Strategy<Value = u64> {
	1..=ACCOUNTS
}

fn funded() -> impl Strategy<Value = u64> {
	1..=4u64
}

fn vehicle() -> impl Strategy<Value = u64> {
	0..VEHICLES
}

fn offsets() -> impl Strategy<Value = Offsets> {
	proptest::sample::subsequence(Stream::ALL.to_vec(), 0..=3).prop_flat_map(|streams| {
		let count = streams.len();
		proptest::collection::vec(proptest::option::weighted(0.8, 0u8..6), count)
			.prop_map(move |expiries| streams.iter().copied().zip(expiries).collect())
	})
}

fn stream_names() -> impl Strategy<Value = Vec<Stream>> {
	proptest::sample::subsequence(Stream::ALL.to_vec(), 0..=3)
}

fn action() -> impl Strategy<Value = Action> {
	prop_oneof![
		4 => (funded(), vehicle(), account(), offsets()).prop_map(|(by, vehicle, grantee, streams)| {
			Action::Grant { by, vehicle, grantee, streams }
		}),
		2 => (funded(), vehicle(), account(), stream_names()).prop_map(
			|(by, vehicle, grantee, streams)| Action::Revoke { by, vehicle, grantee, streams }
		),
		1 => (funded(), vehicle(), account())
			.prop_map(|(by, vehicle, grantee)| Action::RevokeAll { by, vehicle, grantee }),
		1 => (funded(), vehicle(), offsets())
			.prop_map(|(by, vehicle, streams)| Action::SetPublic { by, vehicle, streams }),
		1 => (funded(), vehicle(), funded())
			.prop_map(|(by, vehicle, admin)| Action::AddAdmin { by, vehicle, admin }),
		1 => (vehicle(), funded()).prop_map(|(vehicle, to)| Action::Transfer { vehicle, to }),
		1 => (vehicle(), account())
			.prop_map(|(vehicle, grantee)| Action::RemoveExpired { vehicle, grantee }),
		2 => (1u8..4).prop_map(|blocks| Action::Advance { blocks }),
	]
}

/// Expiry by stream: `None` never expires.
type Expiries = BTreeMap<Stream, Option<u64>>;

fn live(expiry: &Option<u64>, now: u64) -> bool {
	expiry.is_none_or(|until| now < until)
}

/// What a plain reading of the README says about one vehicle.
#[derive(Default)]
struct VehicleModel {
	owner: u64,
	/// Entries of the current owner, each with the streams it holds (expired ones included,
	/// until the entry is written again): they count towards the limit until removed.
	grants: BTreeMap<u64, Expiries>,
	/// Grantees with an entry of a former owner still stored.
	stale: BTreeSet<u64>,
	public: Expiries,
	admins: BTreeSet<u64>,
}

struct Model {
	now: u64,
	vehicles: Vec<VehicleModel>,
}

impl Model {
	fn can_read(&self, vehicle: u64, who: u64, stream: Stream) -> bool {
		let model = &self.vehicles[vehicle as usize];
		model.owner == who
			|| model.public.get(&stream).is_some_and(|until| live(until, self.now))
			|| model
				.grants
				.get(&who)
				.and_then(|streams| streams.get(&stream))
				.is_some_and(|until| live(until, self.now))
	}

	fn expiries(&self, streams: &Offsets) -> Option<Expiries> {
		let now = self.now;
		streams
			.iter()
			.map(|&(stream, offset)| match offset {
				Some(0) => None,
				Some(offset) => Some((stream, Some(now + u64::from(offset)))),
				None => Some((stream, None)),
			})
			.collect()
	}

	/// Applies `action` to the model if it should succeed, and says whether it should.
	fn apply(&mut self, action: &Action) -> bool {
		let now = self.now;
		match action.clone() {
			Action::Grant { by, vehicle, grantee, streams } => {
				let Some(expiries) = self.expiries(&streams) else { return false };
				let model = &mut self.vehicles[vehicle as usize];
				let may = by == model.owner || model.admins.contains(&by);
				let room = model.grants.contains_key(&grantee)
					|| model.grants.len() < MAX_GRANTEES as usize;
				if !may || grantee == model.owner || streams.is_empty() || !room {
					return false;
				}
				model.stale.remove(&grantee);
				let entry = model.grants.entry(grantee).or_default();
				entry.retain(|_, until| live(until, now));
				entry.extend(expiries);
				true
			},
			Action::Revoke { by, vehicle, grantee, streams } => {
				let model = &mut self.vehicles[vehicle as usize];
				let may = by == model.owner || model.admins.contains(&by);
				if !may || streams.is_empty() || !model.grants.contains_key(&grantee) {
					return false;
				}
				let entry = model.grants.entry(grantee).or_default();
				entry.retain(|stream, until| live(until, now) && !streams.contains(stream));
				if entry.is_empty() {
					model.grants.remove(&grantee);
				}
				true
			},
			Action::RevokeAll { by, vehicle, grantee } => {
				let model = &mut self.vehicles[vehicle as usize];
				let may = by == model.owner || model.admins.contains(&by);
				may && model.grants.remove(&grantee).is_some()
			},
			Action::SetPublic { by, vehicle, streams } => {
				let Some(expiries) = self.expiries(&streams) else { return false };
				let model = &mut self.vehicles[vehicle as usize];
				if by != model.owner {
					return false;
				}
				model.public = expiries;
				true
			},
			Action::AddAdmin { by, vehicle, admin } => {
				let model = &mut self.vehicles[vehicle as usize];
				if by != model.owner
					|| admin == model.owner
					|| model.admins.len() >= MAX_ADMINS as usize
				{
					return false;
				}
				model.admins.insert(admin)
			},
			Action::Transfer { vehicle, to } => {
				let model = &mut self.vehicles[vehicle as usize];
				if to == model.owner {
					return false;
				}
				model.owner = to;
				let former: Vec<u64> = model.grants.keys().copied().collect();
				model.stale.extend(former);
				model.grants.clear();
				model.public.clear();
				model.admins.clear();
				true
			},
			Action::RemoveExpired { vehicle, grantee } => {
				let model = &mut self.vehicles[vehicle as usize];
				match model.grants.get(&grantee) {
					Some(streams) if streams.values().any(|until| live(until, now)) => false,
					Some(_) => model.grants.remove(&grantee).is_some(),
					None => model.stale.remove(&grantee),
				}
			},
			Action::Advance { blocks } => {
				self.now += u64::from(blocks);
				true
			},
		}
	}
}

fn dispatch(action: &Action) -> bool {
	let signed = RuntimeOrigin::signed;
	let to_access = |streams: &Offsets| {
		let now = System::block_number();
		access(
			&streams
				.iter()
				.map(|&(stream, offset)| (stream, offset.map(|offset| now + u64::from(offset))))
				.collect::<Vec<_>>(),
		)
	};
	let result = match action.clone() {
		Action::Grant { by, vehicle, grantee, streams } => {
			DataAccess::grant(signed(by), vehicle, grantee, to_access(&streams))
		},
		Action::Revoke { by, vehicle, grantee, streams } => {
			DataAccess::revoke(signed(by), vehicle, grantee, names(&streams))
		},
		Action::RevokeAll { by, vehicle, grantee } => {
			DataAccess::revoke_all(signed(by), vehicle, grantee)
		},
		Action::SetPublic { by, vehicle, streams } => {
			DataAccess::set_public(signed(by), vehicle, to_access(&streams))
		},
		Action::AddAdmin { by, vehicle, admin } => {
			DataAccess::add_admin(signed(by), vehicle, admin)
		},
		Action::Transfer { vehicle, to } => {
			let owner = pallet_vehicles::Vehicles::<Test>::get(vehicle).expect("registered").owner;
			VehicleRegistry::transfer(signed(owner), vehicle, to)
				.and_then(|_| VehicleRegistry::accept_transfer(signed(to), vehicle))
		},
		Action::RemoveExpired { vehicle, grantee } => {
			DataAccess::remove_expired(signed(ACCOUNTS + 1), vehicle, grantee)
		},
		Action::Advance { blocks } => {
			run_to_block(System::block_number() + u64::from(blocks));
			Ok(())
		},
	};
	result.is_ok()
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

	#[test]
	fn access_agrees_with_a_plain_model(actions in proptest::collection::vec(action(), 1..40)) {
		new_test_ext().execute_with(|| {
			let owners = [ALICE, BOB];
			for owner in owners {
				register(owner);
			}
			let mut model = Model {
				now: System::block_number(),
				vehicles: owners
					.iter()
					.map(|&owner| VehicleModel { owner, ..Default::default() })
					.collect(),
			};
			for (step, action) in actions.iter().enumerate() {
				let expected = model.apply(action);
				let happened = dispatch(action);
				prop_assert_eq!(happened, expected, "step {}: {:?}", step, action);
				DataAccess::do_try_state().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
				for vehicle in 0..VEHICLES {
					for who in 1..=ACCOUNTS + 1 {
						for stream in Stream::ALL {
							prop_assert_eq!(
								can_read(vehicle, who, stream),
								model.can_read(vehicle, who, stream),
								"step {}: {:?}; vehicle {} account {} stream {:?}",
								step, action, vehicle, who, stream
							);
						}
					}
				}
			}
			Ok(())
		})?;
	}
}
