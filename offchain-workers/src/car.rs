//! One commitment's envelopes as one storage object: a CAR (content-addressed archive, v1)
//! that an IPFS node imports in one call (`/api/v0/dag/import`, kubo and js-ipfs alike),
//! each envelope a raw block that keeps its own CID, so that a single record is still fetched
//! and checked by its CID, and only the root is pinned and provided.
//!
//! In commitment mode the offchain worker stores a run's IPFS envelopes as one such archive
//! (pallets/anchoring, `offchain/store.rs`), and the commitment names the archive's root
//! (`Commitment::archive`, kept on chain in `anchoring.commitmentArchives`): each of its IPFS
//! leaves names a record block of that archive.
//!
//! ## The object, version 1
//!
//! Blocks of at most 256 KiB each (IPFS nodes refuse to move larger ones), in DAG-CBOR:
//!
//! ```text
//! root    {"v": 1, "count": n, "chunks": [chunk CID, ...]}
//! chunk   {"records": [envelope CID, ...]}       up to RECORDS_PER_CHUNK (4,096) each, in order
//! record  the envelope, a raw block: CIDv1 raw sha2-256, the CID the chain anchors
//! ```
//!
//! Envelope `i` of the archive is record `i % 4096` of chunk `i / 4096`, in the order the run
//! sealed them.
//! CIDs in DAG-CBOR are tag 42 around the CID's bytes prefixed with 0x00; map keys sort by
//! length, then bytewise; integers and lengths take their shortest form.
//!
//! ## The archive (CARv1)
//!
//! ```text
//! varint(len(header)) ‖ header = DAG-CBOR {"roots": [root CID], "version": 1}
//! then for each block: varint(len(CID) + len(bytes)) ‖ CID ‖ bytes      (root, chunks, records)
//! ```
//!
//! Varints are unsigned LEB128. The test vector below is the archive @ipld/car 5.4 writes for the
//! same blocks; js-ipfs 0.66 imports it and serves each record by its own CID.

use crate::cid::{Cid, DAG_CBOR};
use alloc::vec::Vec;

/// The most envelope CIDs in one chunk: a chunk stays under 160 KiB.
pub const RECORDS_PER_CHUNK: usize = 4096;

/// A CIDv1 DAG-CBOR sha2-256 of `block`, in bytes.
pub fn dag_cbor_cid(block: &[u8]) -> [u8; 36] {
	let mut cid = [0u8; 36];
	cid[..4].copy_from_slice(&[0x01, DAG_CBOR, 0x12, 0x20]);
	cid[4..].copy_from_slice(&sp_io::hashing::sha2_256(block));
	cid
}

/// A CBOR head: the major type and its argument in the shortest form.
fn head(out: &mut Vec<u8>, major: u8, value: u64) {
	let major = major << 5;
	match value {
		0..=23 => out.push(major | value as u8),
		24..=0xff => out.extend_from_slice(&[major | 24, value as u8]),
		0x100..=0xffff => {
			out.push(major | 25);
			out.extend_from_slice(&(value as u16).to_be_bytes());
		},
		0x1_0000..=0xffff_ffff => {
			out.push(major | 26);
			out.extend_from_slice(&(value as u32).to_be_bytes());
		},
		_ => {
			out.push(major | 27);
			out.extend_from_slice(&value.to_be_bytes());
		},
	}
}

fn text(out: &mut Vec<u8>, key: &str) {
	head(out, 3, key.len() as u64);
	out.extend_from_slice(key.as_bytes());
}

fn cid_link(out: &mut Vec<u8>, cid: &[u8]) {
	head(out, 6, 42);
	head(out, 2, (cid.len() as u64).saturating_add(1));
	out.push(0x00);
	out.extend_from_slice(cid);
}

fn links(out: &mut Vec<u8>, cids: &[&[u8]]) {
	head(out, 4, cids.len() as u64);
	for cid in cids {
		cid_link(out, cid);
	}
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
	loop {
		let byte = (value & 0x7f) as u8;
		value >>= 7;
		if value == 0 {
			out.push(byte);
			return;
		}
		out.push(byte | 0x80);
	}
}

/// A commitment's storage object: its root CID and the archive to import.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CommitmentObject {
	/// The root's CID (DAG-CBOR), what the chain would name.
	pub root: [u8; 36],
	/// The CARv1 archive: root, chunks, then every envelope.
	pub car: Vec<u8>,
}

/// The storage object of a commitment's `envelopes`, in leaf order.
pub fn commitment_object(envelopes: &[&[u8]]) -> CommitmentObject {
	let cids: Vec<Cid> = envelopes.iter().map(|envelope| Cid::of_raw(envelope)).collect();
	let chunks: Vec<Vec<u8>> = cids
		.chunks(RECORDS_PER_CHUNK)
		.map(|records| {
			let mut chunk = Vec::new();
			head(&mut chunk, 5, 1);
			text(&mut chunk, "records");
			let records: Vec<&[u8]> = records.iter().map(|cid| &cid.as_bytes()[..]).collect();
			links(&mut chunk, &records);
			chunk
		})
		.collect();
	let chunk_cids: Vec<[u8; 36]> = chunks.iter().map(|chunk| dag_cbor_cid(chunk)).collect();
	let mut root = Vec::new();
	head(&mut root, 5, 3);
	text(&mut root, "v");
	head(&mut root, 0, 1);
	text(&mut root, "count");
	head(&mut root, 0, envelopes.len() as u64);
	text(&mut root, "chunks");
	links(&mut root, &chunk_cids.iter().map(|cid| &cid[..]).collect::<Vec<_>>());
	let root_cid = dag_cbor_cid(&root);

	let mut header = Vec::new();
	head(&mut header, 5, 2);
	text(&mut header, "roots");
	links(&mut header, &[&root_cid[..]]);
	text(&mut header, "version");
	head(&mut header, 0, 1);

	let mut car = Vec::new();
	varint(&mut car, header.len() as u64);
	car.extend_from_slice(&header);
	let mut block = |cid: &[u8], bytes: &[u8]| {
		varint(&mut car, cid.len().saturating_add(bytes.len()) as u64);
		car.extend_from_slice(cid);
		car.extend_from_slice(bytes);
	};
	block(&root_cid, &root);
	for (cid, chunk) in chunk_cids.iter().zip(&chunks) {
		block(cid, chunk);
	}
	for (cid, envelope) in cids.iter().zip(envelopes) {
		block(cid.as_bytes(), envelope);
	}
	CommitmentObject { root: root_cid, car }
}

#[cfg(test)]
mod tests {
	use super::*;

	fn hex(bytes: &[u8]) -> alloc::string::String {
		bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
	}

	/// What @ipld/car 5.4.7 and @ipld/dag-cbor 9.2.7 write for the envelopes "one", "two",
	/// "three" in this layout (tools/ipfs-dev-node's packages).
	#[test]
	fn the_archive_is_byte_for_byte_what_ipld_car_writes() {
		let object = commitment_object(&[b"one", b"two", b"three"]);
		assert_eq!(
			hex(&object.root),
			"017112207ddb509bdfa4a3e0adbf391d2eb83b43a91ba00909bf92ab359adc698b86787d"
		);
		assert_eq!(object.car.len(), 449);
		assert_eq!(
			hex(&sp_io::hashing::sha2_256(&object.car)),
			"bae69f877434e2051e46ed2dabbb7b5ff4889f1010da60c40a31c525e73d120e"
		);
	}

	#[test]
	fn a_large_commitment_is_split_into_chunks_under_the_block_limit() {
		let envelopes: Vec<Vec<u8>> =
			(0u32..RECORDS_PER_CHUNK as u32 + 1).map(|i| i.to_le_bytes().to_vec()).collect();
		let refs: Vec<&[u8]> = envelopes.iter().map(|e| e.as_slice()).collect();
		let object = commitment_object(&refs);
		// Root, two chunks, then the records: the first chunk is full, the second has one.
		let chunk = |n: usize| {
			let mut c = Vec::new();
			head(&mut c, 5, 1);
			text(&mut c, "records");
			let cids: Vec<Cid> = refs
				.iter()
				.skip(n * RECORDS_PER_CHUNK)
				.take(RECORDS_PER_CHUNK)
				.map(|e| Cid::of_raw(e))
				.collect();
			links(&mut c, &cids.iter().map(|cid| &cid.as_bytes()[..]).collect::<Vec<_>>());
			c
		};
		let (first, second) = (chunk(0), chunk(1));
		assert!(first.len() < 256 * 1024, "{} bytes", first.len());
		let find = |needle: &[u8]| object.car.windows(needle.len()).any(|w| w == needle);
		assert!(find(&first) && find(&second));
		assert!(find(&dag_cbor_cid(&first)) && find(&dag_cbor_cid(&second)));
	}

	#[test]
	fn cbor_heads_and_varints_take_their_shortest_form() {
		let encoded = |major, value| {
			let mut out = Vec::new();
			head(&mut out, major, value);
			out
		};
		assert_eq!(encoded(0, 23), [0x17]);
		assert_eq!(encoded(0, 24), [0x18, 24]);
		assert_eq!(encoded(4, 4096), [0x99, 0x10, 0x00]);
		assert_eq!(encoded(0, 70_000), [0x1a, 0, 1, 0x11, 0x70]);
		let mut out = Vec::new();
		varint(&mut out, 300);
		assert_eq!(out, [0xac, 0x02]);
	}
}
