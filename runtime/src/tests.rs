//! Runtime-level tests: the genesis presets, the token, fees and origins as configured here.
//! Pallet logic is tested in each pallet's own crate.

use crate::{
	configs::monetary::{FEE_PER_BYTE, FEE_PER_SECOND_OF_EXECUTION},
	genesis_config_presets::{self, DEV_ENDOWMENT},
	AccountId, Assets, Balance, Balances, BuildStorage, Runtime, RuntimeCall, RuntimeGenesisConfig,
	RuntimeOrigin, System, TransactionPayment, DIMO, EXISTENTIAL_DEPOSIT, VERSION,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::Inspect, Get},
	weights::{
		constants::{ExtrinsicBaseWeight, WEIGHT_REF_TIME_PER_SECOND},
		Weight,
	},
};
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{DispatchError, TokenError};

/// The storage of the named preset, built the way the node builds a chain spec's genesis.
fn preset_storage(name: &str) -> sp_io::TestExternalities {
	let json = genesis_config_presets::get_preset(&name.into())
		.unwrap_or_else(|| panic!("preset {name} exists"));
	let mut config: RuntimeGenesisConfig =
		serde_json::from_slice(&json).expect("a preset is a valid genesis config");
	// Presets are patches: what they leave out keeps its default, as in `build_state`.
	config.system = Default::default();
	let storage = config.build_storage().expect("a preset builds");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

#[test]
fn every_preset_named_builds() {
	let names = genesis_config_presets::preset_names();
	assert_eq!(names.len(), 3);
	for name in names {
		let name = core::str::from_utf8(name.as_ref()).expect("utf8").to_owned();
		preset_storage(&name).execute_with(|| {
			assert!(!pallet_aura::Authorities::<Runtime>::get().is_empty(), "{name}");
			assert!(!pallet_grandpa::Authorities::<Runtime>::get().is_empty(), "{name}");
		});
	}
	assert!(genesis_config_presets::get_preset(&"no-such-chain".into()).is_none());
}

#[test]
fn only_the_dev_chain_has_sudo() {
	preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice()));
	});
	for name in [LOCAL_TESTNET_RUNTIME_PRESET, genesis_config_presets::TESTNET_RUNTIME_PRESET] {
		preset_storage(name).execute_with(|| {
			assert_eq!(pallet_sudo::Key::<Runtime>::get(), None, "{name} has no sudo key");
			let call = Box::new(RuntimeCall::System(frame_system::Call::remark { remark: vec![] }));
			assert_noop!(
				pallet_sudo::Pallet::<Runtime>::sudo(RuntimeOrigin::signed(alice()), call),
				pallet_sudo::Error::<Runtime>::RequireSudo
			);
		});
	}
}

#[test]
fn validator_sets_match_the_readme() {
	preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
	});
	preset_storage(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 3);
		assert_eq!(pallet_grandpa::Authorities::<Runtime>::get().len(), 3);
	});
}

#[test]
fn dev_accounts_are_funded_and_total_issuance_adds_up() {
	preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(Balances::balance(&alice()), DEV_ENDOWMENT);
		assert_eq!(Balances::balance(&bob()), DEV_ENDOWMENT);
		// Six dev accounts and their six stashes, and the existential deposit of the account
		// that holds the issuance's budgets.
		assert_eq!(
			Balances::balance(&pallet_issuance::Pallet::<Runtime>::account_id()),
			EXISTENTIAL_DEPOSIT
		);
		assert_eq!(Balances::total_issuance(), 12 * DEV_ENDOWMENT + EXISTENTIAL_DEPOSIT);
	});
}

#[test]
fn token_and_chain_identity() {
	assert_eq!(DIMO, 10u128.pow(u32::from(dimo_primitives::currency::TOKEN_DECIMALS)));
	assert_eq!(EXISTENTIAL_DEPOSIT, DIMO / 100);
	assert_eq!(
		<<Runtime as pallet_balances::Config>::ExistentialDeposit as Get<Balance>>::get(),
		EXISTENTIAL_DEPOSIT
	);
	assert_eq!(<Runtime as frame_system::Config>::SS58Prefix::get(), 4242);
	assert_eq!(VERSION.spec_name, "dimo");
}

#[test]
fn fees_are_what_the_docs_say() {
	preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
		let one_second = Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, 0);
		assert_eq!(TransactionPayment::weight_to_fee(one_second), 100 * DIMO);
		assert_eq!(TransactionPayment::weight_to_fee(one_second), FEE_PER_SECOND_OF_EXECUTION);
		// The base weight of an extrinsic costs about a hundredth of a DIMO, as the README says.
		let base = TransactionPayment::weight_to_fee(ExtrinsicBaseWeight::get());
		assert!((DIMO / 200..=DIMO / 50).contains(&base), "base extrinsic fee {base}");
		assert_eq!(TransactionPayment::length_to_fee(1_000), 1_000 * FEE_PER_BYTE);
		assert_eq!(TransactionPayment::length_to_fee(1_000), DIMO / 100);
		// Weight fees are linear in `ref_time`: twice the weight, twice the fee.
		let double = ExtrinsicBaseWeight::get().saturating_mul(2);
		assert_eq!(TransactionPayment::weight_to_fee(double), 2 * base);
		assert_eq!(TransactionPayment::weight_to_fee(Weight::zero()), 0);
		// No congestion multiplier: the fee of a call does not depend on the block.
		assert_eq!(pallet_transaction_payment::NextFeeMultiplier::<Runtime>::get(), 1.into());
	});
}

#[test]
fn transfer_moves_balance_and_overdraft_fails_with_a_token_error() {
	preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
		let dave = Sr25519Keyring::Dave.to_account_id();
		assert_ok!(Balances::transfer_keep_alive(
			RuntimeOrigin::signed(alice()),
			dave.clone().into(),
			5 * DIMO
		));
		assert_eq!(Balances::balance(&dave), DEV_ENDOWMENT + 5 * DIMO);
		assert_eq!(Balances::balance(&alice()), DEV_ENDOWMENT - 5 * DIMO);
		assert_noop!(
			Balances::transfer_keep_alive(
				RuntimeOrigin::signed(bob()),
				dave.into(),
				DEV_ENDOWMENT + 1
			),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
	});
}

#[test]
fn assets_are_admitted_by_root_only() {
	preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_noop!(
			Assets::create(RuntimeOrigin::signed(alice()), 1.into(), alice().into(), 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Assets::force_create(RuntimeOrigin::signed(alice()), 1.into(), alice().into(), true, 1),
			DispatchError::BadOrigin
		);
		assert_ok!(Assets::force_create(RuntimeOrigin::root(), 1.into(), alice().into(), true, 1));
		assert!(pallet_assets::Asset::<Runtime>::contains_key(1));
	});
}

#[test]
fn issuance_follows_dimos_schedule_with_short_epochs_on_dev_chains() {
	use pallet_issuance::{CurrentSchedule, Mints, DEFAULT_EPOCH_EMISSION};
	for (name, epoch_length) in [
		(DEV_RUNTIME_PRESET, genesis_config_presets::DEV_EPOCH_LENGTH),
		(LOCAL_TESTNET_RUNTIME_PRESET, genesis_config_presets::DEV_EPOCH_LENGTH),
		(genesis_config_presets::TESTNET_RUNTIME_PRESET, 7 * dimo_primitives::time::DAYS),
	] {
		preset_storage(name).execute_with(|| {
			let schedule = CurrentSchedule::<Runtime>::get().expect("set at genesis");
			assert_eq!(
				schedule,
				pallet_issuance::Schedule { epoch_length, ..genesis_config_presets::DIMO_SCHEDULE },
				"{name}"
			);
			assert_eq!(schedule.supply_cap, 1_000_000_000 * DIMO);
			assert_eq!(pallet_issuance::EpochEmission::<Runtime>::get(), DEFAULT_EPOCH_EMISSION);
		});
	}
	// On the dev chain, the first epoch closes at block 10 and mints 1,105,000 DIMO.
	preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
		use frame_support::traits::Hooks;
		let before = Balances::total_issuance();
		System::set_block_number(9);
		crate::Issuance::on_initialize(9);
		assert_eq!(Balances::total_issuance(), before);
		System::set_block_number(10);
		crate::Issuance::on_initialize(10);
		assert_eq!(Balances::total_issuance(), before + 1_105_000 * DIMO);
		assert_eq!(Mints::<Runtime>::get(0).map(|mint| mint.minted), Some(1_105_000 * DIMO));
	});
}

#[test]
fn issuance_admin_calls_need_governance() {
	preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
		let call = pallet_issuance::Call::<Runtime>::set_epoch_emission { epoch_emission: DIMO };
		assert_noop!(
			pallet_issuance::Pallet::<Runtime>::set_epoch_emission(
				RuntimeOrigin::signed(alice()),
				DIMO
			),
			DispatchError::BadOrigin
		);
		assert_ok!(frame_support::traits::UnfilteredDispatchable::dispatch_bypass_filter(
			call,
			RuntimeOrigin::root()
		));
		assert_eq!(pallet_issuance::EpochEmission::<Runtime>::get(), DIMO);
	});
}
