//! Ownership attestations: how the chain learns that an account controls a car.
//!
//! Whoever registers a car's `(oem, oem_ref_hash)` first holds it, so registration needs proof
//! of control, and the proof DIMO relies on at onboarding is the owner's OAuth grant at the
//! carmaker: the carmaker's API lists the car for that grant. The chain cannot call the
//! carmaker; a registered collector can. A collector that has checked, with the owner's grant,
//! that the carmaker lists the car signs, with its `dcol` key, the bytes of
//! [`ownership_payload`]: the chain (pallets/vehicles) accepts a registration, or a reclaim
//! from whoever registered the car before, carrying that signature from a collector that
//! governance registered, naming the signer as owner, and not expired.
//!
//! The payload is a plain concatenation, so that any client can build it without SCALE:
//!
//! ```text
//! "dimo/ownership/v1" (17 bytes) ++ genesis hash (32) ++ oem (u32 LE) ++ oem_ref_hash (32)
//!   ++ owner (the account's 32 bytes) ++ expires_at (block number, u32 LE)
//! ```
//!
//! The genesis hash binds it to one chain; the expiry bounds how long a grant checked once
//! speaks for the owner ([`MAX_ATTESTATION_LIFETIME`]).

use crate::{time::HOURS, vehicle::OemId, BlockNumber};
use alloc::vec::Vec;
use codec::Encode;

/// What an ownership attestation's payload starts with: no other signed message of a
/// collector (anchor batches, stream auth) can be taken for one.
pub const OWNERSHIP_CONTEXT: &[u8] = b"dimo/ownership/v1";

/// The longest an attestation may live, in blocks (one hour): a collector attests with
/// `expires_at` = the current block + this, and the chain refuses one that expires later.
/// The owner uses it within the hour, while the grant it was checked with is fresh.
pub const MAX_ATTESTATION_LIFETIME: BlockNumber = HOURS;

/// The bytes a collector signs to attest that `owner` controls the car `(oem, oem_ref_hash)`
/// on the chain whose genesis hash is `genesis`, until block `expires_at` (exclusive).
pub fn ownership_payload<Hash: Encode, AccountId: Encode, Block: Encode>(
	genesis: &Hash,
	oem: OemId,
	oem_ref_hash: &sp_core::H256,
	owner: &AccountId,
	expires_at: &Block,
) -> Vec<u8> {
	let mut payload = OWNERSHIP_CONTEXT.to_vec();
	genesis.encode_to(&mut payload);
	oem.encode_to(&mut payload);
	oem_ref_hash.encode_to(&mut payload);
	owner.encode_to(&mut payload);
	expires_at.encode_to(&mut payload);
	payload
}

/// The registry of collectors (pallets/anchoring), as other pallets see it.
pub trait CollectorRegistry<CollectorId> {
	/// Whether governance registered `collector` and has not removed it.
	fn is_registered(collector: &CollectorId) -> bool;

	/// Registers `collector`, for benchmarks that need a registered one.
	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmarks(collector: CollectorId);
}

/// No registry: no collector is registered, so no attestation counts (a runtime without
/// collectors, or a test that needs none).
impl<CollectorId> CollectorRegistry<CollectorId> for () {
	fn is_registered(_: &CollectorId) -> bool {
		false
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmarks(_: CollectorId) {}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::AccountId;
	use sp_core::H256;

	#[test]
	fn the_payload_is_the_documented_concatenation() {
		let genesis = H256::repeat_byte(0x11);
		let reference = H256::repeat_byte(0x22);
		let owner = AccountId::from([0x33; 32]);
		let payload = ownership_payload(&genesis, 0x0102_0304, &reference, &owner, &0x0a0b_0c0du32);
		let mut expected = b"dimo/ownership/v1".to_vec();
		expected.extend([0x11; 32]);
		expected.extend([0x04, 0x03, 0x02, 0x01]);
		expected.extend([0x22; 32]);
		expected.extend([0x33; 32]);
		expected.extend([0x0d, 0x0c, 0x0b, 0x0a]);
		assert_eq!(payload, expected);
		assert_eq!(payload.len(), 17 + 32 + 4 + 32 + 32 + 4);
	}
}
