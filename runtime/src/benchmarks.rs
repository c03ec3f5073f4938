//! The pallets the `benchmark pallet` command measures, with the instance it measures them on.

pub use frame_benchmarking::baseline::Pallet as BaselineBench;
pub use frame_system_benchmarking::Pallet as SystemBench;

use super::Runtime;

impl frame_benchmarking::baseline::Config for Runtime {}
impl frame_system_benchmarking::Config for Runtime {}

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_utility, Utility]
	[pallet_sudo, Sudo]
	[pallet_vehicles, Vehicles]
	[pallet_data_access, DataAccess]
	[pallet_issuance, Issuance]
	[pallet_anchoring, Anchoring]
	[pallet_governance, Governance]
	[pallet_validator_set, ValidatorSet]
	[pallet_assets, Assets]
	[pallet_preimage, Preimage]
	[pallet_scheduler, Scheduler]
	[pallet_democracy, Democracy]
	[pallet_collective, TechnicalCommittee]
);

pub use super::{
	Anchoring, Assets, Balances, DataAccess, Democracy, Governance, Issuance, Preimage, Scheduler,
	Sudo, TechnicalCommittee, Timestamp, Utility, ValidatorSet, Vehicles,
};
