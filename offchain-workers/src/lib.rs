//! # DIMO offchain worker library
//!
//! What a collector's offchain worker needs besides the chain: the code is `no_std` because it
//! runs inside the runtime's `offchain_worker` hook (pallets/anchoring), where HTTP
//! goes through `sp_runtime::offchain::http` and the node's certificate checks.
//!
//! - [`record`]: the canonical, versioned record of one reading of a vehicle, the exact bytes
//!   that are stored (IPFS, Arweave) and whose CID is anchored;
//! - [`arweave`]: Arweave format-2 transactions (deep hash, data root, the signed data, the
//!   body of `POST /tx`), the outbox of uploads (queued, posted, mined; reposted when dropped)
//!   and, natively, the wallet that signs them (RSA-PSS), tested against arweave-js; the
//!   worker fills the outbox, the node's uploader posts from it;
//! - [`commitments`]: the log of the collector's commitments (the records behind each Merkle
//!   root it committed) from which it answers inclusion proofs;
//! - [`cid`]: CIDv1 (raw codec, sha2-256) computed locally, in bytes and in base32 text, and
//!   parsed from the text forms IPFS prints;
//! - [`ipfs`]: the kubo-compatible RPC client's request and the check of its answer against
//!   the locally computed CID;
//! - [`ipfs_spool`]: the archives of commitment-mode runs, written by the worker and imported
//!   into IPFS by the node's importer while the next run polls;
//! - [`push_inbox`]: the readings that OEMs pushed, written by the node's receivers and taken
//!   by the worker into the path of polled readings;
//! - [`encoding`]: base64 (HTTP Basic) and base64url (Arweave), one encoder;
//! - [`credentials`]: the owners' OEM tokens, as the node's offchain storage holds them,
//!   sealed ([`seal`]) under a key from the node's keystore;
//! - [`http`]: the transport: requests for many jobs sent at once through the node's offchain
//!   HTTP API, one deadline, bodies read up to a limit;
//! - [`oem`]: the OEM adapters (Tesla Fleet API, Smartcar): requests for data and for fresh
//!   OAuth tokens, and the reading of their answers into signals;
//! - [`envelope`]: what leaves the collector for IPFS: the reading sealed in one part per class
//!   of signals, each under its class's content key, whose CID is anchored;
//! - [`content_keys`]: each vehicle's content key per class, rotated when the class's readers
//!   change, wrapped to each reader's published encryption key;
//! - [`key_wrap`]: content keys wrapped to a reader's published X25519 key, so that the owner
//!   and each grantee open stored envelopes with their own secret, the chain and the storage
//!   alone;
//! - [`readings`]: the node-local store of each vehicle's recent readings that the gateway
//!   serves from;
//! - [`streams`]: what each stream of an access list lets its reader see of a reading;
//! - [`schedule`]: when each vehicle is polled again, and the backoff after failures;
//! - [`settings`]: what the node's operator allows its collector: the OEM hosts that may
//!   receive owners' tokens, the largest answer read, and whether readings are anchored one
//!   record each or in commitments.
//!
//! The offchain worker that drives them (job selection, offchain storage, the lock, the queue
//! and the submission of anchors) is `pallet_anchoring::offchain`.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod arweave;
pub mod car;
pub mod cid;
pub mod commitments;
pub mod content_keys;
pub mod credentials;
pub mod encoding;
pub mod envelope;
pub mod http;
pub mod ipfs;
pub mod ipfs_spool;
pub mod key_wrap;
pub mod load;
pub mod oem;
pub mod push_inbox;
pub mod readings;
pub mod record;
pub mod schedule;
pub mod seal;
pub mod settings;
pub mod streams;
