//! # Vehicles pallet
//!
//! The registry of DIMO Chain's vehicles and of what their owners consent to.
//!
//! ## Overview
//!
//! A vehicle is an on-chain id with an owner, a carmaker (OEM) and a hash of the OEM's reference
//! to the car. Its owner:
//!
//! - [`register`](Pallet::register)s it, placing a deposit on hold for the storage it takes,
//!   with an ownership attestation: a registered collector's signed word that the carmaker
//!   lists the car for the owner's OAuth grant ([`dimo_primitives::ownership`]);
//! - [`reclaim`](Pallet::reclaim)s it, with such an attestation, from whoever registered it
//!   before (a squatter, or a seller who never transferred it): it moves to them as a transfer
//!   moves it, and the earlier registrant's deposit with it;
//! - [`transfer`](Pallet::transfer)s it to a new owner, who
//!   [`accept_transfer`](Pallet::accept_transfer)s it (either side may
//!   [`cancel_transfer`](Pallet::cancel_transfer) the offer until then);
//! - [`retire`](Pallet::retire)s it, which frees its storage (here and in the other pallets,
//!   through [`Config::OnRetire`]) and releases the deposit;
//! - [`authorize_collector`](Pallet::authorize_collector)s a collector (the account whose key
//!   signs the anchors of the vehicle's data), optionally until a block, and
//!   [`revoke_collector`](Pallet::revoke_collector)s it;
//! - [`set_storage`](Pallet::set_storage)s where the vehicle's data blobs may be stored
//!   (nowhere, IPFS or Arweave).
//!
//! ## Terminology
//!
//! - **OEM reference hash**: a hash of the carmaker's own id of the car (the id its API uses,
//!   or its VIN). The chain never sees the reference in clear; the hash lets a collector check
//!   that the credentials it holds are for this car, and stops one car from being registered
//!   twice.
//! - **Ownership version**: the number of transfers of a vehicle. Other pallets record it with
//!   whatever they key to the owner, and treat records of another version as absent.
//!
//! ## Design
//!
//! - Ids are assigned by the chain from a counter, never reused, so that a record that another
//!   pallet keeps about a retired vehicle can never be mistaken for one about a new vehicle.
//! - A transfer wipes the old owner's consent in O(1): the collector consents of a vehicle are
//!   one bounded storage value, removed in one write, and the storage backend goes back to
//!   [`StorageBackend::Local`]. The access grants of pallets/data-access are wiped by the
//!   ownership version ([`dimo_primitives::vehicle::Ownership`]), with no loop at all.
//! - **A vehicle changes hands only when the receiver accepts.** Nobody can push vehicles onto
//!   an account (filling its list up to [`Config::MaxVehiclesPerOwner`] so that its own
//!   `register` fails, or making it the owner of record of a car it never wanted): a transfer
//!   is an offer to one account, which that account accepts within
//!   [`Config::TransferOfferLifetime`] blocks. One offer per vehicle; a new offer replaces it,
//!   and it dies with the ownership version it was made in.
//! - The deposit stays with the account that paid it: a transfer does not make the new owner
//!   pay, and retiring the vehicle (by whoever owns it then) releases the deposit to its payer.
//! - **Registration needs proof of control.** Whoever registers a car first holds it, so on
//!   every chain but dev ([`AttestationRequired`], a genesis flag) `register` refuses a car
//!   without an [`OwnershipAttestation`] by a collector of [`Config::Collectors`], naming the
//!   signer, and expiring within [`Config::MaxAttestationLifetime`]. A car registered wrongly
//!   anyway (a collector that attested falsely, a car sold without a transfer) is taken back
//!   with [`reclaim`](Pallet::reclaim) and a fresher attestation: one that cannot predate the
//!   current ownership ([`Vehicle::owned_since`]), so that an owner who sold the car cannot
//!   replay theirs against the buyer. The reclaimed registrant's deposit goes to the
//!   reclaimer, on hold as the vehicle's deposit: the cost of squatting is lost.
//! - Other pallets read this one only through [`VehicleRegistry`] and [`ConsentProvider`],
//!   implemented in `impl_registry.rs`; the collectors' registry is read through
//!   [`CollectorRegistry`].

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod functions;
mod impl_registry;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

use dimo_primitives::ownership::CollectorRegistry;
use dimo_primitives::rewards::OnVehicleTransfer;
use dimo_primitives::vehicle::{
	ConsentProvider, OemId, OnVehicleRetired, Ownership, PastConsent, StorageBackend, VehicleId,
	VehicleRegistry,
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;
	use sp_runtime::{traits::StaticLookup, RuntimeAppPublic};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for the storage of a registered vehicle.
		#[codec(index = 0)]
		VehicleDeposit,
		/// The deposit of a reclaim open to the owner's answer: the owner's if the owner
		/// answers with a fresher attestation.
		#[codec(index = 1)]
		ReclaimClaim,
	}

	#[pallet::config(with_default)]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency that deposits are held in.
		#[pallet::no_default]
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		#[pallet::no_default]
		type RuntimeHoldReason: From<HoldReason>;

		/// The deposit held from the account that registers a vehicle, released when the
		/// vehicle is retired.
		#[pallet::constant]
		#[pallet::no_default]
		type VehicleDeposit: Get<BalanceOf<Self>>;

		/// How many vehicles one account may own. Bounds the list of an owner's vehicles.
		#[pallet::constant]
		type MaxVehiclesPerOwner: Get<u32>;

		/// How many collectors may hold consent for one vehicle at a time.
		#[pallet::constant]
		type MaxCollectorsPerVehicle: Get<u32>;

		/// How many spans of consent the history of one vehicle keeps
		/// ([`ConsentHistories`]): at least twice [`Config::MaxCollectorsPerVehicle`], so that a
		/// change of backend, which ends and reopens every open span, always finds an ended one
		/// to drop.
		#[pallet::constant]
		type MaxConsentSpans: Get<u32>;

		/// For how many blocks an offer to transfer a vehicle may be accepted.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type TransferOfferLifetime: Get<BlockNumberFor<Self>>;

		/// Told of every transfer, after the new owner is recorded: the rewards of the open
		/// epoch follow the vehicle (pallets/issuance).
		#[pallet::no_default_bounds]
		type OnTransfer: OnVehicleTransfer<Self::AccountId>;

		/// Told of every retired vehicle, after it is removed here: the other pallets remove
		/// what they keep about it (access lists, anchors, activity).
		type OnRetire: OnVehicleRetired;

		/// The key with which collectors sign ownership attestations (their `dcol` key).
		type CollectorId: Member
			+ Parameter
			+ MaxEncodedLen
			+ RuntimeAppPublic<Signature: Member + Parameter + DecodeWithMemTracking>;

		/// The registry of collectors whose attestations count (pallets/anchoring).
		#[pallet::no_default_bounds]
		type Collectors: CollectorRegistry<Self::CollectorId>;

		/// The longest an ownership attestation may live: one expiring later is refused. Also
		/// how far back a reclaim's attestation may have been made, so that it cannot predate
		/// the ownership it takes the vehicle from.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type MaxAttestationLifetime: Get<BlockNumberFor<Self>>;

		/// For how many blocks the owner of a vehicle got by an accepted transfer may answer a
		/// reclaim of it with a fresher attestation, before the claimant may complete it.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type ReclaimAnswerPeriod: Get<BlockNumberFor<Self>>;

		/// Settles a reclaim that both sides attested equally fresh (or any open reclaim): the
		/// technical committee.
		#[pallet::no_default_bounds]
		type DisputeOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Default configurations of this pallet, for `#[derive_impl]`: the pallets' mock runtimes
	/// take [`config_preludes::TestDefaultConfig`] and name only what differs, so that nothing
	/// outside this crate spells out its `Config`. Native only: its collector keys are
	/// `sp_runtime::testing`'s.
	#[cfg(feature = "std")]
	pub mod config_preludes {
		use super::{DefaultConfig, *};
		use frame_support::{
			derive_impl,
			traits::{ConstU32, ConstU64},
		};

		/// What a mock runtime with `u64` block numbers and accounts needs: two collectors per
		/// vehicle, a history of four spans, 10-block transfer offers and attestations, 5 blocks
		/// to answer a reclaim, root to settle one,
		/// `UintAuthorityId` collector keys, no registry of collectors and no one told of
		/// transfers or retirements (a mock names those it wires).
		pub struct TestDefaultConfig;

		#[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
		impl frame_system::DefaultConfig for TestDefaultConfig {}

		#[frame_support::register_default_impl(TestDefaultConfig)]
		impl DefaultConfig for TestDefaultConfig {
			type MaxVehiclesPerOwner = ConstU32<8>;
			type MaxCollectorsPerVehicle = ConstU32<2>;
			type MaxConsentSpans = ConstU32<4>;
			type TransferOfferLifetime = ConstU64<10>;
			type OnTransfer = ();
			type OnRetire = ();
			type CollectorId = sp_runtime::testing::UintAuthorityId;
			type Collectors = ();
			type MaxAttestationLifetime = ConstU64<10>;
			type ReclaimAnswerPeriod = ConstU64<5>;
			type DisputeOrigin = frame_system::EnsureRoot<u64>;
			type WeightInfo = ();
		}
	}

	/// An ownership attestation as calls take it.
	pub type AttestationOf<T> = OwnershipAttestation<
		<T as Config>::CollectorId,
		<<T as Config>::CollectorId as RuntimeAppPublic>::Signature,
		BlockNumberFor<T>,
	>;

	/// The amount of the currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// A registered vehicle, as stored.
	pub type VehicleOf<T> =
		Vehicle<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	/// A reclaim open to the owner's answer, as stored.
	pub type ReclaimClaimOf<T> = ReclaimClaim<
		<T as frame_system::Config>::AccountId,
		<T as Config>::CollectorId,
		BalanceOf<T>,
		BlockNumberFor<T>,
	>;

	/// The collector consents of a vehicle, as stored.
	pub type CollectorConsentsOf<T> = BoundedVec<
		CollectorConsent<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>,
		<T as Config>::MaxCollectorsPerVehicle,
	>;

	/// The consent history of a vehicle, as stored.
	pub type ConsentHistoryOf<T> = ConsentHistory<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		<T as Config>::MaxConsentSpans,
	>;

	/// The id that the next registered vehicle gets.
	#[pallet::storage]
	pub type NextVehicleId<T> = StorageValue<_, VehicleId, ValueQuery>;

	/// Every registered vehicle.
	///
	/// `Twox64Concat`: ids are assigned by the chain, so nobody can choose keys that collide.
	#[pallet::storage]
	pub type Vehicles<T: Config> = StorageMap<_, Twox64Concat, VehicleId, VehicleOf<T>>;

	/// The vehicles of each owner, in the order in which the owner got them.
	///
	/// `Blake2_128Concat`: accounts are chosen by users. Bounded by
	/// [`Config::MaxVehiclesPerOwner`].
	#[pallet::storage]
	pub type VehiclesOf<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<VehicleId, T::MaxVehiclesPerOwner>,
		ValueQuery,
	>;

	/// The vehicle registered under each (OEM, OEM reference hash), so that one car is
	/// registered once.
	///
	/// `Blake2_128Concat`: both parts are chosen by users.
	#[pallet::storage]
	pub type VehicleByReference<T> =
		StorageDoubleMap<_, Blake2_128Concat, OemId, Blake2_128Concat, H256, VehicleId>;

	/// The collectors that the current owner of a vehicle lets collect its data.
	///
	/// One bounded value per vehicle so that a transfer wipes it in one write. Bounded by
	/// [`Config::MaxCollectorsPerVehicle`].
	#[pallet::storage]
	pub type CollectorConsents<T: Config> =
		StorageMap<_, Twox64Concat, VehicleId, CollectorConsentsOf<T>, ValueQuery>;

	/// Each vehicle's consents over time: which collector could collect it, onto which
	/// backend, from which block to which. [`CollectorConsents`] says what holds now; this says
	/// what held when a collector committed a record (pallets/anchoring checks a proof of a
	/// committed record against the consent at the commitment's block, possibly long after).
	///
	/// Kept across transfers (a record committed under the former owner stays provable),
	/// removed when the vehicle is retired. Bounded by [`Config::MaxConsentSpans`]: when full,
	/// the oldest ended span is dropped and the history says from when it is complete.
	///
	/// `Twox64Concat`: ids are assigned by the chain.
	#[pallet::storage]
	pub type ConsentHistories<T: Config> =
		StorageMap<_, Twox64Concat, VehicleId, ConsentHistoryOf<T>>;

	/// The open offer to transfer each vehicle, at most one per vehicle.
	///
	/// `Twox64Concat`: ids are assigned by the chain.
	#[pallet::storage]
	pub type TransferOffers<T: Config> =
		StorageMap<_, Twox64Concat, VehicleId, TransferOffer<T::AccountId, BlockNumberFor<T>>>;

	/// The vehicles whose owner got them by an accepted transfer (and not since by a reclaim):
	/// a reclaim of one of them waits for the owner's answer ([`ReclaimClaims`]).
	#[pallet::storage]
	pub type OwnedByTransfer<T> = StorageMap<_, Twox64Concat, VehicleId, ()>;

	/// The reclaims open to their vehicle's owner's answer, at most one per vehicle.
	#[pallet::storage]
	pub type ReclaimClaims<T: Config> = StorageMap<_, Twox64Concat, VehicleId, ReclaimClaimOf<T>>;

	/// Whether `register` needs an ownership attestation. Set at genesis only: false on the
	/// dev chain (so that a person can try the chain without a collector at hand), true on any
	/// chain that others run.
	#[pallet::storage]
	pub type AttestationRequired<T> = StorageValue<_, bool, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Whether `register` needs an ownership attestation ([`AttestationRequired`]).
		pub attestation_required: bool,
		#[serde(skip)]
		#[doc(hidden)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			AttestationRequired::<T>::put(self.attestation_required);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A vehicle was registered.
		Registered {
			/// Its id.
			vehicle: VehicleId,
			/// Its owner, who paid the deposit.
			owner: T::AccountId,
			/// Its carmaker.
			oem: OemId,
			/// The hash of the carmaker's reference to it.
			oem_ref_hash: H256,
			/// The deposit held from the owner.
			deposit: BalanceOf<T>,
			/// The collector whose attestation proved the owner's control of the car, if one
			/// was given.
			attested_by: Option<T::CollectorId>,
		},
		/// The attested owner of a car took its vehicle from whoever held it; like a transfer,
		/// this wiped the collector consents and access grants, and the earlier registrant's
		/// deposit moved to the new owner.
		Reclaimed {
			/// The vehicle.
			vehicle: VehicleId,
			/// The owner it was taken from.
			from: T::AccountId,
			/// The new owner.
			to: T::AccountId,
			/// The collector whose attestation proved the new owner's control of the car.
			attested_by: T::CollectorId,
			/// The new ownership version.
			transfers: u32,
			/// The account whose deposit moved to the new owner.
			depositor: T::AccountId,
			/// The deposit that moved, now held from the new owner.
			deposit: BalanceOf<T>,
		},
		/// An attested claimant reclaimed a vehicle that its owner got by an accepted transfer:
		/// the owner may answer with a fresher attestation until `answer_by`, after which the
		/// claimant may complete the reclaim.
		ReclaimOpened {
			/// The vehicle.
			vehicle: VehicleId,
			/// Its owner, who may answer.
			owner: T::AccountId,
			/// The account that claims it.
			claimant: T::AccountId,
			/// The collector whose attestation backs the claim.
			attested_by: T::CollectorId,
			/// The last block in which the owner may answer.
			answer_by: BlockNumberFor<T>,
			/// The deposit held from the claimant.
			deposit: BalanceOf<T>,
		},
		/// The owner answered a reclaim with a fresher attestation and keeps the vehicle; the
		/// claimant's deposit went to the owner.
		ReclaimRejected {
			/// The vehicle.
			vehicle: VehicleId,
			/// Its owner.
			owner: T::AccountId,
			/// The claimant.
			claimant: T::AccountId,
			/// The collector whose attestation answered the claim.
			attested_by: T::CollectorId,
			/// The claimant's deposit, now the owner's.
			deposit: BalanceOf<T>,
		},
		/// The owner answered a reclaim with an attestation exactly as fresh as the claimant's:
		/// the dispute origin (the technical committee) settles it.
		ReclaimContested {
			/// The vehicle.
			vehicle: VehicleId,
			/// Its owner.
			owner: T::AccountId,
			/// The claimant.
			claimant: T::AccountId,
		},
		/// The dispute origin settled a reclaim: for the claimant (a `Reclaimed` follows) or
		/// for the owner (the claimant's deposit was released to the claimant).
		ReclaimSettled {
			/// The vehicle.
			vehicle: VehicleId,
			/// Whether the vehicle goes to the claimant.
			claimant_wins: bool,
		},
		/// The owner offered a vehicle to another account, which may accept it until
		/// `expires_at`.
		TransferOffered {
			/// The vehicle.
			vehicle: VehicleId,
			/// The owner.
			from: T::AccountId,
			/// The account that may accept it.
			to: T::AccountId,
			/// The block from which the offer can no longer be accepted.
			expires_at: BlockNumberFor<T>,
		},
		/// An offer to transfer a vehicle was withdrawn by its owner or declined by its
		/// receiver.
		TransferCancelled {
			/// The vehicle.
			vehicle: VehicleId,
			/// The account it was offered to.
			to: T::AccountId,
		},
		/// A vehicle changed hands; its collector consents and access grants were wiped.
		Transferred {
			/// The vehicle.
			vehicle: VehicleId,
			/// The old owner.
			from: T::AccountId,
			/// The new owner.
			to: T::AccountId,
			/// The new ownership version.
			transfers: u32,
		},
		/// A vehicle was retired and its deposit released.
		Retired {
			/// The vehicle.
			vehicle: VehicleId,
			/// Its last owner.
			owner: T::AccountId,
			/// The account that got the deposit back.
			depositor: T::AccountId,
			/// The deposit released.
			deposit: BalanceOf<T>,
		},
		/// The owner let a collector collect the vehicle's data (or changed until when).
		CollectorAuthorized {
			/// The vehicle.
			vehicle: VehicleId,
			/// The collector.
			collector: T::AccountId,
			/// The block at which the consent expires, if it does.
			until: Option<BlockNumberFor<T>>,
		},
		/// The owner withdrew a collector's consent.
		CollectorRevoked {
			/// The vehicle.
			vehicle: VehicleId,
			/// The collector.
			collector: T::AccountId,
		},
		/// The owner chose where the vehicle's data may be stored.
		StorageSet {
			/// The vehicle.
			vehicle: VehicleId,
			/// The storage backend.
			backend: StorageBackend,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No vehicle has this id: it was never registered or it was retired. Check the id with
		/// `dimo_vehicle`.
		UnknownVehicle,
		/// Only the vehicle's owner may do this. Sign with the owner's account.
		NotOwner,
		/// The account already owns as many vehicles as it may (`MaxVehiclesPerOwner`).
		/// Retire or transfer one first.
		TooManyVehicles,
		/// A vehicle with this OEM and OEM reference hash is already registered.
		AlreadyRegistered,
		/// The vehicle would be transferred to its own owner.
		TransferToSelf,
		/// The vehicle is not offered to this account (no offer, an offer to someone else, or
		/// one made by an earlier owner).
		NoTransferOffer,
		/// The offer expired: the owner must offer the vehicle again.
		TransferOfferExpired,
		/// The vehicle already has as many collectors as it may (`MaxCollectorsPerVehicle`).
		/// Revoke one first.
		TooManyCollectors,
		/// The collector has no consent for this vehicle.
		CollectorNotAuthorized,
		/// The expiry block is not in the future. Give a later block, or none for no expiry.
		ExpiryNotInFuture,
		/// The vehicle ids are exhausted.
		VehicleIdOverflow,
		/// The vehicle has changed hands 2^32 - 1 times: its ownership version cannot grow, so
		/// it cannot be transferred again (a new version is what wipes the old owner's grants).
		TooManyTransfers,
		/// This chain registers a car only with an ownership attestation: ask a registered
		/// collector for one (`collector_attestOwnership`, with the carmaker's grant).
		AttestationRequired,
		/// The attestation's collector is not registered (or no longer is).
		UnknownAttestingCollector,
		/// The attestation's signature does not cover this car, this signer and this chain:
		/// it was made for another car or another account, or forged.
		BadAttestationSignature,
		/// The attestation expired: ask the collector for a new one.
		AttestationExpired,
		/// The attestation expires later than `MaxAttestationLifetime` blocks from now.
		AttestationTooLong,
		/// The attestation may have been made before the vehicle's current owner got it: an
		/// earlier owner's proof cannot take it from a later one. Ask for a fresh attestation.
		AttestationPredatesOwner,
		/// The signer already owns this vehicle.
		AlreadyOwner,
		/// A reclaim of this vehicle is open: it cannot be transferred, retired or reclaimed
		/// again until it is answered, completed or settled.
		ReclaimOpen,
		/// No reclaim of this vehicle is open.
		NoReclaim,
		/// The owner's answer is less fresh than the claimant's attestation (it expires
		/// earlier): ask the collector for a new one.
		AnswerNotFresher,
		/// The owner may still answer the reclaim (until its `answer_by` block).
		AnswerPeriodOpen,
		/// The owner's answer period is over.
		AnswerPeriodOver,
		/// Both sides attested equally fresh: only the dispute origin settles this reclaim.
		ReclaimContested,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxVehiclesPerOwner::get() > 0, "an owner must be able to own a vehicle");
			assert!(
				T::MaxCollectorsPerVehicle::get() > 0,
				"an owner must be able to consent to a collector"
			);
			assert!(
				T::MaxConsentSpans::get() >= T::MaxCollectorsPerVehicle::get().saturating_mul(2),
				"a change of backend must find an ended span to drop"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Register a vehicle, owned by the signer.
		///
		/// - `oem`: the carmaker;
		/// - `oem_ref_hash`: a hash of the carmaker's reference to the car (never the VIN in
		///   clear): BLAKE2-256 of the id the carmaker's API gives it;
		/// - `attestation`: a registered collector's word that the signer controls the car
		///   ([`dimo_primitives::ownership`]); required where [`AttestationRequired`] is set,
		///   checked whenever given.
		///
		/// Holds [`Config::VehicleDeposit`] from the signer until the vehicle is retired.
		///
		/// Errors: [`Error::AlreadyRegistered`], [`Error::TooManyVehicles`],
		/// [`Error::AttestationRequired`], [`Error::UnknownAttestingCollector`],
		/// [`Error::BadAttestationSignature`], [`Error::AttestationExpired`],
		/// [`Error::AttestationTooLong`], or a token error if the signer cannot pay the deposit.
		///
		/// Emits [`Event::Registered`].
		#[pallet::call_index(0)]
		pub fn register(
			origin: OriginFor<T>,
			oem: OemId,
			oem_ref_hash: H256,
			attestation: Option<AttestationOf<T>>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let attested_by = match attestation {
				Some(attestation) => {
					Some(Self::check_attestation(&attestation, oem, &oem_ref_hash, &owner)?)
				},
				None => {
					ensure!(!AttestationRequired::<T>::get(), Error::<T>::AttestationRequired);
					None
				},
			};
			Self::do_register(owner, oem, oem_ref_hash, attested_by).map(|_| ())
		}

		/// Offer a vehicle to a new owner, who takes it with
		/// [`accept_transfer`](Pallet::accept_transfer) within
		/// [`Config::TransferOfferLifetime`] blocks. Signed by the current owner. Replaces an
		/// earlier offer of the vehicle; nothing changes hands until it is accepted.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwner`], [`Error::TransferToSelf`],
		/// [`Error::TooManyTransfers`].
		///
		/// Emits [`Event::TransferOffered`].
		#[pallet::call_index(1)]
		pub fn transfer(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			new_owner: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let new_owner = T::Lookup::lookup(new_owner)?;
			Self::do_offer_transfer(&owner, vehicle, new_owner)
		}

		/// Retire a vehicle: remove it and everything about it (here, and through
		/// [`Config::OnRetire`] in the other pallets), and release its deposit to the account
		/// that paid it. Signed by the owner.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwner`].
		///
		/// Emits [`Event::Retired`].
		#[pallet::call_index(2)]
		#[pallet::weight(
			T::WeightInfo::retire().saturating_add(T::OnRetire::on_vehicle_retired_weight())
		)]
		pub fn retire(origin: OriginFor<T>, vehicle: VehicleId) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_retire(&owner, vehicle)
		}

		/// Let `collector` collect the vehicle's data, until block `until` (exclusive) or with
		/// no expiry. Authorizing an authorized collector again changes its expiry. Signed by
		/// the owner.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwner`], [`Error::ExpiryNotInFuture`],
		/// [`Error::TooManyCollectors`].
		///
		/// Emits [`Event::CollectorAuthorized`].
		#[pallet::call_index(3)]
		pub fn authorize_collector(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			collector: AccountIdLookupOf<T>,
			until: Option<BlockNumberFor<T>>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let collector = T::Lookup::lookup(collector)?;
			Self::do_authorize_collector(&owner, vehicle, collector, until)
		}

		/// Withdraw a collector's consent. Signed by the owner.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwner`],
		/// [`Error::CollectorNotAuthorized`].
		///
		/// Emits [`Event::CollectorRevoked`].
		#[pallet::call_index(4)]
		pub fn revoke_collector(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			collector: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let collector = T::Lookup::lookup(collector)?;
			Self::do_revoke_collector(&owner, vehicle, collector)
		}

		/// Choose where the vehicle's data blobs may be stored. Signed by the owner.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NotOwner`].
		///
		/// Emits [`Event::StorageSet`].
		#[pallet::call_index(5)]
		pub fn set_storage(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			backend: StorageBackend,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_set_storage(&owner, vehicle, backend)
		}

		/// Take a vehicle offered to the signer with [`transfer`](Pallet::transfer).
		///
		/// Wipes every collector consent and every access grant of the old owner, and resets
		/// the storage backend to `Local`. The deposit stays held from whoever paid it.
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::NoTransferOffer`],
		/// [`Error::TransferOfferExpired`], [`Error::TooManyVehicles`] (the signer owns as many
		/// as it may), [`Error::TooManyTransfers`].
		///
		/// Emits [`Event::Transferred`].
		#[pallet::call_index(6)]
		#[pallet::weight(
			T::WeightInfo::accept_transfer()
				.saturating_add(T::OnTransfer::on_vehicle_transfer_weight())
		)]
		pub fn accept_transfer(origin: OriginFor<T>, vehicle: VehicleId) -> DispatchResult {
			let new_owner = ensure_signed(origin)?;
			Self::do_accept_transfer(new_owner, vehicle)
		}

		/// Withdraw (signed by the owner) or decline (signed by the receiver) the offer to
		/// transfer a vehicle. An expired offer may be removed this way too.
		///
		/// Errors: [`Error::NoTransferOffer`] (no offer, or the signer is neither side).
		///
		/// Emits [`Event::TransferCancelled`].
		#[pallet::call_index(7)]
		pub fn cancel_transfer(origin: OriginFor<T>, vehicle: VehicleId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_transfer(&who, vehicle)
		}

		/// Take a vehicle from whoever holds it, with an attestation that the signer controls
		/// its car at the carmaker now.
		///
		/// If its owner got it by an accepted transfer ([`OwnedByTransfer`]), the vehicle does
		/// not move yet: the reclaim opens a claim ([`ReclaimClaims`], [`Config::VehicleDeposit`]
		/// held from the signer) that the owner may answer with a fresher attestation
		/// ([`answer_reclaim`](Pallet::answer_reclaim)) for [`Config::ReclaimAnswerPeriod`]
		/// blocks; unanswered, anyone [`complete_reclaim`](Pallet::complete_reclaim)s it. A
		/// seller whose carmaker account still lists the car cannot take back what the buyer
		/// accepted, as long as the buyer still controls the car. Otherwise:
		///
		/// The vehicle moves to the signer exactly as an accepted transfer moves it (collector
		/// consents, access grants, admins and public streams wiped; storage back to `Local`),
		/// and the deposit of whoever registered it moves to the signer, on hold as the
		/// vehicle's deposit (released to the signer when it is retired). The attestation must
		/// not be older than the current ownership: its earliest possible making,
		/// `expires_at - MaxAttestationLifetime`, must not be before [`Vehicle::owned_since`].
		///
		/// Errors: [`Error::UnknownVehicle`], [`Error::AlreadyOwner`],
		/// [`Error::UnknownAttestingCollector`], [`Error::BadAttestationSignature`],
		/// [`Error::AttestationExpired`], [`Error::AttestationTooLong`],
		/// [`Error::AttestationPredatesOwner`], [`Error::TooManyVehicles`],
		/// [`Error::TooManyTransfers`], [`Error::ReclaimOpen`], or a token error if the signer
		/// cannot pay the claim's deposit.
		///
		/// Emits [`Event::Reclaimed`] or [`Event::ReclaimOpened`].
		#[pallet::call_index(8)]
		#[pallet::weight(
			T::WeightInfo::reclaim()
				.max(T::WeightInfo::open_reclaim())
				.saturating_add(T::OnTransfer::on_vehicle_transfer_weight())
		)]
		pub fn reclaim(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			attestation: AttestationOf<T>,
		) -> DispatchResult {
			let claimant = ensure_signed(origin)?;
			Self::do_reclaim(claimant, vehicle, attestation)
		}

		/// Answer a reclaim of the signer's vehicle, within its answer period, with an
		/// attestation that the signer controls the car at the carmaker that is fresher than
		/// the claimant's (it expires later). The owner keeps the vehicle and gets the
		/// claimant's deposit. An answer exactly as fresh leaves the claim to the dispute
		/// origin.
		///
		/// Errors: [`Error::NoReclaim`], [`Error::NotOwner`], [`Error::AnswerPeriodOver`],
		/// [`Error::ReclaimContested`], [`Error::AnswerNotFresher`], and the attestation's
		/// errors ([`Error::UnknownAttestingCollector`], [`Error::BadAttestationSignature`],
		/// [`Error::AttestationExpired`], [`Error::AttestationTooLong`]).
		///
		/// Emits [`Event::ReclaimRejected`] or [`Event::ReclaimContested`].
		#[pallet::call_index(9)]
		pub fn answer_reclaim(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			attestation: AttestationOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_answer_reclaim(owner, vehicle, attestation)
		}

		/// Complete a reclaim that the owner did not answer within its answer period: the
		/// vehicle moves to the claimant as [`reclaim`](Pallet::reclaim) moves it, and the
		/// claimant's deposit is released. Anyone may sign it.
		///
		/// Errors: [`Error::NoReclaim`], [`Error::AnswerPeriodOpen`],
		/// [`Error::ReclaimContested`], and those of the hand-over
		/// ([`Error::TooManyVehicles`], [`Error::TooManyTransfers`]).
		///
		/// Emits [`Event::Reclaimed`].
		#[pallet::call_index(10)]
		#[pallet::weight(
			T::WeightInfo::complete_reclaim()
				.saturating_add(T::OnTransfer::on_vehicle_transfer_weight())
		)]
		pub fn complete_reclaim(origin: OriginFor<T>, vehicle: VehicleId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_complete_reclaim(vehicle, None)
		}

		/// Settle an open reclaim (a contested one, or any, as guardian): for the claimant,
		/// the vehicle moves to it as [`reclaim`](Pallet::reclaim) moves it; for the owner, the
		/// claim is closed. The claimant's deposit is released to the claimant either way.
		/// [`Config::DisputeOrigin`] only.
		///
		/// Errors: [`Error::NoReclaim`], and for the claimant those of the hand-over.
		///
		/// Emits [`Event::ReclaimSettled`] (and [`Event::Reclaimed`] for the claimant).
		#[pallet::call_index(11)]
		#[pallet::weight(
			T::WeightInfo::settle_reclaim()
				.saturating_add(T::OnTransfer::on_vehicle_transfer_weight())
		)]
		pub fn settle_reclaim(
			origin: OriginFor<T>,
			vehicle: VehicleId,
			claimant_wins: bool,
		) -> DispatchResult {
			T::DisputeOrigin::ensure_origin(origin)?;
			Self::do_settle_reclaim(vehicle, claimant_wins)
		}
	}

	/// The account lookup of calls: Polkadot.js sends a `MultiAddress`.
	pub type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;
}
