//! The collector's Arweave wallet: an RSA key in JWK form (what Arweave wallets export), and
//! its signatures of transactions (RSA-PSS with SHA-256 over the SHA-256 of the signed data,
//! as Arweave nodes and arweave-js verify). Native code only (`std`): the node signs, so the
//! key never enters the runtime, and signing takes milliseconds instead of a wasm bigint's
//! seconds.

use super::{b64url, b64url_decode, sha256, Transaction};
use alloc::{string::String, vec::Vec};
use rsa::{
	pss::Pss, rand_core::OsRng, traits::PublicKeyParts, BigUint, RsaPrivateKey, RsaPublicKey,
};

/// The PSS salt length, in bytes: that of the SHA-256 digest.
const SALT_LEN: usize = 32;

/// Why a JWK is not a wallet this node can sign with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WalletError {
	/// Not JSON, not `"kty": "RSA"`, or a field (`n`, `e`, `d`, `p`, `q`) missing or not
	/// base64url.
	Malformed,
	/// The numbers do not make a valid RSA key.
	InvalidKey,
	/// Smaller than Arweave's 4096 bits.
	TooSmall,
}

/// An Arweave wallet. Prints nothing of its private key.
#[derive(Clone)]
pub struct Wallet {
	key: RsaPrivateKey,
}

impl core::fmt::Debug for Wallet {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("Wallet").field("address", &self.address()).finish_non_exhaustive()
	}
}

impl Wallet {
	/// The wallet of a JWK (RFC 7518 §6.3: `n`, `e`, `d`, `p`, `q` in base64url).
	pub fn from_jwk(json: &[u8]) -> Result<Self, WalletError> {
		let jwk: serde_json::Value =
			serde_json::from_slice(json).map_err(|_| WalletError::Malformed)?;
		if jwk["kty"] != "RSA" {
			return Err(WalletError::Malformed);
		}
		let number = |name: &str| {
			jwk[name]
				.as_str()
				.and_then(b64url_decode)
				.map(|bytes| BigUint::from_bytes_be(&bytes))
				.ok_or(WalletError::Malformed)
		};
		let key = RsaPrivateKey::from_components(
			number("n")?,
			number("e")?,
			number("d")?,
			alloc::vec![number("p")?, number("q")?],
		)
		.map_err(|_| WalletError::InvalidKey)?;
		key.validate().map_err(|_| WalletError::InvalidKey)?;
		if key.n().bits() < 4096 {
			return Err(WalletError::TooSmall);
		}
		Ok(Self { key })
	}

	/// The modulus, big-endian: a transaction's `owner`.
	pub fn owner(&self) -> Vec<u8> {
		self.key.n().to_bytes_be()
	}

	/// The wallet's address: base64url of the SHA-256 of the modulus.
	pub fn address(&self) -> String {
		b64url(&sha256(&[&self.owner()]))
	}

	/// The signature of `tx` (its owner must be this wallet's).
	pub fn sign(&self, tx: &Transaction) -> Result<Vec<u8>, rsa::Error> {
		let digest = sha256(&[&tx.signature_data()]);
		self.key.sign_with_rng(&mut OsRng, Pss::new_with_salt::<sha2::Sha256>(SALT_LEN), &digest)
	}
}

/// Whether `signature` is `owner`'s signature of `tx`, as a gateway checks it (any salt length).
pub fn verify(owner: &[u8], tx: &Transaction, signature: &[u8]) -> bool {
	let Ok(key) = RsaPublicKey::new(BigUint::from_bytes_be(owner), BigUint::from(65_537u32)) else {
		return false;
	};
	let digest = sha256(&[&tx.signature_data()]);
	key.verify(Pss::new::<sha2::Sha256>(), &digest, signature).is_ok()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::arweave::Tag;
	use rsa::traits::PrivateKeyParts;

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
		let small = RsaPrivateKey::new(&mut OsRng, 1024).expect("a 1024-bit key");
		let primes = small.primes();
		let field = |n: &BigUint| b64url(&n.to_bytes_be());
		let jwk = serde_json::json!({
			"kty": "RSA", "n": field(small.n()), "e": field(small.e()), "d": field(small.d()),
			"p": field(&primes[0]), "q": field(&primes[1]),
		});
		let small = serde_json::to_vec(&jwk).expect("JSON");
		assert_eq!(Wallet::from_jwk(&small).err(), Some(WalletError::TooSmall));
	}
}
