//! A test runtime with the issuance, the real vehicle registry and access lists behind its
//! traits, and balances in DIMO's 18 decimals.

use crate as pallet_issuance;
use crate::*;
use dimo_primitives::currency::DIMO;
pub use dimo_test_utils::accounts::{ALICE, BOB, CHARLIE, DAVE};
use dimo_test_utils::{funded, ExtBuilder};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

type Block = frame_system::mocking::MockBlock<Test>;

/// Each funded account's genesis balance.
pub const ENDOWMENT: Balance = 1_000 * DIMO;
pub const EXISTENTIAL_DEPOSIT: Balance = DIMO / 100;
/// The epoch length of the tests, in blocks.
pub const EPOCH: u64 = 10;
/// The emission per epoch of the tests.
pub const EMISSION: Balance = 1_105_000 * DIMO;
pub const MAX_DTEAMS: u32 = 4;
pub const MAX_BATCH: u32 = 8;

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
	pub type Vehicles = pallet_vehicles;
	#[runtime::pallet_index(3)]
	pub type DataAccess = pallet_data_access;
	#[runtime::pallet_index(4)]
	pub type Issuance = pallet_issuance;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ExistentialDeposit;
	type AccountStore = System;
}

parameter_types! {
	pub const ExistentialDeposit: Balance = EXISTENTIAL_DEPOSIT;
	pub const VehicleDeposit: Balance = DIMO / 2;
	pub const GrantDeposit: Balance = DIMO / 10;
	pub const MaxEpochEmission: Balance = 10_000_000 * DIMO;
	pub const MaxSupplyCap: Balance = 10_000_000_000 * DIMO;
	pub const MaxDecay: Perbill = Perbill::from_percent(50);
}

#[derive_impl(pallet_vehicles::config_preludes::TestDefaultConfig)]
impl pallet_vehicles::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type VehicleDeposit = VehicleDeposit;
	type MaxVehiclesPerOwner = ConstU32<16>;
	type OnTransfer = Issuance;
	type OnRetire = (DataAccess, Issuance);
}

impl pallet_data_access::Config for Test {
	type Vehicles = Vehicles;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type GrantDeposit = GrantDeposit;
	type KeyDeposit = GrantDeposit;
	type MaxGranteesPerVehicle = ConstU32<10>;
	type MaxAdminsPerVehicle = ConstU32<2>;
	type MaxBatch = ConstU32<10>;
	type ConsumerOrigin = frame_system::EnsureRoot<u64>;
	type MaxDataConsumers = ConstU32<16>;
	type WeightInfo = ();
}

impl pallet_issuance::Config for Test {
	type Currency = Balances;
	type Vehicles = Vehicles;
	type Demand = DataAccess;
	type AdminOrigin = EnsureRoot<u64>;
	type ActivityOrigin = EnsureRoot<u64>;
	type MinEpochLength = ConstU64<2>;
	type MaxEpochLength = ConstU64<1_000_000>;
	type MaxEpochEmission = MaxEpochEmission;
	type MaxSupplyCap = MaxSupplyCap;
	type MaxDecay = MaxDecay;
	type MaxRewardedGrants = ConstU32<10>;
	type MaxClaimWindow = ConstU32<52>;
	type MaxDTeams = ConstU32<MAX_DTEAMS>;
	type MaxDTeamNameLen = ConstU32<32>;
	type MaxActivityBatch = ConstU32<MAX_BATCH>;
	type MaxReapBatch = ConstU32<MAX_BATCH>;
	type WeightInfo = ();
}

/// The schedule of the tests: DIMO's, with 10-block epochs.
pub fn test_schedule() -> Schedule<u64> {
	Schedule {
		epoch_length: EPOCH,
		epochs_per_decay: 52,
		decay: Perbill::from_percent(15),
		supply_cap: DEFAULT_SUPPLY_CAP,
	}
}

/// A genesis with `schedule`, Alice to Dave funded, at block 1 so that events are recorded.
pub fn new_test_ext_with(
	schedule: Schedule<u64>,
	reward_params: RewardParams,
) -> sp_io::TestExternalities {
	ExtBuilder::<Test>::default()
		.with(funded::<Test>([ALICE, BOB, CHARLIE, DAVE], ENDOWMENT))
		.with(pallet_issuance::GenesisConfig::<Test> {
			schedule: Some(schedule),
			epoch_emission: Some(EMISSION),
			shares: None,
			reward_params: Some(reward_params),
		})
		.build()
}

/// Runs a test in the default genesis and checks the invariants of the pallets after it.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		body();
		Issuance::do_try_state().expect("the issuance's invariants hold");
		DataAccess::do_try_state().expect("the access lists' invariants hold");
		Vehicles::do_try_state().expect("the registry's invariants hold");
	});
}

/// Advances to block `n`, running every hook.
pub fn run_to_block(n: u64) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}

/// Advances to the first block of the next epoch: the epoch in progress closes.
pub fn close_epoch() {
	run_to_block(Issuance::next_epoch_at());
}

/// The default genesis of the tests.
pub fn new_test_ext() -> sp_io::TestExternalities {
	new_test_ext_with(test_schedule(), DEFAULT_REWARD_PARAMS)
}
