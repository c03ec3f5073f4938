//! Runtime-level migrations: the ones that span pallets and so belong to no pallet.

use crate::{AccountId, Runtime, Session, SessionKeys, ValidatorSet, HOURS};
use alloc::vec::Vec;
use frame_support::{traits::OnRuntimeUpgrade, weights::Weight};
use pallet_session::SessionInterface;

/// The session length a chain gets when it moves to sessions: an hour, the testnet's. Governance
/// changes it with `validatorSet.setSessionLength`.
pub const MIGRATED_SESSION_LENGTH: crate::BlockNumber = HOURS;

/// Moves a running chain from fixed Aura and GRANDPA authorities (spec 109 and before) to
/// sessions with a governed validator set (spec 110).
///
/// Each authority becomes a validator: its account is its Aura key's (an sr25519 key is an
/// account, and its holder can sign as it), its session keys are its Aura key and the GRANDPA
/// key at the same position, as the chain spec listed them. Session 0 is the current one, with
/// these validators; Aura and GRANDPA keep their authorities, so blocks and finality go on
/// unchanged until governance changes the set. The GRANDPA set in force is noted as session 0's,
/// so that an equivocation in it can be reported.
///
/// Runs once: it does nothing where the session pallet has validators already (a chain born
/// with sessions, or migrated).
pub struct SeedSessionsFromAuthorities;

impl SeedSessionsFromAuthorities {
	/// The validators and session keys that the authorities in state make, if they pair up.
	fn validators_from_authorities() -> Option<Vec<(AccountId, SessionKeys)>> {
		let aura = pallet_aura::Authorities::<Runtime>::get();
		let grandpa = pallet_grandpa::Pallet::<Runtime>::grandpa_authorities();
		if aura.is_empty() || aura.len() != grandpa.len() {
			return None;
		}
		Some(
			aura.into_iter()
				.zip(grandpa)
				.map(|(aura, (grandpa, _weight))| {
					let account = AccountId::from(sp_core::sr25519::Public::from(aura.clone()));
					(account, SessionKeys { aura, grandpa })
				})
				.collect(),
		)
	}
}

impl OnRuntimeUpgrade for SeedSessionsFromAuthorities {
	fn on_runtime_upgrade() -> Weight {
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		if !pallet_session::Validators::<Runtime>::get().is_empty() {
			return db.reads(1);
		}
		let Some(validators) = Self::validators_from_authorities() else {
			log::error!(
				target: "runtime::migrations",
				"no session seeded: the Aura and GRANDPA authorities do not pair up",
			);
			return db.reads(3);
		};
		let count = validators.len() as u64;
		for (account, keys) in &validators {
			// The keys the chain spec gave; no deposit, as at genesis.
			if let Err(error) = <Session as SessionInterface>::set_keys(account, keys.clone()) {
				log::error!(target: "runtime::migrations", "keys of {account:?} not set: {error:?}");
			}
		}
		let accounts: Vec<AccountId> = validators.iter().map(|(a, _)| a.clone()).collect();
		if let Err(error) = ValidatorSet::initialize(accounts.clone(), MIGRATED_SESSION_LENGTH) {
			log::error!(target: "runtime::migrations", "validator set not seeded: {error:?}");
		}
		pallet_session::Validators::<Runtime>::put(accounts);
		pallet_session::QueuedKeys::<Runtime>::put(validators);
		let set_id = pallet_grandpa::CurrentSetId::<Runtime>::get();
		pallet_grandpa::SetIdSession::<Runtime>::insert(set_id, 0);
		log::info!(
			target: "runtime::migrations",
			"{count} authorities are now session 0's validators",
		);
		// Per validator: its keys and their two owners, the system account; then the sets.
		db.reads_writes(4 + 2 * count, 6 + 4 * count)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		use codec::Encode;
		Ok(pallet_aura::Authorities::<Runtime>::get().into_inner().encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		use codec::Decode;
		let before = Vec::<sp_consensus_aura::sr25519::AuthorityId>::decode(&mut &state[..])
			.map_err(|_| "the pre-upgrade state decodes")?;
		frame_support::ensure!(
			pallet_aura::Authorities::<Runtime>::get().into_inner() == before,
			"Aura's authorities are unchanged"
		);
		frame_support::ensure!(
			pallet_session::Validators::<Runtime>::get().len() == before.len(),
			"one validator per authority"
		);
		Ok(())
	}
}
