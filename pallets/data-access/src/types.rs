//! The records of the access lists, as stored and as the runtime API returns them.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use dimo_primitives::vehicle::Stream;
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;

/// The most streams a set can hold: each stream once.
pub type MaxStreams = ConstU32<{ Stream::COUNT }>;

/// One stream and until when it may be read.
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
pub struct StreamExpiry<BlockNumber> {
	/// The stream.
	pub stream: Stream,
	/// The first block at which it may no longer be read; `None`: no expiry.
	pub until: Option<BlockNumber>,
}

impl<BlockNumber: PartialOrd> StreamExpiry<BlockNumber> {
	/// Whether the stream may be read at block `at`.
	pub fn is_live_at(&self, at: &BlockNumber) -> bool {
		self.until.as_ref().is_none_or(|until| at < until)
	}
}

/// A set of streams, each with its expiry, each at most once.
pub type StreamAccess<BlockNumber> = BoundedVec<StreamExpiry<BlockNumber>, MaxStreams>;

/// The grant entry of a (vehicle, grantee) pair.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Grant<AccountId, Balance, BlockNumber> {
	/// The vehicle's ownership version when the entry was made: the entry gives access only
	/// while it is still the vehicle's.
	pub ownership_version: u32,
	/// The streams granted, with their expiries. Expired ones are dropped whenever the entry
	/// is written.
	pub streams: StreamAccess<BlockNumber>,
	/// The account that paid the deposit, and gets it back when the entry is removed.
	pub payer: AccountId,
	/// The deposit held from `payer`.
	pub deposit: Balance,
	/// Whether the grantee was a registered data consumer when the entry was made: such an
	/// entry counts as demand for the vehicle's data (pallets/issuance) while it exists.
	pub counts_as_demand: bool,
}

/// The admins of a vehicle.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	frame_support::DefaultNoBound,
)]
#[scale_info(skip_type_params(MaxAdmins))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct AdminList<AccountId, MaxAdmins: frame_support::traits::Get<u32>> {
	/// The vehicle's ownership version when the list was written.
	pub ownership_version: u32,
	/// The admins.
	pub admins: BoundedVec<AccountId, MaxAdmins>,
}

/// The grantees of a vehicle under one ownership version: the index that lets the access list
/// be read without walking the entries that earlier owners left.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	frame_support::DefaultNoBound,
)]
#[scale_info(skip_type_params(MaxGrantees))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct GranteeList<AccountId, MaxGrantees: frame_support::traits::Get<u32>> {
	/// The vehicle's ownership version when the list was written.
	pub ownership_version: u32,
	/// The accounts with an entry of that version, in the order they got it.
	pub grantees: BoundedVec<AccountId, MaxGrantees>,
}

/// The public streams of a vehicle.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct PublicAccess<BlockNumber> {
	/// The vehicle's ownership version when the set was written.
	pub ownership_version: u32,
	/// The public streams, with their expiries.
	pub streams: StreamAccess<BlockNumber>,
}

/// A number of entries, valid for one ownership version of a vehicle.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct VersionedCount {
	/// The ownership version that `count` is about.
	pub ownership_version: u32,
	/// The number of entries.
	pub count: u32,
	/// How many of them were made for registered data consumers: the vehicle's demand.
	pub consumers: u32,
}

impl VersionedCount {
	/// The count for `ownership_version`: zero if this one is about another version.
	pub fn for_version(self, ownership_version: u32) -> u32 {
		self.current(ownership_version).count
	}

	/// The counts for `ownership_version`: zeros if these are about another version.
	pub fn current(self, ownership_version: u32) -> Self {
		if self.ownership_version == ownership_version {
			self
		} else {
			Self { ownership_version, count: 0, consumers: 0 }
		}
	}

	/// Takes a removed entry of this version out of the counts.
	pub fn forget<AccountId, Balance, BlockNumber>(
		&mut self,
		grant: &Grant<AccountId, Balance, BlockNumber>,
	) {
		self.count = self.count.saturating_sub(1);
		if grant.counts_as_demand {
			self.consumers = self.consumers.saturating_sub(1);
		}
	}
}

/// A grantee's live access, as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct GranteeAccess<AccountId, BlockNumber> {
	/// The grantee.
	pub grantee: AccountId,
	/// The streams it may read now, with their expiries.
	pub streams: Vec<StreamExpiry<BlockNumber>>,
}

/// Who may read a vehicle's data now, as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct AccessList<AccountId, BlockNumber> {
	/// The owner, who reads everything.
	pub owner: AccountId,
	/// The streams anyone may read now.
	pub public: Vec<StreamExpiry<BlockNumber>>,
	/// The accounts that may grant and revoke on the owner's behalf.
	pub admins: Vec<AccountId>,
	/// The grantees with at least one live stream.
	pub grants: Vec<GranteeAccess<AccountId, BlockNumber>>,
}

/// An account's published encryption key ([`crate::EncryptionKeys`]), with the deposit held
/// for it (released as it was held, whatever the deposit is by then).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct PublishedKey<Balance> {
	/// The key.
	pub key: dimo_primitives::encryption::EncryptionKey,
	/// The deposit held.
	pub deposit: Balance,
}
