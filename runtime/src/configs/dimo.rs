//! DIMO's own pallets: the vehicle registry, the access lists and the issuance.
//!
//! The pallets meet only here, through the traits of `dimo_primitives`: the access lists and
//! the issuance ask the registry who owns a vehicle
//! ([`VehicleRegistry`](dimo_primitives::vehicle::VehicleRegistry)); the registry tells the
//! issuance of transfers ([`OnVehicleTransfer`](dimo_primitives::rewards::OnVehicleTransfer));
//! the access lists tell it the demand for a vehicle's data
//! ([`DataDemand`](dimo_primitives::rewards::DataDemand)).

use frame_support::{parameter_types, traits::ConstU32, PalletId};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

use super::super::{
	AccountId, Balances, DataAccess, Issuance, Runtime, RuntimeHoldReason, Vehicles, DIMO,
	MILLI_DIMO,
};
use dimo_primitives::{time::DAYS, Balance};

parameter_types! {
	/// The deposit for a registered vehicle: its record, its place in its owner's list and
	/// its OEM reference index take about 300 bytes. Released when the vehicle is retired.
	pub const VehicleDeposit: Balance = 500 * MILLI_DIMO;
	/// The deposit for one (vehicle, grantee) entry of an access list (about 200 bytes).
	/// Released when the entry is revoked or removed as expired.
	pub const GrantDeposit: Balance = 100 * MILLI_DIMO;
}

impl pallet_vehicles::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type VehicleDeposit = VehicleDeposit;
	/// A fleet operator may own many vehicles; more need more accounts.
	type MaxVehiclesPerOwner = ConstU32<1_000>;
	/// Phase 1.0 runs few collectors.
	type MaxCollectorsPerVehicle = ConstU32<8>;
	type OnTransfer = Issuance;
	type WeightInfo = pallet_vehicles::weights::SubstrateWeight<Runtime>;
}

impl pallet_data_access::Config for Runtime {
	type Vehicles = Vehicles;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type GrantDeposit = GrantDeposit;
	type MaxGranteesPerVehicle = ConstU32<100>;
	type MaxAdminsPerVehicle = ConstU32<8>;
	type MaxBatch = ConstU32<50>;
	type WeightInfo = pallet_data_access::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The account that holds the DAO pot, the dTeams' budgets and the unclaimed rewards.
	pub const IssuancePalletId: PalletId = PalletId(*b"dimo/iss");
	/// Up to ten times DIMO's first-year emission per epoch.
	pub const MaxEpochEmission: Balance = 11_050_000 * DIMO;
	/// Up to twice DIMO's cap.
	pub const MaxSupplyCap: Balance = 2_000_000_000 * DIMO;
	/// At most half the emission gone at one decay.
	pub const MaxDecay: Perbill = Perbill::from_percent(50);
}

/// Governance: the root origin, which only a passed referendum (pallet-democracy, enacted by
/// the scheduler) has on the testnet; sudo has it too on the dev chain.
type Governance = EnsureRoot<AccountId>;

impl pallet_issuance::Config for Runtime {
	type Currency = Balances;
	type Vehicles = Vehicles;
	type Demand = DataAccess;
	type AdminOrigin = Governance;
	/// The anchors report activity through the trait (pallets/anchoring, issue 6); by hand,
	/// only governance attests it.
	type ActivityOrigin = Governance;
	type PalletId = IssuancePalletId;
	/// Ten blocks: one minute. Long enough for a dev chain to show an epoch close.
	type MinEpochLength = ConstU32<10>;
	/// Four weeks.
	type MaxEpochLength = ConstU32<{ 28 * DAYS }>;
	type MaxEpochEmission = MaxEpochEmission;
	type MaxSupplyCap = MaxSupplyCap;
	type MaxDecay = MaxDecay;
	type MaxRewardedGrants = ConstU32<20>;
	/// A year of weekly epochs.
	type MaxClaimWindow = ConstU32<52>;
	type MaxDTeams = ConstU32<16>;
	type MaxDTeamNameLen = ConstU32<64>;
	type MaxActivityBatch = ConstU32<100>;
	type MaxReapBatch = ConstU32<100>;
	type WeightInfo = pallet_issuance::weights::SubstrateWeight<Runtime>;
}
