//! Published encryption keys: set, replaced, removed, their deposit, and every refusal.

use crate::{mock::*, EncryptionKeys, Error, Event, HoldReason};
use dimo_primitives::encryption::{EncryptionKey, KeyScheme};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_runtime::TokenError;

fn key(scheme: KeyScheme, fill: u8) -> EncryptionKey {
	EncryptionKey {
		scheme,
		public: vec![fill; scheme.public_key_len()].try_into().expect("as long as may be"),
	}
}

fn key_held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::KeyDeposit.into(), &who)
}

#[test]
fn an_account_publishes_replaces_and_removes_its_key_holding_a_deposit_meanwhile() {
	test(|| {
		let x25519 = key(KeyScheme::X25519, 9);
		assert_ok!(DataAccess::set_encryption_key(RuntimeOrigin::signed(ALICE), x25519.clone()));
		System::assert_last_event(
			Event::EncryptionKeySet { account: ALICE, key: x25519.clone() }.into(),
		);
		assert_eq!(EncryptionKeys::<Test>::get(ALICE).map(|published| published.key), Some(x25519));
		assert_eq!(key_held(ALICE), KEY_DEPOSIT);

		// Replaced by a post-quantum key: one deposit still.
		let ml_kem = key(KeyScheme::MlKem768, 7);
		assert_ok!(DataAccess::set_encryption_key(RuntimeOrigin::signed(ALICE), ml_kem.clone()));
		System::assert_last_event(
			Event::EncryptionKeySet { account: ALICE, key: ml_kem.clone() }.into(),
		);
		assert_eq!(EncryptionKeys::<Test>::get(ALICE).map(|published| published.key), Some(ml_kem));
		assert_eq!(key_held(ALICE), KEY_DEPOSIT);
		assert!(EncryptionKeys::<Test>::get(BOB).is_none(), "one account's key is its own");

		assert_ok!(DataAccess::remove_encryption_key(RuntimeOrigin::signed(ALICE)));
		System::assert_last_event(Event::EncryptionKeyRemoved { account: ALICE }.into());
		assert!(EncryptionKeys::<Test>::get(ALICE).is_none());
		assert_eq!(key_held(ALICE), 0);
	});
}

#[test]
fn keys_of_the_wrong_length_or_of_small_order_are_refused() {
	test(|| {
		let short = EncryptionKey {
			scheme: KeyScheme::X25519,
			public: vec![9; 31].try_into().expect("short"),
		};
		assert_noop!(
			DataAccess::set_encryption_key(RuntimeOrigin::signed(ALICE), short),
			Error::<Test>::BadKeyLength
		);
		let x25519_length_for_ml_kem = EncryptionKey {
			scheme: KeyScheme::MlKem768,
			public: vec![9; 32].try_into().expect("short"),
		};
		assert_noop!(
			DataAccess::set_encryption_key(RuntimeOrigin::signed(ALICE), x25519_length_for_ml_kem),
			Error::<Test>::BadKeyLength
		);
		assert_noop!(
			DataAccess::set_encryption_key(RuntimeOrigin::signed(ALICE), key(KeyScheme::X25519, 0)),
			Error::<Test>::WeakKey
		);
	});
}

#[test]
fn removing_a_key_never_published_and_publishing_without_the_deposit_fail() {
	test(|| {
		assert_noop!(
			DataAccess::remove_encryption_key(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NoEncryptionKey
		);
		let pauper = 99;
		assert_noop!(
			DataAccess::set_encryption_key(
				RuntimeOrigin::signed(pauper),
				key(KeyScheme::X25519, 9)
			),
			TokenError::FundsUnavailable
		);
	});
}
