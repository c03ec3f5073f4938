//! The records of the vehicle registry, as stored and as the runtime API returns them.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use dimo_primitives::vehicle::{OemId, Ownership, StorageBackend, VehicleId};
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
