//! # DIMO Chain primitives
//!
//! The `no_std` types that every part of DIMO Chain agrees on: the runtime, our pallets, the
//! node and the clients that read the chain. They live here, not in the runtime, so that a
//! pallet or a client crate can name an `AccountId` or a DIMO amount without depending on the
//! whole runtime.
//!
//! [`vehicle`] holds the ids, data streams and storage backends of vehicles, and the traits
//! through which our pallets talk to each other ([`vehicle::VehicleRegistry`],
//! [`vehicle::ConsentProvider`]): a pallet never reads another pallet's storage, the runtime
//! wires one pallet's trait implementation into the other's `Config`. [`rewards`] holds the
//! traits through which the issuance pallet learns of activity, demand and transfers.
//! [`collector`] holds the key type with which collectors sign their anchors,
//! [`ownership`] what they sign to attest that an account controls a car, [`oem`] the kinds
//! of carmaker API (the one list that adding an OEM extends), [`encryption`] the public keys
//! that readers publish for the keys of stored data to be wrapped to, and [`validators`] what
//! the validator-set pallet asks of the session layer when a validator misbehaves.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod collector;
pub mod commitment;
pub mod encryption;
pub mod oem;
pub mod ownership;
pub mod rewards;
pub mod validators;
pub mod vehicle;

use sp_runtime::{
	generic,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiSignature,
};

/// An index to a block. `u32` at 6 s blocks lasts more than 800 years.
pub type BlockNumber = u32;

/// The signature scheme of transactions: sr25519, ed25519 or ecdsa, as Polkadot.js signs.
pub type Signature = MultiSignature;

/// An account on the chain: the 32-byte public key of its signing key.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// An amount of DIMO (or of an asset of pallet-assets) in its smallest unit, 10^-18 DIMO.
///
/// `u128` holds the 1,000,000,000 DIMO supply cap (10^27 units) with room to spare.
pub type Balance = u128;

/// The number of transactions an account has sent.
pub type Nonce = u32;

/// The hash of a block, of a blob of data or of anything else the chain hashes.
pub type Hash = sp_core::H256;

/// The block header: its hashing is BLAKE2-256.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;

/// The DIMO token: the chain's native currency.
///
/// DIMO is an ERC-20 with 18 decimals on Ethereum and Polygon; the chain keeps the same
/// precision so that an amount means the same thing on either side of a bridge.
pub mod currency {
	use super::Balance;

	/// The token's symbol, as wallets show it.
	pub const TOKEN_SYMBOL: &str = "DIMO";

	/// The number of decimals: one DIMO is `10^TOKEN_DECIMALS` units.
	pub const TOKEN_DECIMALS: u8 = 18;

	/// One DIMO, in units.
	pub const DIMO: Balance = 1_000_000_000_000_000_000;

	/// A thousandth of a DIMO.
	pub const MILLI_DIMO: Balance = DIMO / 1_000;

	/// A millionth of a DIMO.
	pub const MICRO_DIMO: Balance = DIMO / 1_000_000;

	/// The amount below which an account is removed from state (and its dust burnt).
	///
	/// A hundredth of a DIMO: small enough that nobody loses anything worth keeping, large
	/// enough that filling state with millions of empty accounts costs real money.
	pub const EXISTENTIAL_DEPOSIT: Balance = DIMO / 100;
}

/// The SS58 address prefix of DIMO Chain, in `frame_system` and in the chain properties.
///
/// 4242 is not taken in the SS58 registry; addresses on DIMO Chain start with a distinct
/// pair of characters so that nobody pastes a Polkadot address by mistake.
pub const SS58_PREFIX: u16 = 4242;

/// Block time: one block every 6 seconds, the slot duration of Aura.
pub mod time {
	use super::BlockNumber;

	/// The target time between two blocks, in milliseconds.
	///
	/// It cannot change once the chain runs: Aura's slot duration is fixed at genesis.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6_000;

	/// Aura's slot duration.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

	/// Blocks in a minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks in an hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks in a day.
	pub const DAYS: BlockNumber = HOURS * 24;
}
