//! Weights for `pallet_issuance`.
//!
//! Provisional: written by hand from the storage each call touches, until
//! `scripts/benchmark.sh pallet_issuance` replaces this file with measured figures.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// The weight of each call of `pallet_issuance`, and of its hooks.
pub trait WeightInfo {
	fn claim() -> Weight;
	fn spend() -> Weight;
	fn spend_dao() -> Weight;
	fn create_dteam() -> Weight;
	fn update_dteam() -> Weight;
	fn close_dteam() -> Weight;
	fn set_schedule() -> Weight;
	fn set_epoch_emission() -> Weight;
	fn set_shares() -> Weight;
	fn set_reward_params() -> Weight;
	fn record_activity(n: u32, ) -> Weight;
	fn note_active() -> Weight;
	fn on_vehicle_transfer() -> Weight;
	fn on_initialize_idle() -> Weight;
	fn on_initialize_epoch_boundary(t: u32, ) -> Weight;
}

/// Weights measured on the reference machine, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn claim() -> Weight {
		Weight::from_parts(200_000_000, 6000)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	fn spend() -> Weight {
		Weight::from_parts(200_000_000, 6000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn spend_dao() -> Weight {
		Weight::from_parts(200_000_000, 6000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn create_dteam() -> Weight {
		Weight::from_parts(100_000_000, 4000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	fn update_dteam() -> Weight {
		Weight::from_parts(100_000_000, 4000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn close_dteam() -> Weight {
		Weight::from_parts(100_000_000, 4000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	fn set_schedule() -> Weight {
		Weight::from_parts(50_000_000, 2000)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_epoch_emission() -> Weight {
		Weight::from_parts(50_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_shares() -> Weight {
		Weight::from_parts(50_000_000, 2000)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_reward_params() -> Weight {
		Weight::from_parts(50_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn record_activity(n: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 2000)
			.saturating_add(Weight::from_parts(200_000_000, 8000).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads((8_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes((4_u64).saturating_mul(n.into())))
	}
	fn note_active() -> Weight {
		Weight::from_parts(200_000_000, 8000)
			.saturating_add(T::DbWeight::get().reads(7_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	fn on_vehicle_transfer() -> Weight {
		Weight::from_parts(100_000_000, 6000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn on_initialize_idle() -> Weight {
		Weight::from_parts(20_000_000, 2000)
			.saturating_add(T::DbWeight::get().reads(2_u64))
	}
	fn on_initialize_epoch_boundary(t: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 10000)
			.saturating_add(Weight::from_parts(50_000_000, 3000).saturating_mul(t.into()))
			.saturating_add(T::DbWeight::get().reads(14_u64))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(t.into())))
			.saturating_add(T::DbWeight::get().writes(12_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(t.into())))
	}
}

// For tests: free.
impl WeightInfo for () {
	fn claim() -> Weight { Weight::zero() }
	fn spend() -> Weight { Weight::zero() }
	fn spend_dao() -> Weight { Weight::zero() }
	fn create_dteam() -> Weight { Weight::zero() }
	fn update_dteam() -> Weight { Weight::zero() }
	fn close_dteam() -> Weight { Weight::zero() }
	fn set_schedule() -> Weight { Weight::zero() }
	fn set_epoch_emission() -> Weight { Weight::zero() }
	fn set_shares() -> Weight { Weight::zero() }
	fn set_reward_params() -> Weight { Weight::zero() }
	fn record_activity(_n: u32, ) -> Weight { Weight::zero() }
	fn note_active() -> Weight { Weight::zero() }
	fn on_vehicle_transfer() -> Weight { Weight::zero() }
	fn on_initialize_idle() -> Weight { Weight::zero() }
	fn on_initialize_epoch_boundary(_t: u32, ) -> Weight { Weight::zero() }
}
