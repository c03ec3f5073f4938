//! `dimo_anchorProof`: a collector's proof that one reading of a vehicle is in a commitment it
//! made on chain.
//!
//! A collector that anchors in commitments (`--collector-anchor commitments`) keeps the records
//! behind each root in its offchain storage ([`dimo_offchain::commitments`]); this method reads
//! them and rebuilds the proof, so that anyone can check it: against the root on chain with the
//! runtime API (`api.call.anchoringApi.verifyCommitted(collector, commitment, record, proof)`,
//! which also checks the owner's consent), or without the chain's code with the algorithm
//! `dimo_primitives::commitment` documents. The answer's `record` and `proof` are in the shapes
//! that call and `anchoring.claimActivity` take. A safe method: what it answers (a vehicle's
//! content ids and windows) is what per-record anchoring puts in public state.

use std::sync::Arc;

use codec::Decode;
use dimo_offchain::commitments::{self, commitment_key, vehicle_key, Committed, LoggedCommitment};
use dimo_primitives::{
	collector::{CollectorId, COLLECTOR_KEY_TYPE},
	vehicle::{StorageBackend, VehicleId},
	AccountId, BlockNumber,
};
use dimo_runtime::opaque::Block;
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use pallet_anchoring_runtime_api::AnchoringApi;
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{offchain::OffchainStorage, H256};
use sp_keystore::{Keystore, KeystorePtr};

use crate::rpc::error::{
	error, BAD_COMMITMENT_LOG, NO_COLLECTOR_KEY, NO_OFFCHAIN_STORAGE, RUNTIME_ERROR,
};

/// A committed record, as the runtime API and `claimActivity` take it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommittedRecordJson {
	/// The vehicle.
	pub vehicle: VehicleId,
	/// Its place among the vehicle's committed readings.
	pub seq: u64,
	/// The envelope's content id, hex.
	pub cid: String,
	/// The envelope's content id in base32 text, as IPFS prints it.
	pub cid_text: String,
	/// The envelope's size, in bytes.
	pub size: u32,
	/// Where the envelope is: `Local`, `Ipfs` or `Arweave` (the runtime type's variant names).
	pub backend: &'static str,
	/// The Arweave transaction that holds it, hex, if on Arweave.
	pub arweave_tx: Option<String>,
	/// The start of the observed window, Unix ms.
	pub observed_from: u64,
	/// The end of the observed window, Unix ms.
	pub observed_to: u64,
}

/// An inclusion proof: the leaf's index, the tree's size, the siblings bottom up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProofJson {
	/// The leaf's index.
	pub leaf_index: u32,
	/// How many leaves the tree has.
	pub leaf_count: u32,
	/// The sibling hashes, hex, bottom up.
	pub siblings: Vec<String>,
}

/// Where a committed record's envelope lies when it is on IPFS: a block of its commitment's
/// archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveJson {
	/// The archive's root CID (DAG-CBOR), hex: what the commitment names on chain
	/// (`anchoring.commitmentArchives(collector, commitment)`).
	pub root: String,
	/// The same in base32 text, as IPFS prints it.
	pub root_text: String,
}

/// The answer of `dimo_anchorProof`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnchorProofJson {
	/// The account of the collector that committed it.
	pub collector: AccountId,
	/// The commitment's index among the collector's.
	pub commitment: u64,
	/// The commitment's root, hex.
	pub root: String,
	/// The block that took the commitment, if the best block's state still holds it (not
	/// submitted yet, or older than the commitments the chain keeps: `null`).
	pub committed_at: Option<BlockNumber>,
	/// The record.
	pub record: CommittedRecordJson,
	/// The IPFS archive that holds the record's envelope (a block under `record.cid`), if the
	/// record is on IPFS and the commitment names an archive (commitments made before spec 105
	/// name none: their envelopes were added one by one).
	pub archive: Option<ArchiveJson>,
	/// The Arweave transaction (hex) of the ANS-104 bundle that holds the record's envelope (a
	/// data item under `record.arweaveTx`), if the record is on Arweave and the commitment names
	/// a bundle (commitments made before spec 107 name none: their envelopes were posted one
	/// transaction each).
	pub arweave_bundle: Option<String>,
	/// Its proof.
	pub proof: ProofJson,
}

fn hex(bytes: &[u8]) -> String {
	format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&bytes))
}

/// The `dimo_anchorProof` method.
#[rpc(server)]
pub trait AnchorProofApi {
	/// The proof that reading `seq` of `vehicle` (its latest committed one if `null`) is in a
	/// commitment this node's collector made; `null` if this node committed no such reading (or
	/// no longer keeps it: the newest 144 readings of a vehicle, the last 14,400 commitments).
	#[method(name = "dimo_anchorProof")]
	fn anchor_proof(
		&self,
		vehicle: VehicleId,
		seq: Option<u64>,
	) -> RpcResult<Option<AnchorProofJson>>;
}

/// The server of `dimo_anchorProof`.
pub struct AnchorProofs<C, S> {
	client: Arc<C>,
	storage: Option<S>,
	keystore: KeystorePtr,
}

impl<C, S> AnchorProofs<C, S> {
	/// The method, over the node's `client`, offchain `storage` and `keystore`.
	pub fn new(client: Arc<C>, storage: Option<S>, keystore: KeystorePtr) -> Self {
		Self { client, storage, keystore }
	}
}

impl<C, S> AnchorProofs<C, S>
where
	S: OffchainStorage,
{
	fn read<V: Decode>(&self, key: &[u8]) -> RpcResult<Option<V>> {
		let storage = self
			.storage
			.as_ref()
			.ok_or_else(|| error(NO_OFFCHAIN_STORAGE, "the node runs without offchain storage"))?;
		storage
			.get(sp_offchain::STORAGE_PREFIX, key)
			.map(|bytes| V::decode(&mut &bytes[..]))
			.transpose()
			.map_err(|e| {
				error(BAD_COMMITMENT_LOG, format!("the collector's log does not decode: {e}"))
			})
	}
}

impl<C, S> AnchorProofApiServer for AnchorProofs<C, S>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: AnchoringApi<Block, AccountId, BlockNumber, CollectorId>,
	S: OffchainStorage + 'static,
{
	fn anchor_proof(
		&self,
		vehicle: VehicleId,
		seq: Option<u64>,
	) -> RpcResult<Option<AnchorProofJson>> {
		let index: Vec<Committed> = self.read(&vehicle_key(vehicle))?.unwrap_or_default();
		let entry = match seq {
			Some(seq) => index.iter().find(|entry| entry.seq == seq),
			None => index.last(),
		};
		let Some(entry) = entry.copied() else { return Ok(None) };
		let Some(logged) = self.read::<LoggedCommitment>(&commitment_key(entry.commitment))? else {
			return Ok(None);
		};
		let Some((record, proof)) = commitments::proof(&logged, entry.leaf) else {
			return Ok(None);
		};

		let best = self.client.info().best_hash;
		let api = self.client.runtime_api();
		let runtime_error = |e: sp_api::ApiError| error(RUNTIME_ERROR, e.to_string());
		let registered = api.collectors(best).map_err(runtime_error)?;
		let keys = self.keystore.sr25519_public_keys(COLLECTOR_KEY_TYPE);
		let collector = registered
			.into_iter()
			.find(|(key, _)| keys.iter().any(|public| CollectorId::from(*public) == *key))
			.map(|(_, info)| info.account)
			.ok_or_else(|| {
				error(
					NO_COLLECTOR_KEY,
					"the keystore holds no `dcol` key of a registered collector",
				)
			})?;
		let root: H256 = logged.root();
		let committed_at = api
			.commitment(best, collector.clone(), entry.commitment)
			.map_err(runtime_error)?
			.filter(|info| info.root == root)
			.map(|info| info.committed_at);
		let backend = match record.backend {
			StorageBackend::Local => "Local",
			StorageBackend::Ipfs => "Ipfs",
			StorageBackend::Arweave => "Arweave",
		};
		let archive =
			logged.archive.as_ref().filter(|_| record.backend == StorageBackend::Ipfs).map(
				|root| ArchiveJson {
					root: hex(root),
					root_text: dimo_offchain::cid::multibase32(root),
				},
			);
		Ok(Some(AnchorProofJson {
			collector,
			commitment: entry.commitment,
			root: hex(root.as_bytes()),
			committed_at,
			record: CommittedRecordJson {
				vehicle: record.vehicle,
				seq: record.seq,
				cid: hex(&record.cid),
				cid_text: dimo_offchain::cid::multibase32(&record.cid),
				size: record.size,
				backend,
				arweave_tx: record.arweave_tx.map(|id| hex(&id)),
				observed_from: record.observed_from,
				observed_to: record.observed_to,
			},
			archive,
			arweave_bundle: logged
				.arweave_bundle
				.filter(|_| record.backend == StorageBackend::Arweave)
				.map(|bundle| hex(&bundle)),
			proof: ProofJson {
				leaf_index: proof.leaf_index,
				leaf_count: proof.leaf_count,
				siblings: proof.siblings.iter().map(|sibling| hex(sibling.as_bytes())).collect(),
			},
		}))
	}
}
