//! Provisional weights for `pallet_vehicles`, to be replaced by `scripts/benchmark.sh`, which
//! generates this file from the benchmarks with the benchmark CLI of `dimo-node`.

#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, Weight},
};

/// The weight of each call of `pallet_vehicles`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn transfer() -> Weight;
	fn retire() -> Weight;
	fn authorize_collector() -> Weight;
	fn revoke_collector() -> Weight;
	fn set_storage() -> Weight;
}

/// Weights with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(5, 5))
	}
	fn transfer() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(3, 4))
	}
	fn retire() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(4, 5))
	}
	fn authorize_collector() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}
	fn revoke_collector() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}
	fn set_storage() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
}

/// The same with ParityDB's database weights, for tests.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads_writes(5, 5))
	}
	fn transfer() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads_writes(3, 4))
	}
	fn retire() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads_writes(4, 5))
	}
	fn authorize_collector() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads_writes(2, 1))
	}
	fn revoke_collector() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads_writes(2, 1))
	}
	fn set_storage() -> Weight {
		Weight::from_parts(100_000_000, 10_000)
			.saturating_add(ParityDbWeight::get().reads_writes(1, 1))
	}
}
