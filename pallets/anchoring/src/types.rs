//! The records of the anchoring pallet: collectors, OEM sources, anchors and the batches in
//! which collectors submit them.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use dimo_primitives::vehicle::{StorageBackend, VehicleId};
use frame_support::{
	traits::ConstU32, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

/// The longest content id, in bytes. A CIDv1 with a sha2-256 digest takes 36 (version, codec,
/// hash code, digest length, digest); the bound leaves room for codecs with longer varints.
pub const MAX_CID_LEN: u32 = 64;

/// The longest URL of an OEM source, in bytes.
pub const MAX_URL_LEN: u32 = 256;

/// A content id: the bytes of a CIDv1 whose multihash is sha2-256.
pub type ContentId = BoundedVec<u8, ConstU32<MAX_CID_LEN>>;

/// A URL of an OEM source, as ASCII bytes.
pub type SourceUrl = BoundedVec<u8, ConstU32<MAX_URL_LEN>>;

/// What the signature of a batch covers, before the chain's genesis hash and the batch: a
/// signature made for anything else (another pallet, another purpose) never passes for a batch.
pub const BATCH_SIGNING_CONTEXT: &[u8] = b"dimo/anchor-batch/v1";

/// What the signature of a commitment covers, before the chain's genesis hash and the
/// commitment.
pub const COMMITMENT_SIGNING_CONTEXT: &[u8] = b"dimo/anchor-commitment/v1";

pub use dimo_primitives::commitment::{CommittedRecord, Proof};
pub use dimo_primitives::oem::OemApi;

/// Where a collector reaches an OEM's API. Governance registers it; a collector polls no other
/// host.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct OemSource {
	/// The adapter that speaks to it.
	pub api: OemApi,
	/// The base URL of its data API, e.g. `https://fleet-api.prd.na.vn.cloud.tesla.com`.
	pub api_base_url: SourceUrl,
	/// The URL of its OAuth2 token endpoint, where refresh tokens are exchanged.
	pub auth_url: SourceUrl,
}

/// A registered collector.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct CollectorInfo<AccountId, BlockNumber> {
	/// The account that its key spells: what vehicle owners consent to.
	pub account: AccountId,
	/// The block in which governance registered it.
	pub registered_at: BlockNumber,
}

/// One reading of a vehicle, as a collector submits it.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct AnchorRecord {
	/// The vehicle that was read.
	pub vehicle: VehicleId,
	/// The content id of the record's bytes (the canonical record of `dimo-offchain`).
	pub cid: ContentId,
	/// The record's size, in bytes.
	pub size: u32,
	/// Where the record was put: it must be where the owner allows.
	pub backend: StorageBackend,
	/// The Arweave transaction that holds the record, exactly when `backend` is Arweave: anyone
	/// fetches it from any Arweave gateway by this id.
	pub arweave_tx: Option<ArweaveTxId>,
	/// The start of the observed window, in Unix milliseconds.
	pub observed_from: u64,
	/// The end of the observed window, in Unix milliseconds.
	pub observed_to: u64,
}

/// The id of an Arweave transaction: the SHA-256 of its signature (printed in base64url).
pub type ArweaveTxId = [u8; 32];

/// A batch of records, signed as a whole by the collector that submits it.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxRecords))]
pub struct AnchorBatch<CollectorId, MaxRecords>
where
	CollectorId: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxRecords: frame_support::traits::Get<u32>,
{
	/// The collector's public key.
	pub collector: CollectorId,
	/// The records, at most one per vehicle, in ascending order of vehicle id.
	pub records: BoundedVec<AnchorRecord, MaxRecords>,
}

impl<CollectorId, MaxRecords> AnchorBatch<CollectorId, MaxRecords>
where
	CollectorId: Clone + PartialEq + Eq + core::fmt::Debug + Encode,
	MaxRecords: frame_support::traits::Get<u32>,
{
	/// The bytes that the collector signs: [`BATCH_SIGNING_CONTEXT`], the chain's genesis
	/// hash (so that a batch signed for one chain is no good on another) and the batch.
	pub fn signing_payload(&self, genesis_hash: &impl Encode) -> alloc::vec::Vec<u8> {
		(BATCH_SIGNING_CONTEXT, genesis_hash, self).encode()
	}
}

/// An anchor, as kept in state.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Anchor<AccountId, BlockNumber> {
	/// Its sequence number among the anchors of its vehicle, from 0.
	pub seq: u64,
	/// The account of the collector that anchored it.
	pub collector: AccountId,
	/// The record's content id.
	pub cid: ContentId,
	/// The record's size, in bytes.
	pub size: u32,
	/// Where the record was put.
	pub backend: StorageBackend,
	/// The Arweave transaction that holds it, if it is on Arweave.
	pub arweave_tx: Option<ArweaveTxId>,
	/// The start of the observed window, in Unix milliseconds.
	pub observed_from: u64,
	/// The end of the observed window, in Unix milliseconds.
	pub observed_to: u64,
	/// The block in which it was anchored.
	pub anchored_at: BlockNumber,
}

/// A commitment as a collector submits it: the root of the Merkle tree over the records of one
/// window ([`dimo_primitives::commitment`] says how the tree is built and proofs checked).
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Commitment<CollectorId> {
	/// The collector's public key.
	pub collector: CollectorId,
	/// Its place among the collector's commitments, from 0: each one names the next.
	pub index: u64,
	/// The root of the tree.
	pub root: dimo_primitives::commitment::H256,
	/// How many records (leaves) the tree has.
	pub leaf_count: u32,
	/// The start of the window that every record's observed window lies in, Unix ms.
	pub window_from: u64,
	/// The end of that window, Unix ms.
	pub window_to: u64,
	/// The root (a CIDv1 DAG-CBOR, sha2-256) of the IPFS archive that holds the envelopes of
	/// its IPFS records, each a block under the CID its leaf names (`dimo_offchain::car` says
	/// how the archive is built); `None` if none of its records is on IPFS. Records on Arweave
	/// name their data item (or transaction) in their leaves; `Local` ones stay with the
	/// collector.
	pub archive: Option<ContentId>,
	/// The Arweave transaction of the ANS-104 bundle that holds the envelopes of its Arweave
	/// records, each a data item under the id its leaf names; `None` if none of its records is
	/// in a bundle. A commitment takes the Arweave records of one bundle at most.
	pub arweave_bundle: Option<[u8; 32]>,
}

impl<CollectorId: Encode> Commitment<CollectorId> {
	/// The bytes that the collector signs: [`COMMITMENT_SIGNING_CONTEXT`], the chain's genesis
	/// hash and the commitment.
	pub fn signing_payload(&self, genesis_hash: &impl Encode) -> alloc::vec::Vec<u8> {
		(COMMITMENT_SIGNING_CONTEXT, genesis_hash, self).encode()
	}
}

/// A commitment as kept in state.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct CommitmentInfo<BlockNumber> {
	/// The root of the tree.
	pub root: dimo_primitives::commitment::H256,
	/// How many records the tree has.
	pub leaf_count: u32,
	/// The start of the window of its records, Unix ms.
	pub window_from: u64,
	/// The end of the window of its records, Unix ms.
	pub window_to: u64,
	/// The block that took it: the collector's consent is checked at this block.
	pub committed_at: BlockNumber,
}

/// Where a collector's commitments stand.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct CommitmentHead {
	/// The index of its next commitment: how many it made.
	pub next_index: u64,
}

/// Why a committed record is not proved, as the runtime API answers it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum ProofError {
	/// The collector has no commitment with this index in state: never made, or older than
	/// the commitments kept (its root is still in the `Committed` event of its block).
	UnknownCommitment,
	/// The proof does not lead from the record to the commitment's root, or names another
	/// number of leaves.
	BadProof,
	/// The record's observed window ends before it starts.
	BadWindow,
	/// The record's observed window is not inside the commitment's.
	OutsideCommitmentWindow,
	/// The record's content id is not a CIDv1 with a sha2-256 digest.
	MalformedCid,
	/// A record on Arweave names no Arweave transaction, or a record elsewhere names one.
	ArweaveTxMismatch,
	/// No vehicle has this id (now).
	UnknownVehicle,
	/// At the commitment's block, the vehicle's owner had not let the collector collect it
	/// onto the record's backend.
	NotConsented,
	/// The vehicle's consent history no longer reaches back to the commitment's block.
	ConsentForgotten,
}

/// Where a vehicle's anchors stand: the next sequence number and the end of the last window.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct AnchorHead {
	/// The sequence number of the vehicle's next anchor: the number of its anchors so far.
	pub next_seq: u64,
	/// The end of the window of its last anchor, in Unix milliseconds.
	pub last_observed_to: u64,
}

/// Why a URL may not be an OEM source.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UrlError {
	/// It is not `https://host[:port][/path]` with a plain host name or address.
	Malformed,
	/// It is plain `http://`, allowed only to loopback and only where the chain allows it.
	Insecure,
}

/// Checks that `url` may be an OEM source: `https://` with a plain host (letters, digits, `.`
/// and `-`), an optional port and an optional path of printable ASCII; or, only if
/// `allow_loopback_http`, `http://127.0.0.1` or `http://localhost` with the same shape.
/// User info (`user@host`) is refused: it would hide the real host from a reader.
pub fn check_source_url(url: &[u8], allow_loopback_http: bool) -> Result<(), UrlError> {
	let (rest, secure) = if let Some(rest) = url.strip_prefix(b"https://") {
		(rest, true)
	} else if let Some(rest) = url.strip_prefix(b"http://") {
		(rest, false)
	} else {
		return Err(UrlError::Malformed);
	};
	let authority_len = rest.iter().position(|byte| *byte == b'/').unwrap_or(rest.len());
	let (authority, path) = rest.split_at(authority_len);
	if !path.iter().all(|byte| byte.is_ascii_graphic()) {
		return Err(UrlError::Malformed);
	}
	let (host, port) = match authority.iter().position(|byte| *byte == b':') {
		Some(colon) => (&authority[..colon], Some(&authority[colon + 1..])),
		None => (authority, None),
	};
	let host_ok = !host.is_empty()
		&& host.iter().all(|byte| byte.is_ascii_alphanumeric() || *byte == b'.' || *byte == b'-');
	let port_ok = port.is_none_or(|port| {
		(1..=5).contains(&port.len()) && port.iter().all(|byte| byte.is_ascii_digit())
	});
	if !host_ok || !port_ok {
		return Err(UrlError::Malformed);
	}
	if secure {
		return Ok(());
	}
	let loopback = host == b"127.0.0.1" || host == b"localhost";
	if allow_loopback_http && loopback {
		Ok(())
	} else {
		Err(UrlError::Insecure)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_https_sources_outside_loopback_dev_chains() {
		for url in [
			&b"https://fleet-api.prd.na.vn.cloud.tesla.com"[..],
			b"https://api.smartcar.com/v2.0",
			b"https://localhost:8443/tesla",
			b"https://127.0.0.1:8443",
		] {
			assert_eq!(check_source_url(url, false), Ok(()), "{}", String::from_utf8_lossy(url));
		}
		assert_eq!(check_source_url(b"http://127.0.0.1:8080", false), Err(UrlError::Insecure));
		assert_eq!(check_source_url(b"http://127.0.0.1:8080", true), Ok(()));
		assert_eq!(check_source_url(b"http://localhost/x", true), Ok(()));
		assert_eq!(check_source_url(b"http://api.example.com", true), Err(UrlError::Insecure));
		for url in [
			&b"ftp://example.com"[..],
			b"https://",
			b"https://user@evil.example/",
			b"https://host:99999999",
			b"https://host:",
			b"https://host/a path",
			b"HTTPS://example.com",
			b"https://exa_mple.com",
		] {
			assert_eq!(
				check_source_url(url, true),
				Err(UrlError::Malformed),
				"{}",
				String::from_utf8_lossy(url)
			);
		}
	}
}
