//! `dimo-node`: the DIMO Chain node.
//!
//! One binary for every role: a validator (Aura authoring, GRANDPA finality), an RPC node for
//! Polkadot.js and other clients, and a data collector whose offchain worker polls the
//! carmakers' APIs, stores the readings and anchors them (`--collector-*` options).

// `sc_cli::Error` and `sc_service::Error` are polkadot-sdk's own error types, returned by the
// service builders we call; their size is not ours to change.
#![allow(clippy::result_large_err)]

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod chain_spec;
mod cli;
mod command;
mod dev_keys;
mod push_receivers;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
