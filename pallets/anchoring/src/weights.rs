//! Provisional weights for `pallet_anchoring`, until `scripts/benchmark.sh pallet_anchoring`
//! generates this file.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// The weight of each call of `pallet_anchoring`.
pub trait WeightInfo {
	fn register_collector() -> Weight;
	fn remove_collector() -> Weight;
	fn set_oem_source() -> Weight;
	fn remove_oem_source() -> Weight;
	fn authorize_anchor_batch(n: u32, ) -> Weight;
	fn anchor_batch(n: u32, ) -> Weight;
}

/// Provisional: the same as `()` until the benchmark CLI writes this file.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_collector() -> Weight { <() as WeightInfo>::register_collector() }
	fn remove_collector() -> Weight { <() as WeightInfo>::remove_collector() }
	fn set_oem_source() -> Weight { <() as WeightInfo>::set_oem_source() }
	fn remove_oem_source() -> Weight { <() as WeightInfo>::remove_oem_source() }
	fn authorize_anchor_batch(n: u32, ) -> Weight { <() as WeightInfo>::authorize_anchor_batch(n) }
	fn anchor_batch(n: u32, ) -> Weight { <() as WeightInfo>::anchor_batch(n) }
}

impl WeightInfo for () {
	fn register_collector() -> Weight { Weight::from_parts(50_000_000, 3_000).saturating_add(ParityDbWeight::get().reads_writes(3, 2)) }
	fn remove_collector() -> Weight { Weight::from_parts(50_000_000, 3_000).saturating_add(ParityDbWeight::get().reads_writes(2, 2)) }
	fn set_oem_source() -> Weight { Weight::from_parts(50_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(3, 2)) }
	fn remove_oem_source() -> Weight { Weight::from_parts(50_000_000, 4_000).saturating_add(ParityDbWeight::get().reads_writes(2, 2)) }
	fn authorize_anchor_batch(n: u32, ) -> Weight { Weight::from_parts(100_000_000, 5_000).saturating_add(Weight::from_parts(50_000_000, 8_000).saturating_mul(n.into())).saturating_add(ParityDbWeight::get().reads(2)).saturating_add(ParityDbWeight::get().reads((5_u64).saturating_mul(n.into()))) }
	fn anchor_batch(n: u32, ) -> Weight { Weight::from_parts(100_000_000, 5_000).saturating_add(Weight::from_parts(80_000_000, 10_000).saturating_mul(n.into())).saturating_add(ParityDbWeight::get().reads(2)).saturating_add(ParityDbWeight::get().reads((6_u64).saturating_mul(n.into()))).saturating_add(ParityDbWeight::get().writes((4_u64).saturating_mul(n.into()))) }
}
