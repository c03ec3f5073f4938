//! # Anchoring pallet
//!
//! The registries of collectors and OEM sources, and the anchors: the content ids of vehicle
//! data that collectors read from carmakers' APIs and stored off chain.
//!
//! ## Overview
//!
//! Governance ([`Config::AdminOrigin`]):
//!
//! - [`register_collector`](Pallet::register_collector)s and
//!   [`remove_collector`](Pallet::remove_collector)s the keys that may sign anchors;
//! - [`set_oem_source`](Pallet::set_oem_source)s and
//!   [`remove_oem_source`](Pallet::remove_oem_source)s where each carmaker's API is: HTTPS
//!   only, except `http://127.0.0.1` on a chain whose genesis allows loopback sources (the dev
//!   chain, whose OEM simulator runs on the same machine);
//! - [`set_push_feed`](Pallet::set_push_feed)s and
//!   [`remove_push_feed`](Pallet::remove_push_feed)s where and how each carmaker pushes its
//!   vehicles' data ([`PushFeed`]: an MQTT broker, a Kafka topic, or Tesla Fleet Telemetry),
//!   always over TLS, with the DNS name and the CA that collectors check the connection against.
//!
//! A collector submits [`anchor_batch`](Pallet::anchor_batch): records of readings (vehicle,
//! content id, size, storage backend, observed window), signed as a whole with its collector
//! key; or, at the fleet's scale, [`commit`](Pallet::commit): one Merkle root over a window's
//! records, which stay with the collector. Anyone proves a committed record against its root
//! ([`Pallet::verify_committed`], the runtime API's `verify_committed`), and
//! [`claim_activity`](Pallet::claim_activity) counts a proved record's vehicle as active.
//!
//! ## Terminology
//!
//! - **Collector**: a node that holds owners' OEM credentials, polls the OEM APIs, stores each
//!   reading (IPFS, Arweave, or nowhere) and anchors its content id. Known on chain by its
//!   collector key ([`Config::CollectorId`]) and by the account that key spells, which is what
//!   owners consent to in pallets/vehicles.
//! - **Anchor**: the on-chain trace of one reading: its content id and where it is. Anyone who
//!   fetches the bytes can re-hash them and compare.
//!
//! ## Design
//!
//! - **Authorized, not signed, transactions.** A batch is a general transaction authorized by
//!   `#[pallet::authorize]`: the transaction pool checks the collector's signature, the
//!   registry and every record before the batch takes any block space, and a batch pays no fee.
//!   A collector's node thus needs no funded account and no nonce, so two offchain-worker runs
//!   never race for one; a replay is refused in the pool by its tags (one per vehicle and
//!   window) and on chain by the window check. The same checks run again at dispatch.
//! - **A bounded share of each block per collector.** Batches pay no fee and come first, so
//!   the chain bounds what one collector may take: the pool holds one batch per collector at a
//!   time (a tag per collector), and a block holds at most
//!   [`Config::MaxRecordsPerCollectorPerBlock`] records of one collector ([`CollectorLoad`]),
//!   checked when the block is built (a batch over the share waits for the next block) and at
//!   dispatch. Windows may end at most [`Config::MaxWindowAhead`] after the chain's clock, so
//!   that no collector can date a reading ahead and so make every later one stale.
//! - **Consent lives in pallets/vehicles**, read through
//!   [`ConsentProvider`](dimo_primitives::vehicle::ConsentProvider): an anchor is refused if the
//!   collector's account is not consented to at this block, or if the record's backend is not
//!   the one the owner chose.
//! - **Bounded state per vehicle.** The latest [`Config::MaxAnchorsKept`] anchors of a vehicle
//!   are kept in state, in a ring; every anchor is in an [`Event::Anchored`], which is where an
//!   indexer reads history. The content-id index that refuses duplicates covers the anchors
//!   still in state: an old reading cannot be anchored again for its vehicle anyway, because
//!   each vehicle's windows must move forward ([`AnchorHead`]).
//! - **Activity.** Each anchor reports the vehicle to [`Config::Activity`] (pallets/issuance),
//!   which is what makes it earn rewards in the epoch.
//! - **Commitments for the fleet's scale.** A record costs a block ~0.6 ms of weight and ~100
//!   bytes of state: per-record anchoring tops out at a few hundred readings a block, while the
//!   fleet (16 million vehicles) needs tens of thousands a second. A commitment costs the same
//!   whatever its size (up to [`Config::MaxCommitmentLeaves`] records): the chain keeps the
//!   root, the count, the window and the block, in a ring of [`Config::MaxCommitmentsKept`]
//!   per collector ([`Commitments`]); a collector's commitments are numbered
//!   ([`CommitmentHeads`]) and the pool takes only a collector's next one, so at most one a
//!   block. Their windows may overlap (an OEM may report a parked car's reading of hours ago):
//!   a window bounds when its records were observed, and ends at most
//!   [`Config::MaxWindowAhead`] after the chain's clock. The tree and the proof are
//!   `dimo_primitives::commitment`'s, documented so that anyone can check without DIMO code.
//! - **A commitment says where its data is.** Its IPFS records are stored as one object, an
//!   archive imported in one call (`dimo_offchain::car`: each envelope a block under its own
//!   CID, only the root pinned), and the commitment names the archive's root
//!   ([`Commitment::archive`], kept in [`CommitmentArchives`]): from the chain alone, anyone
//!   lists and fetches the commitment's IPFS envelopes, each checked against the CID its leaf
//!   names. Its Arweave records are the data items of one ANS-104 bundle, one Arweave
//!   transaction ([`Commitment::arweave_bundle`], kept in [`CommitmentBundles`]), each under
//!   the id its leaf names; `Local` ones stay with the collector.
//! - **Per-vehicle rules when a record is presented.** The chain never sees a committed
//!   record, so what a batch checks per record is checked when a proof is presented: the
//!   window inside the commitment's, the content id, the Arweave transaction, and the owner's
//!   consent to the collector and the backend **at the commitment's block**, from the
//!   registry's consent history (a revocation later does not unmake a record made while
//!   consented). That each reading counts once and a vehicle's readings move forward is the
//!   business of whoever counts them: [`claim_activity`](Pallet::claim_activity) keeps a head
//!   per vehicle ([`ClaimHeads`]), so activity costs one write per claim (an owner needs one an
//!   epoch), not one per reading, and must show a commitment at most [`Config::MaxClaimAge`]
//!   old.
//! - **Why per-record anchoring stays.** A batch puts the reading itself on chain: its anchor
//!   is in state ([`LatestAnchors`]) and in an event, found with a plain storage query and no
//!   collector online, and it counts as activity at once. That is what a vehicle's latest
//!   readings need for a small fleet or for readings someone must find without asking the
//!   collector. Commitments are for volume: the rest of the fleet's readings.
//! - **Collection runs in this pallet's offchain worker** ([`offchain`]): on a node whose
//!   keystore holds a registered collector key, it polls the OEMs of the consented vehicles it
//!   holds credentials for, stores the readings and submits their anchors. It lives here because
//!   it reads the registries, the consents and the heads that decide what to poll and what the
//!   chain already holds.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod functions;
#[cfg(test)]
mod mock;
pub mod offchain;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

use dimo_primitives::{
	rewards::VehicleActivity,
	vehicle::{ConsentProvider, DataReaders, OemId, VehicleId, VehicleRegistry},
};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use sp_runtime::{traits::Convert, RuntimeAppPublic};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>>
		+ frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
	{
		/// The public key of a collector, held in the collector node's keystore.
		type CollectorId: Member
			+ Parameter
			+ RuntimeAppPublic<Signature: Member + Parameter + DecodeWithMemTracking>
			+ MaxEncodedLen
			+ Ord
			+ DecodeWithMemTracking
			+ MaybeSerializeDeserialize;

		/// The account of a collector: what vehicle owners consent to.
		type CollectorAccount: Convert<Self::CollectorId, Self::AccountId>;

		/// The vehicle registry: whether a vehicle exists, and its owner's consent.
		type Vehicles: VehicleRegistry<Self::AccountId>
			+ ConsentProvider<Self::AccountId, BlockNumberFor<Self>>;

		/// Who may read a vehicle's data (pallets/data-access): the offchain worker rotates a
		/// vehicle's content key when one of them no longer may. Read offchain only.
		type Readers: DataReaders<Self::AccountId>;

		/// Told of every anchored vehicle: the data-provider rewards (pallets/issuance).
		type Activity: VehicleActivity;

		/// The origin that manages the registries: governance.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// How many collectors may be registered at once.
		#[pallet::constant]
		type MaxCollectors: Get<u32>;

		/// How many OEM sources may be registered at once, and how many push feeds.
		#[pallet::constant]
		type MaxOemSources: Get<u32>;

		/// The chain's clock: the timestamp of the block being built (at dispatch), or of the
		/// best block (in the transaction pool), in Unix milliseconds.
		type Time: frame_support::traits::Time<Moment = u64>;

		/// How far ahead of the chain's clock an observed window may end, in milliseconds: room
		/// for the time between blocks and the collector's clock drift. A window that ends
		/// later is refused ([`Error::WindowInFuture`]): every later reading of the vehicle would
		/// be stale until that time.
		#[pallet::constant]
		type MaxWindowAhead: Get<u64>;

		/// How many records one batch may hold.
		#[pallet::constant]
		type MaxBatchRecords: Get<u32>;

		/// How many records of one collector a block may hold. At least
		/// [`Config::MaxBatchRecords`]; set it so that no collector can crowd out other
		/// transactions (anchor batches pay no fee and are ordered first).
		#[pallet::constant]
		type MaxRecordsPerCollectorPerBlock: Get<u32>;

		/// How many of a vehicle's latest anchors stay in state.
		#[pallet::constant]
		type MaxAnchorsKept: Get<u32>;

		/// The priority of anchor batches in the transaction pool.
		#[pallet::constant]
		type AnchorPriority: Get<TransactionPriority>;

		/// For how many blocks a batch stays valid in the pool.
		#[pallet::constant]
		type AnchorLongevity: Get<TransactionLongevity>;

		/// How often a collector's offchain worker polls each vehicle, in blocks.
		#[pallet::constant]
		type PollEvery: Get<u32>;

		/// The longest a collector's offchain worker waits before it polls a failing vehicle
		/// again, in blocks.
		#[pallet::constant]
		type MaxPollBackoff: Get<u32>;

		/// How many records one commitment may hold: a proof has at most its base-2 log
		/// siblings.
		#[pallet::constant]
		type MaxCommitmentLeaves: Get<u32>;

		/// How many of a collector's latest commitments stay in state, where proofs are checked
		/// against them. Older roots stay in the `Committed` events of their blocks.
		#[pallet::constant]
		type MaxCommitmentsKept: Get<u32>;

		/// How old a commitment may be, in blocks, for its records to count as activity
		/// ([`Pallet::claim_activity`]): a claim shows that the vehicle sent data recently, not
		/// once long ago. At most [`Config::MaxCommitmentsKept`].
		#[pallet::constant]
		type MaxClaimAge: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// A commitment, as submitted.
	pub type CommitmentOf<T> = Commitment<<T as Config>::CollectorId>;

	/// A commitment, as stored.
	pub type CommitmentInfoOf<T> = CommitmentInfo<BlockNumberFor<T>>;

	/// A batch of records, as submitted.
	pub type AnchorBatchOf<T> =
		AnchorBatch<<T as Config>::CollectorId, <T as Config>::MaxBatchRecords>;

	/// An anchor, as stored.
	pub type AnchorOf<T> = Anchor<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

	/// A collector's signature.
	pub type CollectorSignatureOf<T> = <<T as Config>::CollectorId as RuntimeAppPublic>::Signature;

	/// A registered collector, as stored.
	pub type CollectorInfoOf<T> =
		CollectorInfo<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

	/// The registered collectors, by key.
	///
	/// `Blake2_128Concat`: keys are chosen by whoever makes them. Bounded by
	/// [`Config::MaxCollectors`] through its counter.
	#[pallet::storage]
	pub type Collectors<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::CollectorId, CollectorInfoOf<T>>;

	/// The registered OEM sources, by OEM id.
	///
	/// `Twox64Concat`: ids are chosen by governance. Bounded by [`Config::MaxOemSources`]
	/// through its counter.
	#[pallet::storage]
	pub type OemSources<T: Config> = CountedStorageMap<_, Twox64Concat, OemId, OemSource>;

	/// The registered push feeds, by OEM id: at most one per OEM, beside its HTTPS source if it
	/// has one.
	///
	/// `Twox64Concat`: ids are chosen by governance. Bounded by [`Config::MaxOemSources`]
	/// through its counter.
	#[pallet::storage]
	pub type PushFeeds<T: Config> = CountedStorageMap<_, Twox64Concat, OemId, PushFeed>;

	/// Whether OEM sources may be plain `http://` on loopback. Set at genesis only: true on the
	/// dev chain, whose OEM simulator runs on the same machine; false on any chain that others
	/// run on.
	#[pallet::storage]
	pub type LoopbackSourcesAllowed<T> = StorageValue<_, bool, ValueQuery>;

	/// Where each vehicle's anchors stand: the next sequence number and the end of the last
	/// observed window. Read to refuse stale and replayed records without reading the anchors.
	///
	/// `Twox64Concat`: ids are assigned by the chain.
	#[pallet::storage]
	pub type Heads<T> = StorageMap<_, Twox64Concat, VehicleId, AnchorHead, ValueQuery>;

	/// The latest anchors of each vehicle, oldest first. Bounded by
	/// [`Config::MaxAnchorsKept`]: when it is full, a new anchor pushes out the oldest.
	///
	/// `Twox64Concat`: ids are assigned by the chain.
	#[pallet::storage]
	pub type LatestAnchors<T: Config> = StorageMap<
		_,
		Twox64Concat,
		VehicleId,
		BoundedVec<AnchorOf<T>, T::MaxAnchorsKept>,
		ValueQuery,
	>;

	/// The sequence number of each content id in a vehicle's [`LatestAnchors`], by vehicle
	/// and the BLAKE2-256 hash of the content id; removed when its anchor leaves state.
	///
	/// Per vehicle, not global: a content id is refused only for the vehicle that already
	/// holds it. A global index let any collector that saw a batch in the (public) pool anchor
	/// one of its content ids first under a vehicle of its own, and so sink the honest batch;
	/// and a canonical record names its vehicle, so an honest collector never produces one
	/// content id for two vehicles anyway.
	///
	/// `Twox64Concat` for vehicles (assigned by the chain), `Identity` for the hash.
	#[pallet::storage]
	pub type AnchoredCids<T> =
		StorageDoubleMap<_, Twox64Concat, VehicleId, Identity, [u8; 32], u64>;

	/// How many records each collector (by account) anchored in the block it names: the
	/// collector's share of that block so far. An entry of an earlier block counts as none.
	///
	/// `Blake2_128Concat`: accounts are keys' bytes. One entry per registered collector, removed
	/// with it.
	#[pallet::storage]
	pub type CollectorLoad<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (BlockNumberFor<T>, u32)>;

	/// The latest commitments of each collector (by account), by index. Bounded by
	/// [`Config::MaxCommitmentsKept`] per collector: a new commitment removes the one that many
	/// indices older.
	///
	/// `Blake2_128Concat` for accounts (keys' bytes), `Twox64Concat` for indices (counted by
	/// the chain).
	#[pallet::storage]
	pub type Commitments<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u64, CommitmentInfoOf<T>>;

	/// The IPFS archive of each kept commitment that has one ([`Commitment::archive`]), by
	/// collector (account) and index, beside [`Commitments`]: where a reader finds the
	/// commitment's IPFS records from the chain. Kept and removed with its commitment.
	///
	/// A map of its own rather than a field of [`CommitmentInfo`], so that the commitments
	/// kept before it existed (up to [`Config::MaxCommitmentsKept`] per collector) need no
	/// migration.
	#[pallet::storage]
	pub type CommitmentArchives<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u64, ContentId>;

	/// The Arweave bundle of each kept commitment that has one ([`Commitment::arweave_bundle`]):
	/// the transaction whose data, an ANS-104 bundle, holds the commitment's Arweave records;
	/// by collector (account) and index, kept and removed with its commitment, like
	/// [`CommitmentArchives`].
	#[pallet::storage]
	pub type CommitmentBundles<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u64, [u8; 32]>;

	/// Where each collector's commitments stand (by account): the next index. Kept when the
	/// collector is removed, so that its index never repeats.
	///
	/// `Blake2_128Concat`: accounts are keys' bytes.
	#[pallet::storage]
	pub type CommitmentHeads<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, CommitmentHead, ValueQuery>;

	/// The end of the observed window of the last committed record claimed as activity for
	/// each vehicle ([`Pallet::claim_activity`]): a claim must present a later reading, so no
	/// reading counts twice.
	///
	/// `Twox64Concat`: ids are assigned by the chain. Removed with the vehicle.
	#[pallet::storage]
	pub type ClaimHeads<T> = StorageMap<_, Twox64Concat, VehicleId, u64>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The collectors registered at genesis.
		pub collectors: alloc::vec::Vec<T::CollectorId>,
		/// The OEM sources registered at genesis.
		pub oem_sources: alloc::vec::Vec<(OemId, OemSource)>,
		/// The push feeds registered at genesis.
		pub push_feeds: alloc::vec::Vec<(OemId, PushFeed)>,
		/// Whether OEM sources may be plain `http://` on loopback (and push feeds' hosts
		/// `localhost`).
		pub loopback_sources_allowed: bool,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			LoopbackSourcesAllowed::<T>::put(self.loopback_sources_allowed);
			for collector in &self.collectors {
				Pallet::<T>::do_register_collector(collector.clone())
					.expect("the genesis collectors are distinct and within the bound");
			}
			for (oem, source) in &self.oem_sources {
				Pallet::<T>::do_set_oem_source(*oem, source.clone())
					.expect("the genesis OEM sources are well-formed and within the bound");
			}
			for (oem, feed) in &self.push_feeds {
				Pallet::<T>::do_set_push_feed(*oem, feed.clone())
					.expect("the genesis push feeds are well-formed and within the bound");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance registered a collector.
		CollectorRegistered {
			/// Its key.
			collector: T::CollectorId,
			/// The account that its key spells.
			account: T::AccountId,
		},
		/// Governance removed a collector: its batches are refused from now on.
		CollectorRemoved {
			/// Its key.
			collector: T::CollectorId,
		},
		/// Governance registered or changed the source of an OEM.
		OemSourceSet {
			/// The OEM.
			oem: OemId,
			/// Where its API is now.
			source: OemSource,
		},
		/// Governance removed the source of an OEM: collectors stop polling it.
		OemSourceRemoved {
			/// The OEM.
			oem: OemId,
		},
		/// Governance registered or changed the push feed of an OEM: collectors connect to it
		/// (or, for Fleet Telemetry, accept its vehicles) from the next block.
		PushFeedSet {
			/// The OEM.
			oem: OemId,
			/// Where and how it pushes now.
			feed: PushFeed,
		},
		/// Governance removed the push feed of an OEM: collectors disconnect from it.
		PushFeedRemoved {
			/// The OEM.
			oem: OemId,
		},
		/// A reading of a vehicle was anchored.
		Anchored {
			/// The vehicle.
			vehicle: VehicleId,
			/// The anchor's sequence number among the vehicle's anchors.
			seq: u64,
			/// The account of the collector that anchored it.
			collector: T::AccountId,
			/// The record's content id.
			cid: ContentId,
			/// The record's size, in bytes.
			size: u32,
			/// Where the record is.
			backend: dimo_primitives::vehicle::StorageBackend,
			/// The Arweave transaction that holds it, if it is on Arweave.
			arweave_tx: Option<ArweaveTxId>,
			/// The start of the observed window, in Unix milliseconds.
			observed_from: u64,
			/// The end of the observed window, in Unix milliseconds.
			observed_to: u64,
		},
		/// A collector committed to the records of a window.
		Committed {
			/// The account of the collector.
			collector: T::AccountId,
			/// The commitment's index among the collector's.
			index: u64,
			/// The root of its tree.
			root: dimo_primitives::commitment::H256,
			/// How many records it holds.
			leaf_count: u32,
			/// The start of its window, Unix ms.
			window_from: u64,
			/// The end of its window, Unix ms.
			window_to: u64,
			/// The root of the IPFS archive of its IPFS records, if it has any.
			archive: Option<ContentId>,
			/// The Arweave transaction of the bundle of its Arweave records, if it has any.
			arweave_bundle: Option<[u8; 32]>,
		},
		/// A committed record was proved, and its vehicle counted as active.
		ActivityClaimed {
			/// The vehicle.
			vehicle: VehicleId,
			/// The account of the collector that committed the record.
			collector: T::AccountId,
			/// The commitment's index.
			index: u64,
			/// The end of the record's observed window: later claims need a later one.
			observed_to: u64,
			/// Who presented the proof.
			claimant: T::AccountId,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The collector is already registered.
		CollectorAlreadyRegistered,
		/// No collector with this key is registered. Ask governance to register it.
		UnknownCollector,
		/// [`Config::MaxCollectors`] collectors are registered; remove one first.
		TooManyCollectors,
		/// No source is registered for this OEM.
		UnknownOemSource,
		/// [`Config::MaxOemSources`] sources are registered; remove one first.
		TooManyOemSources,
		/// A source URL is not `https://host[:port][/path]`.
		MalformedSourceUrl,
		/// A source URL is plain `http://`: only allowed to loopback, on chains whose genesis
		/// allows it.
		InsecureSourceUrl,
		/// No push feed is registered for this OEM.
		UnknownPushFeed,
		/// [`Config::MaxOemSources`] push feeds are registered; remove one first.
		TooManyPushFeeds,
		/// A push feed's host is not a DNS name (an IP address is refused: the chain trusts
		/// names and their certificates), or is `localhost` on a chain that does not allow
		/// loopback sources.
		MalformedFeedHost,
		/// A push feed's port is 0.
		BadFeedPort,
		/// A push feed's topic is empty, starts with `$`, or holds a wildcard (`+`, `#`), a
		/// space or a byte that is not printable ASCII; a Kafka topic anything but letters,
		/// digits, `.`, `_` and `-`.
		MalformedFeedTopic,
		/// A push feed's CA certificate is not one DER `SEQUENCE` spanning exactly its bytes.
		MalformedCaCertificate,
		/// The batch holds no record.
		EmptyBatch,
		/// The records of a batch must be in strictly ascending order of vehicle id: one record
		/// per vehicle.
		VehiclesNotAscending,
		/// The signature does not match the batch and the collector's key.
		BadSignature,
		/// No vehicle has this id.
		UnknownVehicle,
		/// The vehicle's owner has not consented to this collector, or the consent expired.
		CollectorNotConsented,
		/// The record's storage backend is not the one the vehicle's owner chose.
		BackendNotAllowed,
		/// The content id is not a CIDv1 with a sha2-256 digest.
		MalformedCid,
		/// The observed window ends before it starts.
		BadWindow,
		/// The observed window does not start after the end of the vehicle's last anchored
		/// window: a replay, or a reading older than one already anchored.
		StaleWindow,
		/// A record with this content id is already anchored for this vehicle.
		DuplicateCid,
		/// The vehicle has anchored more readings than a sequence number can count.
		SequenceOverflow,
		/// The observed window ends more than [`Config::MaxWindowAhead`] after the chain's
		/// clock: a reading cannot come from the future.
		WindowInFuture,
		/// The collector's records in this block would exceed
		/// [`Config::MaxRecordsPerCollectorPerBlock`]: submit the batch again for a later
		/// block.
		BlockShareUsed,
		/// A record on Arweave names no Arweave transaction, or a record elsewhere names one.
		ArweaveTxMismatch,
		/// A commitment holds no record.
		EmptyCommitment,
		/// A commitment holds more than [`Config::MaxCommitmentLeaves`] records.
		TooManyLeaves,
		/// A commitment's index is not the collector's next one
		/// ([`CommitmentHead::next_index`]).
		CommitmentOutOfOrder,
		/// The collector has no commitment with this index in state.
		UnknownCommitment,
		/// The proof does not lead from the record to the commitment's root.
		BadProof,
		/// The record's observed window is not inside its commitment's.
		OutsideCommitmentWindow,
		/// The vehicle's consent history no longer reaches back to the commitment's block.
		ConsentForgotten,
		/// The commitment is older than [`Config::MaxClaimAge`]: its records no longer count
		/// as activity.
		ClaimTooLate,
		/// The record's window does not start after the last one claimed for its vehicle.
		StaleClaim,
		/// A commitment's archive is not a CIDv1 with the DAG-CBOR codec and a sha2-256 digest.
		MalformedArchive,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxAnchorsKept::get() > 0, "a vehicle must keep at least its last anchor");
			assert!(T::MaxBatchRecords::get() > 0, "a batch must hold at least one record");
			assert!(
				T::MaxRecordsPerCollectorPerBlock::get() >= T::MaxBatchRecords::get(),
				"a full batch must fit in a collector's share of a block"
			);
			assert!(T::AnchorLongevity::get() > 0, "a batch must stay valid for a block at least");
			assert!(T::PollEvery::get() > 0, "a vehicle is polled at most once a block");
			assert!(T::MaxCommitmentLeaves::get() > 0, "a commitment must hold a record");
			assert!(T::MaxCommitmentsKept::get() > 0, "a collector keeps its last commitment");
			assert!(
				T::MaxClaimAge::get() <= T::MaxCommitmentsKept::get().into(),
				"a claimable commitment is still in state (at most one per collector per block)"
			);
		}

		/// On a collector node (a registered collector key in the keystore): polls the due
		/// vehicles and anchors their readings ([`offchain`]). Elsewhere: nothing.
		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::collect(now);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Registers a collector key.
		///
		/// - Origin: [`Config::AdminOrigin`].
		/// - Errors: [`Error::CollectorAlreadyRegistered`], [`Error::TooManyCollectors`].
		/// - Events: [`Event::CollectorRegistered`].
		#[pallet::call_index(0)]
		pub fn register_collector(
			origin: OriginFor<T>,
			collector: T::CollectorId,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_register_collector(collector)
		}

		/// Removes a collector key; its batches are refused from then on. Owners' consents to
		/// its account stay, and count again if it is registered again.
		///
		/// - Origin: [`Config::AdminOrigin`].
		/// - Errors: [`Error::UnknownCollector`].
		/// - Events: [`Event::CollectorRemoved`].
		#[pallet::call_index(1)]
		pub fn remove_collector(origin: OriginFor<T>, collector: T::CollectorId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_remove_collector(collector)
		}

		/// Registers the source of an OEM, or changes it.
		///
		/// - Origin: [`Config::AdminOrigin`].
		/// - Errors: [`Error::MalformedSourceUrl`], [`Error::InsecureSourceUrl`],
		///   [`Error::TooManyOemSources`].
		/// - Events: [`Event::OemSourceSet`].
		#[pallet::call_index(2)]
		pub fn set_oem_source(
			origin: OriginFor<T>,
			oem: OemId,
			source: OemSource,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_oem_source(oem, source)
		}

		/// Removes the source of an OEM: collectors stop polling it.
		///
		/// - Origin: [`Config::AdminOrigin`].
		/// - Errors: [`Error::UnknownOemSource`].
		/// - Events: [`Event::OemSourceRemoved`].
		#[pallet::call_index(3)]
		pub fn remove_oem_source(origin: OriginFor<T>, oem: OemId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_remove_oem_source(oem)
		}

		/// Registers the push feed of an OEM, or changes it.
		///
		/// - Origin: [`Config::AdminOrigin`].
		/// - Errors: [`Error::MalformedFeedHost`], [`Error::BadFeedPort`],
		///   [`Error::MalformedFeedTopic`], [`Error::MalformedCaCertificate`],
		///   [`Error::TooManyPushFeeds`].
		/// - Events: [`Event::PushFeedSet`].
		#[pallet::call_index(7)]
		pub fn set_push_feed(origin: OriginFor<T>, oem: OemId, feed: PushFeed) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_push_feed(oem, feed)
		}

		/// Removes the push feed of an OEM: collectors disconnect from it.
		///
		/// - Origin: [`Config::AdminOrigin`].
		/// - Errors: [`Error::UnknownPushFeed`].
		/// - Events: [`Event::PushFeedRemoved`].
		#[pallet::call_index(8)]
		pub fn remove_push_feed(origin: OriginFor<T>, oem: OemId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_remove_push_feed(oem)
		}

		/// Anchors a batch of readings.
		///
		/// - Origin: authorized (a general transaction that [`Pallet::authorize_anchor_batch`]
		///   accepted): `signature` is the collector's over
		///   [`AnchorBatch::signing_payload`].
		/// - Errors: [`Error::EmptyBatch`], [`Error::UnknownCollector`],
		///   [`Error::VehiclesNotAscending`], [`Error::UnknownVehicle`],
		///   [`Error::CollectorNotConsented`], [`Error::BackendNotAllowed`],
		///   [`Error::MalformedCid`], [`Error::BadWindow`], [`Error::StaleWindow`],
		///   [`Error::WindowInFuture`], [`Error::DuplicateCid`], [`Error::SequenceOverflow`],
		///   [`Error::BlockShareUsed`], [`Error::ArweaveTxMismatch`]. In the pool the same
		///   conditions, and a bad signature, make the transaction invalid.
		/// - Events: [`Event::Anchored`] for each record.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::anchor_batch(batch.records.len() as u32)
			.saturating_add(T::Activity::note_active_weight()
				.saturating_mul(batch.records.len() as u64)))]
		#[pallet::authorize(Pallet::<T>::authorize_anchor_batch)]
		#[pallet::weight_of_authorize(
			T::WeightInfo::authorize_anchor_batch(batch.records.len() as u32)
		)]
		pub fn anchor_batch(
			origin: OriginFor<T>,
			batch: AnchorBatchOf<T>,
			signature: CollectorSignatureOf<T>,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			// The signature was checked when the transaction was authorized, in this block.
			let _ = signature;
			Self::do_anchor_batch(batch)
		}

		/// Commits to the records of a window: the root of their Merkle tree and their count
		/// (see [`dimo_primitives::commitment`]). The records stay with the collector, which
		/// serves inclusion proofs; a proof is checked against the root with
		/// [`Pallet::verify_committed`] (the runtime API's `verify_committed`).
		///
		/// - Origin: authorized (a general transaction that [`Pallet::authorize_commit`]
		///   accepted): `signature` is the collector's over [`Commitment::signing_payload`].
		/// - Errors: [`Error::UnknownCollector`], [`Error::EmptyCommitment`],
		///   [`Error::TooManyLeaves`], [`Error::BadWindow`], [`Error::WindowInFuture`],
		///   [`Error::CommitmentOutOfOrder`], [`Error::MalformedArchive`]. In the pool the same conditions, and a bad
		///   signature, make the transaction invalid.
		/// - Events: [`Event::Committed`].
		#[pallet::call_index(5)]
		#[pallet::authorize(Pallet::<T>::authorize_commit)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_commit())]
		pub fn commit(
			origin: OriginFor<T>,
			commitment: CommitmentOf<T>,
			signature: CollectorSignatureOf<T>,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			// The signature was checked when the transaction was authorized, in this block.
			let _ = signature;
			Self::do_commit(commitment)
		}

		/// Proves a committed record and counts its vehicle as active in the current epoch
		/// ([`Config::Activity`]): how committed readings earn rewards, one claim per vehicle
		/// when it suits, instead of one write per reading. Anyone may claim (the rewards go to
		/// the vehicle's owner): its owner, the collector, a service.
		///
		/// - Origin: signed.
		/// - Errors: those of [`Pallet::verify_committed`] ([`Error::UnknownCommitment`],
		///   [`Error::BadProof`], [`Error::BadWindow`], [`Error::OutsideCommitmentWindow`],
		///   [`Error::MalformedCid`], [`Error::ArweaveTxMismatch`], [`Error::UnknownVehicle`],
		///   [`Error::CollectorNotConsented`], [`Error::ConsentForgotten`]),
		///   [`Error::ClaimTooLate`], [`Error::StaleClaim`].
		/// - Events: [`Event::ActivityClaimed`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::claim_activity()
			.saturating_add(T::Activity::note_active_weight()))]
		pub fn claim_activity(
			origin: OriginFor<T>,
			collector: T::AccountId,
			index: u64,
			record: CommittedRecord,
			proof: Proof,
		) -> DispatchResult {
			let claimant = ensure_signed(origin)?;
			Self::do_claim_activity(claimant, collector, index, record, proof)
		}
	}
}
