//! Envelopes: what leaves the collector for IPFS (or Arweave) is ciphertext, and its CID is
//! what the chain anchors.
//!
//! ## Format, version 1
//!
//! ```text
//! offset  size  field
//!      0     4  magic "DENV"
//!      4     1  version: 1
//!      5     8  vehicle id, u64 little-endian
//!     13     8  start of the observed window, Unix ms, u64 little-endian
//!     21     8  end of the observed window, Unix ms, u64 little-endian
//!     29     4  key id, u32 little-endian: which of the vehicle's content keys sealed it
//!     33    24  nonce
//!     57     n  XChaCha20-Poly1305 ciphertext of the canonical record (crate::record), with
//!               its 16-byte tag at the end
//! ```
//!
//! The associated data is the header, bytes 0 to 57: an envelope moved to another vehicle or
//! another window, or relabelled with another key id, does not open. Anyone can check an
//! anchored envelope's integrity (its CID is the sha2-256 of these bytes) and read its vehicle
//! and window; only the holder of the vehicle's content key reads the signals.
//!
//! ## Content keys
//!
//! Each vehicle has its own 32-byte content key ([`ContentKey`]), made by the collector from
//! the offchain worker's randomness and kept in the node's offchain storage only, sealed
//! ([`crate::seal`]) like the owners' credentials: never on chain, on IPFS, in a log line or
//! in an RPC answer. The key is **rotated** (a new random key, the next key id) when someone
//! who could read the vehicle's data no longer can ([`Readers::lost_someone`]): the vehicle
//! changed hands, a grant was revoked or expired, a public stream stopped being public. When
//! the collector's consent ends, the key is dropped ([`ContentKey::retire`]); a later consent
//! starts with the next id. A former reader therefore cannot open what is sealed after it
//! lost access, with any key it might have learned; it keeps whatever it read before.

use alloc::{collections::BTreeSet, vec::Vec};
use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	XChaCha20Poly1305, XNonce,
};
use codec::{Decode, Encode};

/// The magic bytes that open an envelope.
pub const MAGIC: [u8; 4] = *b"DENV";

/// The version of the format this code writes.
pub const ENVELOPE_VERSION: u8 = 1;

/// The length of an envelope's header, the associated data of its ciphertext.
pub const HEADER_LEN: usize = 57;

/// The length of the AEAD tag that the ciphertext ends with.
pub const TAG_LEN: usize = 16;

/// The prefix of the offchain-storage keys of content keys.
pub const CONTENT_KEY_PREFIX: &[u8] = b"dimo/collector/content-key/";

/// The offchain-storage key of `vehicle`'s content key: a [`crate::seal::Sealed`]
/// [`ContentKey`].
pub fn content_key_key(vehicle: u64) -> Vec<u8> {
	let mut key = CONTENT_KEY_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key
}

/// An envelope's header: who and when, and which key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Header {
	/// The vehicle.
	pub vehicle: u64,
	/// The start of the observed window, in Unix ms.
	pub from: u64,
	/// The end of the observed window, in Unix ms.
	pub to: u64,
	/// The id of the vehicle's content key that sealed it.
	pub key_id: u32,
	/// The nonce.
	pub nonce: [u8; 24],
}

impl Header {
	/// The header's bytes, as the envelope starts with them.
	pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
		let mut bytes = [0u8; HEADER_LEN];
		let fields: [&[u8]; 7] = [
			&MAGIC,
			&[ENVELOPE_VERSION],
			&self.vehicle.to_le_bytes(),
			&self.from.to_le_bytes(),
			&self.to.to_le_bytes(),
			&self.key_id.to_le_bytes(),
			&self.nonce,
		];
		let mut at: usize = 0;
		for field in fields {
			if let Some(slot) = bytes.get_mut(at..at.saturating_add(field.len())) {
				slot.copy_from_slice(field);
			}
			at = at.saturating_add(field.len());
		}
		bytes
	}

	/// The header that `envelope` starts with.
	pub fn parse(envelope: &[u8]) -> Result<Self, EnvelopeError> {
		let header = envelope.get(..HEADER_LEN).ok_or(EnvelopeError::TooShort)?;
		if header.get(..4) != Some(&MAGIC[..]) {
			return Err(EnvelopeError::NotAnEnvelope);
		}
		if header.get(4) != Some(&ENVELOPE_VERSION) {
			return Err(EnvelopeError::UnknownVersion);
		}
		let u64_at = |at: usize| -> u64 {
			let mut bytes = [0u8; 8];
			bytes.copy_from_slice(header.get(at..at.saturating_add(8)).unwrap_or(&[0; 8]));
			u64::from_le_bytes(bytes)
		};
		let mut key_id = [0u8; 4];
		key_id.copy_from_slice(header.get(29..33).unwrap_or(&[0; 4]));
		let mut nonce = [0u8; 24];
		nonce.copy_from_slice(header.get(33..HEADER_LEN).unwrap_or(&[0; 24]));
		Ok(Self {
			vehicle: u64_at(5),
			from: u64_at(13),
			to: u64_at(21),
			key_id: u32::from_le_bytes(key_id),
			nonce,
		})
	}
}

/// Why an envelope does not open.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EnvelopeError {
	/// Shorter than a header and a tag.
	TooShort,
	/// It does not start with [`MAGIC`].
	NotAnEnvelope,
	/// A version this code does not read.
	UnknownVersion,
	/// Sealed under another key id than the key offered.
	OtherKey,
	/// The ciphertext or the header was changed, or the key is not the one that sealed it.
	Forged,
}

/// Seals the canonical `record` of `vehicle`'s window `from`..`to` under `key` (whose id is
/// `key_id`) with `nonce`, which must never repeat under one key: take it from a random source.
pub fn seal(
	key: &[u8; 32],
	key_id: u32,
	vehicle: u64,
	from: u64,
	to: u64,
	nonce: [u8; 24],
	record: &[u8],
) -> Vec<u8> {
	let header = Header { vehicle, from, to, key_id, nonce }.to_bytes();
	let ciphertext = XChaCha20Poly1305::new(key.into())
		.encrypt(XNonce::from_slice(&nonce), Payload { msg: record, aad: &header })
		// Encryption fails only for plaintexts beyond 256 GiB; a record is at most 256 KiB.
		.unwrap_or_default();
	let mut envelope = Vec::with_capacity(HEADER_LEN.saturating_add(ciphertext.len()));
	envelope.extend_from_slice(&header);
	envelope.extend_from_slice(&ciphertext);
	envelope
}

/// The record inside `envelope`, with its header, if `key` (whose id is `key_id`) sealed it.
pub fn open(
	key: &[u8; 32],
	key_id: u32,
	envelope: &[u8],
) -> Result<(Header, Vec<u8>), EnvelopeError> {
	if envelope.len() < HEADER_LEN.saturating_add(TAG_LEN) {
		return Err(EnvelopeError::TooShort);
	}
	let header = Header::parse(envelope)?;
	if header.key_id != key_id {
		return Err(EnvelopeError::OtherKey);
	}
	let (aad, ciphertext) = envelope.split_at(HEADER_LEN);
	let record = XChaCha20Poly1305::new(key.into())
		.decrypt(XNonce::from_slice(&header.nonce), Payload { msg: ciphertext, aad })
		.map_err(|_| EnvelopeError::Forged)?;
	Ok((header, record))
}

/// Who could read a vehicle's data when its content key was made: the hashes (blake2-256 of
/// the SCALE-encoded account) of its owner and grantees, and whether a stream was public.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode)]
pub struct Readers {
	/// The owner's hash.
	pub owner: [u8; 32],
	/// Whether anyone could read some stream.
	pub public: bool,
	/// The grantees' hashes.
	pub grantees: BTreeSet<[u8; 32]>,
}

impl Readers {
	/// Whether someone in `self` is missing from `now`: the owner changed, a public stream is
	/// no longer public, or a grantee lost its last stream. Readers who join do not count: they
	/// may read what is sealed under the current key anyway.
	pub fn lost_someone(&self, now: &Readers) -> bool {
		self.owner != now.owner
			|| (self.public && !now.public)
			|| !self.grantees.is_subset(&now.grantees)
	}
}

/// A vehicle's content key, as the collector keeps it (sealed) in offchain storage.
#[derive(Clone, PartialEq, Eq, Encode, Decode)]
pub struct ContentKey {
	/// The key's id: the first key of a vehicle is 1, each rotation adds one.
	pub id: u32,
	/// The key; `None` once retired (the collector's consent ended), until the next key.
	pub key: Option<[u8; 32]>,
	/// Who could read the vehicle's data when the key was made.
	pub readers: Readers,
}

impl core::fmt::Debug for ContentKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("ContentKey")
			.field("id", &self.id)
			.field("key", &self.key.map(|_| "<redacted>"))
			.field("readers", &self.readers)
			.finish()
	}
}

/// What [`ContentKey::for_readers`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyChange {
	/// The key in use stays.
	Kept,
	/// The vehicle had no key (or a retired one): a new one was made.
	Made,
	/// A reader lost access: a new key replaced the one in use.
	Rotated,
}

impl ContentKey {
	/// The key to seal the next reading with when `readers` may read the vehicle's data: the
	/// key in use, or a new one made of `fresh` (32 random bytes) with the next id if there is
	/// none or if a reader of the one in use lost access. `current` is what offchain storage
	/// holds.
	pub fn for_readers(
		current: Option<Self>,
		readers: Readers,
		fresh: [u8; 32],
	) -> (Self, KeyChange) {
		let next_id = |key: &Option<Self>| key.as_ref().map_or(1, |key| key.id.saturating_add(1));
		match current {
			Some(key) if key.key.is_some() && !key.readers.lost_someone(&readers) => {
				// New readers join the key in use: it is rotated only when one of them leaves.
				let mut key = key;
				key.readers.grantees.extend(readers.grantees);
				key.readers.public |= readers.public;
				(key, KeyChange::Kept)
			},
			current => {
				let change = match &current {
					Some(key) if key.key.is_some() => KeyChange::Rotated,
					_ => KeyChange::Made,
				};
				(Self { id: next_id(&current), key: Some(fresh), readers }, change)
			},
		}
	}

	/// The key once the collector's consent ended: no key, the id kept so that the next one
	/// is new.
	pub fn retire(self) -> Self {
		Self { key: None, readers: Readers::default(), ..self }
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const KEY: [u8; 32] = [7; 32];
	const RECORD: &[u8] =
		br#"{"v":1,"vehicle":9,"oem":"tesla","from":5,"to":6,"signals":{"latE7":1}}"#;

	fn envelope() -> Vec<u8> {
		seal(&KEY, 3, 9, 5, 6, [1; 24], RECORD)
	}

	#[test]
	fn an_envelope_opens_with_its_key_only_and_shows_no_signal() {
		let sealed = envelope();
		assert_eq!(sealed.len(), HEADER_LEN + RECORD.len() + TAG_LEN);
		assert_eq!(&sealed[..4], b"DENV");
		assert!(!sealed.windows(5).any(|w| w == b"latE7"), "no signal name in clear");
		let (header, record) = open(&KEY, 3, &sealed).expect("its own key opens it");
		assert_eq!(record, RECORD);
		assert_eq!(header, Header { vehicle: 9, from: 5, to: 6, key_id: 3, nonce: [1; 24] });
		assert_eq!(open(&[8; 32], 3, &sealed), Err(EnvelopeError::Forged));
		assert_eq!(open(&KEY, 4, &sealed), Err(EnvelopeError::OtherKey));
	}

	#[test]
	fn the_header_is_bound_to_the_ciphertext() {
		// Moved to another vehicle, another window, another key id: does not open.
		for (at, what) in [(5, "vehicle"), (13, "from"), (21, "to"), (29, "key id")] {
			let mut moved = envelope();
			moved[at] ^= 1;
			let key_id = Header::parse(&moved).expect("a header").key_id;
			assert_eq!(open(&KEY, key_id, &moved), Err(EnvelopeError::Forged), "{what}");
		}
		let mut flipped = envelope();
		*flipped.last_mut().expect("bytes") ^= 1;
		assert_eq!(open(&KEY, 3, &flipped), Err(EnvelopeError::Forged));
		let mut version = envelope();
		version[4] = 2;
		assert_eq!(open(&KEY, 3, &version), Err(EnvelopeError::UnknownVersion));
		assert_eq!(open(&KEY, 3, &[b'{'; 100]), Err(EnvelopeError::NotAnEnvelope));
		assert_eq!(open(&KEY, 3, &envelope()[..60]), Err(EnvelopeError::TooShort));
	}

	fn readers(owner: u8, grantees: &[u8]) -> Readers {
		Readers {
			owner: [owner; 32],
			public: false,
			grantees: grantees.iter().map(|g| [*g; 32]).collect(),
		}
	}

	#[test]
	fn a_key_is_rotated_when_a_reader_leaves_and_kept_when_one_joins() {
		let (first, change) = ContentKey::for_readers(None, readers(1, &[2]), [10; 32]);
		assert_eq!((first.id, first.key, change), (1, Some([10; 32]), KeyChange::Made));
		// A grantee joins: same key.
		let (joined, change) =
			ContentKey::for_readers(Some(first.clone()), readers(1, &[2, 3]), [11; 32]);
		assert_eq!((joined.id, joined.key, change), (1, Some([10; 32]), KeyChange::Kept));
		// Grantee 3 is revoked (or its grant expired): new key, next id.
		let (revoked, change) = ContentKey::for_readers(Some(joined), readers(1, &[2]), [12; 32]);
		assert_eq!((revoked.id, revoked.key, change), (2, Some([12; 32]), KeyChange::Rotated));
		// The vehicle changes hands.
		let (sold, change) =
			ContentKey::for_readers(Some(revoked.clone()), readers(4, &[2]), [13; 32]);
		assert_eq!((sold.id, change), (3, KeyChange::Rotated));
		// A public stream stops being public.
		let public = Readers { public: true, ..readers(4, &[]) };
		let (opened, _) = ContentKey::for_readers(Some(sold), public, [14; 32]);
		let (closed, change) = ContentKey::for_readers(Some(opened), readers(4, &[]), [15; 32]);
		assert_eq!((closed.id, change), (5, KeyChange::Rotated));
		// Consent ends: no key; the next consent makes a new one with the next id.
		let retired = closed.retire();
		assert_eq!(retired.key, None);
		let (again, change) = ContentKey::for_readers(Some(retired), readers(4, &[]), [16; 32]);
		assert_eq!((again.id, again.key, change), (6, Some([16; 32]), KeyChange::Made));
	}
}
