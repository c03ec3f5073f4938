//! Content ids: CIDv1 with the raw codec and a sha2-256 multihash, what kubo returns for
//! `ipfs add --cid-version=1 --raw-leaves=true` of a blob of at most one chunk (256 KiB).
//!
//! Records are far smaller than a chunk ([`crate::record::MAX_RECORD_LEN`]), so their CID is
//! the CID of a single raw block: `0x01` (version 1), `0x55` (raw), `0x12 0x20` (sha2-256,
//! 32 bytes), then the digest of the bytes. Anyone re-hashes a blob with any sha256 tool.

use alloc::{string::String, vec::Vec};

/// CID version 1.
const VERSION: u8 = 0x01;
/// The multicodec of raw bytes.
const RAW: u8 = 0x55;
/// The multicodec of DAG-CBOR: the codec of a commitment's archive root ([`crate::car`]).
pub const DAG_CBOR: u8 = 0x71;
/// The multihash code of sha2-256.
const SHA2_256: u8 = 0x12;
/// The length of a sha2-256 digest.
const DIGEST_LEN: u8 = 32;

/// The length of a CIDv1 raw sha2-256 in bytes.
pub const CID_LEN: usize = 36;

/// A CIDv1, raw codec, sha2-256.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Cid([u8; CID_LEN]);

/// Why a text is not a CID this chain accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CidError {
	/// The multibase prefix is neither `b` (base32) nor `z` (base58btc).
	UnknownBase,
	/// A character is not in the base's alphabet.
	BadCharacter,
	/// The bytes are not a CIDv1 with the raw codec and a sha2-256 digest.
	NotRawSha256,
}

impl Cid {
	/// The CID of `data` as one raw block.
	pub fn of_raw(data: &[u8]) -> Self {
		Self::from_digest(sp_io::hashing::sha2_256(data))
	}

	/// The CID of a block whose sha2-256 digest is `digest`.
	pub fn from_digest(digest: [u8; 32]) -> Self {
		let mut bytes = [0u8; CID_LEN];
		bytes[..4].copy_from_slice(&[VERSION, RAW, SHA2_256, DIGEST_LEN]);
		bytes[4..].copy_from_slice(&digest);
		Self(bytes)
	}

	/// The binary CID, as anchored on chain.
	pub fn as_bytes(&self) -> &[u8; CID_LEN] {
		&self.0
	}

	/// The sha2-256 digest of the block.
	pub fn digest(&self) -> &[u8] {
		&self.0[4..]
	}

	/// The binary CID, checked: a CIDv1, raw codec, sha2-256.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self, CidError> {
		match read_v1_sha256(bytes) {
			Some((codec, digest)) if codec == u64::from(RAW) && bytes.len() == CID_LEN => {
				Ok(Self::from_digest(*digest))
			},
			_ => Err(CidError::NotRawSha256),
		}
	}

	/// The CID in base32 text (multibase prefix `b`), as kubo prints CIDv1.
	pub fn to_base32(&self) -> String {
		multibase32(&self.0)
	}

	/// Parses a CID in base32 (`b…`, kubo's form for CIDv1) or base58btc (`z…`, js-ipfs's form
	/// unless asked for base32).
	pub fn parse(text: &str) -> Result<Self, CidError> {
		let bytes = match text.as_bytes().split_first() {
			Some((b'b', rest)) => decode_base32(rest)?,
			Some((b'z', rest)) => decode_base58(rest)?,
			_ => return Err(CidError::UnknownBase),
		};
		Self::from_bytes(&bytes)
	}
}

/// The codec and the digest of a binary CIDv1 whose multihash is a sha2-256 digest: version 1,
/// any codec, hash code `0x12`, digest length 32, and nothing after the digest. The one reader of
/// binary CIDs: the anchoring pallet checks anchored content ids with it, [`Cid`] narrows it to
/// the raw codec.
pub fn read_v1_sha256(bytes: &[u8]) -> Option<(u64, &[u8; 32])> {
	/// Reads an unsigned varint (multiformats: at most 9 bytes) and returns it with the rest.
	fn varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
		let mut value: u64 = 0;
		for (index, byte) in bytes.iter().enumerate().take(9) {
			value |= u64::from(byte & 0x7f) << (7 * index);
			if byte & 0x80 == 0 {
				return Some((value, bytes.get(index + 1..)?));
			}
		}
		None
	}
	let (1, rest) = varint(bytes)? else { return None };
	let (codec, rest) = varint(rest)?;
	let (0x12, rest) = varint(rest)? else { return None };
	let (32, digest) = varint(rest)? else { return None };
	Some((codec, digest.try_into().ok()?))
}

/// RFC 4648 base32, lower case, as multibase `b` uses it (no padding).
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The bitcoin base58 alphabet, as multibase `z` uses it.
const BASE58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn decode_base32(text: &[u8]) -> Result<Vec<u8>, CidError> {
	let mut out = Vec::with_capacity(text.len() * 5 / 8);
	let mut buffer: u32 = 0;
	let mut bits = 0;
	for &c in text {
		let value = BASE32.iter().position(|&a| a == c).ok_or(CidError::BadCharacter)? as u32;
		buffer = (buffer << 5) | value;
		bits += 5;
		if bits >= 8 {
			bits -= 8;
			out.push((buffer >> bits) as u8);
		}
	}
	Ok(out)
}

fn decode_base58(text: &[u8]) -> Result<Vec<u8>, CidError> {
	// Big-number conversion, little-endian bytes; leading '1's are leading zero bytes.
	let mut number: Vec<u8> = Vec::with_capacity(text.len());
	for &c in text {
		let mut carry = BASE58.iter().position(|&a| a == c).ok_or(CidError::BadCharacter)? as u32;
		for byte in number.iter_mut() {
			carry += u32::from(*byte) * 58;
			*byte = (carry & 0xff) as u8;
			carry >>= 8;
		}
		while carry > 0 {
			number.push((carry & 0xff) as u8);
			carry >>= 8;
		}
	}
	let zeros = text.iter().take_while(|&&c| c == b'1').count();
	let mut out = alloc::vec![0u8; zeros];
	out.extend(number.iter().rev());
	Ok(out)
}

/// Any binary CIDv1 in base32 text (multibase prefix `b`, lower case, no padding), as kubo
/// prints CIDv1: also for CIDs of other codecs than raw, which [`Cid`] does not hold.
pub fn multibase32(bytes: &[u8]) -> String {
	let mut text = String::with_capacity(1 + (bytes.len() * 8).div_ceil(5));
	text.push('b');
	let mut buffer: u32 = 0;
	let mut bits = 0;
	for byte in bytes {
		buffer = (buffer << 8) | u32::from(*byte);
		bits += 8;
		while bits >= 5 {
			bits -= 5;
			text.push(BASE32[((buffer >> bits) & 31) as usize] as char);
		}
	}
	if bits > 0 {
		text.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
	}
	text
}

#[cfg(test)]
mod tests {
	use super::*;

	// Expected values from ../shared/recipes/ipfs-dev-node/expected_cid.py, an independent
	// calculator of what kubo returns for `add --cid-version=1 --raw-leaves=true`.
	const HELLO_WORLD: &str = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
	const EMPTY: &str = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

	#[test]
	fn binary_cids_must_be_v1_with_a_sha256_digest() {
		let mut raw = alloc::vec![0x01, 0x55, 0x12, 0x20];
		raw.extend([7u8; 32]);
		assert!(read_v1_sha256(&raw).is_some());
		// dag-pb (0x70) is another codec: accepted, the digest is what is checked.
		let mut dag_pb = raw.clone();
		dag_pb[1] = 0x70;
		assert_eq!(read_v1_sha256(&dag_pb), Some((0x70, &[7u8; 32])));
		assert_eq!(Cid::from_bytes(&dag_pb), Err(CidError::NotRawSha256));
		// CIDv0 / version 2, another hash (blake2b-256 = 0xb220, a two-byte varint), a short
		// or a long digest, trailing bytes: all refused.
		let mut v2 = raw.clone();
		v2[0] = 0x02;
		assert!(read_v1_sha256(&v2).is_none());
		let mut blake = alloc::vec![0x01, 0x55, 0xa0, 0xe4, 0x02, 0x20];
		blake.extend([7u8; 32]);
		assert!(read_v1_sha256(&blake).is_none());
		assert!(read_v1_sha256(&raw[..35]).is_none());
		let mut long = raw.clone();
		long.push(0);
		assert!(read_v1_sha256(&long).is_none());
		assert!(read_v1_sha256(&[]).is_none());
		assert!(read_v1_sha256(&[0x81, 0x81, 0x81]).is_none());
	}

	#[test]
	fn cids_of_known_blobs_match_kubos() {
		assert_eq!(Cid::of_raw(b"hello world").to_base32(), HELLO_WORLD);
		assert_eq!(Cid::of_raw(b"").to_base32(), EMPTY);
		assert_ne!(Cid::of_raw(b"hello world!").to_base32(), HELLO_WORLD);
	}

	#[test]
	fn base32_text_round_trips() {
		let cid = Cid::of_raw(b"hello world");
		assert_eq!(Cid::parse(HELLO_WORLD), Ok(cid));
		assert_eq!(Cid::parse(&cid.to_base32()), Ok(cid));
		assert_eq!(cid.as_bytes()[..4], [0x01, 0x55, 0x12, 0x20]);
		assert_eq!(Cid::from_bytes(cid.as_bytes()), Ok(cid));
	}

	#[test]
	fn base58_text_parses_to_the_same_cid() {
		// What js-ipfs prints for "hello world" unless asked for base32 (the same CID in
		// base58btc; computed with Python's big integers).
		let text = "zb2rhj7crUKTQYRGCRATFaQ6YFLTde2YzdqbbhAASkL9uRDXn";
		assert_eq!(Cid::parse(text), Ok(Cid::of_raw(b"hello world")));
		assert_ne!(
			Cid::parse("zb2rhj7crUKTQYRGCRATFaQ6YFLTde2YzdqbbhAASkL9uRDXm"),
			Ok(Cid::of_raw(b"hello world"))
		);
	}

	#[test]
	fn other_cids_and_bad_text_are_refused() {
		// A CIDv0 (dag-pb, base58 `Qm…`) has no multibase prefix this chain accepts.
		assert_eq!(
			Cid::parse("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"),
			Err(CidError::UnknownBase)
		);
		assert_eq!(Cid::parse("b!!!"), Err(CidError::BadCharacter));
		// A dag-pb CIDv1 (codec 0x70), as kubo returns for blobs of more than one chunk.
		let mut dag_pb = *Cid::of_raw(b"x").as_bytes();
		dag_pb[1] = 0x70;
		assert_eq!(Cid::from_bytes(&dag_pb), Err(CidError::NotRawSha256));
		assert_eq!(Cid::from_bytes(&dag_pb[..10]), Err(CidError::NotRawSha256));
		assert_eq!(Cid::parse(""), Err(CidError::UnknownBase));
	}
}
