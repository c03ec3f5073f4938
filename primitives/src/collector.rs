//! Collectors: the nodes that poll carmakers' APIs and anchor what they read.
//!
//! A collector signs its anchors with a key of its own, kept in its node's keystore under
//! [`COLLECTOR_KEY_TYPE`], not with the key of a funded account: anchors are authorized
//! transactions (`#[pallet::authorize]` in pallets/anchoring), checked by signature and by the
//! registry of collectors, and they pay no fee, so the collector's node needs no balance and no
//! nonce. The collector is known on chain by the account that its public key spells
//! ([`CollectorAccount`]): that account is what owners consent to in pallets/vehicles.

use crate::AccountId;
use sp_core::crypto::KeyTypeId;
use sp_runtime::traits::{Convert, IdentifyAccount};

/// The keystore type of collector keys: `dimo-node key insert --key-type dcol` and
/// `author_insertKey("dcol", ...)` put a collector key where the offchain worker finds it.
pub const COLLECTOR_KEY_TYPE: KeyTypeId = KeyTypeId(*b"dcol");

/// The application crypto of collector keys: sr25519, typed so that a collector key cannot be
/// mistaken for a session or account key.
pub mod app {
	use sp_runtime::app_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, super::COLLECTOR_KEY_TYPE);
}

/// A collector's public key.
pub type CollectorId = app::Public;

/// A signature by a collector's key.
pub type CollectorSignature = app::Signature;

/// The account of a collector: the account whose 32 bytes are the collector's public key, the
/// same account that Polkadot.js shows for that sr25519 key.
pub struct CollectorAccount;

impl Convert<CollectorId, AccountId> for CollectorAccount {
	fn convert(collector: CollectorId) -> AccountId {
		sp_runtime::MultiSigner::from(sp_core::sr25519::Public::from(collector)).into_account()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::{crypto::Pair as _, sr25519};

	#[test]
	fn a_collector_is_the_account_of_its_sr25519_key() {
		let pair = sr25519::Pair::from_string("//Alice", None).expect("a dev seed");
		let collector = CollectorId::from(pair.public());
		let account: AccountId = CollectorAccount::convert(collector);
		assert_eq!(<[u8; 32]>::from(account), pair.public().0);
	}
}
