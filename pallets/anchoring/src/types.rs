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

/// The longest host name of a push feed, in bytes: a DNS name's limit.
pub const MAX_HOST_LEN: u32 = 253;

/// The longest MQTT topic prefix or Kafka topic of a push feed, in bytes (Kafka's own limit is
/// 249).
pub const MAX_TOPIC_LEN: u32 = 128;

/// The longest CA certificate of a push feed, in bytes of DER. A CA certificate with an RSA-4096
/// key and the usual extensions takes about 1.5 KiB; the bound leaves room for long names.
pub const MAX_CA_CERTIFICATE_LEN: u32 = 4096;

/// The DNS name of a push feed's host, as ASCII bytes.
pub type FeedHost = BoundedVec<u8, ConstU32<MAX_HOST_LEN>>;

/// An MQTT topic prefix or a Kafka topic, as ASCII bytes.
pub type FeedTopic = BoundedVec<u8, ConstU32<MAX_TOPIC_LEN>>;

/// An X.509 CA certificate, DER-encoded.
pub type CaCertificate = BoundedVec<u8, ConstU32<MAX_CA_CERTIFICATE_LEN>>;

/// Where and how an OEM pushes its vehicles' data, beside (or instead of) the HTTPS API that
/// collectors poll ([`OemSource`]). Governance registers it; a collector receives no other
/// feed, and every connection is TLS, checked against the DNS name and the certificate chain
/// named here.
///
/// The broker kinds (MQTT, Kafka) are servers the collector connects to: their certificate must
/// name `host` and chain to `server_ca` when one is registered (then to that CA only), else to
/// the collector's trusted roots (the system's and `SSL_CERT_FILE`, as for HTTPS). Fleet
/// Telemetry is the other way round: vehicles connect to the collector over mutual TLS, and
/// their client certificates must chain to `vehicle_ca`.
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
pub enum PushFeed {
	/// An MQTT broker, over TLS: the collector subscribes, with QoS 1, to
	/// `{topic_prefix}/{oem_ref}` for each vehicle that consents to it, where `oem_ref` is the
	/// id whose BLAKE2-256 is the vehicle's `oem_ref_hash`.
	#[serde(rename_all = "camelCase")]
	Mqtt {
		/// The adapter whose data answers the messages are (the JSON of the OEM's HTTPS API).
		api: OemApi,
		/// The broker's DNS name.
		host: FeedHost,
		/// The broker's TLS port (8883 by convention).
		port: u16,
		/// The topics' common prefix, without wildcards.
		topic_prefix: FeedTopic,
		/// The CA the broker's certificate must chain to, if not a root the collector trusts.
		server_ca: Option<CaCertificate>,
	},
	/// A Kafka topic, over TLS, consumed as a consumer group; each record's key is the
	/// vehicle's `oem_ref`.
	#[serde(rename_all = "camelCase")]
	Kafka {
		/// The adapter whose data answers the records' values are.
		api: OemApi,
		/// A bootstrap broker's DNS name.
		host: FeedHost,
		/// Its TLS port.
		port: u16,
		/// The topic.
		topic: FeedTopic,
		/// The CA the brokers' certificates must chain to, if not a root the collector trusts.
		server_ca: Option<CaCertificate>,
	},
	/// Tesla Fleet Telemetry: each vehicle opens a WebSocket to the collector over mutual TLS
	/// and streams protobuf `Payload`s; its identity (the VIN, its `oem_ref`) is its client
	/// certificate's common name.
	#[serde(rename_all = "camelCase")]
	FleetTelemetry {
		/// The CA that vehicles' client certificates must chain to.
		vehicle_ca: CaCertificate,
	},
}

/// Why a push feed may not be registered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FeedError {
	/// The host is not a DNS name (labels of letters, digits and inner `-`, 1 to 63 bytes,
	/// joined by `.`), or is `localhost` where the chain does not allow loopback sources.
	MalformedHost,
	/// The port is 0.
	BadPort,
	/// The topic is empty, or holds a byte that is not printable ASCII, or an MQTT wildcard
	/// (`+`, `#`), or starts with `$` (MQTT's system topics), or, for Kafka, a byte other than
	/// letters, digits, `.`, `_` and `-`.
	MalformedTopic,
	/// The CA certificate is not one DER `SEQUENCE` spanning exactly its bytes.
	MalformedCertificate,
}

/// Checks that `host` is a DNS name a TLS certificate can name: not an IP address (the chain
/// trusts names and their certificates), and `localhost` only where `allow_loopback`.
pub fn check_feed_host(host: &[u8], allow_loopback: bool) -> Result<(), FeedError> {
	if host == b"localhost" {
		return if allow_loopback { Ok(()) } else { Err(FeedError::MalformedHost) };
	}
	let labels_ok = !host.is_empty()
		&& host.split(|byte| *byte == b'.').all(|label| {
			(1..=63).contains(&label.len())
				&& label.iter().all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
				&& label.first() != Some(&b'-')
				&& label.last() != Some(&b'-')
		});
	// A name whose last label is all digits reads as an IPv4 address.
	let last_label_numeric = host
		.rsplit(|byte| *byte == b'.')
		.next()
		.is_some_and(|label| label.iter().all(u8::is_ascii_digit));
	if labels_ok && !last_label_numeric {
		Ok(())
	} else {
		Err(FeedError::MalformedHost)
	}
}

/// Checks a topic: an MQTT topic prefix (`kafka` false) or a Kafka topic (`kafka` true).
pub fn check_feed_topic(topic: &[u8], kafka: bool) -> Result<(), FeedError> {
	let byte_ok = |byte: &u8| {
		if kafka {
			byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-')
		} else {
			byte.is_ascii_graphic() && !matches!(byte, b'+' | b'#')
		}
	};
	if topic.is_empty() || topic.first() == Some(&b'$') || !topic.iter().all(byte_ok) {
		Err(FeedError::MalformedTopic)
	} else {
		Ok(())
	}
}

/// Checks that `der` is one DER `SEQUENCE` (what every X.509 certificate is) whose length
/// spans exactly its bytes: the outer shape only. Whether it is a CA, and valid, is for the
/// collectors' TLS stacks, which refuse a feed whose certificate they cannot use and say so.
pub fn check_ca_certificate(der: &[u8]) -> Result<(), FeedError> {
	let (&tag, rest) = der.split_first().ok_or(FeedError::MalformedCertificate)?;
	let (&first, rest) = rest.split_first().ok_or(FeedError::MalformedCertificate)?;
	if tag != 0x30 {
		return Err(FeedError::MalformedCertificate);
	}
	let (length, content) = if first < 0x80 {
		(usize::from(first), rest)
	} else {
		// The long form: the low bits count the length's bytes (a certificate of at most
		// MAX_CA_CERTIFICATE_LEN bytes needs one or two, and DER uses no more than needed).
		let count = usize::from(first & 0x7f);
		if !(1..=2).contains(&count) || rest.len() < count {
			return Err(FeedError::MalformedCertificate);
		}
		let (length_bytes, content) = rest.split_at(count);
		let length = length_bytes
			.iter()
			.fold(0usize, |acc, byte| acc.saturating_mul(256).saturating_add(usize::from(*byte)));
		if length < 0x80 || (count == 2 && length < 0x100) {
			return Err(FeedError::MalformedCertificate);
		}
		(length, content)
	};
	if length == content.len() {
		Ok(())
	} else {
		Err(FeedError::MalformedCertificate)
	}
}

/// Checks every part of `feed` ([`check_feed_host`], [`check_feed_topic`],
/// [`check_ca_certificate`], a port other than 0).
pub fn check_push_feed(feed: &PushFeed, allow_loopback: bool) -> Result<(), FeedError> {
	match feed {
		PushFeed::Mqtt { host, port, topic_prefix: topic, server_ca, .. }
		| PushFeed::Kafka { host, port, topic, server_ca, .. } => {
			check_feed_host(host, allow_loopback)?;
			if *port == 0 {
				return Err(FeedError::BadPort);
			}
			check_feed_topic(topic, matches!(feed, PushFeed::Kafka { .. }))?;
			server_ca.as_ref().map_or(Ok(()), |ca| check_ca_certificate(ca))
		},
		PushFeed::FleetTelemetry { vehicle_ca } => check_ca_certificate(vehicle_ca),
	}
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
