//! The collector's options on the node's command line, and what the node checks before it
//! starts a collector.
//!
//! The offchain worker (`pallet_anchoring::offchain`) reads its settings from offchain
//! storage, where [`CollectorOptions::write`] puts them at start: the IPFS API, the operator's
//! allow-list of OEM hosts ([`dimo_offchain::settings`]) and the largest answer it reads.

use dimo_offchain::settings::{normalize_host, Settings};
use sp_core::offchain::OffchainStorage;

/// The log targets that print an HTTP request's headers, and so an owner's bearer token, at
/// `debug` or `trace`: sc-offchain's HTTP client (`offchain-worker::http`).
pub const TOKEN_LOG_TARGETS: &[&str] = &["offchain-worker::http"];

/// What the node hands its collector.
#[derive(Clone, Debug)]
pub struct CollectorOptions {
	/// The Fleet Telemetry server, if the node runs one.
	pub fleet_telemetry: Option<FleetTelemetryOptions>,
	/// The IPFS RPC API readings are added to.
	pub ipfs_api: String,
	/// The Arweave gateway readings are posted to, if any ([`crate::arweave_uploader`]).
	pub arweave_api: Option<String>,
	/// The confirmations a reading's Arweave transaction needs before it is anchored.
	pub arweave_confirmations: u64,
	/// Other Arweave gateways that must also serve a reading's transaction, and count its
	/// confirmations, before it is anchored.
	pub arweave_check_apis: Vec<String>,
	/// The operator's settings.
	pub settings: Settings,
}

/// Where the Fleet Telemetry server listens, and its own certificate
/// (`--collector-fleet-telemetry-*`).
#[derive(Clone, Debug)]
pub struct FleetTelemetryOptions {
	/// The address it listens on.
	pub listen: std::net::SocketAddr,
	/// Its certificate chain (PEM).
	pub cert: std::path::PathBuf,
	/// Its private key (PEM).
	pub key: std::path::PathBuf,
}

impl CollectorOptions {
	/// Writes the options into `storage`, the node's offchain storage, where the worker reads
	/// them.
	pub fn write(&self, storage: &mut impl OffchainStorage) {
		storage.set(
			sp_offchain::STORAGE_PREFIX,
			dimo_offchain::ipfs::API_URL_KEY,
			&codec::Encode::encode(&self.ipfs_api.clone().into_bytes()),
		);
		storage.set(
			sp_offchain::STORAGE_PREFIX,
			dimo_offchain::settings::SETTINGS_KEY,
			&codec::Encode::encode(&self.settings),
		);
	}
}

/// Checks `--collector-oem-host` values and makes them allow-list entries.
pub fn parse_oem_host(host: &str) -> Result<String, String> {
	normalize_host(host).map_err(|error| {
		format!("{host:?} is not an OEM host (`name` or `name:port`, no scheme or path): {error:?}")
	})
}

/// Whether a log filter (the node's `-l` directives and `RUST_LOG`) would print the headers
/// of the offchain worker's HTTP requests: a bare `debug`/`trace`, or a directive at `debug`,
/// `trace` or no level (everything) whose target is a prefix of one of [`TOKEN_LOG_TARGETS`]
/// (the filter matches targets by prefix, so `offchain=debug` covers `offchain-worker::http`).
/// Returns the offending directive.
pub fn token_leaking_directive<'a>(
	directives: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
	let level = |text: &str| {
		let text = text.trim().to_ascii_lowercase();
		["off", "error", "warn", "info", "debug", "trace"]
			.contains(&text.as_str())
			.then_some(matches!(text.as_str(), "debug" | "trace"))
	};
	let covers = |target: &str| {
		let target = target.trim();
		TOKEN_LOG_TARGETS.iter().any(|leaky| leaky.starts_with(target))
	};
	for directive in directives.into_iter().flat_map(|list| list.split(',')) {
		let directive = directive.trim();
		if directive.is_empty() {
			continue;
		}
		let leaks = match directive.split_once('=') {
			// A level alone sets the default; a target alone enables everything of it.
			None => level(directive).unwrap_or_else(|| covers(directive)),
			Some((target, text)) => level(text).unwrap_or(true) && covers(target),
		};
		if leaks {
			return Some(directive.to_string());
		}
	}
	None
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_filters_that_print_http_headers_are_refused() {
		for leaky in [
			"debug",
			"info,offchain-worker::http=debug",
			"offchain-worker=trace",
			"offchain-worker::http=TRACE",
			"dimo::collector=info, debug",
			"offchain=debug",
			"offchain-worker::http",
		] {
			assert!(token_leaking_directive([leaky]).is_some(), "{leaky}");
		}
		for safe in [
			"",
			"info",
			"dimo::collector=debug",
			"offchain-worker::http=info",
			"sync=trace",
			"offchain-worker::httpx=debug",
			"runtime=trace,sync=debug",
		] {
			assert_eq!(token_leaking_directive([safe]), None, "{safe}");
		}
		// Spread over several -l options and RUST_LOG.
		assert!(token_leaking_directive(["info", "offchain-worker::http=debug"]).is_some());
	}

	#[test]
	fn oem_hosts_are_checked_and_lower_cased() {
		assert_eq!(parse_oem_host("Fleet-API.example.com"), Ok("fleet-api.example.com".into()));
		assert_eq!(parse_oem_host("localhost:7443"), Ok("localhost:7443".into()));
		assert!(parse_oem_host("https://fleet-api.example.com").is_err());
		assert!(parse_oem_host("localhost:0").is_err());
	}

	#[test]
	fn the_options_reach_the_workers_storage_keys() {
		let mut storage = sp_core::offchain::storage::InMemOffchainStorage::default();
		let options = CollectorOptions {
			fleet_telemetry: None,
			ipfs_api: "http://127.0.0.1:5001".into(),
			arweave_api: None,
			arweave_confirmations: 10,
			arweave_check_apis: Vec::new(),
			settings: Settings {
				oem_hosts: vec!["a.example.com".into()],
				max_answer_bytes: 7,
				keep_readings: 3,
				commit: true,
				keep_days: 2,
				poll_every: 1,
			},
		};
		options.write(&mut storage);
		let stored = storage
			.get(sp_offchain::STORAGE_PREFIX, dimo_offchain::settings::SETTINGS_KEY)
			.expect("written");
		assert_eq!(codec::Decode::decode(&mut &stored[..]), Ok(options.settings));
	}
}
