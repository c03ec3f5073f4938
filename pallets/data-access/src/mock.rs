//! A test runtime with the access lists, the real vehicle registry behind
//! [`VehicleRegistry`](dimo_primitives::vehicle::VehicleRegistry), and balances for deposits.

use crate as pallet_data_access;
pub use dimo_test_utils::accounts::{ALICE, BOB, CHARLIE, DAVE, PAUPER};
use dimo_test_utils::{funded, ExtBuilder};
use frame_support::{derive_impl, parameter_types, traits::ConstU32};

type Block = frame_system::mocking::MockBlock<Test>;

pub const ENDOWMENT: u64 = 1_000_000;
pub const VEHICLE_DEPOSIT: u64 = 100;
pub const GRANT_DEPOSIT: u64 = 10;
/// The deposit of a published encryption key.
pub const KEY_DEPOSIT: u64 = 30;
pub const MAX_GRANTEES: u32 = 5;
pub const MAX_ADMINS: u32 = 2;
pub const MAX_BATCH: u32 = 4;
pub const MAX_DATA_CONSUMERS: u32 = 8;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type VehicleRegistry = pallet_vehicles;
	#[runtime::pallet_index(3)]
	pub type DataAccess = pallet_data_access;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

parameter_types! {
	pub const VehicleDeposit: u64 = VEHICLE_DEPOSIT;
	pub const GrantDeposit: u64 = GRANT_DEPOSIT;
	pub const KeyDeposit: u64 = KEY_DEPOSIT;
}

#[derive_impl(pallet_vehicles::config_preludes::TestDefaultConfig)]
impl pallet_vehicles::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type VehicleDeposit = VehicleDeposit;
	type OnRetire = DataAccess;
}

impl pallet_data_access::Config for Test {
	type Vehicles = VehicleRegistry;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type GrantDeposit = GrantDeposit;
	type KeyDeposit = KeyDeposit;
	type MaxGranteesPerVehicle = ConstU32<MAX_GRANTEES>;
	type MaxAdminsPerVehicle = ConstU32<MAX_ADMINS>;
	type MaxBatch = ConstU32<MAX_BATCH>;
	type ConsumerOrigin = frame_system::EnsureRoot<u64>;
	type MaxDataConsumers = ConstU32<MAX_DATA_CONSUMERS>;
	type WeightInfo = ();
}

/// Genesis: Alice, Bob, Charlie and Dave funded, at block 1 so that events are recorded.
pub fn new_test_ext() -> sp_io::TestExternalities {
	ExtBuilder::<Test>::default()
		.with(funded::<Test>([ALICE, BOB, CHARLIE, DAVE], ENDOWMENT))
		.build()
}

/// Runs a test in a fresh genesis and checks the invariants of both pallets after it.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		body();
		DataAccess::do_try_state().expect("the access lists' invariants hold");
		VehicleRegistry::do_try_state().expect("the registry's invariants hold");
	});
}

/// Advances to block `n`.
pub fn run_to_block(n: u64) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}
