//! # DIMO collector: the node-side services
//!
//! What a collector node runs natively, beside the runtime's offchain worker
//! (`pallet_anchoring::offchain`), which cannot hold connections or keys:
//!
//! - [`options`]: the collector's command-line options, written into offchain storage for the
//!   worker at start, and the check that no log filter prints an owner's token;
//! - [`https`]: the node's own HTTPS client (trust store: native roots or `SSL_CERT_FILE`),
//!   with which `collector_attestOwnership` asks carmakers and the uploader posts;
//! - [`arweave_uploader`]: posts the worker's Arweave outbox as signed transactions and follows
//!   them until mined (a task spawned from the node's service);
//! - [`ipfs_importer`]: imports into IPFS the archives that the worker's commitment-mode runs
//!   spooled, while the next run polls (a task spawned from the node's service);
//! - [`fleet_telemetry`]: the server Tesla vehicles stream to (Fleet Telemetry: a WebSocket over
//!   mutual TLS), which writes what they send to the push inbox before it acknowledges it;
//! - [`kafka`]: the receiver of an OEM's Kafka push feed, a consumer group that commits its
//!   offsets only once what it read is in the push inbox (a task per registered feed);
//! - [`mqtt`]: the receiver of an OEM's MQTT push feed, which writes what it receives to the
//!   push inbox before it acknowledges it (a task per registered feed, spawned from the node);
//! - [`push_inbox`]: the receivers' side of the push inbox: pushed readings appended to the
//!   node's offchain storage before they are acknowledged, for the worker to commit;
//! - [`seal_key`]: the node's sealing key, from its keystore;
//! - [`kept_readings`]: the store of readings that the gateway (`dimo_readStream`,
//!   `dimo_subscribeStream`) serves from: the ring of recent ones, the history, and the IPFS
//!   read-back of the history's envelopes.
//!
//! The library they share with the worker (records, envelopes, CIDs, the OEM adapters, the
//! outbox's format) is `dimo-offchain`, one folder up; the node only wires these in
//! (`node/src/service.rs`, `node/src/rpc/`).

#![deny(missing_docs)]

pub mod arweave_uploader;
pub mod fleet_telemetry;
pub mod https;
pub mod ipfs_importer;
pub mod kafka;
pub mod kept_readings;
pub mod mqtt;
pub mod options;
pub mod push_inbox;
pub mod seal_key;
#[cfg(test)]
mod test_broker;
#[cfg(test)]
mod test_storage;

pub use seal_key::node_seal_key;

/// The wall clock in unix milliseconds, as the worker's offchain timestamps count (0 before
/// 1970).
pub fn now_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|since| since.as_millis() as u64)
		.unwrap_or(0)
}
