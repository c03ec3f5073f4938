//! ANS-104 bundles: many envelopes stored on Arweave as one transaction, each envelope a *data
//! item* under its own id.
//!
//! One Arweave transaction per reading does not scale: at fleet rates that is thousands of
//! transactions a second, each with its own fee, anchor and RSA-4096 signature, where an
//! Arweave block takes about a thousand. ANS-104 (the format every Arweave bundler and gateway
//! reads, `arbundles`) packs data items into the data of one transaction tagged
//! `Bundle-Format: binary`, `Bundle-Version: 2.0.0`; gateways index each item, serve its data
//! at `/{item id}` and tag search (GraphQL) finds it with its bundle (`bundledIn`). So a
//! reading keeps an id of its own, which its leaf names, and the collector pays for and signs
//! one transaction a round.
//!
//! A data item is signed by its owner over the *deep hash* of
//! `["dataitem", "1", signature type, owner, target, anchor, tags, data]`; its id is the
//! SHA-256 of the signature. The collector's items are signed with Ed25519 (signature type 2,
//! a 32-byte owner and a 64-byte signature), a key of the node's keystore
//! ([`ITEM_KEY_TYPE`]): tens of thousands of signatures a second on one core, where the RSA
//! wallet manages hundreds; the wallet signs the bundle's transaction only. Items have no
//! target and no anchor (each envelope is unique: its id cannot repeat).
//!
//! Layouts (all integers little-endian):
//! - a data item: signature type (2 bytes), signature, owner, target (a presence byte, 0),
//!   anchor (a presence byte, 0), the number of tags (8 bytes), the length of the tags (8
//!   bytes), the tags (Avro: an array of `{name: string, value: string}` records, empty when
//!   there are none), the data;
//! - a bundle: the number of items (32 bytes), then per item its length (32 bytes) and id (32
//!   bytes), then the items one after the other.
//!
//! The tests compare byte for byte with what arbundles 0.6.23 (the library arlocal unbundles
//! with) built from the same key, tags and data.

use super::{deep_hash, sha256, DeepHashItem, Tag};
use alloc::vec::Vec;

/// The keystore key type of the Ed25519 key that signs the collector's data items.
pub const ITEM_KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dari");

/// ANS-104's signature type of Ed25519.
pub const SIGNATURE_TYPE_ED25519: u16 = 2;

/// The length of an Ed25519 signature.
const SIGNATURE_LEN: usize = 64;
/// The length of an Ed25519 owner (public key).
const OWNER_LEN: usize = 32;

/// The tags of a bundle's transaction: what gateways look for to unbundle it.
pub fn bundle_tags() -> Vec<Tag> {
	alloc::vec![
		Tag::new("Bundle-Format", "binary"),
		Tag::new("Bundle-Version", "2.0.0"),
		Tag::new("App-Name", "DIMO"),
	]
}

/// Appends Avro's zig-zag variable-length encoding of `value` (a `long`).
fn avro_long(out: &mut Vec<u8>, value: i64) {
	let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;
	loop {
		let byte = (zigzag & 0x7f) as u8;
		zigzag >>= 7;
		if zigzag == 0 {
			out.push(byte);
			return;
		}
		out.push(byte | 0x80);
	}
}

/// Reads an Avro `long` from the front of `bytes`.
fn read_avro_long(bytes: &mut &[u8]) -> Option<i64> {
	let mut value: u64 = 0;
	for shift in (0..64).step_by(7) {
		let (&byte, rest) = bytes.split_first()?;
		*bytes = rest;
		value |= u64::from(byte & 0x7f) << shift;
		if byte & 0x80 == 0 {
			return Some(((value >> 1) as i64) ^ -((value & 1) as i64));
		}
	}
	None
}

/// The tags as a data item holds them: Avro, one block of records then the end marker; nothing
/// at all when there are no tags.
pub fn encode_tags(tags: &[Tag]) -> Vec<u8> {
	let mut out = Vec::new();
	if tags.is_empty() {
		return out;
	}
	avro_long(&mut out, tags.len() as i64);
	for tag in tags {
		avro_long(&mut out, tag.name.len() as i64);
		out.extend_from_slice(&tag.name);
		avro_long(&mut out, tag.value.len() as i64);
		out.extend_from_slice(&tag.value);
	}
	out.push(0);
	out
}

/// The tags of a data item's Avro bytes; `None` if they do not decode.
pub fn decode_tags(mut bytes: &[u8]) -> Option<Vec<Tag>> {
	let mut tags = Vec::new();
	if bytes.is_empty() {
		return Some(tags);
	}
	fn take(bytes: &mut &[u8]) -> Option<Vec<u8>> {
		let len = usize::try_from(read_avro_long(bytes)?).ok()?;
		let (taken, rest) = bytes.split_at_checked(len)?;
		*bytes = rest;
		Some(taken.to_vec())
	}
	loop {
		let count = read_avro_long(&mut bytes)?;
		if count == 0 {
			break;
		}
		// A negative count is followed by the block's size in bytes (Avro).
		if count < 0 {
			read_avro_long(&mut bytes)?;
		}
		for _ in 0..count.unsigned_abs() {
			let name = take(&mut bytes)?;
			let value = take(&mut bytes)?;
			tags.push(Tag { name, value });
		}
	}
	bytes.is_empty().then_some(tags)
}

/// A data item before it is signed: an Ed25519 owner, its tags and its data.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DataItem {
	/// The Ed25519 public key that signs it.
	pub owner: [u8; 32],
	/// Its tags, in order.
	pub tags: Vec<Tag>,
	/// Its data (an envelope).
	pub data: Vec<u8>,
}

impl DataItem {
	/// What the owner signs: the deep hash of the item's fields.
	pub fn signature_data(&self) -> [u8; 48] {
		signature_data(&self.owner, &encode_tags(&self.tags), &self.data)
	}

	/// The item's bytes, signed with `signature`.
	pub fn to_bytes(&self, signature: &[u8; 64]) -> Vec<u8> {
		let tags = encode_tags(&self.tags);
		let mut out = Vec::with_capacity(
			2 + SIGNATURE_LEN + OWNER_LEN + 2 + 16 + tags.len() + self.data.len(),
		);
		out.extend_from_slice(&SIGNATURE_TYPE_ED25519.to_le_bytes());
		out.extend_from_slice(signature);
		out.extend_from_slice(&self.owner);
		// No target, no anchor.
		out.extend_from_slice(&[0, 0]);
		out.extend_from_slice(&(self.tags.len() as u64).to_le_bytes());
		out.extend_from_slice(&(tags.len() as u64).to_le_bytes());
		out.extend_from_slice(&tags);
		out.extend_from_slice(&self.data);
		out
	}
}

fn signature_data(owner: &[u8], tags: &[u8], data: &[u8]) -> [u8; 48] {
	deep_hash(&DeepHashItem::List(alloc::vec![
		DeepHashItem::Blob(b"dataitem"),
		DeepHashItem::Blob(b"1"),
		DeepHashItem::Blob(b"2"),
		DeepHashItem::Blob(owner),
		DeepHashItem::Blob(b""),
		DeepHashItem::Blob(b""),
		DeepHashItem::Blob(tags),
		DeepHashItem::Blob(data),
	]))
}

/// The id of the data item that `signature` signs: its SHA-256.
pub fn item_id(signature: &[u8]) -> [u8; 32] {
	sha256(&[signature])
}

/// A data item read from bytes (an Ed25519 one; no other signature type is read).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ParsedItem<'a> {
	/// Its id: the SHA-256 of its signature.
	pub id: [u8; 32],
	/// Its signature.
	pub signature: &'a [u8],
	/// Its owner.
	pub owner: &'a [u8],
	/// Its tags, as Avro bytes.
	pub raw_tags: &'a [u8],
	/// Its data.
	pub data: &'a [u8],
}

impl<'a> ParsedItem<'a> {
	/// Reads an Ed25519 data item; `None` if `bytes` is not one (another signature type, a
	/// target or anchor flag that is neither 0 nor 1, lengths past the end, tags that do not
	/// decode or do not count as they say).
	pub fn parse(bytes: &'a [u8]) -> Option<Self> {
		let (kind, rest) = bytes.split_at_checked(2)?;
		if u16::from_le_bytes([kind[0], kind[1]]) != SIGNATURE_TYPE_ED25519 {
			return None;
		}
		let (signature, rest) = rest.split_at_checked(SIGNATURE_LEN)?;
		let (owner, mut rest) = rest.split_at_checked(OWNER_LEN)?;
		// Target, then anchor: a presence byte, then 32 bytes if present.
		for _ in 0..2 {
			let (&present, after) = rest.split_first()?;
			rest = match present {
				0 => after,
				1 => after.get(32..)?,
				_ => return None,
			};
		}
		let (count, rest) = rest.split_at_checked(8)?;
		let (len, rest) = rest.split_at_checked(8)?;
		let count = u64::from_le_bytes(count.try_into().ok()?);
		let len = usize::try_from(u64::from_le_bytes(len.try_into().ok()?)).ok()?;
		let (raw_tags, data) = rest.split_at_checked(len)?;
		if decode_tags(raw_tags)?.len() as u64 != count {
			return None;
		}
		Some(Self { id: item_id(signature), signature, owner, raw_tags, data })
	}

	/// Its tags.
	pub fn tags(&self) -> Vec<Tag> {
		decode_tags(self.raw_tags).unwrap_or_default()
	}

	/// Whether its signature is its owner's over its fields.
	#[cfg(feature = "std")]
	pub fn verify(&self) -> bool {
		let message = signature_data(self.owner, self.raw_tags, self.data);
		ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, self.owner)
			.verify(&message, self.signature)
			.is_ok()
	}
}

/// A 32-byte little-endian number.
fn le32(value: usize) -> [u8; 32] {
	let mut out = [0u8; 32];
	out[..8].copy_from_slice(&(value as u64).to_le_bytes());
	out
}

/// Reads a 32-byte little-endian number that fits in a `usize`.
fn read_le32(bytes: &[u8]) -> Option<usize> {
	let (low, high) = bytes.split_at_checked(8)?;
	if high.iter().any(|byte| *byte != 0) {
		return None;
	}
	usize::try_from(u64::from_le_bytes(low.try_into().ok()?)).ok()
}

/// The bundle of `items`, each given as its id and its signed bytes.
pub fn bundle(items: &[([u8; 32], Vec<u8>)]) -> Vec<u8> {
	let total: usize = items.iter().map(|(_, bytes)| bytes.len()).sum();
	let mut out = Vec::with_capacity(32 + 64 * items.len() + total);
	out.extend_from_slice(&le32(items.len()));
	for (id, bytes) in items {
		out.extend_from_slice(&le32(bytes.len()));
		out.extend_from_slice(id);
	}
	for (_, bytes) in items {
		out.extend_from_slice(bytes);
	}
	out
}

/// The items of a bundle, each as the id its header gives and its bytes; `None` if `bytes` is
/// not a bundle (a count or length past the end, or bytes left over).
pub fn unbundle(bytes: &[u8]) -> Option<Vec<([u8; 32], &[u8])>> {
	let (count, rest) = bytes.split_at_checked(32)?;
	let count = read_le32(count)?;
	let (headers, mut body) = rest.split_at_checked(count.checked_mul(64)?)?;
	let mut items = Vec::with_capacity(count);
	for header in headers.chunks_exact(64) {
		let len = read_le32(&header[..32])?;
		let id: [u8; 32] = header[32..].try_into().ok()?;
		let (item, rest) = body.split_at_checked(len)?;
		items.push((id, item));
		body = rest;
	}
	body.is_empty().then_some(items)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::arweave::b64url;
	use sp_core::Pair;

	fn hex(text: &str) -> Vec<u8> {
		(0..text.len())
			.step_by(2)
			.map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
			.collect()
	}

	// Built by arbundles 0.6.23 (`createData`, `bundleAndSignData`, a `SolanaSigner` of the
	// Ed25519 key whose seed is 32 bytes of 7), and verified by its `DataItem.verify`.
	const OWNER: &str = "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
	const ITEM_A: &str = "020017d3d022d58e7d7d81b0803f926d564471920a2f8b4288c24f3cb7420c6a218f571b52de1dd410fbe9766afbf22f9838144c2669cc9b11eb271a779754900e00ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c000002000000000000001b0000000000000004104170702d4e616d650844494d4f0e56656869636c6504343200656e76656c6f7065206f6e65";
	const ITEM_A_ID: &str = "DJhvSu9deYgDHtcmZmwbJML3tDT3pFFhhhioa53OzvQ";
	const ITEM_B: &str = "0200d75b563c98486708f2a6e950b71146a9f874d1714f84bd23b32511992dfe89874379f0e656b80acd19782fdef9a47cf9ebfc65c5e2c809e3b62ffe62ee47c50bea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c00000000000000000000000000000000000074776f";
	const ITEM_B_ID: &str = "dWSBNu5K3uczRrn2AZW5IH-0ktdiV9Jpm9QTLW_3CKI";
	const BUNDLE: &str = "02000000000000000000000000000000000000000000000000000000000000009b000000000000000000000000000000000000000000000000000000000000000c986f4aef5d7988031ed726666c1b24c2f7b434f7a451618618a86b9dcecef4770000000000000000000000000000000000000000000000000000000000000075648136ee4adee73346b9f60195b9207fb492d76257d2699bd4132d6ff708a2020017d3d022d58e7d7d81b0803f926d564471920a2f8b4288c24f3cb7420c6a218f571b52de1dd410fbe9766afbf22f9838144c2669cc9b11eb271a779754900e00ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c000002000000000000001b0000000000000004104170702d4e616d650844494d4f0e56656869636c6504343200656e76656c6f7065206f6e650200d75b563c98486708f2a6e950b71146a9f874d1714f84bd23b32511992dfe89874379f0e656b80acd19782fdef9a47cf9ebfc65c5e2c809e3b62ffe62ee47c50bea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c00000000000000000000000000000000000074776f";

	fn signed(pair: &sp_core::ed25519::Pair, item: &DataItem) -> ([u8; 32], Vec<u8>) {
		let signature = pair.sign(&item.signature_data()).0;
		(item_id(&signature), item.to_bytes(&signature))
	}

	fn items() -> (sp_core::ed25519::Pair, DataItem, DataItem) {
		let pair = sp_core::ed25519::Pair::from_seed(&[7; 32]);
		let owner = pair.public().0;
		let a = DataItem {
			owner,
			tags: alloc::vec![Tag::new("App-Name", "DIMO"), Tag::new("Vehicle", "42")],
			data: b"envelope one".to_vec(),
		};
		let b = DataItem { owner, tags: Vec::new(), data: b"two".to_vec() };
		(pair, a, b)
	}

	#[test]
	fn items_and_bundles_match_arbundles_byte_for_byte() {
		let (pair, a, b) = items();
		assert_eq!(a.owner.to_vec(), hex(OWNER));
		let (a_id, a_bytes) = signed(&pair, &a);
		let (b_id, b_bytes) = signed(&pair, &b);
		assert_eq!(a_bytes, hex(ITEM_A));
		assert_eq!(b_bytes, hex(ITEM_B));
		assert_eq!(b64url(&a_id), ITEM_A_ID);
		assert_eq!(b64url(&b_id), ITEM_B_ID);
		assert_eq!(bundle(&[(a_id, a_bytes), (b_id, b_bytes)]), hex(BUNDLE));
	}

	#[test]
	fn a_bundle_reads_back_into_items_that_verify() {
		let bytes = hex(BUNDLE);
		let items = unbundle(&bytes).expect("a bundle");
		assert_eq!(items.len(), 2);
		let parsed: Vec<ParsedItem> =
			items.iter().map(|(_, item)| ParsedItem::parse(item).expect("an item")).collect();
		for ((header_id, _), item) in items.iter().zip(&parsed) {
			assert_eq!(*header_id, item.id);
			assert!(item.verify());
			assert_eq!(item.owner, &hex(OWNER)[..]);
		}
		assert_eq!(parsed[0].data, b"envelope one");
		assert_eq!(
			parsed[0].tags(),
			alloc::vec![Tag::new("App-Name", "DIMO"), Tag::new("Vehicle", "42")]
		);
		assert_eq!(parsed[1].data, b"two");
		assert!(parsed[1].tags().is_empty());
	}

	#[test]
	fn a_changed_item_does_not_verify() {
		let mut bytes = hex(ITEM_A);
		let last = bytes.len() - 1;
		bytes[last] ^= 1;
		let item = ParsedItem::parse(&bytes).expect("still an item");
		assert!(!item.verify(), "its data changed after signing");
		let mut bytes = hex(ITEM_A);
		bytes[10] ^= 1;
		let item = ParsedItem::parse(&bytes).expect("still an item");
		assert!(!item.verify(), "its signature changed");
		assert_ne!(b64url(&item.id), ITEM_A_ID, "and so did its id");
	}

	#[test]
	fn what_is_not_an_item_or_a_bundle_is_refused() {
		let item = hex(ITEM_A);
		// Truncated anywhere before the data's start.
		for len in [0, 1, 2, 60, 98, 99, 100, 115, 130] {
			assert_eq!(ParsedItem::parse(&item[..len]), None, "{len} bytes");
		}
		// Another signature type (Arweave's RSA, 1).
		let mut rsa = item.clone();
		rsa[0] = 1;
		assert_eq!(ParsedItem::parse(&rsa), None);
		// A target flag that is neither 0 nor 1.
		let mut flag = item.clone();
		flag[98] = 2;
		assert_eq!(ParsedItem::parse(&flag), None);
		// A tag count that does not match the tags.
		let mut count = item.clone();
		count[100] = 3;
		assert_eq!(ParsedItem::parse(&count), None);

		let bundled = hex(BUNDLE);
		assert_eq!(unbundle(&bundled[..bundled.len() - 1]), None, "an item cut short");
		let mut extra = bundled.clone();
		extra.push(0);
		assert_eq!(unbundle(&extra), None, "bytes left over");
		let mut huge = bundled.clone();
		huge[31] = 1;
		assert_eq!(unbundle(&huge), None, "a count past any length");
		assert_eq!(unbundle(&[]), None);
		assert_eq!(unbundle(&le32(0)), Some(Vec::new()), "an empty bundle");
	}

	#[test]
	fn avro_longs_round_trip() {
		for value in [0i64, 1, -1, 63, 64, -65, 300, i64::MAX, i64::MIN] {
			let mut out = Vec::new();
			avro_long(&mut out, value);
			assert_eq!(read_avro_long(&mut &out[..]), Some(value));
		}
		// avsc: 1 → 02, -1 → 01, 64 → 8001.
		let mut out = Vec::new();
		avro_long(&mut out, 64);
		assert_eq!(out, [0x80, 0x01]);
	}
}
