//! A kept reading as a reader gets it: reduced to the stream's view
//! ([`dimo_offchain::streams`]), and only if it was observed under the vehicle's current
//! owner (a new owner reads the car from the day it got it). A reading read back from IPFS is
//! the part of its envelope of the stream's class, which is that view already.

use codec::Encode;
use dimo_offchain::{
	readings::KeptReading,
	streams::{self, View},
};
use dimo_primitives::{vehicle::Stream, AccountId};
use sp_core::Bytes;

use super::{ReadingSource, StreamReading};

/// The blake2-256 of an account, as kept readings name their owner.
pub(super) fn account_hash(account: &AccountId) -> [u8; 32] {
	sp_io::hashing::blake2_256(&account.encode())
}

/// `reading` (found at `source`) as a reader of `stream` gets it, if it has something for that
/// stream and was observed under the owner whose hash is `owner`.
pub(super) fn serve(
	reading: &KeptReading,
	stream: Stream,
	owner: &[u8; 32],
	source: ReadingSource,
) -> Option<StreamReading> {
	if &reading.owner != owner {
		return None;
	}
	let record = dimo_offchain::record::Record::from_canonical_bytes(&reading.record)?;
	let observed_at = record.to;
	let view = streams::view(stream, &record, reading.raw.as_deref()).ok()??;
	Some(served(reading, observed_at, source, view))
}

/// `reading`, observed at `observed_at`, as a reader of `stream` gets it from `part`: the
/// plaintext of its envelope's part of the stream's class, read back from storage.
pub(super) fn serve_part(
	reading: &KeptReading,
	observed_at: u64,
	stream: Stream,
	part: Vec<u8>,
) -> Option<StreamReading> {
	let view = match stream {
		Stream::RawData => View::Raw(part),
		_ => View::Record(dimo_offchain::record::Record::from_canonical_bytes(&part)?),
	};
	Some(served(reading, observed_at, ReadingSource::Ipfs, view))
}

/// What goes over the wire for `reading` with `view`.
fn served(
	reading: &KeptReading,
	observed_at: u64,
	source: ReadingSource,
	view: View,
) -> StreamReading {
	let (record, raw) = match view {
		View::Record(_) => (serde_json::from_slice(&view.to_bytes()).ok(), None),
		View::Raw(bytes) => (None, Some(Bytes(bytes))),
	};
	StreamReading {
		number: reading.number,
		observed_at,
		source,
		record,
		raw,
		envelope_cid: reading.envelope_cid.as_deref().map(dimo_offchain::cid::multibase32),
		key_id: reading.key_id,
	}
}
