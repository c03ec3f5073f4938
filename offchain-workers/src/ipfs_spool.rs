//! The IPFS spool: the archives ([`crate::car`]) that commitment-mode runs made, waiting in
//! the node's offchain storage for the node's importer (`dimo_collector::ipfs_importer`) to
//! `dag/import` them into IPFS.
//!
//! # Why a spool
//!
//! A run used to import its archive itself, and wait for it: on the dev IPFS node (js-ipfs)
//! that import was 62 % of a run of 2,000 cars (970 of 1,562 ms, docs/benchmarks.md), time in
//! which the run polled nothing. Now the run writes the archive here, a local write of a few
//! MiB, and commits at once; the importer, a task of the node, imports it while the next run
//! polls. Storage and commitments are pipelined, and IPFS bounds the collector only when it
//! imports slower than the collector reads.
//!
//! # What it promises
//!
//! The archive is written to the node's offchain database *before* the commitment that names
//! it is logged and submitted, and leaves the spool only once IPFS answered that it imported
//! and pinned that very root ([`crate::ipfs::check_import_answer`]). A crash or a SIGKILL at
//! any point leaves the archive either unwritten (nothing committed, the vehicles are polled
//! again) or spooled (imported after the restart). So a commitment may land on chain a few
//! seconds before IPFS has its archive (while the import runs), or longer if IPFS is down,
//! but never names an archive that the collector dropped: the readings are on the collector's
//! disk in either case, and the gateway serves them from its ring and history meanwhile.
//!
//! # Backpressure
//!
//! A spool that holds [`MAX_SPOOLED_ARCHIVES`] archives or [`MAX_SPOOLED_BYTES`] is full
//! ([`is_full`]): the worker then polls nothing and says so (a warning each run) until the
//! importer catches up. The spool's memory is the database's, bounded by those two figures,
//! not the node's heap.

use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The offchain-storage key of the spool's list ([`Spooled`], oldest first).
pub const SPOOL_KEY: &[u8] = b"dimo/collector/ipfs-spool";

/// The prefix of the offchain-storage keys of the spooled archives' bytes.
pub const ARCHIVE_PREFIX: &[u8] = b"dimo/collector/ipfs-spool/archive/";

/// The most archives the spool holds: at one archive a block, half a minute of a collector's
/// readings that IPFS has not taken yet.
pub const MAX_SPOOLED_ARCHIVES: usize = 5;

/// The most bytes the spool holds (the archives' sizes added up): 256 MiB.
pub const MAX_SPOOLED_BYTES: u64 = 256 << 20;

/// The offchain-storage key of the bytes of the archive whose root is `root`.
pub fn archive_key(root: &[u8; 36]) -> Vec<u8> {
	let mut key = ARCHIVE_PREFIX.to_vec();
	key.extend_from_slice(root);
	key
}

/// One spooled archive.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Spooled {
	/// The archive's root (a CIDv1 DAG-CBOR, binary), which the commitment names.
	pub root: [u8; 36],
	/// How many readings (envelopes) it holds.
	pub readings: u32,
	/// Its size in bytes.
	pub bytes: u32,
	/// When the worker spooled it (unix ms).
	pub spooled_at_ms: u64,
}

/// The bytes the spool's archives add up to.
pub fn spooled_bytes(spool: &[Spooled]) -> u64 {
	spool.iter().map(|archive| u64::from(archive.bytes)).fold(0, u64::saturating_add)
}

/// The readings the spool's archives hold.
pub fn spooled_readings(spool: &[Spooled]) -> u64 {
	spool.iter().map(|archive| u64::from(archive.readings)).fold(0, u64::saturating_add)
}

/// When the oldest archive was spooled (unix ms), if any is.
pub fn oldest_spooled_at(spool: &[Spooled]) -> Option<u64> {
	spool.iter().map(|archive| archive.spooled_at_ms).min()
}

/// Whether the spool has no room for another archive.
pub fn is_full(spool: &[Spooled]) -> bool {
	spool.len() >= MAX_SPOOLED_ARCHIVES || spooled_bytes(spool) >= MAX_SPOOLED_BYTES
}

/// Adds `archive` to `spool` (a root spooled already is not added twice); `false` if the spool
/// is full.
pub fn add(spool: &mut Vec<Spooled>, archive: Spooled) -> bool {
	if spool.iter().any(|held| held.root == archive.root) {
		return true;
	}
	if is_full(spool) {
		return false;
	}
	spool.push(archive);
	true
}

/// Removes the archive whose root is `root` from `spool`; whether it was there.
pub fn remove(spool: &mut Vec<Spooled>, root: &[u8; 36]) -> bool {
	let before = spool.len();
	spool.retain(|held| held.root != *root);
	spool.len() != before
}

#[cfg(test)]
mod tests {
	use super::*;

	fn archive(n: u8, bytes: u32) -> Spooled {
		Spooled { root: [n; 36], readings: 1, bytes, spooled_at_ms: u64::from(n) }
	}

	#[test]
	fn the_spool_takes_archives_until_it_holds_its_most_archives_or_bytes() {
		let mut spool = Vec::new();
		for n in 0..MAX_SPOOLED_ARCHIVES {
			assert!(add(&mut spool, archive(n as u8, 1_000)));
		}
		assert!(is_full(&spool));
		assert!(!add(&mut spool, archive(200, 1)), "full by count");
		// One spooled already is taken again without a second entry, even when full.
		assert!(add(&mut spool, archive(0, 1_000)));
		assert_eq!(spool.len(), MAX_SPOOLED_ARCHIVES);

		assert!(remove(&mut spool, &[0; 36]));
		assert!(!remove(&mut spool, &[0; 36]));
		assert!(!is_full(&spool));

		let mut by_bytes = vec![archive(1, (MAX_SPOOLED_BYTES - 10) as u32)];
		assert!(!is_full(&by_bytes));
		assert!(add(&mut by_bytes, archive(2, 10)));
		assert!(is_full(&by_bytes), "full by bytes");
		assert!(!add(&mut by_bytes, archive(3, 1)));
		assert_eq!(spooled_bytes(&by_bytes), MAX_SPOOLED_BYTES);
		assert_eq!(spooled_readings(&by_bytes), 2);
		assert_eq!(oldest_spooled_at(&by_bytes), Some(1));
		assert_eq!(oldest_spooled_at(&[]), None);
	}

	#[test]
	fn the_archive_key_names_the_root() {
		let key = archive_key(&[7; 36]);
		assert!(key.starts_with(ARCHIVE_PREFIX));
		assert_eq!(&key[ARCHIVE_PREFIX.len()..], &[7; 36]);
		assert_ne!(archive_key(&[8; 36]), key);
	}
}
