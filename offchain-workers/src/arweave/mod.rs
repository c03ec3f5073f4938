//! Arweave transactions (format 2): what a collector posts to an Arweave gateway to store a
//! record permanently, built without any I/O so that it is tested byte for byte.
//!
//! A format-2 transaction carries its data inline (records are far below a chunk) and commits
//! to it by `data_root`, the root of Arweave's Merkle tree over 256 KiB chunks. The owner signs
//! the *deep hash* (SHA-384, over a nested list of the transaction's fields) with RSA-PSS
//! (SHA-256); the transaction id is the SHA-256 of the signature. Anyone fetches the data from
//! any gateway by that id and re-hashes it to the anchored CID.
//!
//! The formats follow the reference implementation (`arweave-js` `lib/deepHash.ts`,
//! `lib/merkle.ts`, `Transaction.getSignatureData`, itself from the node's `ar_deep_hash.erl` and
//! `ar_merkle.erl`); the tests compare against values that arweave-js 1.15.7 computed.
//!
//! The wallet (an RSA-4096 JWK) and the signature are in [`wallet`] (std only): the node signs,
//! the runtime never holds the key.

pub use crate::encoding::{b64url, b64url_decode};
use alloc::{vec, vec::Vec};
use sha2::{Digest, Sha256, Sha384};

#[cfg(feature = "std")]
pub mod bundle;
pub mod outbox;
#[cfg(feature = "std")]
pub mod wallet;

/// The offchain-storage key of the collector's Arweave wallet: its JWK, sealed
/// ([`crate::seal`]), written by the node's `collector_setArweaveWallet`.
pub const WALLET_KEY: &[u8] = b"dimo/collector/arweave-wallet";

/// The longest JWK the node takes, in bytes (an RSA-4096 JWK takes about 3.2 KiB).
pub const MAX_JWK_LEN: usize = 16 * 1024;

/// The largest chunk of a transaction's data.
pub const MAX_CHUNK_SIZE: usize = 256 * 1024;
/// The smallest chunk, except the last (and a single one).
pub const MIN_CHUNK_SIZE: usize = 32 * 1024;

/// What the deep hash takes: bytes, or a list of such items.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DeepHashItem<'a> {
	/// A byte string.
	Blob(&'a [u8]),
	/// A list.
	List(Vec<DeepHashItem<'a>>),
}

fn sha384(parts: &[&[u8]]) -> [u8; 48] {
	let mut hasher = Sha384::new();
	for part in parts {
		hasher.update(part);
	}
	hasher.finalize().into()
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
	let mut hasher = Sha256::new();
	for part in parts {
		hasher.update(part);
	}
	hasher.finalize().into()
}

/// Arweave's deep hash: a blob is `SHA-384(SHA-384("blob" ++ len) ++ SHA-384(bytes))`; a list
/// folds `acc = SHA-384(acc ++ deep_hash(item))` from `SHA-384("list" ++ len)`, lengths in
/// decimal text.
pub fn deep_hash(item: &DeepHashItem) -> [u8; 48] {
	match item {
		DeepHashItem::Blob(bytes) => {
			let tag = alloc::format!("blob{}", bytes.len());
			sha384(&[&sha384(&[tag.as_bytes()]), &sha384(&[bytes])])
		},
		DeepHashItem::List(items) => {
			let tag = alloc::format!("list{}", items.len());
			items
				.iter()
				.fold(sha384(&[tag.as_bytes()]), |acc, item| sha384(&[&acc, &deep_hash(item)]))
		},
	}
}

/// A 32-byte big-endian "note" of a byte offset, as the Merkle tree hashes offsets.
fn note(offset: usize) -> [u8; 32] {
	let mut note = [0u8; 32];
	note[24..].copy_from_slice(&(offset as u64).to_be_bytes());
	note
}

/// The byte ranges of the chunks of `len` bytes of data: 256 KiB each, except that the last
/// two are balanced when the last would be under 32 KiB (as arweave-js `chunkData` splits).
fn chunk_ranges(len: usize) -> Vec<(usize, usize)> {
	let mut ranges = Vec::new();
	let mut start: usize = 0;
	let mut rest = len;
	while rest >= MAX_CHUNK_SIZE {
		let mut size = MAX_CHUNK_SIZE;
		let next = rest.saturating_sub(MAX_CHUNK_SIZE);
		if next > 0 && next < MIN_CHUNK_SIZE {
			size = rest.div_ceil(2);
		}
		ranges.push((start, start.saturating_add(size)));
		start = start.saturating_add(size);
		rest = rest.saturating_sub(size);
	}
	ranges.push((start, start.saturating_add(rest)));
	ranges
}

/// The `data_root` of `data`: the root of Arweave's Merkle tree over its chunks. A leaf is
/// `SHA-256(SHA-256(SHA-256(chunk)) ++ SHA-256(note(end)))`; a branch
/// `SHA-256(SHA-256(left) ++ SHA-256(right) ++ SHA-256(note(left's end)))`; an odd node is
/// carried up as it is. Empty data has an empty root (and no chunk).
pub fn data_root(data: &[u8]) -> Vec<u8> {
	if data.is_empty() {
		return Vec::new();
	}
	// (id, end of its byte range)
	let mut layer: Vec<([u8; 32], usize)> = chunk_ranges(data.len())
		.into_iter()
		.map(|(start, end)| {
			let data_hash = sha256(&[data.get(start..end).unwrap_or_default()]);
			(sha256(&[&sha256(&[&data_hash]), &sha256(&[&note(end)])]), end)
		})
		.collect();
	while layer.len() > 1 {
		layer = layer
			.chunks(2)
			.map(|pair| match pair {
				[(left, left_end), (right, right_end)] => (
					sha256(&[&sha256(&[left]), &sha256(&[right]), &sha256(&[&note(*left_end)])]),
					*right_end,
				),
				// An odd node out is carried up as it is.
				_ => pair.first().copied().unwrap_or_default(),
			})
			.collect();
	}
	layer.first().map(|(id, _)| id.to_vec()).unwrap_or_default()
}

/// The Arweave address of `owner` (an RSA modulus, or a data item's Ed25519 key): its SHA-256,
/// which gateways show base64url.
pub fn address_of(owner: &[u8]) -> [u8; 32] {
	sha256(&[owner])
}

/// A tag of a transaction: name and value, as bytes (UTF-8 text in practice).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Tag {
	/// The name, e.g. `Content-Type`.
	pub name: Vec<u8>,
	/// The value.
	pub value: Vec<u8>,
}

impl Tag {
	/// A tag from text.
	pub fn new(name: &str, value: &str) -> Self {
		Self { name: name.as_bytes().to_vec(), value: value.as_bytes().to_vec() }
	}
}

/// A format-2 data transaction, unsigned: no transfer (`target` empty, `quantity` 0).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Transaction {
	/// The wallet's RSA modulus `n`, big-endian: who signs and pays.
	pub owner: Vec<u8>,
	/// The anchor: the wallet's last transaction id or a recent block hash (the gateway's
	/// `/tx_anchor`), decoded.
	pub last_tx: Vec<u8>,
	/// The fee, in winston (the gateway's `/price/{bytes}`).
	pub reward: u128,
	/// The tags, in order.
	pub tags: Vec<Tag>,
	/// The data, inline.
	pub data: Vec<u8>,
	/// [`data_root`] of the data.
	pub data_root: Vec<u8>,
}

impl Transaction {
	/// A transaction storing `data` with `tags`.
	pub fn new(
		owner: Vec<u8>,
		last_tx: Vec<u8>,
		reward: u128,
		tags: Vec<Tag>,
		data: Vec<u8>,
	) -> Self {
		let data_root = data_root(&data);
		Self { owner, last_tx, reward, tags, data, data_root }
	}

	/// What the owner signs: the deep hash of the format, owner, target, quantity, reward,
	/// anchor, tags, data size and data root.
	pub fn signature_data(&self) -> [u8; 48] {
		let reward = alloc::format!("{}", self.reward);
		let data_size = alloc::format!("{}", self.data.len());
		let tags = self
			.tags
			.iter()
			.map(|tag| {
				DeepHashItem::List(vec![
					DeepHashItem::Blob(&tag.name),
					DeepHashItem::Blob(&tag.value),
				])
			})
			.collect();
		deep_hash(&DeepHashItem::List(vec![
			DeepHashItem::Blob(b"2"),
			DeepHashItem::Blob(&self.owner),
			DeepHashItem::Blob(b""),
			DeepHashItem::Blob(b"0"),
			DeepHashItem::Blob(reward.as_bytes()),
			DeepHashItem::Blob(&self.last_tx),
			DeepHashItem::List(tags),
			DeepHashItem::Blob(data_size.as_bytes()),
			DeepHashItem::Blob(&self.data_root),
		]))
	}

	/// The id of the transaction that `signature` signs: SHA-256 of the signature.
	pub fn id(signature: &[u8]) -> [u8; 32] {
		sha256(&[signature])
	}

	/// The JSON body of `POST /tx` with `signature`, the data inline.
	pub fn to_json(&self, signature: &[u8]) -> Vec<u8> {
		let tags: Vec<serde_json::Value> = self
			.tags
			.iter()
			.map(
				|tag| serde_json::json!({ "name": b64url(&tag.name), "value": b64url(&tag.value) }),
			)
			.collect();
		let body = serde_json::json!({
			"format": 2,
			"id": b64url(&Self::id(signature)),
			"last_tx": b64url(&self.last_tx),
			"owner": b64url(&self.owner),
			"tags": tags,
			"target": "",
			"quantity": "0",
			"data": b64url(&self.data),
			"data_size": alloc::format!("{}", self.data.len()),
			"data_root": b64url(&self.data_root),
			"reward": alloc::format!("{}", self.reward),
			"signature": b64url(signature),
		});
		serde_json::to_vec(&body).unwrap_or_default()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// `i % 251` for `i` in `0..len`: the data of the vectors below.
	fn data(len: usize) -> Vec<u8> {
		(0..len).map(|i| (i % 251) as u8).collect()
	}

	/// The test wallet's modulus (testdata/arweave-test-wallet.json).
	fn test_owner() -> Vec<u8> {
		let jwk: serde_json::Value =
			serde_json::from_str(include_str!("../../testdata/arweave-test-wallet.json"))
				.expect("the test wallet is JSON");
		b64url_decode(jwk["n"].as_str().expect("n")).expect("base64url")
	}

	// The expected values below were computed by arweave-js 1.15.7 (`lib/deepHash`,
	// `lib/merkle` generateTransactionChunks, Transaction.getSignatureData), an independent
	// implementation of the same formats.

	#[test]
	fn deep_hash_matches_arweave_js() {
		let item = DeepHashItem::List(vec![
			DeepHashItem::Blob(b"dimo"),
			DeepHashItem::List(vec![DeepHashItem::Blob(b"a"), DeepHashItem::Blob(&[1, 2, 3])]),
			DeepHashItem::Blob(b""),
		]);
		assert_eq!(
			b64url(&deep_hash(&item)),
			"4biGnrfOwRhFmYd0O4deeeQSyl3YuZt3FbeuxOWqQHEQIeMbHqx2fH-hLqZpmGw6"
		);
	}

	#[test]
	fn data_roots_match_arweave_js() {
		for (len, root) in [
			(1, "Ht_yZhXGBDUZfLv4OD6we7FkrjcpDpGPwQZEZgEJVfk"),
			(100, "3W_AyCeoHwVnDqTDOuYHV2z0pp3XF6PwxG6Xf4vaIco"),
			(262_144, "gty7KB2baLFp7OGxuV2wBeX3NippS1tNVlMOZryIq5o"),
			(262_145, "kJKkN6QWAcUM_WQUxeNXnnwKy0fp7myUNNob6XNlOPA"),
			(600_000, "O5pWr9emcTCZCog2mLsx1oILM5LhWt31xz_16qteDow"),
		] {
			assert_eq!(b64url(&data_root(&data(len))), root, "{len} bytes");
		}
		assert!(data_root(&[]).is_empty());
	}

	#[test]
	fn the_signed_data_of_a_transaction_matches_arweave_js() {
		let anchor =
			b64url_decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").expect("base64url");
		let tx = Transaction::new(
			test_owner(),
			anchor,
			123_456,
			vec![
				Tag::new("Content-Type", "application/octet-stream"),
				Tag::new("App-Name", "DIMO"),
			],
			data(300),
		);
		assert_eq!(
			b64url(&tx.signature_data()),
			"e4GxURIT6dCbx61WIypeo-nFGwuMiB6NeGPCa-CPlrJFM7PQBihrEwYlcYUFFpkZ"
		);
		// The wallet's address is the SHA-256 of its modulus.
		assert_eq!(b64url(&sha256(&[&tx.owner])), "6NiiVhpQgSOcOYkfgdkViM-MESt5NCPMFmvR-IdvuiM");
		// The body of POST /tx names the id of its signature and carries the data inline.
		let body: serde_json::Value =
			serde_json::from_slice(&tx.to_json(&[7u8; 512])).expect("JSON");
		assert_eq!(body["id"], b64url(&Transaction::id(&[7u8; 512])));
		assert_eq!(body["data_size"], "300");
		assert_eq!(b64url_decode(body["data"].as_str().expect("data")), Some(data(300)));
		assert_eq!(body["tags"][1]["value"], b64url(b"DIMO"));
	}

	#[test]
	fn chunks_are_split_as_arweave_does() {
		assert_eq!(chunk_ranges(100), vec![(0, 100)]);
		assert_eq!(
			chunk_ranges(MAX_CHUNK_SIZE),
			vec![(0, MAX_CHUNK_SIZE), (MAX_CHUNK_SIZE, MAX_CHUNK_SIZE)]
		);
		// 256 KiB + 1: the remainder would be under 32 KiB, so the two halves are balanced.
		let len = MAX_CHUNK_SIZE + 1;
		assert_eq!(chunk_ranges(len), vec![(0, 131_073), (131_073, len)]);
	}
}
