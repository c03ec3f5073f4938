//! A kept reading as a reader gets it: reduced to the stream's view
//! ([`dimo_offchain::streams`]), and only if it was observed under the vehicle's current
//! owner (a new owner reads the car from the day it got it).

use codec::Encode;
use dimo_offchain::{
	readings::KeptReading,
	streams::{self, View},
};
use dimo_primitives::{vehicle::Stream, AccountId};
use sp_core::Bytes;

use super::StreamReading;

/// The blake2-256 of an account, as kept readings name their owner.
pub(super) fn account_hash(account: &AccountId) -> [u8; 32] {
	sp_io::hashing::blake2_256(&account.encode())
}

/// `reading` as a reader of `stream` gets it, if it has something for that stream and was
/// observed under the owner whose hash is `owner`.
pub(super) fn serve(
	reading: &KeptReading,
	stream: Stream,
	owner: &[u8; 32],
) -> Option<StreamReading> {
	if &reading.owner != owner {
		return None;
	}
	let record = dimo_offchain::record::Record::from_canonical_bytes(&reading.record)?;
	let view = streams::view(stream, &record, reading.raw.as_deref()).ok()??;
	let (record, raw) = match view {
		View::Record(_) => (serde_json::from_slice(&view.to_bytes()).ok(), None),
		View::Raw(bytes) => (None, Some(Bytes(bytes))),
	};
	Some(StreamReading {
		number: reading.number,
		record,
		raw,
		envelope_cid: reading.envelope_cid.as_deref().map(dimo_offchain::cid::multibase32),
		key_id: reading.key_id,
	})
}
