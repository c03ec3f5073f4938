//! The collector's log of its commitments: the records behind each Merkle root it committed on
//! chain, kept in the node's offchain storage so that it can answer an inclusion proof for any
//! of them (`dimo_anchorProof`), long after the chain forgot the reading.
//!
//! The offchain worker, in commitment mode, builds one commitment per run over the run's
//! readings and [`write`]s it *before* it submits `anchoring.commit`: under
//! [`commitment_key`] the commitment's records in tree order, and under
//! [`vehicle_key`] each vehicle's index of its committed readings (sequence number, commitment,
//! leaf, window), the newest [`MAX_INDEXED_PER_VEHICLE`]. A commitment that the chain does not
//! hold yet (its index is the collector's next on chain) is submitted again by the next run, and
//! nothing new is committed until it lands: indices and logs never diverge from the chain.
//!
//! [`proof`] rebuilds the tree of one commitment from its records and answers the proof of one
//! vehicle's reading, as `dimo_primitives::commitment` documents it.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use dimo_primitives::commitment::{self, CommittedRecord, Proof, H256};

/// The prefix of the offchain-storage keys of the commitments' records.
pub const COMMITMENT_PREFIX: &[u8] = b"dimo/collector/commitment/";

/// The prefix of the offchain-storage keys of each vehicle's index of committed readings.
pub const VEHICLE_PREFIX: &[u8] = b"dimo/collector/committed/";

/// How many commitments the log keeps: older ones are cleared as new ones are written (the
/// chain keeps a day of them; a proof of an older one is checked against its `Committed`
/// event).
pub const MAX_COMMITMENTS_LOGGED: u64 = 14_400;

/// How many of a vehicle's committed readings its index keeps, newest last.
pub const MAX_INDEXED_PER_VEHICLE: usize = 144;

/// The offchain-storage key of commitment `index`: a SCALE [`LoggedCommitment`].
pub fn commitment_key(index: u64) -> Vec<u8> {
	let mut key = COMMITMENT_PREFIX.to_vec();
	key.extend_from_slice(&index.to_be_bytes());
	key
}

/// The offchain-storage key of `vehicle`'s index: a SCALE `Vec<`[`Committed`]`>`.
pub fn vehicle_key(vehicle: u64) -> Vec<u8> {
	let mut key = VEHICLE_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_be_bytes());
	key
}

/// A commitment as the collector logs it.
///
/// Its SCALE encoding is its fields in order. `archive` came with spec 105 and `arweave_bundle`
/// with spec 107, each last: a log written before ends earlier and decodes without them (the
/// node may be upgraded while a commitment waits to land).
#[derive(Clone, PartialEq, Eq, Debug, Encode)]
pub struct LoggedCommitment {
	/// Its index among the collector's commitments.
	pub index: u64,
	/// The start of its window, Unix ms.
	pub window_from: u64,
	/// The end of its window, Unix ms.
	pub window_to: u64,
	/// Its records, in tree order.
	pub records: Vec<CommittedRecord>,
	/// How many times the worker submitted it.
	pub submissions: u32,
	/// The root of the IPFS archive ([`crate::car`]) that holds its IPFS records, if any: the
	/// commitment names it on chain.
	pub archive: Option<Vec<u8>>,
	/// The Arweave transaction of the ANS-104 bundle that holds its Arweave records, if any:
	/// the commitment names it on chain.
	pub arweave_bundle: Option<[u8; 32]>,
}

impl Decode for LoggedCommitment {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let index = u64::decode(input)?;
		let window_from = u64::decode(input)?;
		let window_to = u64::decode(input)?;
		let records = Vec::<CommittedRecord>::decode(input)?;
		let submissions = u32::decode(input)?;
		let archive = match input.remaining_len()? {
			Some(0) => None,
			_ => Option::<Vec<u8>>::decode(input)?,
		};
		let arweave_bundle = match input.remaining_len()? {
			Some(0) => None,
			_ => Option::<[u8; 32]>::decode(input)?,
		};
		Ok(Self { index, window_from, window_to, records, submissions, archive, arweave_bundle })
	}
}

impl LoggedCommitment {
	/// A commitment `index` of `records`, in that order; its window spans theirs. `None` if
	/// there are no records.
	pub fn new(index: u64, records: Vec<CommittedRecord>) -> Option<Self> {
		let window_from = records.iter().map(|record| record.observed_from).min()?;
		let window_to = records.iter().map(|record| record.observed_to).max()?;
		Some(Self {
			index,
			window_from,
			window_to,
			records,
			submissions: 0,
			archive: None,
			arweave_bundle: None,
		})
	}

	/// The leaf hashes, in tree order.
	pub fn leaves(&self) -> Vec<H256> {
		self.records.iter().map(CommittedRecord::leaf_hash).collect()
	}

	/// The root of its tree.
	pub fn root(&self) -> H256 {
		commitment::root(&self.leaves())
	}

	/// Each vehicle's index entry for its readings in this commitment.
	pub fn entries(&self) -> impl Iterator<Item = (u64, Committed)> + '_ {
		self.records.iter().enumerate().map(move |(leaf, record)| {
			(
				record.vehicle,
				Committed {
					seq: record.seq,
					commitment: self.index,
					leaf: leaf as u32,
					observed_to: record.observed_to,
				},
			)
		})
	}
}

/// Where one committed reading of a vehicle is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Committed {
	/// The reading's sequence number among the vehicle's committed readings.
	pub seq: u64,
	/// The commitment that holds it.
	pub commitment: u64,
	/// Its leaf in that commitment's tree.
	pub leaf: u32,
	/// The end of its observed window, Unix ms.
	pub observed_to: u64,
}

/// Adds `entry` to a vehicle's `index`, keeping the newest [`MAX_INDEXED_PER_VEHICLE`].
pub fn push_entry(index: &mut Vec<Committed>, entry: Committed) {
	index.push(entry);
	if index.len() > MAX_INDEXED_PER_VEHICLE {
		let excess = index.len() - MAX_INDEXED_PER_VEHICLE;
		index.drain(..excess);
	}
}

/// The next sequence number and the end of the last committed window of a vehicle whose index
/// is `index`: a new reading must start after that window.
pub fn vehicle_head(index: &[Committed]) -> (u64, Option<u64>) {
	match index.last() {
		Some(last) => (last.seq.saturating_add(1), Some(last.observed_to)),
		None => (0, None),
	}
}

/// The record at `leaf` of `logged` and its proof.
pub fn proof(logged: &LoggedCommitment, leaf: u32) -> Option<(CommittedRecord, Proof)> {
	let record = logged.records.get(leaf as usize)?.clone();
	let proof = commitment::proof(&logged.leaves(), leaf)?;
	Some((record, proof))
}

#[cfg(test)]
mod tests {
	use super::*;
	use dimo_primitives::vehicle::StorageBackend;

	fn record(vehicle: u64, seq: u64, from: u64) -> CommittedRecord {
		CommittedRecord {
			vehicle,
			seq,
			cid: [&[0x01, 0x55, 0x12, 0x20][..], &[vehicle as u8; 32]].concat().try_into().unwrap(),
			size: 200,
			backend: StorageBackend::Ipfs,
			arweave_tx: None,
			observed_from: from,
			observed_to: from + 10,
		}
	}

	#[test]
	fn a_logged_commitment_spans_its_records_and_proves_each() {
		let logged =
			LoggedCommitment::new(7, vec![record(1, 0, 500), record(2, 3, 100), record(3, 0, 900)])
				.expect("records");
		assert_eq!((logged.window_from, logged.window_to), (100, 910));
		let root = logged.root();
		for leaf in 0..3 {
			let (record, proof) = proof(&logged, leaf).expect("a leaf");
			assert!(commitment::verify(&root, &record, &proof));
		}
		assert_eq!(proof(&logged, 3), None);
		let entries: Vec<_> = logged.entries().collect();
		assert_eq!(entries[1], (2, Committed { seq: 3, commitment: 7, leaf: 1, observed_to: 110 }));
		assert_eq!(LoggedCommitment::new(0, vec![]), None);
	}

	#[test]
	fn a_log_written_before_archives_decodes_without_one_and_a_new_one_with_it() {
		let mut logged = LoggedCommitment::new(7, vec![record(1, 0, 500)]).expect("records");
		logged.submissions = 2;
		// What spec 104's node wrote: the fields up to `submissions`.
		let old = (
			logged.index,
			logged.window_from,
			logged.window_to,
			logged.records.clone(),
			logged.submissions,
		)
			.encode();
		assert_eq!(LoggedCommitment::decode(&mut &old[..]), Ok(logged.clone()));
		logged.archive = Some(crate::car::dag_cbor_cid(b"root").to_vec());
		// What spec 105 and 106's nodes wrote: the archive last.
		let with_archive = [old.clone(), logged.archive.encode()].concat();
		assert_eq!(with_archive.len(), old.len() + 1 + 1 + 36);
		assert_eq!(LoggedCommitment::decode(&mut &with_archive[..]), Ok(logged.clone()));
		// Spec 107's: the bundle last.
		logged.arweave_bundle = Some([4; 32]);
		let new = logged.encode();
		assert_eq!(new.len(), with_archive.len() + 1 + 32);
		assert_eq!(LoggedCommitment::decode(&mut &new[..]), Ok(logged.clone()));
		logged.archive = None;
		assert_eq!(LoggedCommitment::decode(&mut &logged.encode()[..]), Ok(logged.clone()));
		logged.arweave_bundle = None;
		assert_eq!(LoggedCommitment::decode(&mut &logged.encode()[..]), Ok(logged));
		// A cut log does not decode.
		assert!(LoggedCommitment::decode(&mut &new[..new.len() - 1]).is_err());
	}

	#[test]
	fn a_vehicles_index_keeps_its_newest_entries_and_says_what_comes_next() {
		let mut index = Vec::new();
		assert_eq!(vehicle_head(&index), (0, None));
		for seq in 0..(MAX_INDEXED_PER_VEHICLE as u64 + 5) {
			push_entry(
				&mut index,
				Committed { seq, commitment: seq, leaf: 0, observed_to: seq * 10 },
			);
		}
		assert_eq!(index.len(), MAX_INDEXED_PER_VEHICLE);
		assert_eq!(index[0].seq, 5);
		assert_eq!(
			vehicle_head(&index),
			(MAX_INDEXED_PER_VEHICLE as u64 + 5, Some((MAX_INDEXED_PER_VEHICLE as u64 + 4) * 10))
		);
		// Keys sort by index and by vehicle.
		assert!(commitment_key(1) < commitment_key(256));
		assert!(vehicle_key(1) < vehicle_key(256));
	}
}
