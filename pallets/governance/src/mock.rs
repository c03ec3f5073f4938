//! A test runtime with the governance timings.

use crate as pallet_governance;
use dimo_test_utils::ExtBuilder;
use frame_support::{derive_impl, traits::ConstU64};

type Block = frame_system::mocking::MockBlock<Test>;

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
	pub type Governance = pallet_governance;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_governance::Config for Test {
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type MinPeriod = ConstU64<5>;
	type MaxPeriod = ConstU64<1_000_000>;
	type WeightInfo = ();
}

/// An empty genesis at block 1, so that events are recorded.
pub fn new_test_ext() -> sp_io::TestExternalities {
	ExtBuilder::<Test>::default().build()
}
