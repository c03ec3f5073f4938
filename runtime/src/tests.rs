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
		// Four, so that one may stop and more than two thirds still finalize.
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 4);
		assert_eq!(pallet_grandpa::Authorities::<Runtime>::get().len(), 4);
	});
}

#[test]
fn dev_accounts_are_funded_and_total_issuance_adds_up() {
	preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(Balances::balance(&alice()), DEV_ENDOWMENT);
		assert_eq!(Balances::balance(&bob()), DEV_ENDOWMENT);
		// Six dev accounts and their six stashes; the issuance's budgets hold nothing yet.
		assert_eq!(Balances::total_issuance(), 12 * DEV_ENDOWMENT);
		assert_eq!(pallet_issuance::UnpaidBudgets::<Runtime>::get(), 0);
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
		// Into the budgets: minted into accounts as they pay.
		assert_eq!(crate::Issuance::issued(), before + 1_105_000 * DIMO);
		assert_eq!(Balances::total_issuance(), before);
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

/// Governance, as configured here: democracy's origins, the technical committee's powers, the
/// periods of each chain.
mod governance {
	use super::*;
	use crate::{BlockNumber, Democracy, Preimage, Scheduler, TechnicalCommittee};
	use codec::Encode;
	use frame_support::traits::{Hooks, StorePreimage};
	use pallet_democracy::{AccountVote, Conviction, ReferendumInfo, Vote};
	use sp_runtime::traits::Hash as _;

	fn charlie() -> AccountId {
		Sr25519Keyring::Charlie.to_account_id()
	}

	/// The call the tests decide on: a new emission per epoch.
	fn set_emission(amount: Balance) -> RuntimeCall {
		RuntimeCall::Issuance(pallet_issuance::Call::set_epoch_emission { epoch_emission: amount })
	}

	/// Runs the hooks of governance block by block up to `n` (timestamp's hooks need a
	/// timestamp inherent, which these tests do not make).
	fn run_to(n: BlockNumber) {
		while System::block_number() < n {
			let next = System::block_number() + 1;
			System::set_block_number(next);
			Scheduler::on_initialize(next);
			Democracy::on_initialize(next);
		}
	}

	/// The referendum, while it is open for votes.
	fn ongoing(
		referendum: u32,
	) -> Option<
		pallet_democracy::ReferendumStatus<
			BlockNumber,
			pallet_democracy::BoundedCallOf<Runtime>,
			Balance,
		>,
	> {
		match pallet_democracy::ReferendumInfoOf::<Runtime>::get(referendum)? {
			ReferendumInfo::Ongoing(status) => Some(status),
			ReferendumInfo::Finished { .. } => None,
		}
	}

	fn next_launch() -> BlockNumber {
		let launch = pallet_governance::LaunchPeriod::<Runtime>::get();
		(System::block_number() / launch + 1) * launch
	}

	fn vote(who: AccountId, referendum: u32, aye: bool, balance: Balance) {
		assert_ok!(Democracy::vote(
			RuntimeOrigin::signed(who),
			referendum,
			AccountVote::Standard { vote: Vote { aye, conviction: Conviction::Locked1x }, balance }
		));
	}

	/// Proposes `call` publicly from Alice, seconded by Bob, and runs to its launch.
	fn launch_public(call: RuntimeCall) -> u32 {
		let proposal = Preimage::bound(call).expect("a small call");
		assert_ok!(Democracy::propose(RuntimeOrigin::signed(alice()), proposal, 100 * DIMO));
		assert_ok!(Democracy::second(RuntimeOrigin::signed(bob()), 0));
		run_to(next_launch());
		let referendum = pallet_democracy::ReferendumCount::<Runtime>::get() - 1;
		assert!(ongoing(referendum).is_some(), "the referendum started");
		referendum
	}

	/// A committee motion: proposed by the first of `ayes` with their number as threshold,
	/// voted by all of them, closed. Returns whether the call succeeded.
	fn motion(call: RuntimeCall, ayes: &[AccountId]) -> bool {
		let length = call.encoded_size() as u32;
		let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&call);
		let index = pallet_collective::ProposalCount::<
			Runtime,
			crate::configs::governance::TechnicalCollective,
		>::get();
		assert_ok!(TechnicalCommittee::propose(
			RuntimeOrigin::signed(ayes[0].clone()),
			ayes.len() as u32,
			Box::new(call),
			length
		));
		// A threshold of one executes at once; otherwise every member votes and it is closed.
		if ayes.len() > 1 {
			for member in ayes {
				assert_ok!(TechnicalCommittee::vote(
					RuntimeOrigin::signed(member.clone()),
					hash,
					index,
					true
				));
			}
			assert_ok!(TechnicalCommittee::close(
				RuntimeOrigin::signed(ayes[0].clone()),
				hash,
				index,
				Weight::from_parts(10_000_000_000, 1_000_000),
				length
			));
		}
		System::events().iter().rev().find_map(|record| match &record.event {
			crate::RuntimeEvent::TechnicalCommittee(pallet_collective::Event::Executed {
				result,
				..
			}) => Some(result.is_ok()),
			_ => None,
		}) == Some(true)
	}

	#[test]
	fn each_chain_has_its_periods_and_committee() {
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			assert_eq!(
				pallet_governance::Pallet::<Runtime>::timings(),
				genesis_config_presets::DEV_TIMINGS
			);
			let mut committee = vec![alice(), bob(), charlie()];
			committee.sort();
			assert_eq!(
				pallet_collective::Members::<
					Runtime,
					crate::configs::governance::TechnicalCollective,
				>::get(),
				committee
			);
		});
		preset_storage(genesis_config_presets::TESTNET_RUNTIME_PRESET).execute_with(|| {
			let timings = pallet_governance::Pallet::<Runtime>::timings();
			let day = dimo_primitives::time::DAYS;
			assert_eq!(timings.launch_period, 7 * day, "DIP-1: 7-day review");
			assert_eq!(timings.voting_period, 7 * day, "DIP-1: 7-day vote");
			assert_eq!(timings.enactment_period, 4 * day, "DIP-1: 96-hour timelock");
			assert_eq!(pallet_democracy::ReferendumCount::<Runtime>::get(), 0);
		});
	}

	#[test]
	fn a_public_proposal_passes_and_is_enacted_with_the_root_origin() {
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			let referendum = launch_public(set_emission(7 * DIMO));
			vote(alice(), referendum, true, 1_000 * DIMO);
			vote(bob(), referendum, true, 10 * DIMO);
			let end = ongoing(referendum).expect("ongoing").end;
			run_to(end);
			assert!(matches!(
				pallet_democracy::ReferendumInfoOf::<Runtime>::get(referendum),
				Some(ReferendumInfo::Finished { approved: true, .. })
			));
			// The timelock: not enacted before the enactment period has passed.
			assert_ne!(pallet_issuance::EpochEmission::<Runtime>::get(), 7 * DIMO);
			run_to(end + pallet_governance::EnactmentPeriod::<Runtime>::get());
			assert_eq!(pallet_issuance::EpochEmission::<Runtime>::get(), 7 * DIMO);
		});
	}

	#[test]
	fn a_referendum_below_the_threshold_fails() {
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			let before = pallet_issuance::EpochEmission::<Runtime>::get();
			let referendum = launch_public(set_emission(7 * DIMO));
			vote(alice(), referendum, true, 1_000 * DIMO);
			vote(bob(), referendum, false, 2_000 * DIMO);
			let end = ongoing(referendum).expect("ongoing").end;
			run_to(end + pallet_governance::EnactmentPeriod::<Runtime>::get());
			assert!(matches!(
				pallet_democracy::ReferendumInfoOf::<Runtime>::get(referendum),
				Some(ReferendumInfo::Finished { approved: false, .. })
			));
			assert_eq!(pallet_issuance::EpochEmission::<Runtime>::get(), before);
		});
	}

	#[test]
	fn two_thirds_of_the_committee_cancel_a_referendum_and_one_member_cannot() {
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			let referendum = launch_public(set_emission(7 * DIMO));
			let cancel = RuntimeCall::Democracy(pallet_democracy::Call::emergency_cancel {
				ref_index: referendum,
			});
			assert!(!motion(cancel.clone(), &[alice()]), "one member of three is not enough");
			assert!(ongoing(referendum).is_some());
			assert!(motion(cancel, &[alice(), bob()]));
			assert!(ongoing(referendum).is_none(), "cancelled");
		});
	}

	#[test]
	fn the_committee_proposes_externally_and_fast_tracks() {
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			let call = set_emission(9 * DIMO);
			let proposal = Preimage::bound(call).expect("a small call");
			let hash = proposal.hash();
			// A plain account may not make an external proposal.
			assert_noop!(
				Democracy::external_propose_majority(
					RuntimeOrigin::signed(alice()),
					proposal.clone()
				),
				DispatchError::BadOrigin
			);
			let external =
				RuntimeCall::Democracy(pallet_democracy::Call::external_propose_majority {
					proposal,
				});
			assert!(motion(external, &[alice(), bob()]));
			let voting = pallet_governance::FastTrackVotingPeriod::<Runtime>::get();
			let fast_track = RuntimeCall::Democracy(pallet_democracy::Call::fast_track {
				proposal_hash: hash,
				voting_period: voting,
				delay: 1,
			});
			assert!(!motion(fast_track.clone(), &[alice()]), "fast-tracking needs two thirds");
			assert!(motion(fast_track, &[alice(), bob()]));
			let status = ongoing(0).expect("started at once");
			assert_eq!(status.end, System::block_number() + voting);
			vote(charlie(), 0, true, 100 * DIMO);
			run_to(status.end + 1);
			assert_eq!(pallet_issuance::EpochEmission::<Runtime>::get(), 9 * DIMO);
		});
	}

	#[test]
	fn every_admin_call_rejects_a_signed_account() {
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			let signed = RuntimeOrigin::signed(alice());
			let calls: Vec<RuntimeCall> = vec![
				set_emission(DIMO),
				RuntimeCall::Issuance(pallet_issuance::Call::set_shares {
					shares: pallet_issuance::DEFAULT_SHARES,
				}),
				RuntimeCall::Issuance(pallet_issuance::Call::set_schedule {
					schedule: genesis_config_presets::DIMO_SCHEDULE,
				}),
				RuntimeCall::Issuance(pallet_issuance::Call::set_reward_params {
					params: pallet_issuance::DEFAULT_REWARD_PARAMS,
				}),
				RuntimeCall::Issuance(pallet_issuance::Call::spend_dao {
					to: bob().into(),
					amount: DIMO,
				}),
				RuntimeCall::Issuance(pallet_issuance::Call::close_dteam { team: 0 }),
				RuntimeCall::Issuance(pallet_issuance::Call::record_activity {
					vehicles: Default::default(),
				}),
				RuntimeCall::Governance(pallet_governance::Call::set_timings {
					timings: genesis_config_presets::DEV_TIMINGS,
				}),
				RuntimeCall::Assets(pallet_assets::Call::force_create {
					id: 1u32.into(),
					owner: alice().into(),
					is_sufficient: false,
					min_balance: 1,
				}),
				RuntimeCall::System(frame_system::Call::set_code { code: vec![] }),
				RuntimeCall::Anchoring(pallet_anchoring::Call::register_collector {
					collector: Sr25519Keyring::Eve.public().into(),
				}),
				RuntimeCall::Anchoring(pallet_anchoring::Call::remove_collector {
					collector: Sr25519Keyring::Ferdie.public().into(),
				}),
				RuntimeCall::Anchoring(pallet_anchoring::Call::set_oem_source {
					oem: 1,
					source: pallet_anchoring::OemSource {
						api: pallet_anchoring::OemApi::Tesla,
						api_base_url: b"https://api.example".to_vec().try_into().expect("short"),
						auth_url: b"https://api.example/token".to_vec().try_into().expect("short"),
					},
				}),
				RuntimeCall::Anchoring(pallet_anchoring::Call::remove_oem_source { oem: 1 }),
				RuntimeCall::Vehicles(pallet_vehicles::Call::settle_reclaim {
					vehicle: 0,
					claimant_wins: true,
				}),
				RuntimeCall::DataAccess(pallet_data_access::Call::add_data_consumer {
					consumer: bob().into(),
				}),
				RuntimeCall::DataAccess(pallet_data_access::Call::remove_data_consumer {
					consumer: bob().into(),
				}),
				RuntimeCall::TechnicalCommittee(pallet_collective::Call::set_members {
					new_members: vec![alice()],
					prime: None,
					old_count: 3,
				}),
			];
			for call in calls {
				let name = format!("{call:?}");
				let result = frame_support::traits::UnfilteredDispatchable::dispatch_bypass_filter(
					call,
					signed.clone(),
				);
				assert_eq!(result.map_err(|e| e.error), Err(DispatchError::BadOrigin), "{name}");
			}
		});
	}
}

/// Anchors arrive as general transactions authorized by a collector key: the runtime's
/// transaction extensions (`AuthorizeCall` first) must let them in without a signer, a fee or
/// a nonce, and keep everything else out.
mod anchoring {
	use super::*;
	use crate::{Anchoring, Executive, Issuance, UncheckedExtrinsic, Vehicles};
	use dimo_primitives::{
		collector::{CollectorAccount, CollectorId},
		vehicle::StorageBackend,
	};
	use frame_system::offchain::CreateAuthorizedTransaction;
	use sp_core::H256;
	use sp_runtime::{
		traits::Convert,
		transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	};

	fn ferdie_account() -> AccountId {
		CollectorAccount::convert(Sr25519Keyring::Ferdie.public().into())
	}

	/// Alice's vehicle, consenting to the dev collector (`//Ferdie`) and to IPFS.
	fn onboarded_vehicle() -> u64 {
		let alice = RuntimeOrigin::signed(alice());
		assert_ok!(Vehicles::register(alice.clone(), 1, H256::repeat_byte(7), None));
		assert_ok!(Vehicles::authorize_collector(alice.clone(), 0, ferdie_account().into(), None));
		assert_ok!(Vehicles::set_storage(alice, 0, StorageBackend::Ipfs));
		0
	}

	/// An authorized transaction anchoring one reading of `vehicle`, signed by `signer`.
	fn anchor_transaction(signer: Sr25519Keyring, vehicle: u64, at: u64) -> UncheckedExtrinsic {
		let mut cid = vec![0x01, 0x55, 0x12, 0x20];
		cid.extend(sp_io::hashing::sha2_256(&at.to_le_bytes()));
		let batch = pallet_anchoring::AnchorBatch {
			collector: CollectorId::from(signer.public()),
			records: vec![pallet_anchoring::AnchorRecord {
				vehicle,
				cid: cid.try_into().expect("36 bytes"),
				size: 100,
				backend: StorageBackend::Ipfs,
				arweave_tx: None,
				observed_from: at,
				observed_to: at,
			}]
			.try_into()
			.expect("one record"),
		};
		let payload = batch.signing_payload(&System::block_hash(0));
		let signature = signer.sign(&payload).into();
		let call =
			RuntimeCall::Anchoring(pallet_anchoring::Call::anchor_batch { batch, signature });
		<Runtime as CreateAuthorizedTransaction<pallet_anchoring::Call<Runtime>>>::create_authorized_transaction(call)
	}

	fn validate(xt: UncheckedExtrinsic) -> Result<(), TransactionValidityError> {
		Executive::validate_transaction(TransactionSource::External, xt, System::parent_hash())
			.map(|_| ())
	}

	#[test]
	fn a_collector_anchors_without_funds_fees_or_nonce() {
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			let vehicle = onboarded_vehicle();
			let collector_balance = Balances::balance(&ferdie_account());
			let xt = anchor_transaction(Sr25519Keyring::Ferdie, vehicle, 1_000);
			assert_eq!(validate(xt.clone()), Ok(()));
			assert_eq!(Executive::apply_extrinsic(xt.clone()), Ok(Ok(())));
			assert_eq!(Anchoring::anchors(vehicle, 0, 10).len(), 1);
			assert_eq!(Balances::balance(&ferdie_account()), collector_balance);
			assert_eq!(System::account_nonce(ferdie_account()), 0);
			// The issuance counted the vehicle as active in the epoch in progress.
			assert!(Issuance::issuance_info().current_epoch_points > 0);
			// The same transaction again is stale.
			assert_eq!(validate(xt), Err(InvalidTransaction::Stale.into()));
		});
	}

	#[test]
	fn a_key_that_is_not_a_collector_never_enters_the_pool() {
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			let vehicle = onboarded_vehicle();
			let xt = anchor_transaction(Sr25519Keyring::Eve, vehicle, 1_000);
			assert_eq!(validate(xt.clone()), Err(InvalidTransaction::BadSigner.into()));
			assert!(Executive::apply_extrinsic(xt).is_err());
			assert!(Anchoring::anchors(vehicle, 0, 10).is_empty());
		});
	}

	#[test]
	fn every_chain_but_dev_registers_a_car_only_with_a_collectors_attestation() {
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			assert!(!pallet_vehicles::AttestationRequired::<Runtime>::get());
		});
		preset_storage(genesis_config_presets::TESTNET_RUNTIME_PRESET).execute_with(|| {
			assert!(pallet_vehicles::AttestationRequired::<Runtime>::get());
		});
		preset_storage(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			assert!(pallet_vehicles::AttestationRequired::<Runtime>::get());
			let reference = H256::repeat_byte(7);
			assert_noop!(
				Vehicles::register(RuntimeOrigin::signed(alice()), 1, reference, None),
				pallet_vehicles::Error::<Runtime>::AttestationRequired
			);
			// The local chain's collector (//Ferdie's sr25519 key) signs the documented
			// payload: the runtime checks it with the app key type and the genesis hash.
			let expires_at = frame_system::Pallet::<Runtime>::block_number() + 10;
			let genesis = frame_system::Pallet::<Runtime>::block_hash(0);
			let payload = dimo_primitives::ownership::ownership_payload(
				&genesis,
				1,
				&reference,
				&alice(),
				&expires_at,
			);
			let sign = |key: Sr25519Keyring| pallet_vehicles::OwnershipAttestation {
				collector: CollectorId::from(Sr25519Keyring::Ferdie.public()),
				expires_at,
				signature: dimo_primitives::collector::CollectorSignature::from(key.sign(&payload)),
			};
			assert_noop!(
				Vehicles::register(
					RuntimeOrigin::signed(alice()),
					1,
					reference,
					Some(sign(Sr25519Keyring::Eve))
				),
				pallet_vehicles::Error::<Runtime>::BadAttestationSignature
			);
			assert_ok!(Vehicles::register(
				RuntimeOrigin::signed(alice()),
				1,
				reference,
				Some(sign(Sr25519Keyring::Ferdie))
			));
		});
	}

	#[test]
	fn collectors_and_loopback_sources_per_chain() {
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			assert_eq!(Anchoring::collectors().len(), 1);
			assert!(pallet_anchoring::LoopbackSourcesAllowed::<Runtime>::get());
		});
		preset_storage(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			assert_eq!(Anchoring::collectors().len(), 1);
			assert!(!pallet_anchoring::LoopbackSourcesAllowed::<Runtime>::get());
		});
		preset_storage(genesis_config_presets::TESTNET_RUNTIME_PRESET).execute_with(|| {
			assert!(Anchoring::collectors().is_empty());
			assert!(!pallet_anchoring::LoopbackSourcesAllowed::<Runtime>::get());
		});
	}
}

#[test]
fn a_new_chain_starts_at_the_issuances_storage_version_and_its_migration_does_nothing() {
	use frame_support::traits::{OnRuntimeUpgrade, StorageVersion};
	preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(StorageVersion::get::<crate::Issuance>(), 1);
		let issued = crate::Issuance::issued();
		let account = crate::IssuanceBudgetsAccountV0::get();
		<crate::Migrations as OnRuntimeUpgrade>::on_runtime_upgrade();
		assert_eq!(crate::Issuance::issued(), issued);
		assert_eq!(Balances::balance(&account), 0);
		assert_eq!(StorageVersion::get::<crate::Issuance>(), 1);
	});
}

/// The validator set: sessions from the presets, governance changing the set, equivocations
/// reported and the move of a running chain from fixed authorities to sessions.
mod validators {
	use super::*;
	use crate::{
		configs::governance::TechnicalCollective, migrations::SeedSessionsFromAuthorities,
		BlockNumber, Grandpa, Historical, Session, SessionKeys, ValidatorSet,
	};
	use codec::Encode;
	use frame_support::traits::{Hooks, KeyOwnerProofSystem, OnRuntimeUpgrade};
	use sp_consensus_aura::sr25519::AuthorityId as AuraId;
	use sp_consensus_grandpa::AuthorityId as GrandpaId;
	use sp_keyring::Ed25519Keyring;
	use sp_keystore::{testing::MemoryKeystore, KeystoreExt};

	fn eve() -> AccountId {
		Sr25519Keyring::Eve.to_account_id()
	}

	/// The preset's state with a keystore, for keys generated the way `author_rotateKeys` does.
	fn with_keystore(name: &str) -> sp_io::TestExternalities {
		let mut ext = preset_storage(name);
		ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
		ext
	}

	/// Runs the session's and GRANDPA's hooks block by block up to `n`.
	fn run_to(n: BlockNumber) {
		while System::block_number() < n {
			let next = System::block_number() + 1;
			System::set_block_number(next);
			Session::on_initialize(next);
			Grandpa::on_finalize(next);
		}
	}

	/// Runs to the first block of the next session.
	fn next_session() {
		let index = Session::current_index();
		while Session::current_index() == index {
			run_to(System::block_number() + 1);
		}
	}

	fn aura_authorities() -> Vec<AuraId> {
		pallet_aura::Authorities::<Runtime>::get().into_inner()
	}

	/// New keys for `who` from the keystore, set with their ownership proof.
	fn set_new_keys(who: &AccountId) -> SessionKeys {
		let generated = SessionKeys::generate(&who.encode(), None);
		assert_ok!(Session::set_keys(
			RuntimeOrigin::signed(who.clone()),
			generated.keys.clone(),
			generated.proof.encode()
		));
		generated.keys
	}

	fn committee(yes: u32) -> RuntimeOrigin {
		pallet_collective::RawOrigin::<AccountId, TechnicalCollective>::Members(yes, 3).into()
	}

	#[test]
	fn each_preset_gives_its_validators_session_keys_and_its_session_length() {
		for (name, count, length) in [
			(DEV_RUNTIME_PRESET, 1, genesis_config_presets::DEV_SESSION_LENGTH),
			(LOCAL_TESTNET_RUNTIME_PRESET, 4, genesis_config_presets::DEV_SESSION_LENGTH),
			(
				genesis_config_presets::TESTNET_RUNTIME_PRESET,
				3,
				genesis_config_presets::TESTNET_SESSION_LENGTH,
			),
		] {
			preset_storage(name).execute_with(|| {
				let validators = ValidatorSet::validators();
				assert_eq!(validators.len(), count, "{name}");
				assert_eq!(Session::validators(), validators, "{name}");
				assert_eq!(pallet_validator_set::SessionLength::<Runtime>::get(), length);
				// Aura and GRANDPA got their authorities from the session keys.
				let queued = Session::queued_keys();
				let aura: Vec<AuraId> = queued.iter().map(|(_, k)| k.aura.clone()).collect();
				assert_eq!(aura_authorities(), aura, "{name}");
				let grandpa: Vec<GrandpaId> =
					Grandpa::grandpa_authorities().into_iter().map(|(k, _)| k).collect();
				assert_eq!(
					grandpa,
					queued.iter().map(|(_, k)| k.grandpa.clone()).collect::<Vec<_>>()
				);
				assert_eq!(queued[0].0, alice());
				assert_eq!(queued[0].1.aura, Sr25519Keyring::Alice.public().into());
				assert_eq!(queued[0].1.grandpa, Ed25519Keyring::Alice.public().into());
			});
		}
	}

	#[test]
	fn governance_admits_a_validator_that_authors_from_the_session_after_next() {
		with_keystore(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			// Not before it has keys, and never by an account or the committee.
			assert_noop!(
				ValidatorSet::add_validator(RuntimeOrigin::root(), eve()),
				pallet_validator_set::Error::<Runtime>::NoSessionKeys
			);
			let keys = set_new_keys(&eve());
			assert_eq!(
				<Balances as frame_support::traits::fungible::InspectHold<_>>::balance_on_hold(
					&pallet_session::HoldReason::Keys.into(),
					&eve()
				),
				crate::configs::SessionKeyDeposit::get()
			);
			assert_noop!(
				ValidatorSet::add_validator(RuntimeOrigin::signed(eve()), eve()),
				DispatchError::BadOrigin
			);
			assert_noop!(
				ValidatorSet::add_validator(committee(3), eve()),
				DispatchError::BadOrigin
			);
			assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), eve()));
			let set_id = Grandpa::current_set_id();

			// The next session queues it.
			next_session();
			assert_eq!(aura_authorities().len(), 4);
			assert!(Session::queued_keys().iter().any(|(v, _)| *v == eve()));
			// The one after makes it an authority of Aura and GRANDPA.
			next_session();
			assert_eq!(aura_authorities().len(), 5);
			assert!(aura_authorities().contains(&keys.aura));
			assert_eq!(Grandpa::current_set_id(), set_id + 1);
			assert!(Grandpa::grandpa_authorities().iter().any(|(k, _)| *k == keys.grandpa));
		});
	}

	#[test]
	fn the_committee_removes_a_validator_but_not_below_the_minimum() {
		preset_storage(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			let dave = Sr25519Keyring::Dave.to_account_id();
			// A third of the committee is not enough; two thirds are.
			assert_noop!(
				ValidatorSet::remove_validator(committee(1), dave.clone()),
				DispatchError::BadOrigin
			);
			assert_ok!(ValidatorSet::remove_validator(committee(2), dave.clone()));
			next_session();
			next_session();
			assert_eq!(aura_authorities().len(), 3);
			assert!(!Session::validators().contains(&dave));
		});
		preset_storage(DEV_RUNTIME_PRESET).execute_with(|| {
			assert_noop!(
				ValidatorSet::remove_validator(RuntimeOrigin::root(), alice()),
				pallet_validator_set::Error::<Runtime>::TooFewValidators
			);
		});
	}

	/// Bob's two prevotes for different blocks in the same round of the current set.
	fn bob_equivocates(
		set_id: sp_consensus_grandpa::SetId,
	) -> sp_consensus_grandpa::EquivocationProof<crate::Hash, BlockNumber> {
		bob_prevotes(set_id, crate::Hash::repeat_byte(1), crate::Hash::repeat_byte(2))
	}

	/// Bob's prevotes for `first` and `second` in round 1 of `set_id`.
	fn bob_prevotes(
		set_id: sp_consensus_grandpa::SetId,
		first: crate::Hash,
		second: crate::Hash,
	) -> sp_consensus_grandpa::EquivocationProof<crate::Hash, BlockNumber> {
		let signed = |hash: crate::Hash| {
			let prevote = finality_grandpa::Prevote { target_hash: hash, target_number: 1 };
			let message = finality_grandpa::Message::Prevote(prevote.clone());
			let payload = sp_consensus_grandpa::localized_payload(1, set_id, &message);
			(prevote, Ed25519Keyring::Bob.sign(&payload).into())
		};
		sp_consensus_grandpa::EquivocationProof::new(
			set_id,
			sp_consensus_grandpa::Equivocation::Prevote(finality_grandpa::Equivocation {
				round_number: 1,
				identity: Ed25519Keyring::Bob.public().into(),
				first: signed(first),
				second: signed(second),
			}),
		)
	}

	#[test]
	fn a_proven_grandpa_equivocation_disables_the_offender_and_a_forged_one_is_refused() {
		preset_storage(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			let bob_key: GrandpaId = Ed25519Keyring::Bob.public().into();
			let set_id = Grandpa::current_set_id();
			let proof = Historical::prove((sp_consensus_grandpa::KEY_TYPE, bob_key.clone()))
				.expect("Bob is a validator of this session");

			// Forged: the same vote twice is no equivocation; Charlie's key with Bob's proof of
			// ownership; a proof claiming another validator count.
			let same_twice =
				bob_prevotes(set_id, crate::Hash::repeat_byte(1), crate::Hash::repeat_byte(1));
			assert!(Grandpa::report_equivocation_unsigned(
				RuntimeOrigin::none(),
				Box::new(same_twice),
				proof.clone()
			)
			.is_err());
			let mut wrong_count = proof.clone();
			wrong_count.validator_count += 1;
			assert!(Grandpa::report_equivocation_unsigned(
				RuntimeOrigin::none(),
				Box::new(bob_equivocates(set_id)),
				wrong_count
			)
			.is_err());
			let charlie_key: GrandpaId = Ed25519Keyring::Charlie.public().into();
			let charlies =
				Historical::prove((sp_consensus_grandpa::KEY_TYPE, charlie_key)).expect("a proof");
			assert!(Grandpa::report_equivocation_unsigned(
				RuntimeOrigin::none(),
				Box::new(bob_equivocates(set_id)),
				charlies
			)
			.is_err());
			// Only unsigned: a signed report is refused.
			assert!(Grandpa::report_equivocation_unsigned(
				RuntimeOrigin::signed(alice()),
				Box::new(bob_equivocates(set_id)),
				proof.clone()
			)
			.is_err());
			assert!(Session::disabled_validators().is_empty());

			// The real one: Bob is disabled for the rest of the session and reported.
			assert_ok!(Grandpa::report_equivocation_unsigned(
				RuntimeOrigin::none(),
				Box::new(bob_equivocates(set_id)),
				proof
			));
			let bob_index = Session::validators().iter().position(|v| *v == bob()).unwrap() as u32;
			assert_eq!(Session::disabled_validators(), vec![bob_index]);
			assert!(System::events().iter().any(|record| record.event
				== pallet_validator_set::Event::<Runtime>::OffenceReported {
					validator: bob(),
					session: 0,
					disabled: true,
				}
				.into()));
			// Still a validator: removing it is governance's call.
			assert!(ValidatorSet::validators().contains(&bob()));
			// The next session enables it again.
			next_session();
			assert!(Session::disabled_validators().is_empty());
		});
	}

	/// What a node's GRANDPA voter does on seeing an equivocation: the runtime API
	/// `submit_report_equivocation_unsigned_extrinsic`, with the opaque proof the API
	/// `generate_key_ownership_proof` made, puts an unsigned report in the node's pool; the pool
	/// takes it from the node itself (and from a block), not from outside; applied, it disables
	/// the offender.
	#[test]
	fn a_nodes_own_equivocation_report_reaches_its_pool_and_disables_the_offender() {
		use crate::{Executive, UncheckedExtrinsic};
		use codec::Decode;
		use sp_consensus_grandpa::runtime_decl_for_grandpa_api::GrandpaApiV3;
		use sp_core::offchain::{testing::TestTransactionPoolExt, TransactionPoolExt};
		use sp_runtime::transaction_validity::{InvalidTransaction, TransactionSource};

		let mut ext = preset_storage(LOCAL_TESTNET_RUNTIME_PRESET);
		let (pool, pool_state) = TestTransactionPoolExt::new();
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.execute_with(|| {
			let bob_key: GrandpaId = Ed25519Keyring::Bob.public().into();
			let set_id = Grandpa::current_set_id();
			let opaque = <Runtime as GrandpaApiV3<crate::Block>>::generate_key_ownership_proof(
				set_id, bob_key,
			)
			.expect("Bob is a validator of this session");
			assert_eq!(
				<Runtime as GrandpaApiV3<crate::Block>>::submit_report_equivocation_unsigned_extrinsic(
					bob_equivocates(set_id),
					opaque
				),
				Some(())
			);

			let submitted = pool_state.read().transactions.clone();
			assert_eq!(submitted.len(), 1, "one report in the pool");
			let xt = UncheckedExtrinsic::decode(&mut &submitted[0][..]).expect("an extrinsic");
			assert!(matches!(
				xt.function,
				RuntimeCall::Grandpa(pallet_grandpa::Call::report_equivocation_unsigned { .. })
			));
			let validate =
				|source| Executive::validate_transaction(source, xt.clone(), System::parent_hash());
			assert_eq!(validate(TransactionSource::External), Err(InvalidTransaction::Call.into()));
			assert!(validate(TransactionSource::Local).is_ok());
			assert!(Session::disabled_validators().is_empty());

			assert_eq!(Executive::apply_extrinsic(xt.clone()), Ok(Ok(())));
			let bob_index = Session::validators().iter().position(|v| *v == bob()).unwrap() as u32;
			assert_eq!(Session::disabled_validators(), vec![bob_index]);
			// Reported once: the same report again is stale in the pool.
			assert!(validate(TransactionSource::Local).is_err());
		});
	}

	/// The state of a chain of spec 109: the `local` preset's authorities in Aura and GRANDPA,
	/// no session, no validator set.
	fn spec_109_chain() -> sp_io::TestExternalities {
		let authorities = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		];
		let grandpa = [
			Ed25519Keyring::Alice,
			Ed25519Keyring::Bob,
			Ed25519Keyring::Charlie,
			Ed25519Keyring::Dave,
		];
		let config = RuntimeGenesisConfig {
			balances: crate::BalancesConfig {
				balances: authorities
					.iter()
					.chain([&Sr25519Keyring::Eve])
					.map(|k| (k.to_account_id(), DEV_ENDOWMENT))
					.collect(),
				..Default::default()
			},
			aura: pallet_aura::GenesisConfig {
				authorities: authorities.iter().map(|k| k.public().into()).collect(),
			},
			grandpa: pallet_grandpa::GenesisConfig {
				authorities: grandpa.iter().map(|k| (k.public().into(), 1)).collect(),
				..Default::default()
			},
			..Default::default()
		};
		let mut ext = sp_io::TestExternalities::new(config.build_storage().expect("builds"));
		ext.execute_with(|| {
			// What spec 109's state holds: nothing of the new pallets.
			assert!(Session::validators().is_empty());
			assert!(ValidatorSet::validators().is_empty());
			System::set_block_number(1_000);
		});
		ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
		ext
	}

	#[test]
	fn a_running_chain_moves_from_fixed_authorities_to_sessions_once() {
		spec_109_chain().execute_with(|| {
			let aura_before = aura_authorities();
			let grandpa_before = Grandpa::grandpa_authorities();
			let set_id = Grandpa::current_set_id();

			<crate::Migrations as OnRuntimeUpgrade>::on_runtime_upgrade();

			let accounts: Vec<AccountId> = [
				Sr25519Keyring::Alice,
				Sr25519Keyring::Bob,
				Sr25519Keyring::Charlie,
				Sr25519Keyring::Dave,
			]
			.iter()
			.map(|k| k.to_account_id())
			.collect();
			assert_eq!(ValidatorSet::validators(), accounts);
			assert_eq!(Session::validators(), accounts);
			assert_eq!(Session::current_index(), 0);
			assert_eq!(aura_authorities(), aura_before);
			assert_eq!(Grandpa::grandpa_authorities(), grandpa_before);
			assert_eq!(pallet_grandpa::SetIdSession::<Runtime>::get(set_id), Some(0));
			// Each GRANDPA key is owned by its validator's account, for equivocation proofs.
			let bob_key: GrandpaId = Ed25519Keyring::Bob.public().into();
			assert_eq!(
				Session::key_owner(sp_consensus_grandpa::KEY_TYPE, bob_key.as_ref()),
				Some(bob())
			);
			assert!(Historical::prove((sp_consensus_grandpa::KEY_TYPE, bob_key)).is_some());

			// Once: a second run changes nothing.
			assert_ok!(ValidatorSet::set_session_length(RuntimeOrigin::root(), 10));
			<SeedSessionsFromAuthorities as OnRuntimeUpgrade>::on_runtime_upgrade();
			assert_eq!(pallet_validator_set::SessionLength::<Runtime>::get(), 10);

			// Sessions turn without changing the authorities until governance changes the set.
			next_session();
			next_session();
			assert_eq!(aura_authorities(), aura_before);
			assert_eq!(Grandpa::current_set_id(), set_id);
			let keys = set_new_keys(&eve());
			assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), eve()));
			next_session();
			next_session();
			assert_eq!(aura_authorities().len(), 5);
			assert!(aura_authorities().contains(&keys.aura));
			assert_eq!(Grandpa::current_set_id(), set_id + 1);
		});
	}
}
