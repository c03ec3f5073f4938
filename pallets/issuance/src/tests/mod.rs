//! Unit tests of the issuance: the schedule, the split and its rounding, the budgets, the
//! rewards and their claims, every error; and a property test against a plain model in
//! [`model`].

mod dteams;
mod model;
mod rewards;
mod schedule;
mod shares;
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

fn unpaid_budgets() -> Balance {
	UnpaidBudgets::<Test>::get()
}
