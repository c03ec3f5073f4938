//! Weights for `pallet_validator_set`: placeholder until `scripts/benchmark.sh` generates them.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// The weight of each call of `pallet_validator_set`.
pub trait WeightInfo {
	fn add_validator() -> Weight;
	fn remove_validator() -> Weight;
	fn set_session_length() -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn add_validator() -> Weight { Weight::from_parts(50_000_000, 2_000).saturating_add(T::DbWeight::get().reads_writes(2, 2)) }
	fn remove_validator() -> Weight { Weight::from_parts(50_000_000, 2_000).saturating_add(T::DbWeight::get().reads_writes(1, 2)) }
	fn set_session_length() -> Weight { Weight::from_parts(20_000_000, 0).saturating_add(T::DbWeight::get().writes(1)) }
}

impl WeightInfo for () {
	fn add_validator() -> Weight { Weight::from_parts(50_000_000, 2_000).saturating_add(ParityDbWeight::get().reads_writes(2, 2)) }
	fn remove_validator() -> Weight { Weight::from_parts(50_000_000, 2_000).saturating_add(ParityDbWeight::get().reads_writes(1, 2)) }
	fn set_session_length() -> Weight { Weight::from_parts(20_000_000, 0).saturating_add(ParityDbWeight::get().writes(1)) }
}
