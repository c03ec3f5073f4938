//! Credentials sealed at rest: what the node's offchain storage holds of an owner's tokens is
//! ciphertext, under a key that offchain storage does not hold.
//!
//! Offchain storage is readable through the node's unsafe RPC (`offchain_localStorageGet`) and
//! by anyone with the database files. The sealing key comes from the node's **keystore**
//! instead: a secp256k1 key of type [`SEAL_KEY_TYPE`] (`dsea`), which the node generates the
//! first time an operator stores credentials. ECDSA signatures in Substrate's keystore are
//! deterministic (RFC 6979), so the key is
//!
//! ```text
//! key = blake2-256("dimo/credentials-seal/v1/key" ++ ecdsa_sign(dsea key, "dimo/credentials-seal/v1"))
//! ```
//!
//! which both the node's RPC (native) and the offchain worker (the runtime, through the
//! keystore host functions) compute, and which never leaves memory. A sealed entry is
//! [`Sealed`]: format version 1, a random 24-byte nonce, and the XChaCha20-Poly1305 ciphertext
//! of the SCALE-encoded [`Credentials`](crate::credentials::Credentials), with the entry's
//! storage key as associated data, so that an entry moved under another vehicle's key does not
//! open.
//!
//! What it does not do: whoever holds both the keystore and the database (the node's
//! operator, or a thief of the whole base path) can open the entries; the tokens are in the
//! worker's memory while it polls.

use alloc::vec::Vec;
use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	XChaCha20Poly1305, XNonce,
};
use codec::{Decode, Encode};

/// The key type of the sealing key in the node's keystore.
pub const SEAL_KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dsea");

/// The message whose signature makes the sealing key.
pub const SEAL_MESSAGE: &[u8] = b"dimo/credentials-seal/v1";

/// The context of the hash that turns the signature into the key.
const KEY_CONTEXT: &[u8] = b"dimo/credentials-seal/v1/key";

/// The version of [`Sealed`] this code writes.
pub const SEAL_VERSION: u8 = 1;

/// A sealing key.
#[derive(Clone)]
pub struct SealKey([u8; 32]);

impl core::fmt::Debug for SealKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("SealKey(<redacted>)")
	}
}

impl SealKey {
	/// The key made from the keystore's signature of [`SEAL_MESSAGE`].
	pub fn from_signature(signature: &[u8]) -> Self {
		let mut input = KEY_CONTEXT.to_vec();
		input.extend_from_slice(signature);
		Self(sp_io::hashing::blake2_256(&input))
	}

	/// The key of the node's keystore, as the offchain worker reads it through the keystore
	/// host functions; `None` if the keystore has no sealing key.
	pub fn from_keystore() -> Option<Self> {
		let public = sp_io::crypto::ecdsa_public_keys(SEAL_KEY_TYPE).into_iter().next()?;
		let signature = sp_io::crypto::ecdsa_sign(SEAL_KEY_TYPE, &public, SEAL_MESSAGE)?;
		Some(Self::from_signature(&signature.0))
	}

	/// Seals `plaintext`, bound to `storage_key`, with `nonce` (never twice under one key: take
	/// it from a random source).
	pub fn seal(&self, storage_key: &[u8], nonce: [u8; 24], plaintext: &[u8]) -> Sealed {
		let cipher = XChaCha20Poly1305::new((&self.0).into());
		let ciphertext = cipher
			.encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: storage_key })
			// Encryption fails only for plaintexts beyond 256 GiB.
			.unwrap_or_default();
		Sealed { version: SEAL_VERSION, nonce, ciphertext }
	}

	/// The plaintext of `sealed`, if it was sealed under this key for `storage_key` and not
	/// changed since.
	pub fn open(&self, storage_key: &[u8], sealed: &Sealed) -> Option<Vec<u8>> {
		if sealed.version != SEAL_VERSION {
			return None;
		}
		let cipher = XChaCha20Poly1305::new((&self.0).into());
		cipher
			.decrypt(
				XNonce::from_slice(&sealed.nonce),
				Payload { msg: &sealed.ciphertext, aad: storage_key },
			)
			.ok()
	}

	/// Seals a SCALE value.
	pub fn seal_value<V: Encode>(&self, storage_key: &[u8], nonce: [u8; 24], value: &V) -> Sealed {
		self.seal(storage_key, nonce, &value.encode())
	}

	/// Opens a sealed SCALE value.
	pub fn open_value<V: Decode>(&self, storage_key: &[u8], sealed: &Sealed) -> Option<V> {
		let plaintext = self.open(storage_key, sealed)?;
		V::decode(&mut &plaintext[..]).ok()
	}
}

/// A sealed entry, as offchain storage holds it (SCALE).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Sealed {
	/// [`SEAL_VERSION`].
	pub version: u8,
	/// The XChaCha20 nonce.
	pub nonce: [u8; 24],
	/// The ciphertext with its 16-byte Poly1305 tag.
	pub ciphertext: Vec<u8>,
}

/// A fresh nonce from the offchain worker's randomness (the node's OS randomness).
pub fn offchain_nonce() -> [u8; 24] {
	let seed = sp_io::offchain::random_seed();
	let mut nonce = [0u8; 24];
	nonce.copy_from_slice(&seed[..24]);
	nonce
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::credentials::{credentials_key, Credentials};

	fn credentials() -> Credentials {
		Credentials {
			oem: 1,
			oem_vehicle: b"1492931337154880".to_vec(),
			access_token: b"secret-access".to_vec(),
			refresh_token: b"secret-refresh".to_vec(),
			expires_at: 7,
		}
	}

	#[test]
	fn a_sealed_entry_opens_only_with_its_key_and_under_its_storage_key() {
		let key = SealKey::from_signature(&[1; 65]);
		let sealed = key.seal_value(&credentials_key(3), [9; 24], &credentials());
		let bytes = sealed.encode();
		assert!(!bytes.windows(6).any(|w| w == b"secret"), "no token in what storage holds");
		assert_eq!(key.open_value(&credentials_key(3), &sealed), Some(credentials()));
		// Another key, another vehicle's storage key, a changed byte: nothing.
		let other = SealKey::from_signature(&[2; 65]);
		assert_eq!(other.open_value::<Credentials>(&credentials_key(3), &sealed), None);
		assert_eq!(key.open_value::<Credentials>(&credentials_key(4), &sealed), None);
		let mut tampered = sealed.clone();
		tampered.ciphertext[0] ^= 1;
		assert_eq!(key.open_value::<Credentials>(&credentials_key(3), &tampered), None);
		let mut future = sealed;
		future.version = 2;
		assert_eq!(key.open_value::<Credentials>(&credentials_key(3), &future), None);
	}

	#[test]
	fn the_key_prints_redacted() {
		assert_eq!(
			alloc::format!("{:?}", SealKey::from_signature(&[1; 65])),
			"SealKey(<redacted>)"
		);
	}

	#[test]
	fn the_keystore_key_is_the_same_every_time() {
		use sp_keystore::KeystoreExt;
		let mut ext = sp_io::TestExternalities::default();
		ext.register_extension(KeystoreExt::new(sp_keystore::testing::MemoryKeystore::new()));
		ext.execute_with(|| {
			assert!(SealKey::from_keystore().is_none(), "no key yet");
			sp_io::crypto::ecdsa_generate(SEAL_KEY_TYPE, None);
			let first = SealKey::from_keystore().expect("a key");
			let second = SealKey::from_keystore().expect("a key");
			let sealed = first.seal(b"k", [0; 24], b"x");
			assert_eq!(second.open(b"k", &sealed), Some(b"x".to_vec()));
		});
	}
}
