//! Vehicles, their data streams and where their data may be stored, and the traits through
//! which the pallets that deal with vehicles talk to each other.
//!
//! The vehicle registry (pallets/vehicles) owns vehicles and their owners' consent; the access
//! lists (pallets/data-access), the anchors (pallets/anchoring) and the rewards
//! (pallets/issuance) only need to ask it questions. They ask through [`VehicleRegistry`] and
//! [`ConsentProvider`], so that each pallet can be tested against a plain implementation and
//! none depends on how another lays out its storage.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The id of a vehicle, assigned by the chain when the vehicle is registered and never reused.
pub type VehicleId = u64;

/// The id of a carmaker (OEM) whose API a collector polls: Tesla, Ford, ... Governance keeps
/// the registry of OEM sources (pallets/anchoring); the vehicle registry stores only the id.
pub type OemId = u32;

/// Where the collector may put a vehicle's data blobs. The owner chooses; the chain only ever
/// holds a blob's content id.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum StorageBackend {
	/// Nothing leaves the collector: it keeps the readings itself (for its
	/// `--collector-keep-days`) and only their content hashes are anchored. The default, so
	/// that no data leaves the collector before the owner says where it goes.
	#[default]
	Local,
	/// The blob is added to IPFS (CIDv1, raw codec, sha2-256) and pinned.
	Ipfs,
	/// The blob is stored on Arweave.
	Arweave,
}

impl StorageBackend {
	/// The backend's name as the JSON-RPC methods print it.
	pub const fn name(self) -> &'static str {
		match self {
			Self::Local => "local",
			Self::Ipfs => "ipfs",
			Self::Arweave => "arweave",
		}
	}
}

/// A stream of a vehicle's data that an owner may let someone read.
///
/// The set follows DIMO's vehicle privileges, with names instead of the hexadecimal bit masks
/// that DIMO's users have to decode: every public interface of the chain (calls, events,
/// runtime APIs, JSON-RPC) names the stream.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Stream {
	/// Every signal except location: odometer, speed, battery, tyre pressure, ...
	NonLocationData,
	/// Where the vehicle is now.
	CurrentLocation,
	/// Where the vehicle has been: its whole location history.
	AllTimeLocation,
	/// Where the vehicle is, rounded to a coarse grid (e.g. for insurance by region).
	ApproximateLocation,
	/// A live subscription: readings pushed as they arrive, not only queried.
	LiveDataSubscription,
	/// The OEM's responses as collected, before they are normalised.
	RawData,
	/// The verifiable credential that proves the vehicle's VIN.
	VinCredential,
}

impl Stream {
	/// Every stream, in the order of their encoding.
	pub const ALL: [Stream; 7] = [
		Self::NonLocationData,
		Self::CurrentLocation,
		Self::AllTimeLocation,
		Self::ApproximateLocation,
		Self::LiveDataSubscription,
		Self::RawData,
		Self::VinCredential,
	];

	/// The number of streams: a bound for sets of streams.
	pub const COUNT: u32 = Self::ALL.len() as u32;

	/// The stream's name as the JSON-RPC methods print and accept it.
	pub const fn name(self) -> &'static str {
		match self {
			Self::NonLocationData => "nonLocationData",
			Self::CurrentLocation => "currentLocation",
			Self::AllTimeLocation => "allTimeLocation",
			Self::ApproximateLocation => "approximateLocation",
			Self::LiveDataSubscription => "liveDataSubscription",
			Self::RawData => "rawData",
			Self::VinCredential => "vinCredential",
		}
	}

	/// The stream with this [`name`](Self::name), if there is one.
	pub fn from_name(name: &str) -> Option<Self> {
		Self::ALL.into_iter().find(|stream| stream.name() == name)
	}
}

/// Who owns a vehicle now, and how many times it has changed hands.
///
/// `transfers` is the vehicle's ownership version: every transfer increments it, and whatever
/// another pallet keyed to the old owner (an access grant, for example) records the version it
/// was made under. A record whose version differs from the current one reads as absent, so
/// that a transfer wipes all of them at once, with no loop over them.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Ownership<AccountId> {
	/// The owner.
	pub owner: AccountId,
	/// The number of times the vehicle has been transferred since it was registered.
	pub transfers: u32,
}

/// The registry of vehicles, as the other pallets see it.
pub trait VehicleRegistry<AccountId> {
	/// The owner and ownership version of `vehicle`, or `None` if no such vehicle is
	/// registered (never was, or was retired).
	fn ownership(vehicle: VehicleId) -> Option<Ownership<AccountId>>;

	/// The owner of `vehicle`, if it is registered.
	fn owner_of(vehicle: VehicleId) -> Option<AccountId> {
		Self::ownership(vehicle).map(|ownership| ownership.owner)
	}

	/// The carmaker of `vehicle` and the hash (blake2-256) of the carmaker's own id of it, if
	/// it is registered: what a collector checks the credentials it holds against, so that it
	/// never anchors one car's data under another's id.
	fn oem_reference(vehicle: VehicleId) -> Option<(OemId, sp_core::H256)>;

	/// The vehicle registered as the carmaker `oem`'s car whose own id hashes (blake2-256) to
	/// `oem_ref_hash`, if any: how a collector names the vehicle of a reading that the carmaker
	/// pushed, which carries the carmaker's id of the car, not the chain's.
	fn vehicle_by_reference(oem: OemId, oem_ref_hash: sp_core::H256) -> Option<VehicleId>;

	/// Registers a vehicle owned by `owner`, funding whatever deposit it needs, so that the
	/// benchmarks of other pallets can build their worst case.
	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmark(owner: &AccountId) -> VehicleId;

	/// Transfers `vehicle` to `new_owner`, for the benchmarks of other pallets.
	#[cfg(feature = "runtime-benchmarks")]
	fn transfer_for_benchmark(vehicle: VehicleId, new_owner: &AccountId);
}

/// Told when a vehicle is retired, after the registry has removed it: each pallet that keeps
/// state about a vehicle removes it here, so that retiring (which returns the deposit) leaves
/// nothing behind. Bounded work: one storage value per vehicle, or a prefix bounded by a
/// constant.
///
/// Implemented for tuples, so that the runtime names every pallet that holds such state.
pub trait OnVehicleRetired {
	/// `vehicle` was retired: remove what is kept about it.
	fn on_vehicle_retired(vehicle: VehicleId);

	/// The most that one [`on_vehicle_retired`](Self::on_vehicle_retired) costs, for the
	/// weight of `retire`.
	fn on_vehicle_retired_weight() -> sp_runtime::Weight;
}

impl OnVehicleRetired for () {
	fn on_vehicle_retired(_: VehicleId) {}

	fn on_vehicle_retired_weight() -> sp_runtime::Weight {
		sp_runtime::Weight::zero()
	}
}

macro_rules! on_vehicle_retired_for_tuple {
	($($name:ident),+) => {
		impl<$($name: OnVehicleRetired),+> OnVehicleRetired for ($($name,)+) {
			fn on_vehicle_retired(vehicle: VehicleId) {
				$($name::on_vehicle_retired(vehicle);)+
			}

			fn on_vehicle_retired_weight() -> sp_runtime::Weight {
				sp_runtime::Weight::zero()$(.saturating_add($name::on_vehicle_retired_weight()))+
			}
		}
	};
}
on_vehicle_retired_for_tuple!(A);
on_vehicle_retired_for_tuple!(A, B);
on_vehicle_retired_for_tuple!(A, B, C);
on_vehicle_retired_for_tuple!(A, B, C, D);

/// Who may read some stream of a vehicle's data at a block, as a collector needs to know it to
/// re-key: each class of a reading's signals is sealed under its own content key, rotated when
/// the readers of that class change, and wrapped to each reader's published encryption key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Readers<AccountId> {
	/// The owner, who reads every stream.
	pub owner: AccountId,
	/// The streams anyone may read now.
	pub public: alloc::vec::Vec<Stream>,
	/// The accounts granted at least one stream that has not expired, with those streams.
	pub grantees: alloc::vec::Vec<GranteeReader<AccountId>>,
	/// The encryption key the owner published, if it did: what the collector wraps each
	/// content key to, so that the owner opens stored data without the collector.
	pub owner_key: Option<crate::encryption::EncryptionKey>,
}

/// A grantee, as a collector needs to know it: the streams it may read now and the encryption
/// key it published (if it did), which the content keys of those streams are wrapped to.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GranteeReader<AccountId> {
	/// The grantee.
	pub account: AccountId,
	/// The streams it may read now (none expired).
	pub streams: alloc::vec::Vec<Stream>,
	/// The encryption key it published, if it did.
	pub key: Option<crate::encryption::EncryptionKey>,
}

/// The access lists, as a collector sees them (pallets/data-access implements it).
pub trait DataReaders<AccountId> {
	/// Who may read some stream of `vehicle` now; `None` if no such vehicle is registered.
	fn readers(vehicle: VehicleId) -> Option<Readers<AccountId>>;
}

/// Whether an owner's consent held at some past block, as the registry's bounded history of
/// consents can tell.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum PastConsent {
	/// The owner consented to the collector, with this backend, at that block.
	Given,
	/// The owner had not consented to it (or not with this backend) at that block.
	NotGiven,
	/// The history no longer reaches back to that block (the owner changed consents more
	/// often since than the registry keeps), and what it keeps does not show the consent.
	Forgotten,
}

/// What the owner of a vehicle consented to about collecting its data.
pub trait ConsentProvider<AccountId, BlockNumber> {
	/// Whether `collector` may collect the data of `vehicle` at block `at`.
	fn may_collect(vehicle: VehicleId, collector: &AccountId, at: BlockNumber) -> bool;

	/// Where the data of `vehicle` may be stored, if the vehicle is registered.
	fn storage_backend(vehicle: VehicleId) -> Option<StorageBackend>;

	/// Whether, at block `at` (now or earlier), the owner of `vehicle` let `collector` collect
	/// its data and store it on `backend`: what a proof of a committed record is checked
	/// against, long after the commitment, when the consent may have changed since.
	fn consent_at(
		vehicle: VehicleId,
		collector: &AccountId,
		backend: StorageBackend,
		at: BlockNumber,
	) -> PastConsent;

	/// Makes the owner of `vehicle` consent to `collector` with no expiry, filling its other
	/// consent slots first so that [`may_collect`](Self::may_collect) reads the most, and
	/// choose `backend`: for the benchmarks of other pallets.
	#[cfg(feature = "runtime-benchmarks")]
	fn consent_for_benchmark(vehicle: VehicleId, collector: &AccountId, backend: StorageBackend);
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn stream_names_round_trip_and_are_distinct() {
		for stream in Stream::ALL {
			assert_eq!(Stream::from_name(stream.name()), Some(stream));
		}
		let mut names: alloc::vec::Vec<_> = Stream::ALL.iter().map(|s| s.name()).collect();
		names.sort_unstable();
		names.dedup();
		assert_eq!(names.len(), Stream::ALL.len());
		assert_eq!(Stream::from_name("location"), None);
	}

	#[test]
	fn streams_encode_as_their_index() {
		for (index, stream) in Stream::ALL.into_iter().enumerate() {
			assert_eq!(stream.encode(), alloc::vec![index as u8]);
		}
		assert_eq!(Stream::COUNT, 7);
	}

	#[test]
	fn the_default_backend_uploads_nothing() {
		assert_eq!(StorageBackend::default(), StorageBackend::Local);
	}
}
