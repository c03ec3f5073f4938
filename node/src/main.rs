//! `dimo-node`: the DIMO Chain node.
//!
//! One binary for every role: a validator (Aura authoring, GRANDPA finality), an RPC node for
//! Polkadot.js and other clients, and (in later issues) a data collector whose offchain worker
//! polls the carmakers' APIs.

mod benchmarking;
mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
