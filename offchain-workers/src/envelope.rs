//! Envelopes: what leaves the collector for IPFS (or Arweave) is ciphertext, and its CID is
//! what the chain anchors.
//!
//! ## Format, version 3 (written since spec 104)
//!
//! A reading is sealed in **parts**, one per class of its signals ([`Class`]): non-location,
//! precise position, approximate position, the OEM's raw answer. Each class has its own content
//! key, rotated on its own ([`crate::content_keys`]), and each part carries its key wrapped to
//! every reader of that class: the owner, and each grantee of a stream of that class that
//! published an X25519 key. A `nonLocationData` grantee therefore opens the non-location part
//! from storage and nothing else; the owner opens every part.
//!
//! ```text
//! offset  size  field
//!      0     4  magic "DENV"
//!      4     1  version: 3
//!      5     8  vehicle id, u64 little-endian
//!     13     8  start of the observed window, Unix ms, u64 little-endian
//!     21     8  end of the observed window, Unix ms, u64 little-endian
//!     29     1  number of parts, 1 to 4
//!     30        the parts' descriptors, in increasing order of class, each:
//!                 1  class: 0 non-location, 1 precise location, 2 approximate location, 3 raw
//!                 4  key id, u32 little-endian (unique among the vehicle's keys at its collector)
//!                24  nonce
//!                 4  length of the part's ciphertext, tag included, u32 little-endian
//!                 1  number of wraps w (at most 128)
//!             112×w  the part's key wrapped to each reader (crate::key_wrap, format v1), the
//!                    owner's first
//!      h        the parts' ciphertexts, in the descriptors' order: XChaCha20-Poly1305 of the
//!               part's bytes, each with its 16-byte tag at the end
//! ```
//!
//! A part's bytes are the view of its class's stream ([`crate::streams::view`]): the canonical
//! record with every signal but position; a record with `latE7`/`lonE7`; a record with the
//! position rounded down to the grid and `gridE7`; the OEM's answer as received. A reading
//! without a position has no location parts; one whose raw answer was not kept, no raw part.
//! The owner rebuilds the whole record from the non-location and precise parts.
//!
//! The associated data of every part is the whole header, bytes 0 to h: an envelope moved to
//! another vehicle or window, relabelled, with a part or a wrap added, removed or swapped, does
//! not open. Anyone can check an anchored envelope's integrity (its CID is the sha2-256 of these
//! bytes) and read its vehicle, window, classes and key ids; only a reader of a class opens
//! that class's part.
//!
//! ## Format, version 2 (written by spec 103; still opened)
//!
//! ```text
//! offset  size  field
//!      0     4  magic "DENV"
//!      4     1  version: 2
//!      5     8  vehicle id, u64 little-endian
//!     13     8  start of the observed window, Unix ms, u64 little-endian
//!     21     8  end of the observed window, Unix ms, u64 little-endian
//!     29     4  key id, u32 little-endian
//!     33    24  nonce
//!     57     1  owner's key slot: 0 = none, 1 = wrapped
//!     58   112  if the slot is 1: the content key wrapped to the owner's X25519 key
//!  58/170   n  XChaCha20-Poly1305 ciphertext of the whole canonical record, with its tag
//! ```
//!
//! The associated data is the whole header. One key for the whole record: only the owner (with
//! the wrap) or the collector opens it.
//!
//! ## Format, version 1 (written before spec 103; still opened)
//!
//! Version 2 without the slot: the header is bytes 0 to 57, the ciphertext follows. It opens
//! only with the content key from the collector.

use alloc::vec::Vec;
use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	XChaCha20Poly1305, XNonce,
};

use crate::{
	key_wrap::{self, Wrap, WRAP_LEN},
	streams::Class,
};

/// The magic bytes that open an envelope.
pub const MAGIC: [u8; 4] = *b"DENV";

/// The version of the format this code writes: sealed parts, one per class of signals.
pub const ENVELOPE_VERSION: u8 = 3;

/// The version with one sealed record and the owner's key slot, written from spec 103 to 103,
/// still opened.
pub const ENVELOPE_VERSION_2: u8 = 2;

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

/// An envelope's header: who and when, which key, and that key wrapped to the owner.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Header {
	/// The format version: [`ENVELOPE_VERSION_2`], or [`ENVELOPE_VERSION_1`] for an old one.
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
		if self.version >= ENVELOPE_VERSION_2 {
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
		match (self.version >= ENVELOPE_VERSION_2, self.owner_wrap.is_some()) {
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
		if version != ENVELOPE_VERSION_2 && version != ENVELOPE_VERSION_1 {
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
		let owner_wrap = if version == ENVELOPE_VERSION_2 {
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
	/// Version 3: no part, parts out of order or of an unknown class, or lengths that do not
	/// add up to the envelope's.
	BadParts,
	/// Version 3: the envelope has no part of that class.
	NoSuchPart,
	/// Version 3: the part carries no wrap to that reader's key (or it does not open).
	NotAReader,
	/// Version 3: a part with more than [`MAX_WRAPS_PER_PART`] wraps.
	TooManyWraps,
	/// Version 3: the envelope would be larger than [`MAX_ENVELOPE_LEN`].
	TooLarge,
}

/// Seals the canonical `record` of `vehicle`'s window `from`..`to` under `key` (whose id is
/// `key_id`, wrapped to the owner as `owner_wrap`) with `nonce`, which must never repeat under
/// one key: take it from a random source. Format 2: the collector no longer writes it; tests
/// make old envelopes with it.
#[cfg(test)]
#[allow(clippy::too_many_arguments)]
pub fn seal_v2(
	key: &[u8; 32],
	key_id: u32,
	owner_wrap: Option<Wrap>,
	vehicle: u64,
	from: u64,
	to: u64,
	nonce: [u8; 24],
	record: &[u8],
) -> Vec<u8> {
	let header =
		Header { version: ENVELOPE_VERSION_2, vehicle, from, to, key_id, nonce, owner_wrap }
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

/// The length of the fixed part of a version-3 header: magic, version, vehicle, window, and
/// the number of parts.
pub const HEADER_V3_FIXED_LEN: usize = 30;

/// The length of a part's descriptor in a version-3 header without its wraps: class, key id,
/// nonce, ciphertext length, number of wraps.
pub const PART_DESCRIPTOR_LEN: usize = 34;

/// The most wraps one part carries: the owner and every grantee of the vehicle
/// (`MaxGranteesPerVehicle` is 100 in the runtime), with room to spare.
pub const MAX_WRAPS_PER_PART: usize = 128;

/// The largest envelope: one IPFS chunk (256 KiB), so that its CID is that of a single raw
/// block ([`crate::cid`]).
pub const MAX_ENVELOPE_LEN: usize = 256 * 1024;

/// One part of a reading to seal: the bytes of one class of its signals, under that class's
/// content key, with that key wrapped to each of the class's readers.
#[derive(Clone, Copy, Debug)]
pub struct PartToSeal<'a> {
	/// The class.
	pub class: Class,
	/// The id of the content key (unique among the vehicle's keys at this collector).
	pub key_id: u32,
	/// The content key.
	pub key: &'a [u8; 32],
	/// The content key wrapped to each reader of the class, the owner's first.
	pub wraps: &'a [Wrap],
	/// A nonce that never repeats under this key: from a random source.
	pub nonce: [u8; 24],
	/// The class's bytes ([`Class::part_of`]).
	pub plaintext: &'a [u8],
}

/// A part's descriptor, as a version-3 header carries it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Part {
	/// The class of its signals.
	pub class: Class,
	/// The id of the content key that sealed it.
	pub key_id: u32,
	/// Its nonce.
	pub nonce: [u8; 24],
	/// The length of its ciphertext, tag included.
	pub len: u32,
	/// Its content key wrapped to each reader of the class.
	pub wraps: Vec<Wrap>,
}

/// A version-3 envelope's header: who and when, and each part's descriptor.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HeaderV3 {
	/// The vehicle.
	pub vehicle: u64,
	/// The start of the observed window, in Unix ms.
	pub from: u64,
	/// The end of the observed window, in Unix ms.
	pub to: u64,
	/// The parts, in the order of their classes.
	pub parts: Vec<Part>,
}

impl HeaderV3 {
	/// The header's bytes, as the envelope starts with them: the associated data of every part.
	pub fn to_bytes(&self) -> Vec<u8> {
		let mut bytes = Vec::with_capacity(self.encoded_len());
		bytes.extend_from_slice(&MAGIC);
		bytes.push(ENVELOPE_VERSION);
		bytes.extend_from_slice(&self.vehicle.to_le_bytes());
		bytes.extend_from_slice(&self.from.to_le_bytes());
		bytes.extend_from_slice(&self.to.to_le_bytes());
		bytes.push(u8::try_from(self.parts.len()).unwrap_or(u8::MAX));
		for part in &self.parts {
			bytes.push(part.class.to_byte());
			bytes.extend_from_slice(&part.key_id.to_le_bytes());
			bytes.extend_from_slice(&part.nonce);
			bytes.extend_from_slice(&part.len.to_le_bytes());
			bytes.push(u8::try_from(part.wraps.len()).unwrap_or(u8::MAX));
			for wrap in &part.wraps {
				bytes.extend_from_slice(&wrap.to_bytes());
			}
		}
		bytes
	}

	/// The length of this header's bytes.
	pub fn encoded_len(&self) -> usize {
		self.parts.iter().fold(HEADER_V3_FIXED_LEN, |len, part| {
			len.saturating_add(PART_DESCRIPTOR_LEN)
				.saturating_add(part.wraps.len().saturating_mul(WRAP_LEN))
		})
	}

	/// The header that the version-3 `envelope` starts with, checked: at least one part, the
	/// classes known and in increasing order, each part's ciphertext within the envelope and
	/// the last one ending where the envelope does.
	pub fn parse(envelope: &[u8]) -> Result<Self, EnvelopeError> {
		let fixed = envelope.get(..HEADER_V3_FIXED_LEN).ok_or(EnvelopeError::TooShort)?;
		if fixed.get(..4) != Some(&MAGIC[..]) {
			return Err(EnvelopeError::NotAnEnvelope);
		}
		if fixed.get(4) != Some(&ENVELOPE_VERSION) {
			return Err(EnvelopeError::UnknownVersion);
		}
		let mut reader = Reader { bytes: envelope, at: 5 };
		let vehicle = u64::from_le_bytes(reader.array()?);
		let from = u64::from_le_bytes(reader.array()?);
		let to = u64::from_le_bytes(reader.array()?);
		let count = reader.byte()?;
		if count == 0 || usize::from(count) > Class::ALL.len() {
			return Err(EnvelopeError::BadParts);
		}
		let mut parts: Vec<Part> = Vec::with_capacity(usize::from(count));
		for _ in 0..count {
			let class = Class::from_byte(reader.byte()?).ok_or(EnvelopeError::BadParts)?;
			if parts.last().is_some_and(|last| last.class >= class) {
				return Err(EnvelopeError::BadParts);
			}
			let key_id = u32::from_le_bytes(reader.array()?);
			let nonce = reader.array()?;
			let len = u32::from_le_bytes(reader.array()?);
			let wrap_count = reader.byte()?;
			let mut wraps = Vec::with_capacity(usize::from(wrap_count));
			for _ in 0..wrap_count {
				let bytes = reader.take(WRAP_LEN)?;
				wraps.push(Wrap::from_bytes(bytes).ok_or(EnvelopeError::TooShort)?);
			}
			parts.push(Part { class, key_id, nonce, len, wraps });
		}
		let ciphertexts = parts.iter().try_fold(0usize, |total, part| {
			let len = usize::try_from(part.len).map_err(|_| EnvelopeError::BadParts)?;
			if len < TAG_LEN {
				return Err(EnvelopeError::BadParts);
			}
			total.checked_add(len).ok_or(EnvelopeError::BadParts)
		})?;
		match envelope.len().checked_sub(reader.at) {
			Some(rest) if rest == ciphertexts => Ok(Self { vehicle, from, to, parts }),
			Some(rest) if rest < ciphertexts => Err(EnvelopeError::TooShort),
			_ => Err(EnvelopeError::BadParts),
		}
	}

	/// The descriptor of the `class` part and where its ciphertext lies in the envelope.
	fn part(&self, class: Class) -> Result<(&Part, core::ops::Range<usize>), EnvelopeError> {
		let mut start = self.encoded_len();
		for part in &self.parts {
			let end = start.saturating_add(part.len as usize);
			if part.class == class {
				return Ok((part, start..end));
			}
			start = end;
		}
		Err(EnvelopeError::NoSuchPart)
	}
}

/// Reads a header's fields in order.
struct Reader<'a> {
	bytes: &'a [u8],
	at: usize,
}

impl<'a> Reader<'a> {
	fn take(&mut self, len: usize) -> Result<&'a [u8], EnvelopeError> {
		let end = self.at.checked_add(len).ok_or(EnvelopeError::TooShort)?;
		let taken = self.bytes.get(self.at..end).ok_or(EnvelopeError::TooShort)?;
		self.at = end;
		Ok(taken)
	}

	fn byte(&mut self) -> Result<u8, EnvelopeError> {
		self.take(1)?.first().copied().ok_or(EnvelopeError::TooShort)
	}

	fn array<const N: usize>(&mut self) -> Result<[u8; N], EnvelopeError> {
		let mut array = [0u8; N];
		array.copy_from_slice(self.take(N)?);
		Ok(array)
	}
}

/// Seals the parts of one reading of `vehicle`'s window `from`..`to` into a version-3
/// envelope: each part under its own key, every part's associated data the whole header.
/// `parts` must be in the order of their classes, at least one, each with at most
/// [`MAX_WRAPS_PER_PART`] wraps; the envelope at most [`MAX_ENVELOPE_LEN`] bytes.
pub fn seal(
	vehicle: u64,
	from: u64,
	to: u64,
	parts: &[PartToSeal<'_>],
) -> Result<Vec<u8>, EnvelopeError> {
	if parts.is_empty() || parts.windows(2).any(|pair| pair[0].class >= pair[1].class) {
		return Err(EnvelopeError::BadParts);
	}
	if parts.iter().any(|part| part.wraps.len() > MAX_WRAPS_PER_PART) {
		return Err(EnvelopeError::TooManyWraps);
	}
	let mut descriptors = Vec::with_capacity(parts.len());
	for part in parts {
		let len = part.plaintext.len().saturating_add(TAG_LEN);
		descriptors.push(Part {
			class: part.class,
			key_id: part.key_id,
			nonce: part.nonce,
			len: u32::try_from(len).map_err(|_| EnvelopeError::TooLarge)?,
			wraps: part.wraps.to_vec(),
		});
	}
	let header = HeaderV3 { vehicle, from, to, parts: descriptors };
	let total = header
		.parts
		.iter()
		.fold(header.encoded_len(), |total, part| total.saturating_add(part.len as usize));
	if total > MAX_ENVELOPE_LEN {
		return Err(EnvelopeError::TooLarge);
	}
	let aad = header.to_bytes();
	let mut envelope = Vec::with_capacity(total);
	envelope.extend_from_slice(&aad);
	for part in parts {
		let ciphertext = XChaCha20Poly1305::new(part.key.into())
			.encrypt(XNonce::from_slice(&part.nonce), Payload { msg: part.plaintext, aad: &aad })
			.map_err(|_| EnvelopeError::TooLarge)?;
		envelope.extend_from_slice(&ciphertext);
	}
	Ok(envelope)
}

/// The `class` part of the version-3 `envelope`, opened with `key` (whose id is `key_id`).
pub fn open_part(
	envelope: &[u8],
	class: Class,
	key: &[u8; 32],
	key_id: u32,
) -> Result<(HeaderV3, Vec<u8>), EnvelopeError> {
	let header = HeaderV3::parse(envelope)?;
	let plaintext = decrypt_part(envelope, &header, class, key, key_id)?;
	Ok((header, plaintext))
}

/// The content key of the `class` part of the version-3 `envelope`, from its wrap to the
/// reader whose X25519 secret is `secret` (the owner, or a grantee of the class).
pub fn part_key(
	envelope: &[u8],
	class: Class,
	secret: &[u8; 32],
) -> Result<(u32, [u8; 32]), EnvelopeError> {
	unwrap_part_key(&HeaderV3::parse(envelope)?, class, secret)
}

/// The `class` part of the version-3 `envelope`, opened by a reader of it (its owner, or a
/// grantee of the class) with the X25519 `secret` whose public key it published.
pub fn open_part_as_reader(
	envelope: &[u8],
	class: Class,
	secret: &[u8; 32],
) -> Result<(HeaderV3, Vec<u8>), EnvelopeError> {
	let header = HeaderV3::parse(envelope)?;
	let (key_id, key) = unwrap_part_key(&header, class, secret)?;
	let plaintext = decrypt_part(envelope, &header, class, &key, key_id)?;
	Ok((header, plaintext))
}

/// [`part_key`] on a parsed header.
fn unwrap_part_key(
	header: &HeaderV3,
	class: Class,
	secret: &[u8; 32],
) -> Result<(u32, [u8; 32]), EnvelopeError> {
	let (part, _) = header.part(class)?;
	let recipient = key_wrap::fingerprint(&key_wrap::public_key(secret));
	let wrap = part
		.wraps
		.iter()
		.find(|wrap| wrap.recipient == recipient)
		.ok_or(EnvelopeError::NotAReader)?;
	let key = key_wrap::unwrap(secret, wrap, header.vehicle, part.key_id)
		.map_err(|_| EnvelopeError::NotAReader)?;
	Ok((part.key_id, key))
}

/// The plaintext of the `class` part of `envelope`, whose parsed header is `header`.
fn decrypt_part(
	envelope: &[u8],
	header: &HeaderV3,
	class: Class,
	key: &[u8; 32],
	key_id: u32,
) -> Result<Vec<u8>, EnvelopeError> {
	let (part, range) = header.part(class)?;
	if part.key_id != key_id {
		return Err(EnvelopeError::OtherKey);
	}
	let aad = envelope.get(..header.encoded_len()).ok_or(EnvelopeError::TooShort)?;
	let ciphertext = envelope.get(range).ok_or(EnvelopeError::TooShort)?;
	XChaCha20Poly1305::new(key.into())
		.decrypt(XNonce::from_slice(&part.nonce), Payload { msg: ciphertext, aad })
		.map_err(|_| EnvelopeError::Forged)
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
		seal_v2(&KEY, 3, Some(owner_wrap()), 9, 5, 6, [1; 24], RECORD)
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
		let unwrapped = seal_v2(&KEY, 3, None, 9, 5, 6, [1; 24], RECORD);
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
		let sealed = seal_v2(&[0x33; 32], 3, Some(wrap), 7, 1000, 2000, [0x44; 24], br#"{"v":1}"#);
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

	/// A version-3 envelope of vehicle 9: a non-location part wrapped to the owner and a
	/// grantee, a precise part wrapped to the owner only.
	fn envelope_v3() -> Vec<u8> {
		let owner = key_wrap::public_key(&OWNER_SECRET);
		let grantee = key_wrap::public_key(&GRANTEE_SECRET);
		let non_location_wraps = [
			key_wrap::wrap(&owner, &[30; 32], 9, 5, &NON_LOCATION_KEY).expect("wraps"),
			key_wrap::wrap(&grantee, &[31; 32], 9, 5, &NON_LOCATION_KEY).expect("wraps"),
		];
		let precise_wraps = [key_wrap::wrap(&owner, &[32; 32], 9, 6, &KEY).expect("wraps")];
		seal(
			9,
			5,
			6,
			&[
				PartToSeal {
					class: Class::NonLocation,
					key_id: 5,
					key: &NON_LOCATION_KEY,
					wraps: &non_location_wraps,
					nonce: [2; 24],
					plaintext: NON_LOCATION,
				},
				PartToSeal {
					class: Class::PreciseLocation,
					key_id: 6,
					key: &KEY,
					wraps: &precise_wraps,
					nonce: [3; 24],
					plaintext: PRECISE,
				},
			],
		)
		.expect("seals")
	}

	const NON_LOCATION_KEY: [u8; 32] = [8; 32];
	const GRANTEE_SECRET: [u8; 32] = [25; 32];
	const NON_LOCATION: &[u8] =
		br#"{"v":1,"vehicle":9,"oem":"tesla","from":5,"to":6,"signals":{"odometerM":1}}"#;
	const PRECISE: &[u8] =
		br#"{"v":1,"vehicle":9,"oem":"tesla","from":5,"to":6,"signals":{"latE7":1,"lonE7":2}}"#;

	#[test]
	fn each_reader_opens_the_parts_of_its_classes_and_no_other() {
		let sealed = envelope_v3();
		assert_eq!(&sealed[..5], b"DENV\x03");
		let header = HeaderV3::parse(&sealed).expect("a header");
		assert_eq!((header.vehicle, header.from, header.to, header.parts.len()), (9, 5, 6, 2));
		assert_eq!(
			sealed.len(),
			HEADER_V3_FIXED_LEN
				+ 2 * PART_DESCRIPTOR_LEN
				+ 3 * WRAP_LEN
				+ NON_LOCATION.len()
				+ PRECISE.len()
				+ 2 * TAG_LEN
		);
		assert!(!sealed.windows(5).any(|w| w == b"latE7" || w == b"odome"), "no signal in clear");
		// The owner opens both parts.
		let open_as = |secret, class| open_part_as_reader(&sealed, class, secret).map(|(_, p)| p);
		assert_eq!(open_as(&OWNER_SECRET, Class::NonLocation), Ok(NON_LOCATION.to_vec()));
		assert_eq!(open_as(&OWNER_SECRET, Class::PreciseLocation), Ok(PRECISE.to_vec()));
		// The nonLocationData grantee opens its part, not the position.
		assert_eq!(open_as(&GRANTEE_SECRET, Class::NonLocation), Ok(NON_LOCATION.to_vec()));
		assert_eq!(
			open_as(&GRANTEE_SECRET, Class::PreciseLocation),
			Err(EnvelopeError::NotAReader)
		);
		// Its key does not open the precise part either, whatever id it claims.
		let (id, key) = part_key(&sealed, Class::NonLocation, &GRANTEE_SECRET).expect("its key");
		assert_eq!(id, 5);
		assert_eq!(open_part(&sealed, Class::PreciseLocation, &key, 6), Err(EnvelopeError::Forged));
		assert_eq!(
			open_part(&sealed, Class::PreciseLocation, &key, 5),
			Err(EnvelopeError::OtherKey)
		);
		// A stranger opens nothing; a class the reading has not is no part.
		assert_eq!(open_as(&[26; 32], Class::NonLocation), Err(EnvelopeError::NotAReader));
		assert_eq!(open_as(&OWNER_SECRET, Class::Raw), Err(EnvelopeError::NoSuchPart));
		// The collector's keys open their parts directly.
		assert_eq!(
			open_part(&sealed, Class::PreciseLocation, &KEY, 6).map(|(_, p)| p),
			Ok(PRECISE.to_vec())
		);
	}

	#[test]
	fn a_version_3_header_is_bound_to_every_part() {
		let sealed = envelope_v3();
		// Any header byte changed (vehicle, window, a descriptor, a wrap): no part opens.
		for at in [5, 13, 21, 31, 40, 70, 200, 400] {
			let mut changed = sealed.clone();
			changed[at] ^= 1;
			for (class, key, id) in
				[(Class::NonLocation, NON_LOCATION_KEY, 5), (Class::PreciseLocation, KEY, 6)]
			{
				let opened = open_part(&changed, class, &key, id);
				assert!(opened.is_err(), "byte {at}, {class:?}: {opened:?}");
			}
		}
		// A ciphertext byte changed: that part does not open, the other still does.
		let mut flipped = sealed.clone();
		*flipped.last_mut().expect("bytes") ^= 1;
		assert_eq!(
			open_part(&flipped, Class::PreciseLocation, &KEY, 6),
			Err(EnvelopeError::Forged)
		);
		assert!(open_part(&flipped, Class::NonLocation, &NON_LOCATION_KEY, 5).is_ok());
		// Truncated or extended: the lengths no longer add up.
		assert_eq!(HeaderV3::parse(&sealed[..sealed.len() - 1]), Err(EnvelopeError::TooShort));
		assert_eq!(HeaderV3::parse(&[&sealed[..], &[0]].concat()), Err(EnvelopeError::BadParts));
		assert_eq!(HeaderV3::parse(&sealed[..40]), Err(EnvelopeError::TooShort));
		// Parts out of order, of an unknown class, or none.
		let mut unknown = sealed.clone();
		unknown[HEADER_V3_FIXED_LEN] = 4;
		assert_eq!(HeaderV3::parse(&unknown), Err(EnvelopeError::BadParts));
		let mut none = sealed.clone();
		none[29] = 0;
		assert_eq!(HeaderV3::parse(&none), Err(EnvelopeError::BadParts));
		let part = |class| PartToSeal {
			class,
			key_id: 1,
			key: &KEY,
			wraps: &[],
			nonce: [0; 24],
			plaintext: b"{}",
		};
		assert_eq!(
			seal(9, 5, 6, &[part(Class::Raw), part(Class::NonLocation)]),
			Err(EnvelopeError::BadParts)
		);
		assert_eq!(
			seal(9, 5, 6, &[part(Class::Raw), part(Class::Raw)]),
			Err(EnvelopeError::BadParts)
		);
		assert_eq!(seal(9, 5, 6, &[]), Err(EnvelopeError::BadParts));
		let big = alloc::vec![b'x'; MAX_ENVELOPE_LEN];
		assert_eq!(
			seal(9, 5, 6, &[PartToSeal { plaintext: &big, ..part(Class::Raw) }]),
			Err(EnvelopeError::TooLarge)
		);
		let wrap = owner_wrap();
		let wraps = alloc::vec![wrap; MAX_WRAPS_PER_PART + 1];
		assert_eq!(
			seal(9, 5, 6, &[PartToSeal { wraps: &wraps, ..part(Class::Raw) }]),
			Err(EnvelopeError::TooManyWraps)
		);
		// A version-3 envelope is not opened as a version-2 one, nor the reverse.
		assert_eq!(open(&KEY, 6, &sealed).map(|(_, r)| r), Err(EnvelopeError::UnknownVersion));
		assert_eq!(HeaderV3::parse(&envelope()), Err(EnvelopeError::UnknownVersion));
	}

	/// The version-3 envelope of docs/storage-formats.md: owner mini-secret 0x11…, grantee
	/// mini-secret 0x55…, vehicle 7, window 1000..2000; a non-location part (key id 3, key
	/// 0x33…, nonce 0x44…, wrapped to the owner with ephemeral 0x22… and to the grantee with
	/// ephemeral 0x66…) and a precise part (key id 4, key 0x77…, nonce 0x88…, wrapped to the
	/// owner with ephemeral 0x99…).
	#[test]
	fn the_documented_version_3_envelope() {
		let owner = key_wrap::secret_from_mini_secret(&[0x11; 32]);
		let grantee = key_wrap::secret_from_mini_secret(&[0x55; 32]);
		let wrap = |secret: &[u8; 32], ephemeral, key_id, key: &[u8; 32]| {
			key_wrap::wrap(&key_wrap::public_key(secret), &[ephemeral; 32], 7, key_id, key)
				.expect("wraps")
		};
		let non_location_wraps =
			[wrap(&owner, 0x22, 3, &[0x33; 32]), wrap(&grantee, 0x66, 3, &[0x33; 32])];
		let precise_wraps = [wrap(&owner, 0x99, 4, &[0x77; 32])];
		let sealed = seal(
			7,
			1000,
			2000,
			&[
				PartToSeal {
					class: Class::NonLocation,
					key_id: 3,
					key: &[0x33; 32],
					wraps: &non_location_wraps,
					nonce: [0x44; 24],
					plaintext: br#"{"v":1}"#,
				},
				PartToSeal {
					class: Class::PreciseLocation,
					key_id: 4,
					key: &[0x77; 32],
					wraps: &precise_wraps,
					nonce: [0x88; 24],
					plaintext: br#"{"v":2}"#,
				},
			],
		)
		.expect("seals");
		let shown: alloc::string::String =
			sealed.iter().map(|b| alloc::format!("{b:02x}")).collect();
		let digest: alloc::string::String =
			sp_io::hashing::sha2_256(&sealed).iter().map(|b| alloc::format!("{b:02x}")).collect();
		assert_eq!(
			(sealed.len(), digest.as_str()),
			(DOCUMENTED_V3_LEN, DOCUMENTED_V3_SHA256),
			"docs/storage-formats.md's version-3 envelope: {shown}"
		);
		let opened = |secret, class| open_part_as_reader(&sealed, class, secret).map(|(_, p)| p);
		assert_eq!(opened(&grantee, Class::NonLocation), Ok(br#"{"v":1}"#.to_vec()));
		assert_eq!(opened(&owner, Class::PreciseLocation), Ok(br#"{"v":2}"#.to_vec()));
		assert_eq!(opened(&grantee, Class::PreciseLocation), Err(EnvelopeError::NotAReader));
	}

	const DOCUMENTED_V3_LEN: usize = 480;
	const DOCUMENTED_V3_SHA256: &str =
		"6db3a9a8aaf066a98c4a1a044af1837dbd1925c5eb8f77c1dfeb421374783b6c";
}
