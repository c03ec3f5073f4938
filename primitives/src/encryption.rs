//! Readers' encryption keys: the public keys that accounts publish on chain so that the keys
//! opening a vehicle's stored data can be wrapped to them.
//!
//! Why on chain: an owner (or a grantee) must be able to open what a collector stored on IPFS
//! or Arweave with nothing but its own secret, the chain and the storage, whatever became of
//! the collector. A collector wraps each content key to the public key that the chain says the
//! owner (or the grantee) published; nobody has to reach the reader, and the reader can check
//! that the key it is served is the one it published. Signing keys (sr25519) are not
//! encryption keys, so an account publishes one of its own, of a scheme named here.
//!
//! The secret half never leaves the reader. A wallet that wants it back from the account's
//! recovery phrase derives it (docs/vehicles-and-access.md, "Encryption keys"); an app may
//! instead keep a random one.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::ConstU32;
use sp_runtime::BoundedVec;

/// The longest public key of any [`KeyScheme`]: ML-KEM-768's, 1,184 bytes.
pub const MAX_PUBLIC_KEY_LEN: u32 = 1_184;

/// The key-agreement (or key-encapsulation) scheme of a published key.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum KeyScheme {
	/// X25519 (RFC 7748): a 32-byte Montgomery u-coordinate.
	#[codec(index = 0)]
	X25519,
	/// ML-KEM-768 (FIPS 203), post-quantum: a 1,184-byte encapsulation key.
	#[codec(index = 1)]
	MlKem768,
}

impl KeyScheme {
	/// The length of this scheme's public keys, in bytes.
	pub const fn public_key_len(self) -> usize {
		match self {
			Self::X25519 => 32,
			Self::MlKem768 => MAX_PUBLIC_KEY_LEN as usize,
		}
	}
}

/// A public key that an account publishes for content keys to be wrapped to.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct EncryptionKey {
	/// Its scheme.
	pub scheme: KeyScheme,
	/// The public key's bytes, as the scheme encodes them.
	pub public: BoundedVec<u8, ConstU32<MAX_PUBLIC_KEY_LEN>>,
}

/// Why a published key is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyError {
	/// Not the length of its scheme's keys.
	BadLength,
	/// A key nobody could hold the secret of a wrap to: X25519's all-zero point (and its
	/// other low-order points, which yield an all-zero shared secret).
	Weak,
}

/// The X25519 points of small order (RFC 7748 section 6.1, and libsodium's list): a shared
/// secret with any of them is all zero, so a content key wrapped to one would be open to all.
const X25519_LOW_ORDER: [[u8; 32]; 7] = [
	[0; 32],
	[
		1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0,
	],
	[
		0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
		0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
		0xb8, 0x00,
	],
	[
		0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
		0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
		0x11, 0x57,
	],
	[
		0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x7f,
	],
	[
		0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x7f,
	],
	[
		0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x7f,
	],
];

impl EncryptionKey {
	/// Checks that the key is one a reader can hold the secret of: its scheme's length, and
	/// for X25519 not a point of small order.
	pub fn check(&self) -> Result<(), KeyError> {
		if self.public.len() != self.scheme.public_key_len() {
			return Err(KeyError::BadLength);
		}
		if self.scheme == KeyScheme::X25519 {
			// The top bit is ignored by X25519 (RFC 7748): compare without it.
			let mut point = [0u8; 32];
			point.copy_from_slice(&self.public);
			point[31] &= 0x7f;
			if X25519_LOW_ORDER.contains(&point) {
				return Err(KeyError::Weak);
			}
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn key(scheme: KeyScheme, bytes: &[u8]) -> EncryptionKey {
		EncryptionKey { scheme, public: bytes.to_vec().try_into().expect("short enough") }
	}

	#[test]
	fn keys_of_their_schemes_length_are_accepted() {
		assert_eq!(key(KeyScheme::X25519, &[9; 32]).check(), Ok(()));
		assert_eq!(key(KeyScheme::MlKem768, &[9; 1184]).check(), Ok(()));
	}

	#[test]
	fn keys_of_another_length_are_refused() {
		assert_eq!(key(KeyScheme::X25519, &[9; 31]).check(), Err(KeyError::BadLength));
		assert_eq!(key(KeyScheme::X25519, &[9; 1184]).check(), Err(KeyError::BadLength));
		assert_eq!(key(KeyScheme::MlKem768, &[9; 32]).check(), Err(KeyError::BadLength));
	}

	#[test]
	fn x25519_points_of_small_order_are_refused_with_or_without_the_top_bit() {
		for low in X25519_LOW_ORDER {
			assert_eq!(key(KeyScheme::X25519, &low).check(), Err(KeyError::Weak));
			let mut high = low;
			high[31] |= 0x80;
			assert_eq!(key(KeyScheme::X25519, &high).check(), Err(KeyError::Weak));
		}
	}
}
