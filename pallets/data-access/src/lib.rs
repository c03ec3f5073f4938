//! # Data access pallet
//!
//! Who may read the live data of a vehicle: the access lists that owners keep.
//!
//! ## Overview
//!
//! The owner of a vehicle (pallets/vehicles) may:
//!
//! - [`grant`](Pallet::grant) an account read access to some [`Stream`]s of the vehicle, each
//!   stream until its own block or with no expiry, and [`grant_many`](Pallet::grant_many)
//!   accounts the same streams in one call;
//! - [`revoke`](Pallet::revoke) some streams, [`revoke_all`](Pallet::revoke_all) of them, or
//!   [`revoke_many`](Pallet::revoke_many) accounts' streams in one call;
//! - [`set_public`](Pallet::set_public) the streams that anyone may read;
//! - [`add_admin`](Pallet::add_admin) accounts that may grant and revoke on the owner's behalf
//!   (Streamr's GRANT permission), and [`remove_admin`](Pallet::remove_admin) them. Admins
//!   cannot make admins, nor make streams public.
//!
//! Anyone may [`remove_expired`](Pallet::remove_expired) an entry that no longer gives access,
//! and its deposit goes back to the account that paid it.
//!
//! Any account may [`set_encryption_key`](Pallet::set_encryption_key): publish the public key
//! (X25519 or ML-KEM-768, [`dimo_primitives::encryption`]) to which the keys that open stored
//! data are wrapped for it, replace it, or [`remove_encryption_key`](Pallet::remove_encryption_key)
//! it; a deposit is held while it is published.
//!
//! Governance ([`Config::ConsumerOrigin`]) [`add_data_consumer`](Pallet::add_data_consumer)s
//! and [`remove_data_consumer`](Pallet::remove_data_consumer)s the accounts whose grants count
//! as demand for a vehicle's data.
//!
//! ## Terminology
//!
//! - **Grant**: the entry of one (vehicle, grantee) pair: the streams the grantee may read and
//!   until when. A stream's expiry is the first block at which it may no longer be read.
//! - **Live**: a grant stream is live at block `n` if the vehicle has not changed hands since
//!   the grant was made and `n` is before the stream's expiry.
//!
//! ## Design
//!
//! - "May account A read stream S of vehicle V at block N?" is three storage reads, whatever
//!   the number of grants: the vehicle's ownership (through [`VehicleRegistry`]), its public
//!   streams, and the one (V, A) entry. See [`Pallet::can_read`].
//! - Expired streams read as absent everywhere, with no cleanup pass: every read compares the
//!   expiry with the block. Entries that hold nothing live any more are removed by anyone with
//!   [`remove_expired`](Pallet::remove_expired), which returns their deposit to their payer.
//! - A transfer of the vehicle wipes the old owner's grants, admins and public streams with no
//!   loop: each record stores the vehicle's ownership version when it was written (the number
//!   of transfers, [`dimo_primitives::vehicle::Ownership`]), and a record of another version
//!   reads as absent.
//! - Every entry costs its payer (the owner or admin that created it) a deposit: the list of a
//!   vehicle is bounded by [`Config::MaxGranteesPerVehicle`], but the number of vehicles is not,
//!   and state that anybody can grow must be paid for.
//! - Events carry the full new state of the (vehicle, grantee) pair, with named streams, so
//!   that an indexer needs no second query and nobody decodes a bit mask.
//! - **Demand is what registered data consumers hold.** The data-provider rewards
//!   (pallets/issuance) weigh a vehicle's points by the demand for its data. Counting every
//!   grant made that signal free to fake: an owner granted its own spare accounts, collected
//!   the bonus, revoked and got the deposits back. Only an entry made for a **data consumer**
//!   (an app or business that governance registered, as DIMO registers developer licences)
//!   counts ([`VersionedCount::consumers`]); an entry counts from its creation until its
//!   removal, and removing a consumer from the registry does not reach entries already
//!   made (their owners revoke them, or they expire).

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod functions;
pub use functions::may_read;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

use dimo_primitives::{
	encryption::EncryptionKey,
	vehicle::{Ownership, Stream, VehicleId, VehicleRegistry},
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::StaticLookup;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for the storage of a grant entry.
		#[codec(index = 0)]
		GrantDeposit,
		/// The deposit for a published encryption key.
		#[codec(index = 1)]
		KeyDeposit,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The registry of vehicles: who owns a vehicle, and its ownership version.
		type Vehicles: VehicleRegistry<Self::AccountId>;

		/// The currency that deposits are held in.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The deposit held from the account that creates a grant entry, released when the
		/// entry is removed.
		#[pallet::constant]
		type GrantDeposit: Get<BalanceOf<Self>>;

		/// The deposit held from an account while it publishes an encryption key (sized for the
		/// largest, ML-KEM-768's 1,184 bytes).
		#[pallet::constant]
		type KeyDeposit: Get<BalanceOf<Self>>;

		/// How many accounts may hold grants on one vehicle at a time.
		#[pallet::constant]
		type MaxGranteesPerVehicle: Get<u32>;

		/// How many admins one vehicle may have.
		#[pallet::constant]
		type MaxAdminsPerVehicle: Get<u32>;

		/// How many grantees one `grant_many` or `revoke_many` call may name.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// The origin that registers data consumers: governance.
		type ConsumerOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// How many data consumers may be registered at once.
		#[pallet::constant]
		type MaxDataConsumers: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The amount of the currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// A set of streams with their expiries, in this runtime's block numbers.
	pub type StreamAccessOf<T> = StreamAccess<BlockNumberFor<T>>;

	/// A grant entry, as stored.
	pub type GrantOf<T> =
		Grant<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	/// The admins of a vehicle, as stored.
	pub type AdminsOf<T> =
		AdminList<<T as frame_system::Config>::AccountId, <T as Config>::MaxAdminsPerVehicle>;

	/// The grantees of a vehicle, as stored.
	pub type GranteeListOf<T> =
		GranteeList<<T as frame_system::Config>::AccountId, <T as Config>::MaxGranteesPerVehicle>;

	/// A batch of grantees.
	pub type GranteesOf<T> =
		BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxBatch>;

	/// The grant entry of each (vehicle, grantee) pair.
	///
	/// `Twox64Concat` for the vehicle: ids are assigned by the chain. `Blake2_128Concat` for the
	/// grantee: accounts are chosen by users. Bounded per vehicle and ownership version by
	/// [`Config::MaxGranteesPerVehicle`] (see [`GranteeCount`]).
	#[pallet::storage]
	pub type Grants<T: Config> =
		StorageDoubleMap<_, Twox64Concat, VehicleId, Blake2_128Concat, T::AccountId, GrantOf<T>>;

	/// How many entries of [`Grants`] each vehicle has under its current ownership version.
	///
	/// An entry of an older version does not count: it reads as absent, and anyone may remove it.
	#[pallet::storage]
	pub type GranteeCount<T> = StorageMap<_, Twox64Concat, VehicleId, VersionedCount, ValueQuery>;

	/// The grantees of each vehicle under its current ownership version: what the access list
	/// (`dimo_grants`) walks, at most [`Config::MaxGranteesPerVehicle`] of them, never the
	/// entries of earlier owners that [`Grants`] may still hold. A list of another version
	/// reads as empty.
	#[pallet::storage]
	pub type CurrentGrantees<T: Config> = StorageMap<_, Twox64Concat, VehicleId, GranteeListOf<T>>;

	/// The accounts that may grant and revoke on behalf of each vehicle's owner.
	///
	/// Bounded by [`Config::MaxAdminsPerVehicle`].
	#[pallet::storage]
	pub type Admins<T: Config> = StorageMap<_, Twox64Concat, VehicleId, AdminsOf<T>>;

	/// The streams of each vehicle that anyone may read.
	#[pallet::storage]
	pub type PublicStreams<T: Config> =
		StorageMap<_, Twox64Concat, VehicleId, PublicAccess<BlockNumberFor<T>>>;

	/// The encryption key each account published, with the deposit held for it.
	///
	/// `Blake2_128Concat`: accounts are chosen by users. One per account, bounded by
	/// [`dimo_primitives::encryption::MAX_PUBLIC_KEY_LEN`].
	#[pallet::storage]
	pub type EncryptionKeys<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, PublishedKey<BalanceOf<T>>>;

	/// The data consumers that governance registered: grants to them count as demand.
	///
	/// `Blake2_128Concat`: accounts are chosen by users. Bounded by
	/// [`Config::MaxDataConsumers`] through its counter.
	#[pallet::storage]
	pub type DataConsumers<T: Config> = CountedStorageMap<_, Blake2_128Concat, T::AccountId, ()>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// What a grantee may read of a vehicle changed. `streams` is the full new state: the
		/// streams the grantee may read and until when (empty: nothing any more).
		AccessChanged {
			/// The vehicle.
			vehicle: VehicleId,
			/// The grantee.
			grantee: T::AccountId,
			/// Every stream the grantee may now read, with its expiry.
			streams: StreamAccessOf<T>,
			/// The owner or admin who made the change.
			by: T::AccountId,
		},
		/// The streams of a vehicle that anyone may read changed. `streams` is the full new set.
		PublicAccessChanged {
			/// The vehicle.
			vehicle: VehicleId,
			/// Every public stream, with its expiry.
			streams: StreamAccessOf<T>,
		},
		/// The owner made an account an admin of the vehicle.
		AdminAdded {
			/// The vehicle.
			vehicle: VehicleId,
			/// The new admin.
			admin: T::AccountId,
		},
		/// An admin of the vehicle was removed (by the owner, or by itself).
		AdminRemoved {
			/// The vehicle.
			vehicle: VehicleId,
			/// The former admin.
			admin: T::AccountId,
		},
		/// Governance registered a data consumer: grants made to it from now on count as
		/// demand.
		DataConsumerAdded {
			/// The consumer.
			consumer: T::AccountId,
		},
		/// Governance removed a data consumer: grants made to it from now on do not count.
		DataConsumerRemoved {
			/// The consumer.
			consumer: T::AccountId,
		},
		/// An account published (or replaced) the public key to which the keys of stored data
		/// are wrapped for it.
		EncryptionKeySet {
			/// The account.
			account: T::AccountId,
			/// The key now published.
			key: EncryptionKey,
		},
		/// An account withdrew its encryption key; its deposit was released.
		EncryptionKeyRemoved {
			/// The account.
			account: T::AccountId,
		},
		/// An entry that no longer gave access was removed and its deposit released.
		ExpiredGrantRemoved {
			/// The vehicle.
			vehicle: VehicleId,
			/// The grantee of the entry.
			grantee: T::AccountId,
			/// The account that paid the deposit and got it back.
			payer: T::AccountId,
			/// The deposit released.
			deposit: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No vehicle has this id. Check it with `dimo_vehicle`.
		UnknownVehicle,
		/// Only the vehicle's owner or one of its admins may grant and revoke.
		NotOwnerOrAdmin,
		/// Only the vehicle's owner may do this (make admins, make streams public).
		NotOwner,
		/// The owner reads every stream of its vehicle: it needs no grant.
		GrantToOwner,
		/// No stream was named. Name at least one.
		NoStreams,
		/// A stream was named twice in one call. Name each once.
		DuplicateStream,
		/// An expiry is not in the future. Give a later block, or none for no expiry.
		ExpiryNotInFuture,
		/// The grantee holds no grant on this vehicle (or only one made by a former owner).
		NotGranted,
		/// The vehicle already has as many grantees as it may (`MaxGranteesPerVehicle`).
		/// Revoke a grant, or remove expired entries with `remove_expired`.
		TooManyGrantees,
		/// The vehicle already has as many admins as it may (`MaxAdminsPerVehicle`).
		TooManyAdmins,
		/// The account is already an admin of the vehicle.
		AlreadyAdmin,
		/// The account is not an admin of the vehicle.
		NotAdmin,
		/// The owner is not made an admin of its own vehicle: it can do everything already.
		OwnerAsAdmin,
		/// The entry still gives access to a stream: only its owner or an admin may revoke it.
		GrantStillLive,
		/// The account is a registered data consumer already.
		AlreadyDataConsumer,
		/// The account is not a registered data consumer.
		NotDataConsumer,
		/// [`Config::MaxDataConsumers`] consumers are registered; remove one first.
		TooManyDataConsumers,
		/// The key is not as long as its scheme's keys (X25519: 32 bytes, ML-KEM-768: 1,184).
		BadKeyLength,
		/// The key is an X25519 point of small order: whatever is wrapped to it is open to all.
		WeakKey,
		/// The account has published no encryption key.
		NoEncryptionKey,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxGranteesPerVehicle::get() > 0, "a vehicle must admit a grantee");
			assert!(T::MaxBatch::get() > 0, "a batch must admit a grantee");
			assert!(
				T::MaxBatch::get() <= T::MaxGranteesPerVehicle::get(),
				"a batch larger than a vehicle's list could never succeed"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Let `grantee` read `streams` of `vehicle`, each until its own block (exclusive) or
		/// with no expiry. Streams already granted to the grantee get the new expiry; the
		/// others stay as they are. Signed by the owner or an admin, who pays the entry's
		/// deposit if the grantee had no entry.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwnerOrAdmin`],
		/// [`Error::GrantToOwner`], [`Error::NoStreams`], [`Error::DuplicateStream`],
		/// [`Error::ExpiryNotInFuture`], [`Error::TooManyGrantees`], or a token error if the
		/// deposit cannot be paid.
		///
		/// Emits [`Event::AccessChanged`] with the grantee's full new access.
		#[pallet::call_index(0)]
		pub fn grant(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			grantee: AccountIdLookupOf<T>,
			streams: StreamAccessOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let grantee = T::Lookup::lookup(grantee)?;
			Self::do_grant(&who, vehicle, core::iter::once(grantee), &streams)
		}

		/// Withdraw `streams` from what `grantee` may read of `vehicle`. An entry left with no
		/// stream is removed and its deposit released. Signed by the owner or an admin.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwnerOrAdmin`], [`Error::NoStreams`],
		/// [`Error::DuplicateStream`], [`Error::NotGranted`].
		///
		/// Emits [`Event::AccessChanged`] with the grantee's full new access.
		#[pallet::call_index(1)]
		pub fn revoke(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			grantee: AccountIdLookupOf<T>,
			streams: BoundedVec<Stream, MaxStreams>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let grantee = T::Lookup::lookup(grantee)?;
			Self::do_revoke(&who, vehicle, core::iter::once(grantee), Some(&streams))
		}

		/// Withdraw everything `grantee` may read of `vehicle`; the entry is removed and its
		/// deposit released. Signed by the owner or an admin.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwnerOrAdmin`], [`Error::NotGranted`].
		///
		/// Emits [`Event::AccessChanged`] with no streams.
		#[pallet::call_index(2)]
		pub fn revoke_all(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			grantee: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let grantee = T::Lookup::lookup(grantee)?;
			Self::do_revoke(&who, vehicle, core::iter::once(grantee), None)
		}

		/// [`grant`](Pallet::grant) the same `streams` to each of `grantees`, all or none.
		///
		/// Errors and events: those of `grant`, one event per grantee.
		#[pallet::call_index(3)]
		#[pallet::weight(<T as Config>::WeightInfo::grant_many(grantees.len() as u32))]
		pub fn grant_many(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			grantees: GranteesOf<T>,
			streams: StreamAccessOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_grant(&who, vehicle, grantees.into_iter(), &streams)
		}

		/// [`revoke`](Pallet::revoke) `streams` from each of `grantees`, all or none; with no
		/// streams named, [`revoke_all`](Pallet::revoke_all) of each grantee's streams.
		///
		/// Errors and events: those of `revoke`, one event per grantee.
		#[pallet::call_index(4)]
		#[pallet::weight(<T as Config>::WeightInfo::revoke_many(grantees.len() as u32))]
		pub fn revoke_many(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			grantees: GranteesOf<T>,
			streams: Option<BoundedVec<Stream, MaxStreams>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_revoke(&who, vehicle, grantees.into_iter(), streams.as_ref())
		}

		/// Set the streams of `vehicle` that anyone may read, each until its own block or with
		/// no expiry. Replaces the previous set; an empty set makes nothing public. Signed by
		/// the owner.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwner`], [`Error::DuplicateStream`],
		/// [`Error::ExpiryNotInFuture`].
		///
		/// Emits [`Event::PublicAccessChanged`].
		#[pallet::call_index(5)]
		pub fn set_public(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			streams: StreamAccessOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_public(&who, vehicle, streams)
		}

		/// Let `admin` grant and revoke on the owner's behalf. Signed by the owner: admins
		/// cannot make admins.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwner`], [`Error::OwnerAsAdmin`],
		/// [`Error::AlreadyAdmin`], [`Error::TooManyAdmins`].
		///
		/// Emits [`Event::AdminAdded`].
		#[pallet::call_index(6)]
		pub fn add_admin(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			admin: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let admin = T::Lookup::lookup(admin)?;
			Self::do_add_admin(&who, vehicle, admin)
		}

		/// Remove an admin. Signed by the owner, or by the admin itself to resign. The grants
		/// the admin made stay.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwner`], [`Error::NotAdmin`].
		///
		/// Emits [`Event::AdminRemoved`].
		#[pallet::call_index(7)]
		pub fn remove_admin(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			admin: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let admin = T::Lookup::lookup(admin)?;
			Self::do_remove_admin(&who, vehicle, admin)
		}

		/// Remove the entry of (`vehicle`, `grantee`) if it gives access to nothing any more:
		/// every stream expired, the vehicle changed hands since it was made, or the vehicle
		/// was retired. Anyone may call it; the deposit goes back to the entry's payer.
		///
		/// Errors: [`Error::NotGranted`] (no entry), [`Error::GrantStillLive`].
		///
		/// Emits [`Event::ExpiredGrantRemoved`].
		#[pallet::call_index(8)]
		pub fn remove_expired(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			grantee: AccountIdLookupOf<T>,
		) -> DispatchResult {
			ensure_signed(origin)?;
			let grantee = T::Lookup::lookup(grantee)?;
			Self::do_remove_expired(vehicle, grantee)
		}

		/// Register `consumer` as a data consumer: grants made to it from now on count as
		/// demand for the vehicle's data.
		///
		/// - Origin: [`Config::ConsumerOrigin`].
		/// - Errors: [`Error::AlreadyDataConsumer`], [`Error::TooManyDataConsumers`].
		/// - Events: [`Event::DataConsumerAdded`].
		#[pallet::call_index(9)]
		pub fn add_data_consumer(
			origin: OriginFor<T>,
			consumer: AccountIdLookupOf<T>,
		) -> DispatchResult {
			T::ConsumerOrigin::ensure_origin(origin)?;
			let consumer = T::Lookup::lookup(consumer)?;
			Self::do_add_data_consumer(consumer)
		}

		/// Remove `consumer` from the data consumers: grants made to it from now on do not
		/// count; those made before count until they are removed.
		///
		/// - Origin: [`Config::ConsumerOrigin`].
		/// - Errors: [`Error::NotDataConsumer`].
		/// - Events: [`Event::DataConsumerRemoved`].
		#[pallet::call_index(10)]
		pub fn remove_data_consumer(
			origin: OriginFor<T>,
			consumer: AccountIdLookupOf<T>,
		) -> DispatchResult {
			T::ConsumerOrigin::ensure_origin(origin)?;
			let consumer = T::Lookup::lookup(consumer)?;
			Self::do_remove_data_consumer(consumer)
		}

		/// Publish the signer's encryption key: the public key to which collectors wrap the
		/// keys that open the stored data the signer may read (as owner or grantee). Replaces a
		/// key published before (data wrapped to the old one stays wrapped to it: keep its
		/// secret). Holds [`Config::KeyDeposit`] while a key is published.
		///
		/// - Errors: [`Error::BadKeyLength`], [`Error::WeakKey`], or a token error if the deposit
		///   cannot be paid.
		/// - Events: [`Event::EncryptionKeySet`].
		#[pallet::call_index(11)]
		pub fn set_encryption_key(origin: OriginFor<T>, key: EncryptionKey) -> DispatchResult {
			let account = ensure_signed(origin)?;
			Self::do_set_encryption_key(account, key)
		}

		/// Withdraw the signer's encryption key: nothing new is wrapped to it; its deposit is
		/// released.
		///
		/// - Errors: [`Error::NoEncryptionKey`].
		/// - Events: [`Event::EncryptionKeyRemoved`].
		#[pallet::call_index(12)]
		pub fn remove_encryption_key(origin: OriginFor<T>) -> DispatchResult {
			let account = ensure_signed(origin)?;
			Self::do_remove_encryption_key(account)
		}
	}

	/// The account lookup of calls: Polkadot.js sends a `MultiAddress`.
	pub type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;
}
