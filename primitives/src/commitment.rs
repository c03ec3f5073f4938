//! Anchor commitments: one Merkle root on chain for many records, each record proved on its own.
//!
//! Anchoring one record per reading puts every reading's CID, window and vehicle into a block
//! and into state; at the fleet's scale (16 million vehicles) that is bounded by block weight,
//! not by what a reading is worth. A commitment is the root of a binary Merkle tree over a
//! window's records: the chain holds 32 bytes and a count for all of them, the collector keeps
//! the records and answers an inclusion proof for any one, and anyone checks a proof against
//! the root on chain with the algorithm below (no DIMO code needed):
//!
//! 1. **Leaf**: the SCALE encoding of [`CommittedRecord`] (fields in declaration order: vehicle
//!    u64 LE, seq u64 LE, CID as a compact-length-prefixed byte string, size u32 LE, backend one
//!    byte (0 Local, 1 IPFS, 2 Arweave), Arweave transaction as `0x00` or `0x01` ++ 32 bytes,
//!    observed_from u64 LE, observed_to u64 LE).
//! 2. **Leaf hash**: `blake2_256(LEAF_TAG ++ leaf)`, with [`LEAF_TAG`] = `"dimo/anchor-leaf/v1"`.
//!    The tag separates leaves from inner nodes: an inner node hashes exactly 64 bytes, a tagged
//!    leaf is longer, so no leaf can pose as a subtree.
//! 3. **Tree** (polkadot-sdk's `binary-merkle-tree`): the leaf hashes in the collector's order
//!    form the bottom row; each row pairs its nodes left to right, a pair's parent being
//!    `blake2_256(left ++ right)`, and a row of odd length carries its last node up unchanged;
//!    the root is the single node of the top row (one leaf: its hash; none: 32 zero bytes).
//! 4. **Proof** ([`Proof`]): the leaf's index, the number of leaves, and the sibling hashes from
//!    the bottom up. Starting from the leaf hash at `position = index` in a row of
//!    `width = leaf_count`: for each sibling, the node is `blake2_256(sibling ++ node)` if
//!    `position` is odd or the last of its row (`position + 1 == width`), else
//!    `blake2_256(node ++ sibling)`; then `position /= 2` and `width = (width + 1) / 2`. The
//!    proof holds when the last node equals the root ([`verify`]).

use crate::vehicle::{StorageBackend, VehicleId};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
pub use sp_core::H256;
use sp_core::{ConstU32, Hasher};
use sp_runtime::{traits::BlakeTwo256, BoundedVec};

/// What every leaf hash starts with.
pub const LEAF_TAG: &[u8] = b"dimo/anchor-leaf/v1";

/// The longest content id, in bytes (a CIDv1 with a sha2-256 digest takes 36).
pub const MAX_CID_LEN: u32 = 64;

/// The most siblings a proof has: a tree of at most 2^32 leaves is at most 32 rows high.
pub const MAX_PROOF_DEPTH: u32 = 32;

/// A record as a commitment's tree holds it: one reading of one vehicle.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct CommittedRecord {
	/// The vehicle that was read.
	pub vehicle: VehicleId,
	/// Its place among the vehicle's records (the collector's count, from 0).
	pub seq: u64,
	/// The content id of the record's envelope (CIDv1, raw, sha2-256).
	pub cid: BoundedVec<u8, ConstU32<MAX_CID_LEN>>,
	/// The envelope's size, in bytes.
	pub size: u32,
	/// Where the envelope is stored.
	pub backend: StorageBackend,
	/// The Arweave transaction that holds it, when stored on Arweave.
	pub arweave_tx: Option<[u8; 32]>,
	/// The start of the observed window, Unix milliseconds.
	pub observed_from: u64,
	/// The end of the observed window, Unix milliseconds.
	pub observed_to: u64,
}

/// A proof that a leaf is in a tree: its index, the tree's size, and the sibling hashes from the
/// bottom up.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Proof {
	/// The leaf's index, from 0.
	pub leaf_index: u32,
	/// How many leaves the tree has.
	pub leaf_count: u32,
	/// The sibling hashes, bottom up.
	pub siblings: BoundedVec<H256, ConstU32<MAX_PROOF_DEPTH>>,
}

impl CommittedRecord {
	/// Its leaf hash (step 2 of the [module docs](self)).
	pub fn leaf_hash(&self) -> H256 {
		let mut preimage = LEAF_TAG.to_vec();
		self.encode_to(&mut preimage);
		BlakeTwo256::hash(&preimage)
	}
}

/// The root of the tree over `leaf_hashes`, in order.
pub fn root(leaf_hashes: &[H256]) -> H256 {
	binary_merkle_tree::merkle_root_raw::<BlakeTwo256, _>(leaf_hashes.iter().copied())
}

/// The proof of the leaf at `leaf_index` among `leaf_hashes`; `None` if there is no such leaf.
pub fn proof(leaf_hashes: &[H256], leaf_index: u32) -> Option<Proof> {
	let leaf_count = u32::try_from(leaf_hashes.len()).ok()?;
	if leaf_index >= leaf_count {
		return None;
	}
	let proof = binary_merkle_tree::merkle_proof_raw::<BlakeTwo256, _>(
		leaf_hashes.iter().copied(),
		leaf_index,
	);
	// A tree of at most 2^32 leaves has at most 32 siblings on a path.
	let siblings = BoundedVec::try_from(proof.proof).ok()?;
	Some(Proof { leaf_index, leaf_count, siblings })
}

/// Whether `proof` shows `record` in the tree whose root is `root` (step 4 of the
/// [module docs](self)).
pub fn verify(root: &H256, record: &CommittedRecord, proof: &Proof) -> bool {
	binary_merkle_tree::verify_proof::<BlakeTwo256, _, _>(
		root,
		proof.siblings.iter().copied(),
		proof.leaf_count,
		proof.leaf_index,
		binary_merkle_tree::Leaf::Hash(record.leaf_hash()),
	)
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec::Vec;

	fn blake2_256(bytes: &[u8]) -> [u8; 32] {
		BlakeTwo256::hash(bytes).0
	}

	fn record(vehicle: u64, seq: u64) -> CommittedRecord {
		CommittedRecord {
			vehicle,
			seq,
			cid: [&[0x01, 0x55, 0x12, 0x20][..], &[seq as u8; 32]].concat().try_into().unwrap(),
			size: 300,
			backend: StorageBackend::Ipfs,
			arweave_tx: None,
			observed_from: 1_000 * seq,
			observed_to: 1_000 * seq + 999,
		}
	}

	fn pair(left: H256, right: H256) -> H256 {
		H256(blake2_256(&[left.as_bytes(), right.as_bytes()].concat()))
	}

	/// The documented algorithm, written out independently of binary-merkle-tree.
	fn documented_root(row: &[H256]) -> H256 {
		match row.len() {
			0 => H256::zero(),
			1 => row[0],
			_ => documented_root(
				&row.chunks(2)
					.map(|two| if two.len() == 2 { pair(two[0], two[1]) } else { two[0] })
					.collect::<Vec<_>>(),
			),
		}
	}

	fn documented_verify(root: H256, leaf: H256, proof: &Proof) -> bool {
		let (mut position, mut width, mut node) = (proof.leaf_index, proof.leaf_count, leaf);
		for sibling in &proof.siblings {
			node = if position % 2 == 1 || position + 1 == width {
				pair(*sibling, node)
			} else {
				pair(node, *sibling)
			};
			position /= 2;
			width = width.div_ceil(2);
		}
		proof.leaf_index < proof.leaf_count && node == root
	}

	#[test]
	fn the_leaf_hash_is_the_tagged_encoding_as_documented() {
		let r = record(7, 3);
		let mut expected = b"dimo/anchor-leaf/v1".to_vec();
		expected.extend_from_slice(&7u64.to_le_bytes());
		expected.extend_from_slice(&3u64.to_le_bytes());
		expected.push(36 << 2); // compact length of the CID
		expected.extend_from_slice(&r.cid);
		expected.extend_from_slice(&300u32.to_le_bytes());
		expected.push(1); // Ipfs
		expected.push(0); // no Arweave transaction
		expected.extend_from_slice(&3_000u64.to_le_bytes());
		expected.extend_from_slice(&3_999u64.to_le_bytes());
		assert_eq!(r.leaf_hash(), H256(blake2_256(&expected)));
		// A tagged leaf is never 64 bytes: it cannot pose as an inner node.
		assert!(expected.len() > 64);
	}

	#[test]
	fn roots_and_proofs_follow_the_documented_algorithm_for_every_size() {
		for count in 0u32..=33 {
			let leaves: Vec<H256> =
				(0..count).map(|i| record(i.into(), i.into()).leaf_hash()).collect();
			let tree_root = root(&leaves);
			assert_eq!(tree_root, documented_root(&leaves), "{count} leaves");
			for index in 0..count {
				let proof = proof(&leaves, index).expect("a leaf");
				let leaf = record(index.into(), index.into());
				assert!(verify(&tree_root, &leaf, &proof), "leaf {index} of {count}");
				assert!(documented_verify(tree_root, leaf.leaf_hash(), &proof), "{index}/{count}");
			}
			assert_eq!(proof(&leaves, count), None);
		}
	}

	#[test]
	fn a_proof_fails_for_any_other_record_index_or_root() {
		let leaves: Vec<H256> = (0..10u64).map(|i| record(i, i).leaf_hash()).collect();
		let tree_root = root(&leaves);
		let good = proof(&leaves, 4).expect("a leaf");
		assert!(verify(&tree_root, &record(4, 4), &good));
		// Another field of the record.
		let mut other = record(4, 4);
		other.size += 1;
		assert!(!verify(&tree_root, &other, &good));
		let mut other = record(4, 4);
		other.arweave_tx = Some([0; 32]);
		assert!(!verify(&tree_root, &other, &good));
		// Another leaf's record, another index, another count, another root.
		assert!(!verify(&tree_root, &record(5, 5), &good));
		assert!(!verify(&tree_root, &record(4, 4), &Proof { leaf_index: 5, ..good.clone() }));
		assert!(!verify(&tree_root, &record(4, 4), &Proof { leaf_index: 10, ..good.clone() }));
		assert!(!verify(&H256::repeat_byte(1), &record(4, 4), &good));
		// An inner node presented as a leaf hash does not verify as a record.
		let mut tampered = good.clone();
		tampered.siblings[0] = H256::repeat_byte(9);
		assert!(!verify(&tree_root, &record(4, 4), &tampered));
	}
}
