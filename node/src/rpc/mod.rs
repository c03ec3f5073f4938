//! The node's own JSON-RPC methods, merged into the server that `sc-service` runs next to the
//! standard ones (`chain_*`, `state_*`, `author_*`, `system_*`, ...).
//!
//! This module only merges modules. Each chain query calls a runtime API at the block the
//! caller names, so its answer is the runtime's; the one exception, `dimo_canRead`, reads
//! three storage entries natively through [`dimo::state`], which lists them. Errors come
//! from one table of codes, [`error`].
//!
//! - `system_accountNextIndex`: the next nonce of an account, counting the transaction pool;
//! - `payment_queryInfo`, `payment_queryFeeDetails`: the fee of an extrinsic before it is sent;
//! - `dimo_vehiclesOf`, `dimo_vehicle`, `dimo_canRead`, `dimo_grants`, `dimo_consents`: vehicles
//!   and who may read their data; `dimo_issuance`, `dimo_pendingRewards`: the emission and
//!   rewards; `dimo_anchors`, `dimo_collectors`, `dimo_oemSources`: the anchors of vehicle
//!   data and their registries ([`dimo`], one module per pallet);
//! - `dimo_anchorProof`: a collector's proof that a reading is in a commitment it made
//!   ([`collector::proof`]);
//! - `dimo_readStream`, `dimo_subscribeStream`: the gateway, through which owners and
//!   grantees read the readings the node collected, reduced to their streams ([`gateway`]);
//! - `collector_setCredentials`, `collector_removeCredentials`, `collector_vehicles` (unsafe):
//!   the OEM credentials a collector holds, in the node's offchain storage
//!   ([`collector::credentials`]);
//! - `collector_attestOwnership` (unsafe): the collector's signed word that an owner controls
//!   a car, checked with the carmaker's API ([`collector::attest`]).

pub mod collector;
pub mod dimo;
pub mod error;
pub mod gateway;

use std::sync::Arc;

use dimo_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use jsonrpsee::RpcModule;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

/// What the RPC methods need from the node.
pub struct FullDeps<C, P, S> {
	/// The client, to call runtime APIs.
	pub client: Arc<C>,
	/// The transaction pool, for nonces that count pending transactions.
	pub pool: Arc<P>,
	/// The node's offchain storage, where a collector keeps OEM credentials.
	pub offchain_storage: Option<S>,
	/// The node's keystore, which holds the key that seals those credentials.
	pub keystore: sp_keystore::KeystorePtr,
	/// Where the gateway's subscriptions run.
	pub spawn: sc_service::SpawnTaskHandle,
	/// The collector's settings (allowed OEM hosts, answer size), for ownership attestations.
	pub collector_settings: dimo_offchain::settings::Settings,
}

/// Builds every node-specific RPC module.
pub fn create_full<C, P, S>(
	deps: FullDeps<C, P, S>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ sc_client_api::BlockchainEvents<Block>
		+ sp_api::CallApiAt<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	C::Api: pallet_vehicles_runtime_api::VehiclesApi<Block, AccountId, Balance, BlockNumber>,
	C::Api: pallet_data_access_runtime_api::DataAccessApi<Block, AccountId, BlockNumber>,
	C::Api: pallet_issuance_runtime_api::IssuanceApi<Block, AccountId, BlockNumber>,
	C::Api: pallet_anchoring_runtime_api::AnchoringApi<
		Block,
		AccountId,
		BlockNumber,
		dimo_primitives::collector::CollectorId,
	>,
	P: TransactionPool + 'static,
	S: sp_core::offchain::OffchainStorage + 'static,
{
	use collector::{
		attest::{AttestApiServer, Attestor},
		credentials::{Collector, CollectorApiServer},
		proof::{AnchorProofApiServer, AnchorProofs},
	};
	use dimo::{
		anchoring::AnchoringRpcServer, data_access::DataAccessRpcServer,
		issuance::IssuanceRpcServer, vehicles::VehiclesRpcServer, Dimo,
	};
	use gateway::{Gateway, StreamApiServer};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, offchain_storage, keystore, spawn, collector_settings } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	// One server for the four pallets' `dimo_*` traits.
	module.merge(VehiclesRpcServer::into_rpc(Dimo::new(client.clone())))?;
	module.merge(DataAccessRpcServer::into_rpc(Dimo::new(client.clone())))?;
	module.merge(IssuanceRpcServer::into_rpc(Dimo::new(client.clone())))?;
	module.merge(AnchoringRpcServer::into_rpc(Dimo::new(client.clone())))?;
	module
		.merge(Attestor::new(client.clone(), keystore.clone(), collector_settings)?.into_rpc())?;
	module.merge(
		AnchorProofs::new(client.clone(), offchain_storage.clone(), keystore.clone()).into_rpc(),
	)?;
	module.merge(
		Gateway::new(client, offchain_storage.clone(), keystore.clone(), spawn).into_rpc(),
	)?;
	module.merge(Collector::new(offchain_storage, keystore).into_rpc())?;

	Ok(module)
}
