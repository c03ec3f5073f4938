//! Command line: `dimo-node [run options]` runs a node; subcommands manage keys, chain specs,
//! the database and benchmarks.

/// The subcommands of `dimo-node`.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys (e.g. a validator's Aura and GRANDPA
	/// keys into its keystore).
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Write a chain specification (JSON) for `--chain <name>` to stdout, to edit or to share
	/// with the other validators of a network.
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification of a known chain.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Benchmarks: pallets, storage, block and extrinsic overhead, and this machine against
	/// the reference hardware.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Benchmarks: pallets, storage, block and extrinsic overhead, and this machine against
	/// the reference hardware, in a node built with `--features runtime-benchmarks`
	/// (`scripts/benchmark.sh` builds one). This build has none: the benchmark CLI doubles the
	/// node's build.
	#[cfg(not(feature = "runtime-benchmarks"))]
	Benchmark(NoBenchmarks),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}

/// `dimo-node` command line.
#[derive(Debug, clap::Parser)]
#[command(
	propagate_version = true,
	args_conflicts_with_subcommands = true,
	subcommand_negates_reqs = true,
	after_help = "Examples:\n  \
		dimo-node --dev                           a one-validator dev chain, state kept in a temp dir with --tmp\n  \
		dimo-node --chain local --alice           validator Alice of the three-validator local chain\n  \
		dimo-node build-spec --chain testnet      the testnet chain spec, to edit before launch\n  \
		dimo-node key insert --key-type aura ...  put a validator key into the keystore"
)]
pub struct Cli {
	/// A subcommand; without one, the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of a running node.
	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// The IPFS RPC API (kubo-compatible) to which this node's collector adds the readings of
	/// vehicles whose owners chose IPFS. Used only on a collector node (a registered `dcol` key
	/// in the keystore and `--offchain-worker always`, or a validator).
	#[arg(long, value_name = "URL", default_value = dimo_offchain::ipfs::DEFAULT_API_URL)]
	pub collector_ipfs_api: String,

	/// The Arweave gateway (`https://arweave.net`, or `http://127.0.0.1:1984` for a local
	/// arlocal) to which this node's collector posts the readings of vehicles whose owners chose
	/// Arweave, as transactions signed by the wallet given with `collector_setArweaveWallet`.
	/// Without it, those readings wait in the node (a few per vehicle), unanchored.
	#[arg(long, value_name = "URL", value_parser = dimo_collector::arweave_uploader::parse_gateway)]
	pub collector_arweave_api: Option<String>,

	/// How many confirmations (Arweave blocks, as the gateway counts them) a reading's
	/// transaction needs before the collector anchors it: a recent block can be orphaned, and an
	/// anchor must name a transaction that stays.
	#[arg(
		long,
		value_name = "N",
		default_value_t = dimo_offchain::arweave::outbox::DEFAULT_CONFIRMATIONS
	)]
	pub collector_arweave_confirmations: u64,

	/// Another Arweave gateway (repeat for each) that must also serve a reading's transaction,
	/// with the data posted, and count its confirmations before the collector anchors it. The
	/// collector always fetches the data back from `--collector-arweave-api` and compares its
	/// hash; a second gateway, run by someone else, also catches one that keeps the data to
	/// itself and says "mined".
	#[arg(long, value_name = "URL", value_parser = dimo_collector::arweave_uploader::parse_gateway)]
	pub collector_arweave_check_api: Vec<String>,

	/// Where the collector's Fleet Telemetry server listens for Tesla vehicles (`ADDR:PORT`; the
	/// port a vehicle's `fleet_telemetry_config` names): a WebSocket over mutual TLS, accepting
	/// only vehicles whose client certificates chain to the CA of a Fleet Telemetry feed
	/// registered on chain. Needs `--collector-fleet-telemetry-cert` and `-key`, and
	/// `--collector-anchor commitments`. Not given: no server.
	#[arg(long, value_name = "ADDR:PORT", requires_all = ["collector_fleet_telemetry_cert", "collector_fleet_telemetry_key"])]
	pub collector_fleet_telemetry_listen: Option<std::net::SocketAddr>,

	/// The Fleet Telemetry server's certificate chain (PEM, leaf first): the vehicles check it
	/// against the `ca` of their `fleet_telemetry_config`, and its name against `hostname`.
	#[arg(long, value_name = "FILE")]
	pub collector_fleet_telemetry_cert: Option<std::path::PathBuf>,

	/// The Fleet Telemetry server's private key (PEM).
	#[arg(long, value_name = "FILE")]
	pub collector_fleet_telemetry_key: Option<std::path::PathBuf>,

	/// An OEM host (`name` or `name:port`) to which this node's collector may send owners'
	/// tokens; repeat for each. A source that governance registered on a host not listed here
	/// is never contacted (logged). None listed: the collector polls no OEM. A node with a host
	/// listed refuses to start with a log filter that prints HTTP headers
	/// (`offchain-worker::http` at debug or trace).
	#[arg(
		long = "collector-oem-host",
		value_name = "HOST[:PORT]",
		value_parser = dimo_collector::options::parse_oem_host
	)]
	pub collector_oem_hosts: Vec<String>,

	/// The largest answer body, in bytes, that the collector reads from an OEM or IPFS; a
	/// larger one is refused and the vehicle backed off (at most 16 MiB).
	#[arg(
		long,
		value_name = "BYTES",
		default_value_t = dimo_offchain::settings::DEFAULT_MAX_ANSWER_BYTES,
		value_parser = clap::value_parser!(u32)
			.range(1..=i64::from(dimo_offchain::settings::MAX_MAX_ANSWER_BYTES))
	)]
	pub collector_max_answer_bytes: u32,

	/// How many readings of each vehicle the collector keeps for its gateway
	/// (`dimo_readStream`, `dimo_subscribeStream`): the last N, sealed in the node's offchain
	/// storage (at most 10,000).
	#[arg(
		long,
		value_name = "N",
		default_value_t = dimo_offchain::readings::DEFAULT_KEEP_READINGS,
		value_parser = clap::value_parser!(u32)
			.range(1..=i64::from(dimo_offchain::readings::MAX_KEEP_READINGS))
	)]
	pub collector_keep_readings: u32,

	/// How many days the collector keeps each reading it collected in its history, after the
	/// last N of `--collector-keep-readings` have moved on (at most 3,650). The gateway serves
	/// them: a `Local` vehicle's from this node (nothing else holds them), an IPFS vehicle's
	/// read back from IPFS by the envelope's CID. See docs/collector.md.
	#[arg(
		long,
		value_name = "DAYS",
		default_value_t = dimo_offchain::readings::DEFAULT_KEEP_DAYS,
		value_parser = clap::value_parser!(u32)
			.range(1..=i64::from(dimo_offchain::readings::MAX_KEEP_DAYS))
	)]
	pub collector_keep_days: u32,

	/// Every how many blocks the collector polls each vehicle, instead of the chain's
	/// `PollEvery` (5 blocks, 30 s): more often where an OEM's terms allow it, less to spare
	/// its quota (at least 1, at most 100).
	#[arg(long, value_name = "BLOCKS", value_parser = clap::value_parser!(u32).range(1..=100))]
	pub collector_poll_every: Option<u32>,

	/// How the collector anchors its readings: `records` (one anchor record each, in a batch:
	/// in state and in events, counted as activity at once) or `commitments` (each run's
	/// readings under one Merkle root, the records kept by this node, which answers
	/// `dimo_anchorProof`: for a fleet of any size).
	#[arg(long, value_name = "MODE", default_value = "records", value_parser = ["records", "commitments"])]
	pub collector_anchor: String,

	/// Start even if the chain is `Live` and its genesis makes well-known dev keys (//Alice,
	/// //Bob, ...) authorities or technical committee members. Without it the node refuses:
	/// anyone can sign with those keys.
	#[arg(long)]
	pub allow_dev_keys_on_live_chain: bool,
}

/// The arguments of `benchmark` in a build without the benchmark CLI: whatever they are, the
/// command says how to get a build that has it.
#[cfg(not(feature = "runtime-benchmarks"))]
#[derive(Debug, clap::Args)]
pub struct NoBenchmarks {
	/// The benchmark and its options.
	#[arg(trailing_var_arg = true, allow_hyphen_values = true)]
	pub args: Vec<String>,
}
