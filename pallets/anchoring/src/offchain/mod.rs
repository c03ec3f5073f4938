//! The collector's offchain worker: polls the OEM APIs with the owners' credentials, stores
//! each reading, and anchors the readings' content ids in one authorized batch.
//!
//! It runs on every imported block of a node whose keystore holds a registered collector key
//! (key type `dcol`), and does nothing on other nodes. One run:
//!
//! 1. takes the collector's lock in offchain storage ([`LOCK_KEY`]), so that two runs (two
//!    blocks imported in quick succession) never poll the same vehicles;
//! 2. reads the work queue ([`PENDING_KEY`]): records built by earlier runs that the chain has
//!    not anchored yet. Those the chain now holds (its [`Heads`] moved past them) are done; one
//!    that its head moved past without anchoring it is dropped with a warning; the others are
//!    submitted again. A vehicle with a pending record is not polled, so its
//!    readings reach the chain in order;
//! 3. picks the due vehicles ([`dimo_offchain::schedule`]) among those it holds credentials for
//!    ([`dimo_offchain::credentials`]), that consent to this collector at this block, whose OEM
//!    has a registered source on a host that the operator listed (no other host is ever
//!    contacted), and whose credentials name the car the registry holds (the OEM, and the
//!    blake2-256 of the OEM's id of the car);
//! 4. refreshes the access tokens that expire within a minute, and writes the new tokens back
//!    to offchain storage; then asks every due vehicle's OEM for data, all requests in flight
//!    at once, under one deadline, reading at most the operator's maximum of each answer
//!    (a larger one fails that vehicle only). HTTPS goes through the node's client, which
//!    checks the certificate chain against the system trust store;
//! 5. builds each reading's canonical record ([`dimo_offchain::record`]) and seals it in an
//!    envelope ([`dimo_offchain::envelope`]) under the vehicle's content key, made or rotated
//!    here: a new key whenever someone who could read the vehicle's data ([`Config::Readers`])
//!    no longer can, none once the collector's consent ends. The envelope's CID is what is
//!    anchored; for the vehicles that chose IPFS the envelope is added to the node's IPFS and
//!    the CID that IPFS returns checked against its own (per-record mode), or put with the
//!    run's others in one archive, spooled in offchain storage for the node's importer to
//!    `dag/import` while the next run polls ([`dimo_offchain::ipfs_spool`], commitment mode);
//!    for those that chose Arweave it goes
//!    to the Arweave outbox ([`dimo_offchain::arweave::outbox`]), from which the node's
//!    uploader posts it as an Arweave transaction. Each reading stored (IPFS), queued for
//!    Arweave or anchored only (`Local`) is kept, sealed, in the node's store of recent
//!    readings ([`dimo_offchain::readings`]) from which the gateway serves owners and grantees;
//! 6. adds to the work queue, with the transaction id, each Arweave reading that the gateway
//!    reports mined (of each vehicle the oldest first:
//!    [`outbox::anchorable`](dimo_offchain::arweave::outbox::anchorable)), so that an
//!    Arweave anchor always names data that any gateway serves;
//! 7. writes the records to the work queue *before* submitting them (and only then removes the
//!    mined uploads from the outbox), then signs the batch with the collector key and submits
//!    it as an authorized transaction.
//!
//! A crash anywhere leaves either no record (the vehicle is polled again) or a queued record
//! (submitted again by the next run); the chain refuses a window it already holds
//! ([`Error::StaleWindow`]), so a record can be submitted any number of times and anchored once.
//! A re-org that drops an anchor leaves its record in the queue until the chain holds it. An
//! Arweave reading the gateway refuses (no balance, gateway down) stays in the outbox and holds
//! back its vehicle's later readings, of which the outbox takes at most
//! [`outbox::MAX_UPLOADS_PER_VEHICLE`](dimo_offchain::arweave::outbox::MAX_UPLOADS_PER_VEHICLE):
//! nothing of the vehicle is anchored until it is mined.
//!
//! Credentials never leave the node: tokens go only into the OEM's request headers and form
//! bodies, to hosts that governance registered *and* the operator listed
//! ([`dimo_offchain::settings`]); they are sealed at rest ([`dimo_offchain::seal`]) under a key
//! from the node's keystore; and the log lines name vehicles, OEMs and hosts, never tokens.
//!
//! # Where each step lives
//!
//! The files follow the data path, top to bottom; each step returns a `Result` whose error,
//! a [`Stop`], is logged once by whoever gives up on the run, the vehicle or the reading:
//!
//! - [`local`]: what the worker reads from the node's offchain storage, sealed or not;
//! - [`due`]: the due vehicles, each checked (consent, backend, credentials, registered and
//!   listed source, the very car) into a job, and the schedule written after the run;
//! - [`tokens`]: the OAuth refresh of the tokens that expire soon;
//! - [`fetch`]: the OEM requests, all in flight at once under one deadline;
//! - [`pushed`]: the readings that OEMs pushed, taken from the push inbox that the node's
//!   receivers fill, checked (push feed, registered car, consent) and stored beside the polled
//!   ones (commitment mode);
//! - [`store`]: record → envelope → CID → IPFS, and the readings kept for the gateway;
//! - [`content_keys`]: each vehicle's content keys, one per class of signals (made, rotated,
//!   wrapped to the class's readers, retired);
//! - [`arweave`]: the Arweave outbox (readings queued for the node's uploader, mined ones
//!   anchored);
//! - [`records`]: per-record anchoring: the work queue and the batch;
//! - [`commitments`]: commitment mode: the log and the commitment;
//! - [`chain`]: what the chain says (consent, the vehicle's head) and the signed submission,
//!   written once for both modes.

mod arweave;
mod chain;
mod commitments;
mod content_keys;
mod due;
mod fetch;
mod local;
mod pushed;
mod records;
mod store;
mod tokens;

pub use records::{PendingRecord, MAX_SUBMISSIONS, PENDING_KEY};

use crate::pallet::*;
use alloc::string::String;
use dimo_offchain::settings::{Settings, SETTINGS_KEY};
use frame_system::{offchain::CreateAuthorizedTransaction, pallet_prelude::BlockNumberFor};
use sp_runtime::{
	offchain::{
		storage_lock::{BlockAndTime, StorageLock},
		Duration,
	},
	traits::Convert,
	RuntimeAppPublic,
};

/// The target of the collector's log lines.
pub const LOG_TARGET: &str = "dimo::collector";

/// The offchain-storage key of the collector's lock.
pub const LOCK_KEY: &[u8] = b"dimo/collector/lock";

/// The lock expires after this many blocks or this long, whichever comes later, so that a
/// run that died holding it does not stop collection for good.
const LOCK_BLOCKS: u32 = 5;
const LOCK_MS: u64 = 60_000;

/// Why a step stopped short: the run, a vehicle or a reading goes no further this time. It says
/// how loud the stop is, and is logged once ([`Stop::log`]) by the caller that gives up.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Stop {
	/// How loud: `Debug` for the expected (another run holds the lock), up to `Error` for what
	/// the operator must look at.
	pub level: log::Level,
	/// What happened, naming vehicles, OEMs and hosts, never a token.
	pub reason: String,
}

impl Stop {
	/// A stop that is part of normal operation.
	pub fn debug(reason: impl Into<String>) -> Self {
		Self { level: log::Level::Debug, reason: reason.into() }
	}

	/// A stop worth a line in an operator's log.
	pub fn info(reason: impl Into<String>) -> Self {
		Self { level: log::Level::Info, reason: reason.into() }
	}

	/// A stop that the operator or the owner may have to act on.
	pub fn warn(reason: impl Into<String>) -> Self {
		Self { level: log::Level::Warn, reason: reason.into() }
	}

	/// A stop that should not happen.
	pub fn error(reason: impl Into<String>) -> Self {
		Self { level: log::Level::Error, reason: reason.into() }
	}

	/// Logs the stop at its level.
	pub fn log(&self) {
		log::log!(target: LOG_TARGET, self.level, "{}", self.reason);
	}
}

/// What a step answers: its result, or why it stopped.
pub type StepResult<V = ()> = Result<V, Stop>;

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// The offchain worker's run at block `now` (see the [module docs](self)): the hook logs
	/// why a run stopped short, if it did.
	pub fn collect(now: BlockNumberFor<T>) {
		if let Err(stop) = Self::run(now) {
			stop.log();
		}
	}

	/// One run: on a collector node, under the lock, in the mode the operator chose.
	fn run(now: BlockNumberFor<T>) -> StepResult {
		// Not a collector node (or not a registered key): nothing to do, nothing to say.
		let Some(key) = Self::local_collector() else { return Ok(()) };
		let mut lock =
			StorageLock::<BlockAndTime<frame_system::Pallet<T>>>::with_block_and_time_deadline(
				LOCK_KEY,
				LOCK_BLOCKS,
				Duration::from_millis(LOCK_MS),
			);
		let _guard =
			lock.try_lock().map_err(|_| Stop::debug("another run holds the collector's lock"))?;
		let account = T::CollectorAccount::convert(key.clone());
		let settings: Settings = local::read_persistent(SETTINGS_KEY).unwrap_or_default();
		if settings.commit {
			Self::collect_committed(now, key, &account, &settings)
		} else {
			Self::collect_records(now, key, &account, &settings)
		}
	}

	/// The first collector key in the node's keystore that the chain has registered.
	fn local_collector() -> Option<T::CollectorId> {
		T::CollectorId::all().into_iter().find(|key| Collectors::<T>::contains_key(key))
	}
}
