//! The collector's Arweave wallet: an RSA key in JWK form (what Arweave wallets export), and
//! its signatures of transactions (RSA-PSS with SHA-256 and a 32-byte salt over the signed
//! data, as Arweave nodes and arweave-js verify). Native code only (`std`): the node signs, so
//! the key never enters the runtime, and signing takes milliseconds instead of a wasm bigint's
//! seconds.
//!
//! The private-key operation is ring's (`ring::rsa::KeyPair`, the RSA of rustls and the
//! node's TLS): constant-time, blinded, with the CRT parameters checked when the key is
//! loaded. The `rsa` crate it replaces is open to the Marvin timing attack (RUSTSEC-2023-0071).

use super::{b64url, b64url_decode, sha256, Transaction};
use alloc::{string::String, sync::Arc, vec::Vec};
use ring::{
	rand::SystemRandom,
	rsa::{KeyPair, KeyPairComponents, PublicKeyComponents},
	signature::{RSA_PSS_2048_8192_SHA256, RSA_PSS_SHA256},
};

/// The smallest modulus Arweave takes, in bits.
const MIN_BITS: usize = 4096;

/// Why a JWK is not a wallet this node can sign with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WalletError {
	/// Not JSON, not `"kty": "RSA"`, or a field (`n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`)
	/// missing or not base64url.
	Malformed,
	/// The numbers do not make a valid RSA key.
	InvalidKey,
	/// Smaller than Arweave's 4096 bits.
	TooSmall,
	/// The signature could not be made (the system's randomness failed).
	SigningFailed,
}

impl core::fmt::Display for WalletError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		core::fmt::Debug::fmt(self, f)
	}
}

/// An Arweave wallet. Prints nothing of its private key.
#[derive(Clone)]
pub struct Wallet {
	key: Arc<KeyPair>,
}

impl core::fmt::Debug for Wallet {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("Wallet").field("address", &self.address()).finish_non_exhaustive()
	}
}

/// The bits of the big-endian number `bytes`.
fn bits(bytes: &[u8]) -> usize {
	let bytes = &bytes[bytes.iter().take_while(|byte| **byte == 0).count()..];
	bytes.first().map_or(0, |top| bytes.len() * 8 - top.leading_zeros() as usize)
}

impl Wallet {
	/// The wallet of a JWK (RFC 7518 §6.3: `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi` in
	/// base64url, as Arweave wallets export them).
	pub fn from_jwk(json: &[u8]) -> Result<Self, WalletError> {
		let jwk: serde_json::Value =
			serde_json::from_slice(json).map_err(|_| WalletError::Malformed)?;
		if jwk["kty"] != "RSA" {
			return Err(WalletError::Malformed);
		}
		let number =
			|name: &str| jwk[name].as_str().and_then(b64url_decode).ok_or(WalletError::Malformed);
		let components = KeyPairComponents {
			public_key: PublicKeyComponents { n: number("n")?, e: number("e")? },
			d: number("d")?,
			p: number("p")?,
			q: number("q")?,
			dP: number("dp")?,
			dQ: number("dq")?,
			qInv: number("qi")?,
		};
		if bits(&components.public_key.n) < MIN_BITS {
			return Err(WalletError::TooSmall);
		}
		let key = KeyPair::from_components(&components).map_err(|_| WalletError::InvalidKey)?;
		Ok(Self { key: Arc::new(key) })
	}

	/// The modulus, big-endian: a transaction's `owner`.
	pub fn owner(&self) -> Vec<u8> {
		PublicKeyComponents::<Vec<u8>>::from(self.key.public()).n
	}

	/// The wallet's address: base64url of the SHA-256 of the modulus.
	pub fn address(&self) -> String {
		b64url(&sha256(&[&self.owner()]))
	}

	/// The signature of `tx` (its owner must be this wallet's).
	pub fn sign(&self, tx: &Transaction) -> Result<Vec<u8>, WalletError> {
		let mut signature = alloc::vec![0; self.key.public().modulus_len()];
		self.key
			.sign(&RSA_PSS_SHA256, &SystemRandom::new(), &tx.signature_data(), &mut signature)
			.map_err(|_| WalletError::SigningFailed)?;
		Ok(signature)
	}
}

/// Whether `signature` is `owner`'s signature of `tx` (RSA-PSS, SHA-256, the 32-byte salt that
/// arweave-js and this wallet use; public exponent 65537).
pub fn verify(owner: &[u8], tx: &Transaction, signature: &[u8]) -> bool {
	let key = PublicKeyComponents { n: owner, e: &[1u8, 0, 1][..] };
	key.verify(&RSA_PSS_2048_8192_SHA256, &tx.signature_data(), signature).is_ok()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::arweave::Tag;

	const TEST_WALLET: &str = include_str!("../../testdata/arweave-test-wallet.json");

	fn tx(wallet: &Wallet) -> Transaction {
		Transaction::new(
			wallet.owner(),
			alloc::vec![0; 32],
			1,
			alloc::vec![Tag::new("App-Name", "DIMO")],
			b"a record".to_vec(),
		)
	}

	#[test]
	fn the_test_wallet_signs_what_verifies_and_nothing_else() {
		let wallet = Wallet::from_jwk(TEST_WALLET.as_bytes()).expect("the test wallet");
		assert_eq!(wallet.address(), "6NiiVhpQgSOcOYkfgdkViM-MESt5NCPMFmvR-IdvuiM");
		let tx = tx(&wallet);
		let signature = wallet.sign(&tx).expect("signs");
		assert_eq!(signature.len(), 512);
		assert!(verify(&wallet.owner(), &tx, &signature));
		let mut other = tx.clone();
		other.data = b"another record".to_vec();
		other.data_root = crate::arweave::data_root(&other.data);
		assert!(!verify(&wallet.owner(), &other, &signature));
		// The private key never prints.
		let printed = alloc::format!("{wallet:?}");
		assert!(printed.contains(&wallet.address()));
		let jwk: serde_json::Value = serde_json::from_str(TEST_WALLET).expect("JSON");
		assert!(!printed.contains(jwk["d"].as_str().expect("d")));
	}

	#[test]
	fn malformed_and_small_keys_are_refused() {
		assert_eq!(Wallet::from_jwk(b"not json").err(), Some(WalletError::Malformed));
		assert_eq!(Wallet::from_jwk(br#"{"kty":"EC"}"#).err(), Some(WalletError::Malformed));
		let mut jwk: serde_json::Value = serde_json::from_str(TEST_WALLET).expect("JSON");
		jwk["d"] = serde_json::json!("AQAB");
		let tampered = serde_json::to_vec(&jwk).expect("JSON");
		assert_eq!(Wallet::from_jwk(&tampered).err(), Some(WalletError::InvalidKey));
		// A valid RSA key, but of 2048 bits.
		let small = include_bytes!("../../testdata/rsa-2048-test-key.json");
		assert_eq!(Wallet::from_jwk(small).err(), Some(WalletError::TooSmall));
		// A JWK without the CRT parameters is not one this node signs with.
		let mut bare: serde_json::Value = serde_json::from_str(TEST_WALLET).expect("JSON");
		bare.as_object_mut().expect("an object").remove("qi");
		let bare = serde_json::to_vec(&bare).expect("JSON");
		assert_eq!(Wallet::from_jwk(&bare).err(), Some(WalletError::Malformed));
	}
}
