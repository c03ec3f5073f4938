//! Content keys wrapped to a reader's published encryption key: how the owner opens what a
//! collector stored with nothing but its own secret, the chain and the storage.
//!
//! A content key ([`crate::envelope`]) lives in the collector's offchain storage, and is
//! replaced when a reader loses access and dropped when the collector's consent ends. If that
//! were its only copy, every envelope sealed under it would be lost with it. So each envelope
//! (format version 2) carries its content key *wrapped* to the owner's published X25519 key
//! (`dataAccess.setEncryptionKey`, [`dimo_primitives::encryption`]): a copy only the owner can
//! open, stored with the data it opens, never destroyed by a rotation or a retirement.
//!
//! ## Format, version 1 (`dimo/key-wrap/v1/x25519`)
//!
//! ```text
//! offset  size  field
//!      0    32  the recipient: blake2-256 of its 32-byte X25519 public key, as published
//!     32    32  the ephemeral X25519 public key E = X25519(e, 9)
//!     64    48  the content key, XChaCha20-Poly1305-sealed under the key-encryption key, with
//!               its 16-byte tag at the end
//! ```
//!
//! - shared = X25519(e, recipient public key) (RFC 7748; an all-zero result is refused);
//! - key-encryption key = blake2-256("dimo/key-wrap/v1/x25519" ‖ shared ‖ E ‖ recipient
//!   public key);
//! - nonce: 24 zero bytes (each key-encryption key seals exactly one content key: a fresh
//!   ephemeral key is made for every wrap);
//! - associated data: "dimo/key-wrap/v1" ‖ vehicle (u64 LE) ‖ key id (u32 LE): a wrap moved to
//!   another vehicle or relabelled with another key id does not open.
//!
//! The recipient opens it with its secret s: shared = X25519(s, E), the same key-encryption
//! key, the same associated data. docs/storage-formats.md gives test vectors.

use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	XChaCha20Poly1305, XNonce,
};
use codec::{Decode, Encode};

/// The length of a wrap: recipient, ephemeral key, sealed content key.
pub const WRAP_LEN: usize = 112;

/// The domain of the key-encryption key.
const KEK_DOMAIN: &[u8] = b"dimo/key-wrap/v1/x25519";

/// The domain of the associated data.
const AAD_DOMAIN: &[u8] = b"dimo/key-wrap/v1";

/// A content key wrapped to one reader's X25519 key.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Wrap {
	/// blake2-256 of the recipient's public key: which of its published keys opens it.
	pub recipient: [u8; 32],
	/// The ephemeral public key.
	pub ephemeral: [u8; 32],
	/// The content key sealed under the key-encryption key, with its tag.
	pub sealed: [u8; 48],
}

/// Why a wrap does not open (or cannot be made).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WrapError {
	/// The shared secret is all zero: the other key is a point of small order.
	LowOrder,
	/// Not wrapped to this key, or changed, or moved to another vehicle or key id.
	Forged,
}

/// The X25519 public key of `secret` (clamped as RFC 7748 says).
pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
	x25519_dalek::x25519(*secret, x25519_dalek::X25519_BASEPOINT_BYTES)
}

/// The blake2-256 of a public key, as a wrap names its recipient.
pub fn fingerprint(public: &[u8; 32]) -> [u8; 32] {
	sp_io::hashing::blake2_256(public)
}

fn kek(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> [u8; 32] {
	let mut input = alloc::vec::Vec::with_capacity(KEK_DOMAIN.len() + 96);
	input.extend_from_slice(KEK_DOMAIN);
	input.extend_from_slice(shared);
	input.extend_from_slice(ephemeral);
	input.extend_from_slice(recipient);
	sp_io::hashing::blake2_256(&input)
}

fn aad(vehicle: u64, key_id: u32) -> [u8; 28] {
	let mut aad = [0u8; 28];
	aad[..16].copy_from_slice(AAD_DOMAIN);
	aad[16..24].copy_from_slice(&vehicle.to_le_bytes());
	aad[24..].copy_from_slice(&key_id.to_le_bytes());
	aad
}

fn shared(secret: &[u8; 32], public: &[u8; 32]) -> Result<[u8; 32], WrapError> {
	let shared = x25519_dalek::x25519(*secret, *public);
	if shared == [0; 32] {
		return Err(WrapError::LowOrder);
	}
	Ok(shared)
}

/// Wraps `content_key` (id `key_id` of `vehicle`) to `recipient`, an X25519 public key, with
/// `ephemeral_secret` (32 random bytes, used for this wrap only).
pub fn wrap(
	recipient: &[u8; 32],
	ephemeral_secret: &[u8; 32],
	vehicle: u64,
	key_id: u32,
	content_key: &[u8; 32],
) -> Result<Wrap, WrapError> {
	let ephemeral = public_key(ephemeral_secret);
	let shared = shared(ephemeral_secret, recipient)?;
	let kek = kek(&shared, &ephemeral, recipient);
	let sealed = XChaCha20Poly1305::new((&kek).into())
		.encrypt(
			XNonce::from_slice(&[0; 24]),
			Payload { msg: content_key, aad: &aad(vehicle, key_id) },
		)
		.map_err(|_| WrapError::Forged)?;
	let mut bytes = [0u8; 48];
	if sealed.len() != bytes.len() {
		return Err(WrapError::Forged);
	}
	bytes.copy_from_slice(&sealed);
	Ok(Wrap { recipient: fingerprint(recipient), ephemeral, sealed: bytes })
}

/// The content key in `wrap`, opened with the recipient's X25519 `secret`, if the wrap is of
/// key `key_id` of `vehicle` and to this key.
pub fn unwrap(
	secret: &[u8; 32],
	wrap: &Wrap,
	vehicle: u64,
	key_id: u32,
) -> Result<[u8; 32], WrapError> {
	let public = public_key(secret);
	if fingerprint(&public) != wrap.recipient {
		return Err(WrapError::Forged);
	}
	let shared = shared(secret, &wrap.ephemeral)?;
	let kek = kek(&shared, &wrap.ephemeral, &public);
	let key = XChaCha20Poly1305::new((&kek).into())
		.decrypt(
			XNonce::from_slice(&[0; 24]),
			Payload { msg: &wrap.sealed, aad: &aad(vehicle, key_id) },
		)
		.map_err(|_| WrapError::Forged)?;
	let mut content_key = [0u8; 32];
	if key.len() != content_key.len() {
		return Err(WrapError::Forged);
	}
	content_key.copy_from_slice(&key);
	Ok(content_key)
}

impl Wrap {
	/// The wrap's 112 bytes, as an envelope carries them.
	pub fn to_bytes(&self) -> [u8; WRAP_LEN] {
		let mut bytes = [0u8; WRAP_LEN];
		bytes[..32].copy_from_slice(&self.recipient);
		bytes[32..64].copy_from_slice(&self.ephemeral);
		bytes[64..].copy_from_slice(&self.sealed);
		bytes
	}

	/// The wrap in `bytes` (exactly [`WRAP_LEN`] of them).
	pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
		if bytes.len() != WRAP_LEN {
			return None;
		}
		let mut wrap = Self { recipient: [0; 32], ephemeral: [0; 32], sealed: [0; 48] };
		wrap.recipient.copy_from_slice(bytes.get(..32)?);
		wrap.ephemeral.copy_from_slice(bytes.get(32..64)?);
		wrap.sealed.copy_from_slice(bytes.get(64..)?);
		Some(wrap)
	}
}

/// The X25519 secret that an account's wallet derives from its sr25519 mini-secret
/// (docs/vehicles-and-access.md, "Encryption keys"): blake2-256("dimo/encryption-key/v1/x25519"
/// ‖ mini-secret).
pub fn secret_from_mini_secret(mini_secret: &[u8; 32]) -> [u8; 32] {
	let mut input = b"dimo/encryption-key/v1/x25519".to_vec();
	input.extend_from_slice(mini_secret);
	sp_io::hashing::blake2_256(&input)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn hex(bytes: &[u8]) -> alloc::string::String {
		bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
	}

	/// The test vector of docs/storage-formats.md.
	struct Vector {
		mini_secret: [u8; 32],
		ephemeral_secret: [u8; 32],
		vehicle: u64,
		key_id: u32,
		content_key: [u8; 32],
	}

	const VECTOR: Vector = Vector {
		mini_secret: [0x11; 32],
		ephemeral_secret: [0x22; 32],
		vehicle: 7,
		key_id: 3,
		content_key: [0x33; 32],
	};

	#[test]
	fn the_documented_vector() {
		let secret = secret_from_mini_secret(&VECTOR.mini_secret);
		let public = public_key(&secret);
		let wrap = wrap(
			&public,
			&VECTOR.ephemeral_secret,
			VECTOR.vehicle,
			VECTOR.key_id,
			&VECTOR.content_key,
		)
		.expect("wraps");
		let shown = alloc::format!(
			"secret {}\npublic {}\nwrap {}",
			hex(&secret),
			hex(&public),
			hex(&wrap.to_bytes())
		);
		assert_eq!(shown, VECTOR_TEXT, "docs/storage-formats.md's vector:\n{shown}");
		assert_eq!(unwrap(&secret, &wrap, VECTOR.vehicle, VECTOR.key_id), Ok(VECTOR.content_key));
	}

	const VECTOR_TEXT: &str =
		"secret aff28d6a9cb4cba98785f537507a546d547ceb794c8f4f95f79bd0206fc35e92\n\
		public b518a6e1c805c387416de84d1c8ba291c4bf348e6cf691f2200522df10978d69\n\
		wrap 22e78738a312a1821389a8f1c19094b189585ba577efd8cbbf42cf4ebb6ff4900faa684ed28867b9\
		7f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f209a7459fc3f1887767871e8f0bc85fda90a41a\
		bd9138eaa2a88bf75ae7eaf98519493986780741a499e41f60e15c64975";

	#[test]
	fn only_the_recipient_opens_a_wrap_and_only_for_its_vehicle_and_key_id() {
		let secret = [5u8; 32];
		let other = [6u8; 32];
		let wrap = wrap(&public_key(&secret), &[9; 32], 7, 3, &[1; 32]).expect("wraps");
		assert_eq!(unwrap(&secret, &wrap, 7, 3), Ok([1; 32]));
		assert_eq!(unwrap(&other, &wrap, 7, 3), Err(WrapError::Forged));
		assert_eq!(unwrap(&secret, &wrap, 8, 3), Err(WrapError::Forged));
		assert_eq!(unwrap(&secret, &wrap, 7, 4), Err(WrapError::Forged));
		let mut flipped = wrap;
		flipped.sealed[0] ^= 1;
		assert_eq!(unwrap(&secret, &flipped, 7, 3), Err(WrapError::Forged));
		let mut relabelled = wrap;
		relabelled.ephemeral = public_key(&[10; 32]);
		assert_eq!(unwrap(&secret, &relabelled, 7, 3), Err(WrapError::Forged));
		assert_eq!(Wrap::from_bytes(&wrap.to_bytes()), Some(wrap));
		assert_eq!(Wrap::from_bytes(&wrap.to_bytes()[1..]), None);
	}

	#[test]
	fn a_low_order_recipient_is_refused() {
		assert_eq!(wrap(&[0; 32], &[9; 32], 7, 3, &[1; 32]), Err(WrapError::LowOrder));
	}
}
