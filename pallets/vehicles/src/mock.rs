//! A test runtime with the vehicle registry and balances for its deposits.

use crate as pallet_vehicles;
pub use dimo_test_utils::accounts::{ALICE, BOB, CHARLIE, PAUPER};
use dimo_test_utils::{funded, mocks::MockCollectors, ExtBuilder};
use frame_support::{derive_impl, parameter_types};
use sp_runtime::testing::UintAuthorityId;

type Block = frame_system::mocking::MockBlock<Test>;

/// For how many blocks an offer to transfer a vehicle may be accepted.
pub const TRANSFER_OFFER_LIFETIME: u64 = 10;
/// What each funded account starts with.
pub const ENDOWMENT: u64 = 1_000_000;
/// The deposit for a vehicle.
pub const DEPOSIT: u64 = 100;
/// How long an ownership attestation may live.
pub const MAX_ATTESTATION_LIFETIME: u64 = 20;
/// Blocks for the owner of a vehicle got by a transfer to answer a reclaim.
pub const RECLAIM_ANSWER_PERIOD: u64 = 5;
/// A collector that the mock registry holds, and one it does not.
pub const COLLECTOR: UintAuthorityId = UintAuthorityId(7);
pub const UNREGISTERED_COLLECTOR: UintAuthorityId = UintAuthorityId(8);
/// How many vehicles an owner may have, and how many collectors a vehicle.
pub const MAX_VEHICLES: u32 = 4;
pub const MAX_COLLECTORS: u32 = 3;

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
	pub const VehicleDeposit: u64 = DEPOSIT;
}

impl pallet_vehicles::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type VehicleDeposit = VehicleDeposit;
	type MaxVehiclesPerOwner = frame_support::traits::ConstU32<MAX_VEHICLES>;
	type MaxCollectorsPerVehicle = frame_support::traits::ConstU32<MAX_COLLECTORS>;
	type MaxConsentSpans = frame_support::traits::ConstU32<{ 2 * MAX_COLLECTORS }>;
	type TransferOfferLifetime = frame_support::traits::ConstU64<TRANSFER_OFFER_LIFETIME>;
	type OnTransfer = ();
	type OnRetire = ();
	type CollectorId = UintAuthorityId;
	type Collectors = MockCollectors;
	type MaxAttestationLifetime = frame_support::traits::ConstU64<MAX_ATTESTATION_LIFETIME>;
	type ReclaimAnswerPeriod = frame_support::traits::ConstU64<RECLAIM_ANSWER_PERIOD>;
	type DisputeOrigin = frame_system::EnsureRoot<u64>;
	type WeightInfo = ();
}

/// Genesis: Alice, Bob and Charlie funded, [`COLLECTOR`] in the collectors' registry (the
/// anchoring pallet's, mocked), at block 1 so that events are recorded.
pub fn new_test_ext() -> sp_io::TestExternalities {
	MockCollectors::reset([COLLECTOR.0]);
	ExtBuilder::<Test>::default().with(funded::<Test>([ALICE, BOB, CHARLIE], ENDOWMENT)).build()
}

/// Runs a test in a fresh genesis and checks the registry's invariants after it.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		body();
		Vehicles::do_try_state().expect("the registry's invariants hold");
	});
}

/// `collector`'s attestation that `owner` controls the car `(oem, reference)` until
/// `expires_at`, signed over the documented payload.
pub fn attestation(
	collector: UintAuthorityId,
	oem: dimo_primitives::vehicle::OemId,
	reference: sp_core::H256,
	owner: u64,
	expires_at: u64,
) -> crate::AttestationOf<Test> {
	use sp_runtime::RuntimeAppPublic;
	let genesis = System::block_hash(0);
	let payload = dimo_primitives::ownership::ownership_payload(
		&genesis,
		oem,
		&reference,
		&owner,
		&expires_at,
	);
	let signature = collector.sign(&payload).expect("test keys sign");
	crate::OwnershipAttestation { collector, expires_at, signature }
}

/// Advances to block `n`, running the pallets' hooks.
pub fn run_to_block(n: u64) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}
