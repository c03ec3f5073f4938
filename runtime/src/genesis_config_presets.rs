//! Genesis presets: the initial state of each chain the node knows by name.
//!
//! - `dev`: one validator (Alice), sessions of a minute, sudo held by Alice, the well-known dev accounts funded,
//!   issuance epochs of one minute, governance periods of a minute or less, a technical
//!   committee of Alice, Bob and Charlie, `//Ferdie`'s key as the collector, OEM sources
//!   allowed on plain HTTP to loopback, one per kind of OEM API (Tesla 1, Smartcar 2, High
//!   Mobility 3) served by the OEM simulator at `https://localhost:7443`, vehicles registered without an ownership
//!   attestation (one given is still checked). For a single machine; state is thrown away with
//!   `--tmp`.
//! - `local`: four validators (Alice, Bob, Charlie, Dave) on one machine or a LAN, so that
//!   one may stop and GRANDPA (which needs more than two thirds) still finalizes; sessions of
//!   a minute; no sudo,
//!   the dev chain's short epochs and governance periods, `//Ferdie`'s key as the collector;
//!   registering a vehicle needs an ownership attestation, as on every chain but dev.
//! - `testnet`: the public testnet, hourly sessions, no sudo, DIMO's weekly epochs and DIP-1's
//!   governance periods. Its validators are the well-known dev accounts and keys until
//!   the operators' are known: operators replace them (`validatorSet.validators` and
//!   `session.keys`) in a chain spec made with `dimo-node build-spec --chain testnet` before they
//!   launch it; later, governance changes the set.
//!
//! Presets are JSON patches of [`RuntimeGenesisConfig`]: what they do not name keeps its
//! default.

use crate::{
	AccountId, AnchoringConfig, BalancesConfig, GovernanceConfig, IssuanceConfig,
	RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig, TechnicalCommitteeConfig,
	ValidatorSetConfig, VehiclesConfig, DIMO,
};
use alloc::{vec, vec::Vec};
use dimo_primitives::{
	time::{DAYS, HOURS},
	Balance, BlockNumber,
};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// The name of the public testnet's preset.
pub const TESTNET_RUNTIME_PRESET: &str = "testnet";

/// What each funded account holds at genesis on the dev and local chains.
pub const DEV_ENDOWMENT: Balance = 1_000_000 * DIMO;

/// What each testnet validator account holds at genesis: enough for fees, not a fortune.
pub const TESTNET_VALIDATOR_ENDOWMENT: Balance = 1_000 * DIMO;

/// The epoch of the issuance on the dev and local chains: ten blocks, one minute, so that a
/// person sees an epoch close, its emission minted and split, and rewards claimed.
pub const DEV_EPOCH_LENGTH: BlockNumber = 10;

/// Governance on the dev and local chains: a proposal launches within a minute, is voted on for
/// a minute and enacted 30 seconds after it passes, so that a whole cycle runs in minutes.
pub const DEV_TIMINGS: pallet_governance::Timings<BlockNumber> = pallet_governance::Timings {
	launch_period: 10,
	voting_period: 10,
	fast_track_voting_period: 5,
	enactment_period: 5,
	cooloff_period: 10,
	motion_duration: 10,
};

/// The collector of the dev and local chains: `//Ferdie`'s sr25519 key, which
/// `dimo-node key insert --key-type dcol --suri //Ferdie` (or `author_insertKey`) puts in a
/// node's keystore.
fn dev_collector() -> dimo_primitives::collector::CollectorId {
	Sr25519Keyring::Ferdie.public().into()
}

/// The port of the OEM simulator that `scripts/dev.sh` runs (`dimo-oem-simulator serve`).
pub const DEV_OEM_SIMULATOR_PORT: u16 = 7443;

/// The OEM sources of the dev chain: one per kind of API the chain knows, in the order of
/// [`OemApi::ALL`](pallet_anchoring::OemApi::ALL) (OEM 1 is Tesla, 2 Smartcar, 3 High
/// Mobility, ...), each served over HTTPS by the OEM simulator on this machine under
/// `/{name}` (its certificate is issued by the dev CA that the scripts make the node trust).
fn dev_oem_sources() -> Vec<(dimo_primitives::vehicle::OemId, pallet_anchoring::OemSource)> {
	let url = |path: &str| {
		alloc::format!("https://localhost:{DEV_OEM_SIMULATOR_PORT}{path}")
			.into_bytes()
			.try_into()
			.unwrap_or_default()
	};
	(1..)
		.zip(pallet_anchoring::OemApi::ALL)
		.map(|(oem, api)| {
			let base = alloc::format!("/{}", api.name());
			let source = pallet_anchoring::OemSource {
				api,
				api_base_url: url(&base),
				auth_url: url(&alloc::format!("{base}/auth")),
			};
			(oem, source)
		})
		.collect()
}

/// Who collects, and from where, on a chain.
struct Collection {
	collectors: Vec<dimo_primitives::collector::CollectorId>,
	oem_sources: Vec<(dimo_primitives::vehicle::OemId, pallet_anchoring::OemSource)>,
	/// Whether OEM sources may be plain HTTP on loopback: the dev chain only.
	loopback_sources_allowed: bool,
	/// Whether registering a vehicle needs a collector's ownership attestation: every chain
	/// but dev.
	attestation_required: bool,
}

/// The technical committee of the dev and local chains: Alice, Bob and Charlie.
fn dev_committee() -> Vec<AccountId> {
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
		.iter()
		.map(|k| k.to_account_id())
		.collect()
}

/// DIMO's emission schedule (DIP-2): weekly epochs, 15% less every 52 of them, a cap of
/// 1,000,000,000 DIMO.
pub const DIMO_SCHEDULE: pallet_issuance::Schedule<BlockNumber> = pallet_issuance::Schedule {
	epoch_length: 7 * DAYS,
	epochs_per_decay: 52,
	decay: sp_runtime::Perbill::from_percent(15),
	supply_cap: pallet_issuance::DEFAULT_SUPPLY_CAP,
};

/// A validator at genesis: its account and its session keys.
pub struct GenesisValidator {
	/// The account that governance admitted and that sets the keys.
	pub account: AccountId,
	/// Its Aura key (block authoring).
	pub aura: AuraId,
	/// Its GRANDPA key (finality voting).
	pub grandpa: GrandpaId,
}

/// A well-known dev account (`//Alice`, `//Bob`, ...) as a validator: its account, its sr25519
/// key for Aura and its ed25519 key for GRANDPA, as `dimo-node --alice` puts them in the keystore.
fn dev_validator(who: Sr25519Keyring) -> GenesisValidator {
	let grandpa = match who {
		Sr25519Keyring::Alice => Ed25519Keyring::Alice,
		Sr25519Keyring::Bob => Ed25519Keyring::Bob,
		Sr25519Keyring::Charlie => Ed25519Keyring::Charlie,
		Sr25519Keyring::Dave => Ed25519Keyring::Dave,
		Sr25519Keyring::Eve => Ed25519Keyring::Eve,
		_ => Ed25519Keyring::Ferdie,
	};
	GenesisValidator {
		account: who.to_account_id(),
		aura: who.public().into(),
		grandpa: grandpa.public().into(),
	}
}

/// Sessions on the dev and local chains: ten blocks, one minute, so that a validator admitted
/// by governance authors within two minutes.
pub const DEV_SESSION_LENGTH: BlockNumber = 10;

/// Sessions on the testnet: an hour.
pub const TESTNET_SESSION_LENGTH: BlockNumber = HOURS;

/// The accounts funded on the dev and local chains: the six dev accounts and their stashes,
/// as Polkadot.js lists them in development mode.
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.filter(|k| !matches!(k, Sr25519Keyring::One | Sr25519Keyring::Two))
		.map(|k| k.to_account_id())
		.collect()
}

/// Builds a genesis patch from its parts.
fn genesis(
	validators: Vec<GenesisValidator>,
	session_length: BlockNumber,
	endowed: Vec<(AccountId, Balance)>,
	sudo: Option<AccountId>,
	epoch_length: Option<BlockNumber>,
	committee: Vec<AccountId>,
	timings: Option<pallet_governance::Timings<BlockNumber>>,
	collection: Collection,
) -> Value {
	let config = RuntimeGenesisConfig {
		balances: BalancesConfig { balances: endowed, ..Default::default() },
		// The session pallet gives Aura and GRANDPA their first authorities from these keys.
		validator_set: ValidatorSetConfig {
			validators: validators.iter().map(|v| v.account.clone()).collect(),
			session_length,
		},
		session: SessionConfig {
			keys: validators
				.iter()
				.map(|v| {
					let keys = SessionKeys { aura: v.aura.clone(), grandpa: v.grandpa.clone() };
					(v.account.clone(), v.account.clone(), keys)
				})
				.collect(),
			..Default::default()
		},
		sudo: SudoConfig { key: sudo },
		technical_committee: TechnicalCommitteeConfig { members: committee, ..Default::default() },
		governance: GovernanceConfig { timings },
		// DIMO's schedule; only the epoch length differs between chains.
		issuance: IssuanceConfig {
			schedule: epoch_length
				.map(|epoch_length| pallet_issuance::Schedule { epoch_length, ..DIMO_SCHEDULE }),
			..Default::default()
		},
		anchoring: AnchoringConfig {
			collectors: collection.collectors,
			oem_sources: collection.oem_sources,
			loopback_sources_allowed: collection.loopback_sources_allowed,
			..Default::default()
		},
		vehicles: VehiclesConfig {
			attestation_required: collection.attestation_required,
			..Default::default()
		},
		..Default::default()
	};
	// `RuntimeGenesisConfig` is plain data: serialising it cannot fail.
	serde_json::to_value(config).unwrap_or(Value::Null)
}

/// The `dev` preset.
pub fn development_genesis() -> Value {
	genesis(
		vec![dev_validator(Sr25519Keyring::Alice)],
		DEV_SESSION_LENGTH,
		dev_accounts().into_iter().map(|a| (a, DEV_ENDOWMENT)).collect(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		Some(DEV_EPOCH_LENGTH),
		dev_committee(),
		Some(DEV_TIMINGS),
		Collection {
			collectors: vec![dev_collector()],
			oem_sources: dev_oem_sources(),
			loopback_sources_allowed: true,
			attestation_required: false,
		},
	)
}

/// The `local` preset.
pub fn local_testnet_genesis() -> Value {
	genesis(
		vec![
			dev_validator(Sr25519Keyring::Alice),
			dev_validator(Sr25519Keyring::Bob),
			dev_validator(Sr25519Keyring::Charlie),
			dev_validator(Sr25519Keyring::Dave),
		],
		DEV_SESSION_LENGTH,
		dev_accounts().into_iter().map(|a| (a, DEV_ENDOWMENT)).collect(),
		None,
		Some(DEV_EPOCH_LENGTH),
		dev_committee(),
		Some(DEV_TIMINGS),
		Collection {
			collectors: vec![dev_collector()],
			oem_sources: Vec::new(),
			loopback_sources_allowed: false,
			attestation_required: true,
		},
	)
}

/// The `testnet` preset.
pub fn testnet_genesis() -> Value {
	let validators = [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie];
	genesis(
		validators.iter().map(|v| dev_validator(*v)).collect(),
		TESTNET_SESSION_LENGTH,
		validators.iter().map(|v| (v.to_account_id(), TESTNET_VALIDATOR_ENDOWMENT)).collect(),
		None,
		Some(7 * DAYS),
		// Placeholders, like the validator keys: the operators name the real committee in
		// the chain spec before launch.
		validators.iter().map(|v| v.to_account_id()).collect(),
		// DIP-1: 7-day launch period, 7-day vote, 96-hour timelock.
		None,
		// Governance registers the collectors and the OEM sources once the chain runs.
		Collection {
			collectors: Vec::new(),
			oem_sources: Vec::new(),
			loopback_sources_allowed: false,
			attestation_required: true,
		},
	)
}

/// The JSON patch of the preset named `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEV_RUNTIME_PRESET => development_genesis(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		TESTNET_RUNTIME_PRESET => testnet_genesis(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The names of every preset.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(DEV_RUNTIME_PRESET),
		PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(TESTNET_RUNTIME_PRESET),
	]
}
