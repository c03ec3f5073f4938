//! Dispatches the command line to the node or to a subcommand.

#[cfg(feature = "runtime-benchmarks")]
use crate::benchmarking::{inherent_benchmark_data, RemarkBuilder, TransferKeepAliveBuilder};
use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	dev_keys, service,
};
use dimo_collector::options as collector;
use dimo_runtime::opaque::Block;
#[cfg(feature = "runtime-benchmarks")]
use dimo_runtime::EXISTENTIAL_DEPOSIT;
#[cfg(feature = "runtime-benchmarks")]
use frame_benchmarking_cli::{BenchmarkCmd, ExtrinsicFactory, SUBSTRATE_REFERENCE_HARDWARE};
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;
#[cfg(feature = "runtime-benchmarks")]
use sp_keyring::Sr25519Keyring;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"DIMO Chain Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		"The DIMO Chain node: a Substrate chain for connected-vehicle data.\n\n\
		 Run `dimo-node --dev --tmp` for a throw-away one-validator chain; \
		 `--chain dev|local|testnet|<path to a chain spec>` picks another chain."
			.into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/dimo-network/dimo-chain/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" => Box::new(chain_spec::development()?),
			"" | "local" => Box::new(chain_spec::local_testnet()?),
			"testnet" => Box::new(chain_spec::testnet()?),
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			},
		})
	}
}

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
	let cli = Cli::from_args();
	// Addresses that the node prints (logs, `key inspect`, JSON-RPC answers) are DIMO's.
	sp_core::crypto::set_default_ss58_version(sp_core::crypto::Ss58AddressFormat::custom(
		dimo_primitives::SS58_PREFIX,
	));

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let chain_spec = cli.load_spec(&cmd.chain)?;
			cmd.run(chain_spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				let aux_revert = Box::new(|client, _, blocks| {
					sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		#[cfg(not(feature = "runtime-benchmarks"))]
		Some(Subcommand::Benchmark(_)) => Err("the benchmark subcommands are in a node built with \
			`--features runtime-benchmarks` (scripts/benchmark.sh builds one)"
			.into()),
		// A pallet benchmark of a runtime blob (`--runtime`) needs no chain spec, and a node built
		// for it with SKIP_WASM_BUILD (scripts/benchmark.sh) has none to load: run it without a
		// runner.
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(BenchmarkCmd::Pallet(cmd))) if cmd.runtime.is_some() => {
			cmd.run_with_spec::<sp_runtime::traits::HashingFor<Block>, ()>(None)
		},
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| match cmd {
				BenchmarkCmd::Pallet(cmd) => cmd
					.run_with_spec::<sp_runtime::traits::HashingFor<Block>, ()>(Some(
						config.chain_spec,
					)),
				BenchmarkCmd::Block(cmd) => {
					let PartialComponents { client, .. } = service::new_partial(&config)?;
					cmd.run(client)
				},
				BenchmarkCmd::Storage(cmd) => {
					let PartialComponents { client, backend, .. } = service::new_partial(&config)?;
					let db = backend.expose_db();
					let storage = backend.expose_storage();
					let shared_cache = backend.expose_shared_trie_cache();
					cmd.run(config, client, db, storage, shared_cache)
				},
				BenchmarkCmd::Overhead(cmd) => {
					let PartialComponents { client, .. } = service::new_partial(&config)?;
					let ext_builder = RemarkBuilder::new(client.clone());
					cmd.run(
						config.chain_spec.name().into(),
						client,
						inherent_benchmark_data()?,
						Vec::new(),
						&ext_builder,
						false,
					)
				},
				BenchmarkCmd::Extrinsic(cmd) => {
					let PartialComponents { client, .. } = service::new_partial(&config)?;
					let ext_factory = ExtrinsicFactory(vec![
						Box::new(RemarkBuilder::new(client.clone())),
						Box::new(TransferKeepAliveBuilder::new(
							client.clone(),
							Sr25519Keyring::Alice.to_account_id(),
							EXISTENTIAL_DEPOSIT,
						)),
					]);
					cmd.run(client, inherent_benchmark_data()?, Vec::new(), &ext_factory)
				},
				BenchmarkCmd::Machine(cmd) => {
					cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone())
				},
			})
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		},
		None => {
			let ipfs_api = cli.collector_ipfs_api.clone();
			if !(ipfs_api.starts_with("http://") || ipfs_api.starts_with("https://")) {
				return Err("--collector-ipfs-api must be an http:// or https:// URL".into());
			}
			if !cli.collector_oem_hosts.is_empty() {
				let rust_log = std::env::var("RUST_LOG").unwrap_or_default();
				let directives =
					cli.run.shared_params.log.iter().map(String::as_str).chain([rust_log.as_str()]);
				if let Some(directive) = collector::token_leaking_directive(directives) {
					return Err(format!(
						"the log filter {directive:?} prints the headers of the collector's HTTP \
						 requests, owners' tokens among them: keep {} below debug on a node with \
						 --collector-oem-host",
						collector::TOKEN_LOG_TARGETS.join(", ")
					)
					.into());
				}
			}
			let fleet_telemetry = match (
				cli.collector_fleet_telemetry_listen,
				&cli.collector_fleet_telemetry_cert,
				&cli.collector_fleet_telemetry_key,
			) {
				(Some(listen), Some(cert), Some(key)) => {
					if cli.collector_anchor != "commitments" {
						return Err("--collector-fleet-telemetry-listen needs --collector-anchor \
						            commitments: pushed readings are committed, not anchored one \
						            by one"
							.into());
					}
					Some(collector::FleetTelemetryOptions {
						listen,
						cert: cert.clone(),
						key: key.clone(),
					})
				},
				_ => None,
			};
			let collector = collector::CollectorOptions {
				fleet_telemetry,
				ipfs_api,
				arweave_api: cli.collector_arweave_api.clone(),
				arweave_confirmations: cli.collector_arweave_confirmations,
				arweave_check_apis: cli.collector_arweave_check_api.clone(),
				settings: dimo_offchain::settings::Settings {
					oem_hosts: cli.collector_oem_hosts.clone(),
					max_answer_bytes: cli.collector_max_answer_bytes,
					keep_readings: cli.collector_keep_readings,
					commit: cli.collector_anchor == "commitments",
					keep_days: cli.collector_keep_days,
					poll_every: cli.collector_poll_every.unwrap_or(0),
				},
			};
			let runner = cli.create_runner(&cli.run)?;
			dev_keys::check(&*runner.config().chain_spec, cli.allow_dev_keys_on_live_chain)?;
			runner.run_node_until_exit(|config| async move {
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => service::new_full::<
						sc_network::NetworkWorker<
							Block,
							<Block as sp_runtime::traits::Block>::Hash,
						>,
					>(config, collector)
					.map_err(sc_cli::Error::Service),
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(config, collector)
							.map_err(sc_cli::Error::Service)
					},
				}
			})
		},
	}
}
