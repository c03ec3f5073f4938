//! The JSON-RPC methods of a collector node, beside the chain's (`super::dimo`) and the
//! gateway's (`super::gateway`):
//!
//! - [`credentials`]: `collector_setCredentials`, `collector_removeCredentials`,
//!   `collector_vehicles`, `collector_setOemClient`, `collector_removeOemClient`,
//!   `collector_setArweaveWallet`, `collector_removeArweaveWallet` (unsafe): what the operator
//!   hands the node, sealed into its offchain storage;
//! - [`attest`]: `collector_attestOwnership` (unsafe): the collector's signed word that an
//!   owner controls a car, checked with the carmaker's API;
//! - [`proof`]: `dimo_anchorProof`: the proof that a reading is in a commitment the collector
//!   made, from its log.
//!
//! What they work on (the node's HTTPS client, the sealing key, the offchain-storage formats)
//! is the collector's own code, in `offchain-workers/` (`dimo-collector`, `dimo-offchain`).

pub mod attest;
pub mod credentials;
pub mod proof;
