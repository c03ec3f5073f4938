//! Chain specifications: the chains the node knows by name. Each names a genesis preset of the
//! runtime (`dimo_runtime::genesis_config_presets`) and adds what only the node needs: the
//! token's properties for wallets, the chain type and the boot nodes.

use dimo_primitives::{
	currency::{TOKEN_DECIMALS, TOKEN_SYMBOL},
	SS58_PREFIX,
};
use dimo_runtime::{genesis_config_presets::TESTNET_RUNTIME_PRESET, WASM_BINARY};
use sc_service::{ChainType, Properties};
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};

/// A chain spec of DIMO Chain; no client extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// What Polkadot.js reads from `system_properties` to show amounts and addresses.
pub fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

fn builder(name: &str, id: &str, chain_type: ChainType, preset: &str) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"the runtime's wasm was not built (SKIP_WASM_BUILD was set): rebuild without it".to_string()
	})?;
	Ok(ChainSpec::builder(wasm, Default::default())
		.with_name(name)
		.with_id(id)
		.with_protocol_id("dimo")
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--dev`: one validator (Alice), sudo, funded dev accounts.
pub fn development() -> Result<ChainSpec, String> {
	builder("DIMO Development", "dimo_dev", ChainType::Development, DEV_RUNTIME_PRESET)
}

/// `--chain local`: Alice, Bob and Charlie validate; no sudo.
pub fn local_testnet() -> Result<ChainSpec, String> {
	builder("DIMO Local Testnet", "dimo_local", ChainType::Local, LOCAL_TESTNET_RUNTIME_PRESET)
}

/// `--chain testnet`: the public testnet; no sudo.
pub fn testnet() -> Result<ChainSpec, String> {
	builder("DIMO Testnet", "dimo_testnet", ChainType::Live, TESTNET_RUNTIME_PRESET)
}
