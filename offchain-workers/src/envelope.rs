//! Envelopes: what leaves the collector for IPFS (or Arweave) is ciphertext, and its CID is
//! what the chain anchors.
//!
//! ## Format, version 2 (written since spec 103)
//!
//! ```text
//! offset  size  field
//!      0     4  magic "DENV"
//!      4     1  version: 2
//!      5     8  vehicle id, u64 little-endian
//!     13     8  start of the observed window, Unix ms, u64 little-endian
//!     21     8  end of the observed window, Unix ms, u64 little-endian
//!     29     4  key id, u32 little-endian: which of the vehicle's content keys sealed it
//!               (counted per collector: with the anchor's collector, it names the key)
//!     33    24  nonce
//!     57     1  owner's key slot: 0 = none (the owner published no X25519 key), 1 = wrapped
//!     58   112  if the slot is 1: the content key wrapped to the owner's published X25519 key
//!               (crate::key_wrap, format v1)
//!  58/170   n  XChaCha20-Poly1305 ciphertext of the canonical record (crate::record), with
//!               its 16-byte tag at the end
//! ```
//!
//! The associated data is the whole header, from byte 0 to the ciphertext: an envelope moved
//! to another vehicle or another window, relabelled with another key id, or given another
//! wrap, does not open. Anyone can check an anchored envelope's integrity (its CID is the
//! sha2-256 of these bytes) and read its vehicle and window; only the holder of the vehicle's
//! content key reads the signals, and the owner gets that key from the envelope itself with
//! its own secret ([`crate::key_wrap::unwrap`]), whatever became of the collector.
//!
//! ## Format, version 1 (written before spec 103; still opened)
//!
//! Version 2 without the slot: the header is bytes 0 to 57, the ciphertext follows. A version-1
//! envelope opens only with the content key from the collector (or from the gateway's
//! plaintext), since nothing in it is wrapped to the owner.
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
//!
//! Neither a rotation nor a retirement loses the data: each envelope carries its key wrapped to
//! the owner who held the vehicle when it was sealed ([`ContentKey::owner_wrap`], made once per
//! key and again when the owner publishes another key), so the owner opens every reading of
//! the time it owned the car from storage alone.

use alloc::{collections::BTreeSet, vec::Vec};
use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	XChaCha20Poly1305, XNonce,
};
use codec::{Decode, Encode};

use crate::key_wrap::{self, Wrap, WRAP_LEN};

/// The magic bytes that open an envelope.
pub const MAGIC: [u8; 4] = *b"DENV";

/// The version of the format this code writes.
pub const ENVELOPE_VERSION: u8 = 2;

/// The version before the owner's key slot, still opened.
pub const ENVELOPE_VERSION_1: u8 = 1;

/// The length of the fixed part of a header (magic to nonce); a version-1 header is only that.
pub const HEADER_LEN: usize = 57;

/// The length of a version-2 header without a wrap (the slot byte says "none").
pub const HEADER_V2_LEN: usize = HEADER_LEN + 1;

/// The length of a version-2 header with the owner's wrap.
pub const HEADER_V2_WRAPPED_LEN: usize = HEADER_V2_LEN + WRAP_LEN;

/// The length of the AEAD tag that the ciphertext ends with.
pub const TAG_LEN: usize = 16;

/// The prefix of the offchain-storage keys of content keys (format 2: with the owner's wrap).
pub const CONTENT_KEY_PREFIX: &[u8] = b"dimo/collector/content-key/v2/";

/// The prefix under which collectors before spec 103 kept content keys ([`ContentKeyV1`]),
/// read once and moved under [`CONTENT_KEY_PREFIX`].
pub const CONTENT_KEY_V1_PREFIX: &[u8] = b"dimo/collector/content-key/";

/// The offchain-storage key of `vehicle`'s content key: a [`crate::seal::Sealed`]
/// [`ContentKey`].
pub fn content_key_key(vehicle: u64) -> Vec<u8> {
	let mut key = CONTENT_KEY_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key
}

/// The offchain-storage key under which a collector before spec 103 kept `vehicle`'s content
/// key: a [`crate::seal::Sealed`] [`ContentKeyV1`].
pub fn content_key_v1_key(vehicle: u64) -> Vec<u8> {
	let mut key = CONTENT_KEY_V1_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key
}

/// An envelope's header: who and when, which key, and that key wrapped to the owner.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Header {
	/// The format version: [`ENVELOPE_VERSION`], or [`ENVELOPE_VERSION_1`] for an old one.
	pub version: u8,
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
	/// The content key wrapped to the owner's published key (version 2, if it published one).
	pub owner_wrap: Option<Wrap>,
}

impl Header {
	/// The header's bytes, as the envelope starts with them: the associated data of its
	/// ciphertext.
	pub fn to_bytes(&self) -> Vec<u8> {
		let mut bytes = Vec::with_capacity(HEADER_V2_WRAPPED_LEN);
		bytes.extend_from_slice(&MAGIC);
		bytes.push(self.version);
		bytes.extend_from_slice(&self.vehicle.to_le_bytes());
		bytes.extend_from_slice(&self.from.to_le_bytes());
		bytes.extend_from_slice(&self.to.to_le_bytes());
		bytes.extend_from_slice(&self.key_id.to_le_bytes());
		bytes.extend_from_slice(&self.nonce);
		if self.version >= ENVELOPE_VERSION {
			match &self.owner_wrap {
				Some(wrap) => {
					bytes.push(1);
					bytes.extend_from_slice(&wrap.to_bytes());
				},
				None => bytes.push(0),
			}
		}
		bytes
	}

	/// The length of this header's bytes.
	pub fn encoded_len(&self) -> usize {
		match (self.version >= ENVELOPE_VERSION, self.owner_wrap.is_some()) {
			(false, _) => HEADER_LEN,
			(true, false) => HEADER_V2_LEN,
			(true, true) => HEADER_V2_WRAPPED_LEN,
		}
	}

	/// The header that `envelope` starts with.
	pub fn parse(envelope: &[u8]) -> Result<Self, EnvelopeError> {
		let fixed = envelope.get(..HEADER_LEN).ok_or(EnvelopeError::TooShort)?;
		if fixed.get(..4) != Some(&MAGIC[..]) {
			return Err(EnvelopeError::NotAnEnvelope);
		}
		let version = fixed.get(4).copied().unwrap_or_default();
		if version != ENVELOPE_VERSION && version != ENVELOPE_VERSION_1 {
			return Err(EnvelopeError::UnknownVersion);
		}
		let u64_at = |at: usize| -> u64 {
			let mut bytes = [0u8; 8];
			bytes.copy_from_slice(fixed.get(at..at.saturating_add(8)).unwrap_or(&[0; 8]));
			u64::from_le_bytes(bytes)
		};
		let mut key_id = [0u8; 4];
		key_id.copy_from_slice(fixed.get(29..33).unwrap_or(&[0; 4]));
		let mut nonce = [0u8; 24];
		nonce.copy_from_slice(fixed.get(33..HEADER_LEN).unwrap_or(&[0; 24]));
		let owner_wrap = if version == ENVELOPE_VERSION {
			match envelope.get(HEADER_LEN) {
				Some(0) => None,
				Some(1) => Some(
					envelope
						.get(HEADER_V2_LEN..HEADER_V2_WRAPPED_LEN)
						.and_then(Wrap::from_bytes)
						.ok_or(EnvelopeError::TooShort)?,
				),
				Some(_) => return Err(EnvelopeError::UnknownSlot),
				None => return Err(EnvelopeError::TooShort),
			}
		} else {
			None
		};
		Ok(Self {
			version,
			vehicle: u64_at(5),
			from: u64_at(13),
			to: u64_at(21),
			key_id: u32::from_le_bytes(key_id),
			nonce,
			owner_wrap,
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
	/// An owner's key slot of a kind this code does not read.
	UnknownSlot,
	/// Sealed under another key id than the key offered.
	OtherKey,
	/// The ciphertext or the header was changed, or the key is not the one that sealed it.
	Forged,
	/// The owner's secret does not open the envelope's wrap (or it has none).
	NotTheOwner,
}

/// Seals the canonical `record` of `vehicle`'s window `from`..`to` under `key` (whose id is
/// `key_id`, wrapped to the owner as `owner_wrap`) with `nonce`, which must never repeat under
/// one key: take it from a random source.
#[allow(clippy::too_many_arguments)]
pub fn seal(
	key: &[u8; 32],
	key_id: u32,
	owner_wrap: Option<Wrap>,
	vehicle: u64,
	from: u64,
	to: u64,
	nonce: [u8; 24],
	record: &[u8],
) -> Vec<u8> {
	let header = Header { version: ENVELOPE_VERSION, vehicle, from, to, key_id, nonce, owner_wrap }
		.to_bytes();
	let ciphertext = XChaCha20Poly1305::new(key.into())
		.encrypt(XNonce::from_slice(&nonce), Payload { msg: record, aad: &header })
		// Encryption fails only for plaintexts beyond 256 GiB; a record is at most 256 KiB.
		.unwrap_or_default();
	let mut envelope = Vec::with_capacity(header.len().saturating_add(ciphertext.len()));
	envelope.extend_from_slice(&header);
	envelope.extend_from_slice(&ciphertext);
	envelope
}

/// The record inside `envelope` (version 1 or 2), with its header, if `key` (whose id is
/// `key_id`) sealed it.
pub fn open(
	key: &[u8; 32],
	key_id: u32,
	envelope: &[u8],
) -> Result<(Header, Vec<u8>), EnvelopeError> {
	let header = Header::parse(envelope)?;
	if envelope.len() < header.encoded_len().saturating_add(TAG_LEN) {
		return Err(EnvelopeError::TooShort);
	}
	if header.key_id != key_id {
		return Err(EnvelopeError::OtherKey);
	}
	let (aad, ciphertext) = envelope.split_at(header.encoded_len());
	let record = XChaCha20Poly1305::new(key.into())
		.decrypt(XNonce::from_slice(&header.nonce), Payload { msg: ciphertext, aad })
		.map_err(|_| EnvelopeError::Forged)?;
	Ok((header, record))
}

/// The record inside a version-2 `envelope`, opened by its owner with the X25519 `secret` whose
/// public key it published: the content key from the envelope's wrap, then the record.
pub fn open_as_owner(
	secret: &[u8; 32],
	envelope: &[u8],
) -> Result<(Header, Vec<u8>), EnvelopeError> {
	let header = Header::parse(envelope)?;
	let wrap = header.owner_wrap.as_ref().ok_or(EnvelopeError::NotTheOwner)?;
	let key = key_wrap::unwrap(secret, wrap, header.vehicle, header.key_id)
		.map_err(|_| EnvelopeError::NotTheOwner)?;
	open(&key, header.key_id, envelope)
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
	/// The key wrapped to its owner's published X25519 key, carried by every envelope sealed
	/// under it; `None` while the owner has published none.
	pub owner_wrap: Option<Wrap>,
}

/// A content key as collectors before spec 103 kept it, without the owner's wrap.
#[derive(Clone, PartialEq, Eq, Encode, Decode)]
pub struct ContentKeyV1 {
	/// The key's id.
	pub id: u32,
	/// The key; `None` once retired.
	pub key: Option<[u8; 32]>,
	/// Who could read the vehicle's data when the key was made.
	pub readers: Readers,
}

impl From<ContentKeyV1> for ContentKey {
	fn from(old: ContentKeyV1) -> Self {
		Self { id: old.id, key: old.key, readers: old.readers, owner_wrap: None }
	}
}

impl core::fmt::Debug for ContentKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("ContentKey")
			.field("id", &self.id)
			.field("key", &self.key.map(|_| "<redacted>"))
			.field("readers", &self.readers)
			.field("owner_wrap", &self.owner_wrap.map(|wrap| wrap.recipient))
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
				(
					Self { id: next_id(&current), key: Some(fresh), readers, owner_wrap: None },
					change,
				)
			},
		}
	}

	/// The key once the collector's consent ended: no key, the id kept so that the next one
	/// is new. (The envelopes sealed under it keep their wraps.)
	pub fn retire(self) -> Self {
		Self { key: None, readers: Readers::default(), owner_wrap: None, ..self }
	}

	/// The key wrapped to `owner_key`, the X25519 key that the vehicle's owner published now
	/// (`None`: none), wrapped anew with `ephemeral_secret` if its wrap is not to that key.
	/// `Ok(true)` if the wrap changed.
	pub fn wrap_to_owner(
		&mut self,
		vehicle: u64,
		owner_key: Option<&[u8; 32]>,
		ephemeral_secret: &[u8; 32],
	) -> Result<bool, key_wrap::WrapError> {
		let Some(key) = self.key else { return Ok(false) };
		let wanted = owner_key.map(key_wrap::fingerprint);
		if self.owner_wrap.map(|wrap| wrap.recipient) == wanted {
			return Ok(false);
		}
		self.owner_wrap = match owner_key {
			Some(public) => Some(key_wrap::wrap(public, ephemeral_secret, vehicle, self.id, &key)?),
			None => None,
		};
		Ok(true)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const KEY: [u8; 32] = [7; 32];
	const RECORD: &[u8] =
		br#"{"v":1,"vehicle":9,"oem":"tesla","from":5,"to":6,"signals":{"latE7":1}}"#;

	const OWNER_SECRET: [u8; 32] = [21; 32];

	fn owner_wrap() -> Wrap {
		key_wrap::wrap(&key_wrap::public_key(&OWNER_SECRET), &[22; 32], 9, 3, &KEY).expect("wraps")
	}

	fn envelope() -> Vec<u8> {
		seal(&KEY, 3, Some(owner_wrap()), 9, 5, 6, [1; 24], RECORD)
	}

	/// A version-1 envelope, as collectors before spec 103 sealed them.
	fn envelope_v1() -> Vec<u8> {
		let header = Header {
			version: 1,
			vehicle: 9,
			from: 5,
			to: 6,
			key_id: 3,
			nonce: [1; 24],
			owner_wrap: None,
		}
		.to_bytes();
		assert_eq!(header.len(), HEADER_LEN);
		let ciphertext = XChaCha20Poly1305::new((&KEY).into())
			.encrypt(XNonce::from_slice(&[1; 24]), Payload { msg: RECORD, aad: &header })
			.expect("seals");
		[header, ciphertext].concat()
	}

	#[test]
	fn an_envelope_opens_with_its_key_only_and_shows_no_signal() {
		let sealed = envelope();
		assert_eq!(sealed.len(), HEADER_V2_WRAPPED_LEN + RECORD.len() + TAG_LEN);
		assert_eq!(&sealed[..5], b"DENV\x02");
		assert!(!sealed.windows(5).any(|w| w == b"latE7"), "no signal name in clear");
		let (header, record) = open(&KEY, 3, &sealed).expect("its own key opens it");
		assert_eq!(record, RECORD);
		assert_eq!(
			header,
			Header {
				version: 2,
				vehicle: 9,
				from: 5,
				to: 6,
				key_id: 3,
				nonce: [1; 24],
				owner_wrap: Some(owner_wrap())
			}
		);
		assert_eq!(open(&[8; 32], 3, &sealed), Err(EnvelopeError::Forged));
		assert_eq!(open(&KEY, 4, &sealed), Err(EnvelopeError::OtherKey));
	}

	#[test]
	fn the_owner_opens_an_envelope_with_its_own_secret_alone() {
		let (header, record) =
			open_as_owner(&OWNER_SECRET, &envelope()).expect("the owner opens it");
		assert_eq!((header.vehicle, header.key_id, record.as_slice()), (9, 3, RECORD));
		assert_eq!(open_as_owner(&[23; 32], &envelope()), Err(EnvelopeError::NotTheOwner));
		// Without a wrap (the owner published no key), only the content key opens it.
		let unwrapped = seal(&KEY, 3, None, 9, 5, 6, [1; 24], RECORD);
		assert_eq!(unwrapped.len(), HEADER_V2_LEN + RECORD.len() + TAG_LEN);
		assert_eq!(open_as_owner(&OWNER_SECRET, &unwrapped), Err(EnvelopeError::NotTheOwner));
		assert_eq!(open(&KEY, 3, &unwrapped).map(|(_, r)| r), Ok(RECORD.to_vec()));
		// Another vehicle's wrap, swapped in: the header is the associated data, so no.
		let mut swapped = envelope();
		let other = key_wrap::wrap(&key_wrap::public_key(&OWNER_SECRET), &[22; 32], 9, 3, &[8; 32])
			.expect("wraps");
		swapped[HEADER_V2_LEN..HEADER_V2_WRAPPED_LEN].copy_from_slice(&other.to_bytes());
		assert_eq!(open_as_owner(&OWNER_SECRET, &swapped), Err(EnvelopeError::Forged));
	}

	/// The envelope of docs/storage-formats.md: key_wrap's vector (owner mini-secret 0x11…,
	/// ephemeral 0x22…, vehicle 7, key id 3, content key 0x33…), window 1000..2000, nonce 0x44….
	#[test]
	fn the_documented_envelope() {
		let mini_secret = [0x11; 32];
		let secret = key_wrap::secret_from_mini_secret(&mini_secret);
		let wrap = key_wrap::wrap(&key_wrap::public_key(&secret), &[0x22; 32], 7, 3, &[0x33; 32])
			.expect("wraps");
		let sealed = seal(&[0x33; 32], 3, Some(wrap), 7, 1000, 2000, [0x44; 24], br#"{"v":1}"#);
		let shown: alloc::string::String =
			sealed.iter().map(|b| alloc::format!("{b:02x}")).collect();
		assert_eq!(shown, DOCUMENTED_ENVELOPE, "docs/storage-formats.md's envelope: {shown}");
		let (header, record) = open_as_owner(&secret, &sealed).expect("the owner opens it");
		assert_eq!((header.from, header.to, record.as_slice()), (1000, 2000, &br#"{"v":1}"#[..]));
	}

	const DOCUMENTED_ENVELOPE: &str =
		"44454e56020700000000000000e803000000000000d0070000000000000300000044444444444444\
		44444444444444444444444444444444440122e78738a312a1821389a8f1c19094b189585ba577ef\
		d8cbbf42cf4ebb6ff4900faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf267857\
		0f209a7459fc3f1887767871e8f0bc85fda90a41abd9138eaa2a88bf75ae7eaf9851949398678074\
		1a499e41f60e15c64975638406f60ad34a72b4354e3d0c9edcb67fd32048244aee";

	#[test]
	fn version_1_envelopes_still_open() {
		let old = envelope_v1();
		let (header, record) = open(&KEY, 3, &old).expect("a version-1 envelope opens");
		assert_eq!((header.version, header.owner_wrap, record.as_slice()), (1, None, RECORD));
		assert_eq!(open_as_owner(&OWNER_SECRET, &old), Err(EnvelopeError::NotTheOwner));
	}

	#[test]
	fn the_header_is_bound_to_the_ciphertext() {
		// Moved to another vehicle, another window, another key id, another wrap: does not open.
		for (at, what) in [(5, "vehicle"), (13, "from"), (21, "to"), (29, "key id"), (100, "wrap")]
		{
			let mut moved = envelope();
			moved[at] ^= 1;
			let key_id = Header::parse(&moved).expect("a header").key_id;
			assert_eq!(open(&KEY, key_id, &moved), Err(EnvelopeError::Forged), "{what}");
		}
		let mut flipped = envelope();
		*flipped.last_mut().expect("bytes") ^= 1;
		assert_eq!(open(&KEY, 3, &flipped), Err(EnvelopeError::Forged));
		let mut version = envelope();
		version[4] = 3;
		assert_eq!(open(&KEY, 3, &version), Err(EnvelopeError::UnknownVersion));
		let mut slot = envelope();
		slot[HEADER_LEN] = 2;
		assert_eq!(open(&KEY, 3, &slot), Err(EnvelopeError::UnknownSlot));
		assert_eq!(open(&KEY, 3, &[b'{'; 100]), Err(EnvelopeError::NotAnEnvelope));
		assert_eq!(open(&KEY, 3, &envelope()[..60]), Err(EnvelopeError::TooShort));
		assert_eq!(open(&KEY, 3, &envelope()[..180]), Err(EnvelopeError::TooShort));
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

	#[test]
	fn a_key_is_wrapped_to_its_owners_key_once_and_again_when_the_owner_publishes_another() {
		let owner = key_wrap::public_key(&OWNER_SECRET);
		let (mut key, _) = ContentKey::for_readers(None, readers(1, &[]), [10; 32]);
		assert_eq!(key.wrap_to_owner(9, None, &[1; 32]), Ok(false), "no published key: no wrap");
		assert_eq!(key.owner_wrap, None);
		assert_eq!(key.wrap_to_owner(9, Some(&owner), &[1; 32]), Ok(true));
		let wrap = key.owner_wrap.expect("wrapped");
		assert_eq!(key_wrap::unwrap(&OWNER_SECRET, &wrap, 9, 1), Ok([10; 32]));
		// The same key again: the wrap stays (no new ephemeral key per reading).
		assert_eq!(key.wrap_to_owner(9, Some(&owner), &[2; 32]), Ok(false));
		assert_eq!(key.owner_wrap, Some(wrap));
		// The owner publishes another key: wrapped anew, to it.
		let other = key_wrap::public_key(&[24; 32]);
		assert_eq!(key.wrap_to_owner(9, Some(&other), &[3; 32]), Ok(true));
		assert_eq!(
			key_wrap::unwrap(&[24; 32], &key.owner_wrap.expect("wrapped"), 9, 1),
			Ok([10; 32])
		);
		// A rotation makes a key with no wrap yet; a retired key has none.
		let (rotated, _) = ContentKey::for_readers(Some(key.clone()), readers(2, &[]), [11; 32]);
		assert_eq!(rotated.owner_wrap, None);
		assert_eq!(key.retire().owner_wrap, None);
	}

	#[test]
	fn a_version_1_content_key_becomes_one_without_a_wrap() {
		let old = ContentKeyV1 { id: 4, key: Some([5; 32]), readers: readers(1, &[2]) };
		let new: ContentKey = old.clone().into();
		assert_eq!(
			(new.id, new.key, new.readers, new.owner_wrap),
			(4, Some([5; 32]), old.readers, None)
		);
	}
}
