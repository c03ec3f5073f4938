//! The records of the vehicle registry, as stored and as the runtime API returns them.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use dimo_primitives::vehicle::{OemId, Ownership, StorageBackend, VehicleId};
use frame_support::{CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use scale_info::TypeInfo;
use sp_core::H256;

/// A registered vehicle.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Vehicle<AccountId, Balance, BlockNumber> {
	/// Its owner.
	pub owner: AccountId,
	/// Its carmaker.
	pub oem: OemId,
	/// The hash of the carmaker's reference to it.
	pub oem_ref_hash: H256,
	/// The ownership version: how many times the vehicle has been transferred.
	pub transfers: u32,
	/// Where its data blobs may be stored.
	pub storage: StorageBackend,
	/// The account that paid the deposit, and gets it back when the vehicle is retired.
	pub depositor: AccountId,
	/// The deposit held from `depositor`.
	pub deposit: Balance,
	/// The block in which it was registered.
	pub registered_at: BlockNumber,
	/// The block from which `owner` owns it (registration, transfer or reclaim): an ownership
	/// attestation older than this cannot take it from them.
	pub owned_since: BlockNumber,
}

/// A registered collector's signed word that the account using it controls a car at its
/// carmaker (see [`dimo_primitives::ownership`] for what is signed and why).
///
/// The car and the owner are not repeated here: the chain rebuilds the signed payload from the
/// call (the car registered, or the reclaimed vehicle's car) and its signer, so that an
/// attestation for another car or another account fails its signature check.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct OwnershipAttestation<CollectorId, Signature, BlockNumber> {
	/// The collector that checked the owner's grant at the carmaker.
	pub collector: CollectorId,
	/// The block from which it no longer counts.
	pub expires_at: BlockNumber,
	/// The collector's signature over the payload.
	pub signature: Signature,
}

/// An owner's offer to hand a vehicle over, waiting for the receiver to accept it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct TransferOffer<AccountId, BlockNumber> {
	/// The account that may accept it.
	pub to: AccountId,
	/// The vehicle's ownership version when it was made: an offer of an earlier owner is
	/// void.
	pub transfers: u32,
	/// The block from which it can no longer be accepted.
	pub expires_at: BlockNumber,
}

/// A reclaim of a vehicle that its owner got by an accepted transfer, open to the owner's answer
/// until `answer_by` ([`crate::Pallet::reclaim`]).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ReclaimClaim<AccountId, CollectorId, Balance, BlockNumber> {
	/// The account that claims the vehicle.
	pub claimant: AccountId,
	/// The collector whose attestation backs the claim.
	pub attested_by: CollectorId,
	/// The expiry of the claimant's attestation: how fresh it is (an answer must be fresher).
	pub attested_until: BlockNumber,
	/// The vehicle's ownership version when the claim was made.
	pub transfers: u32,
	/// The block until which the owner may answer (inclusive).
	pub answer_by: BlockNumber,
	/// Held from the claimant while the claim is open: the owner's if the owner answers it.
	pub deposit: Balance,
	/// Both sides attested equally fresh: only the dispute origin (the technical committee)
	/// settles it now.
	pub contested: bool,
}

/// A collector's consent to collect a vehicle's data.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct CollectorConsent<AccountId, BlockNumber> {
	/// The collector.
	pub collector: AccountId,
	/// The block from which the consent no longer holds, if it expires.
	pub until: Option<BlockNumber>,
}

impl<AccountId: Clone, Balance, BlockNumber> Vehicle<AccountId, Balance, BlockNumber> {
	/// Who owns it, and how many times it changed hands: what the other pallets (through
	/// [`VehicleRegistry::ownership`]) and the node's `dimo_canRead` read of a vehicle record.
	pub fn ownership(&self) -> Ownership<AccountId> {
		Ownership { owner: self.owner.clone(), transfers: self.transfers }
	}
}

impl<AccountId, BlockNumber: PartialOrd> CollectorConsent<AccountId, BlockNumber> {
	/// Whether the consent holds at block `at`.
	pub fn is_live_at(&self, at: &BlockNumber) -> bool {
		self.until.as_ref().is_none_or(|until| at < until)
	}
}

/// A stretch of time in which the owner of a vehicle let a collector collect its data onto one
/// storage backend: from block `from` (included) to `until` (excluded; `None`: open).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct ConsentSpan<AccountId, BlockNumber> {
	/// The collector.
	pub collector: AccountId,
	/// Where the data could be stored.
	pub backend: StorageBackend,
	/// The first block of the span.
	pub from: BlockNumber,
	/// The block from which the consent no longer held, if it ended or expires.
	pub until: Option<BlockNumber>,
}

impl<AccountId, BlockNumber: PartialOrd> ConsentSpan<AccountId, BlockNumber> {
	/// Whether the span covers block `at`.
	pub fn covers(&self, at: &BlockNumber) -> bool {
		self.from <= *at && self.until.as_ref().is_none_or(|until| at < until)
	}
}

/// The consents of a vehicle over time: what proofs of committed records are checked against
/// (see [`ConsentHistories`](crate::ConsentHistories)).
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(MaxSpans))]
pub struct ConsentHistory<AccountId, BlockNumber, MaxSpans>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxSpans: frame_support::traits::Get<u32>,
{
	/// The spans kept, in the order they began.
	pub spans: frame_support::BoundedVec<ConsentSpan<AccountId, BlockNumber>, MaxSpans>,
	/// The history is complete from this block on: spans that ended before it may have been
	/// dropped to make room.
	pub complete_from: BlockNumber,
}

impl<AccountId, BlockNumber, MaxSpans> ConsentHistory<AccountId, BlockNumber, MaxSpans>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + Copy + PartialEq + Eq + PartialOrd + Ord + core::fmt::Debug,
	MaxSpans: frame_support::traits::Get<u32>,
{
	/// Ends, at block `now`, the spans of `collector` (of every collector if `None`) that still
	/// hold or would hold later. A span that began at `now` held for no block: it goes.
	pub fn end(&mut self, collector: Option<&AccountId>, now: BlockNumber) {
		self.spans.retain(|span| {
			!(collector.is_none_or(|collector| span.collector == *collector)
				&& span.from == now
				&& span.until.is_none_or(|until| until > now))
		});
		for span in self.spans.iter_mut() {
			let matches = collector.is_none_or(|collector| span.collector == *collector);
			if matches && span.until.is_none_or(|until| until > now) {
				span.until = Some(now);
			}
		}
	}

	/// Begins a span of `collector` onto `backend` at block `now`, ending at `until`. When the
	/// history is full, the oldest span that has ended makes room, and the history is complete
	/// only from its end on.
	pub fn begin(
		&mut self,
		collector: AccountId,
		backend: StorageBackend,
		now: BlockNumber,
		until: Option<BlockNumber>,
	) {
		if self.spans.is_full() {
			let ended = self.spans.iter().position(|span| span.until.is_some_and(|u| u <= now));
			// Never more open spans than collectors per vehicle, which the bound doubles
			// (checked by the pallet's integrity test): an ended span is always there.
			let (position, complete_from) = match ended {
				Some(position) => (position, self.spans[position].until.unwrap_or(now)),
				None => (0, now),
			};
			self.spans.remove(position);
			self.complete_from = self.complete_from.max(complete_from);
		}
		let span = ConsentSpan { collector, backend, from: now, until };
		if self.spans.try_push(span).is_err() {
			frame_support::defensive!("a full history made room for the new span");
		}
	}

	/// Moves every span that still holds onto `backend` from block `now`: each is ended and
	/// begun again with the new backend and the same end.
	pub fn change_backend(&mut self, backend: StorageBackend, now: BlockNumber) {
		let holding: alloc::vec::Vec<_> = self
			.spans
			.iter()
			.filter(|span| span.until.is_none_or(|until| until > now))
			.map(|span| (span.collector.clone(), span.until))
			.collect();
		self.end(None, now);
		for (collector, until) in holding {
			self.begin(collector, backend, now, until);
		}
	}
}

/// A vehicle as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct VehicleDetails<AccountId, Balance, BlockNumber> {
	/// Its id.
	pub id: VehicleId,
	/// The record.
	pub vehicle: Vehicle<AccountId, Balance, BlockNumber>,
}

/// What the owner of a vehicle consents to now, as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct Consents<AccountId, BlockNumber> {
	/// Where the vehicle's data may be stored.
	pub storage: StorageBackend,
	/// The collectors whose consent holds now, with their expiries.
	pub collectors: alloc::vec::Vec<CollectorConsent<AccountId, BlockNumber>>,
}
