//! DIMO's own pallets: the vehicle registry and the access lists.
//!
//! The access lists ask the registry who owns a vehicle through
//! [`VehicleRegistry`](dimo_primitives::vehicle::VehicleRegistry): `type Vehicles = Vehicles`
//! below is the only place where the two pallets meet.

use frame_support::{parameter_types, traits::ConstU32};

use super::super::{Balances, Runtime, RuntimeHoldReason, Vehicles, MILLI_DIMO};
use dimo_primitives::Balance;

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
