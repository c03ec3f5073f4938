//! The kinds of carmaker API that DIMO Chain knows: the one list that governance registers OEM
//! sources with, that the collector's adapters are chosen by, that the node's RPC names, and
//! that the OEM simulator speaks.
//!
//! Adding a carmaker's API takes a variant here (with its name in [`OemApi::name`] and its
//! place in [`OemApi::ALL`]), its adapter file in `dimo_offchain::oem` (and its line in the
//! table `dimo_offchain::oem::adapter`) and, for dev and tests, its file in the OEM simulator
//! (and its line in the simulator's table). The dev genesis, the dev seed and the performance
//! harness take the list from [`OemApi::ALL`]. The tests here and there fail if a piece is
//! missing.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The shape of an OEM's API: which adapter of the offchain worker speaks to it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Hash,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
// Serialized by its name (`tesla`, `highmobility`): chain specs, the simulator's JSON and
// `OemApi::name` spell a kind the same way.
#[serde(rename_all = "lowercase")]
pub enum OemApi {
	/// The Tesla Fleet API.
	Tesla,
	/// Smartcar's API, which fronts many carmakers.
	Smartcar,
	/// High Mobility's API, another aggregator of carmakers' data.
	HighMobility,
}

impl OemApi {
	/// Every kind, in the order of their SCALE indices.
	pub const ALL: [OemApi; 3] = [OemApi::Tesla, OemApi::Smartcar, OemApi::HighMobility];

	/// The kind's name: lowercase ASCII, what records, logs, the RPC and the simulator's URLs use.
	pub const fn name(self) -> &'static str {
		match self {
			OemApi::Tesla => "tesla",
			OemApi::Smartcar => "smartcar",
			OemApi::HighMobility => "highmobility",
		}
	}

	/// The kind named `name` ([`OemApi::name`]).
	pub fn from_name(name: &str) -> Option<Self> {
		Self::ALL.into_iter().find(|api| api.name() == name)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use scale_info::TypeDef;

	#[test]
	fn all_lists_every_variant_in_index_order() {
		// The type's own metadata lists its variants: a variant missing from `ALL` fails here.
		let TypeDef::Variant(variants) = OemApi::type_info().type_def else {
			unreachable!("OemApi is an enum")
		};
		assert_eq!(variants.variants.len(), OemApi::ALL.len());
		for (index, api) in OemApi::ALL.into_iter().enumerate() {
			assert_eq!(api.encode(), [index as u8].to_vec());
			assert_eq!(variants.variants[index].name, alloc::format!("{api:?}"));
		}
	}

	#[test]
	fn names_are_distinct_lowercase_and_round_trip() {
		for api in OemApi::ALL {
			assert!(api.name().bytes().all(|b| b.is_ascii_lowercase()), "{api:?}");
			assert_eq!(OemApi::from_name(api.name()), Some(api));
			assert_eq!(OemApi::ALL.iter().filter(|other| other.name() == api.name()).count(), 1);
		}
		assert_eq!(OemApi::from_name("Tesla"), None);
	}
}
