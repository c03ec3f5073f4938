//! Content keys: one per class of a vehicle's signals ([`Class`]), so that each reader opens
//! the parts of an envelope ([`crate::envelope`], format 3) of the streams it was granted and
//! nothing else.
//!
//! A collector makes each key from the offchain worker's randomness and keeps it in the node's
//! offchain storage only, sealed ([`crate::seal`]) like the owners' credentials: never on chain,
//! in a log line or in an RPC answer. What leaves the collector is the key **wrapped**
//! ([`crate::key_wrap`]) to each reader's published X25519 key, carried by every envelope the
//! key seals: the owner's wrap in every part, a grantee's in the parts of its streams' classes.
//! So readers open stored data with their own secret, the chain and the storage alone, whatever
//! becomes of the collector; and no copy of a key is ever destroyed, since the wraps live with
//! the data.
//!
//! ## Rotation
//!
//! A class's key is **rotated** (a new random key, the next id) whenever the readers of that
//! class change ([`ClassReaders`]): the vehicle changes hands, a grantee of a stream of the class
//! is added, revoked or expires, a stream of the class becomes or stops being public. Hence:
//!
//! - a grantee opens what was sealed from its grant until its access ended, never a reading
//!   sealed after (the next key is not wrapped to it), never one sealed before (the earlier key
//!   was not either);
//! - the readers of one class do not rotate another's key: a new `rawData` grantee leaves the
//!   location keys alone.
//!
//! A reader that publishes another encryption key gets new wraps of the keys in use, without a
//! rotation. When the collector's consent ends, its keys are dropped ([`ClassKeys::retire`]); a
//! later consent starts with the next id.
//!
//! Key ids count per vehicle and per collector, across classes (no two keys of one vehicle at
//! one collector share an id), continuing those of the single content key that collectors
//! before spec 104 kept.

use crate::{
	key_wrap::{self, Wrap, WrapError},
	streams::Class,
};
use alloc::{collections::BTreeSet, vec::Vec};
use codec::{Decode, Encode};
use dimo_primitives::{
	encryption::KeyScheme,
	vehicle::{Readers, Stream},
};

/// The prefix of the offchain-storage keys of each vehicle's [`ClassKeys`].
pub const CLASS_KEYS_PREFIX: &[u8] = b"dimo/collector/class-keys/v3/";

/// The prefix of the offchain-storage keys of each content key by its id: every key a
/// collector makes stays there (sealed), after rotation and retirement too, so that the
/// collector's gateway opens the envelopes it stored, however old
/// ([`crate::readings`]'s history).
pub const KEYS_BY_ID_PREFIX: &[u8] = b"dimo/collector/class-keys/by-id/";

/// The offchain-storage key of `vehicle`'s content key `id` (a sealed `[u8; 32]`).
pub fn key_by_id_key(vehicle: u64, id: u32) -> Vec<u8> {
	let mut key = KEYS_BY_ID_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key.extend_from_slice(&id.to_le_bytes());
	key
}

/// The prefixes under which collectors before spec 104 kept one content key per vehicle
/// (spec 103's first, then the older one); each starts with the key's id (SCALE `u32`), all
/// that is read of it: the class keys' ids continue from it.
pub const LEGACY_CONTENT_KEY_PREFIXES: [&[u8]; 2] =
	[b"dimo/collector/content-key/v2/", b"dimo/collector/content-key/"];

/// The offchain-storage key of `vehicle`'s [`ClassKeys`] (sealed).
pub fn class_keys_key(vehicle: u64) -> Vec<u8> {
	let mut key = CLASS_KEYS_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key
}

/// The offchain-storage keys under which a collector before spec 104 kept `vehicle`'s one
/// content key.
pub fn legacy_content_key_keys(vehicle: u64) -> [Vec<u8>; 2] {
	LEGACY_CONTENT_KEY_PREFIXES.map(|prefix| {
		let mut key = prefix.to_vec();
		key.extend_from_slice(&vehicle.to_le_bytes());
		key
	})
}

/// Who may read one class of a vehicle's data: the hashes (blake2-256 of the SCALE-encoded
/// account) of its owner and of the grantees of a stream of the class, and whether a stream of
/// the class is public. A class's key is rotated when these change.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode)]
pub struct ClassReaders {
	/// The owner's hash.
	pub owner: [u8; 32],
	/// Whether anyone may read a stream of the class.
	pub public: bool,
	/// The hashes of the grantees of a stream of the class.
	pub grantees: BTreeSet<[u8; 32]>,
}

/// The readers of `class` among `readers` (the chain's access list of the vehicle), and the
/// X25519 keys its key is wrapped to: the owner's first (if it published one), then each of
/// those grantees' (if they did), at most [`crate::envelope::MAX_WRAPS_PER_PART`].
pub fn class_readers<AccountId: Encode>(
	readers: &Readers<AccountId>,
	class: Class,
) -> (ClassReaders, Vec<[u8; 32]>) {
	let hash = |account: &AccountId| sp_io::hashing::blake2_256(&account.encode());
	let of_class = |streams: &[Stream]| streams.iter().any(|s| Class::of(*s) == Some(class));
	let x25519 = |key: &Option<dimo_primitives::encryption::EncryptionKey>| {
		key.as_ref()
			.filter(|key| key.scheme == KeyScheme::X25519)
			.and_then(|key| <[u8; 32]>::try_from(key.public.as_slice()).ok())
	};
	let grantees: Vec<_> =
		readers.grantees.iter().filter(|grantee| of_class(&grantee.streams)).collect();
	let mut recipients: Vec<[u8; 32]> = x25519(&readers.owner_key).into_iter().collect();
	for key in grantees.iter().filter_map(|grantee| x25519(&grantee.key)) {
		if !recipients.contains(&key) {
			recipients.push(key);
		}
	}
	recipients.truncate(crate::envelope::MAX_WRAPS_PER_PART);
	let class_readers = ClassReaders {
		owner: hash(&readers.owner),
		public: of_class(&readers.public),
		grantees: grantees.iter().map(|grantee| hash(&grantee.account)).collect(),
	};
	(class_readers, recipients)
}

/// One class's content key, as the collector keeps it.
#[derive(Clone, PartialEq, Eq, Encode, Decode)]
pub struct ClassKey {
	/// The key's id.
	pub id: u32,
	/// The key.
	pub key: [u8; 32],
	/// Who could read the class when the key was made.
	pub readers: ClassReaders,
	/// The key wrapped to each reader's published X25519 key, the owner's first: what every
	/// part sealed under it carries.
	pub wraps: Vec<Wrap>,
}

impl core::fmt::Debug for ClassKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("ClassKey")
			.field("id", &self.id)
			.field("key", &"<redacted>")
			.field("readers", &self.readers)
			.field("wraps", &self.wraps.iter().map(|wrap| wrap.recipient).collect::<Vec<_>>())
			.finish()
	}
}

/// What [`ClassKeys::for_readers`] did to a class's key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyChange {
	/// The key in use stays.
	Kept,
	/// The class had no key: a new one was made.
	Made,
	/// The class's readers changed: a new key replaced the one in use.
	Rotated,
}

/// What [`ClassKeys::wrap_to`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Wrapped {
	/// Whether the key's wraps changed.
	pub changed: bool,
	/// How many recipients' keys could not be wrapped to (left out).
	pub refused: u32,
}

/// A vehicle's content keys at a collector, one per class in use, as offchain storage keeps
/// them (sealed).
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode)]
pub struct ClassKeys {
	/// The id of the latest key made for the vehicle (0: none yet).
	pub last_id: u32,
	/// The keys in use, by class; none once retired.
	pub keys: Vec<(Class, ClassKey)>,
}

impl ClassKeys {
	/// No key yet; the first one made takes the id after `last_id` (that of a content key kept
	/// before spec 104, or 0).
	pub fn continuing(last_id: u32) -> Self {
		Self { last_id, keys: Vec::new() }
	}

	/// The key in use for `class`, if any.
	pub fn get(&self, class: Class) -> Option<&ClassKey> {
		self.keys.iter().find(|(of, _)| *of == class).map(|(_, key)| key)
	}

	/// Makes `class`'s key the one for `readers`: the key in use if they are the readers it was
	/// made for, else a new one made of `fresh` (32 random bytes) with the next id.
	pub fn for_readers(
		&mut self,
		class: Class,
		readers: ClassReaders,
		fresh: [u8; 32],
	) -> KeyChange {
		let at = self.keys.iter().position(|(of, _)| *of == class);
		let change = match at.and_then(|at| self.keys.get(at)) {
			Some((_, key)) if key.readers == readers => return KeyChange::Kept,
			Some(_) => KeyChange::Rotated,
			None => KeyChange::Made,
		};
		self.last_id = self.last_id.saturating_add(1);
		let key = ClassKey { id: self.last_id, key: fresh, readers, wraps: Vec::new() };
		match at.and_then(|at| self.keys.get_mut(at)) {
			Some(slot) => slot.1 = key,
			None => {
				self.keys.push((class, key));
				self.keys.sort_by_key(|(of, _)| *of);
			},
		}
		change
	}

	/// Wraps `class`'s key (of `vehicle`) to each of `recipients` (X25519 public keys, the
	/// owner's first) that it is not yet wrapped to, each with a fresh ephemeral secret from
	/// `ephemeral`, and drops wraps to keys no longer among them. A recipient whose key cannot
	/// be wrapped to (a point of small order, which the chain refuses to publish anyway) is
	/// left out and counted: it never costs the others their wraps.
	pub fn wrap_to(
		&mut self,
		class: Class,
		vehicle: u64,
		recipients: &[[u8; 32]],
		mut ephemeral: impl FnMut() -> [u8; 32],
	) -> Wrapped {
		let Some((_, key)) = self.keys.iter_mut().find(|(of, _)| *of == class) else {
			return Wrapped::default();
		};
		let mut wraps = Vec::with_capacity(recipients.len());
		let mut refused = 0u32;
		for recipient in recipients {
			let fingerprint = key_wrap::fingerprint(recipient);
			match key.wraps.iter().find(|wrap| wrap.recipient == fingerprint) {
				Some(wrap) => wraps.push(*wrap),
				None => match key_wrap::wrap(recipient, &ephemeral(), vehicle, key.id, &key.key) {
					Ok(wrap) => wraps.push(wrap),
					Err(WrapError::LowOrder | WrapError::Forged) => {
						refused = refused.saturating_add(1)
					},
				},
			}
		}
		let changed = wraps != key.wraps;
		key.wraps = wraps;
		Wrapped { changed, refused }
	}

	/// The keys once the collector's consent ended: none, the last id kept so that the next
	/// key is new. (The envelopes sealed under them keep their wraps.)
	pub fn retire(&mut self) -> bool {
		let had_keys = !self.keys.is_empty();
		self.keys.clear();
		had_keys
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use dimo_primitives::{
		encryption::EncryptionKey,
		vehicle::{GranteeReader, Stream::*},
	};

	const OWNER_SECRET: [u8; 32] = [21; 32];
	const GRANTEE_SECRET: [u8; 32] = [22; 32];

	fn x25519(secret: &[u8; 32]) -> Option<EncryptionKey> {
		Some(EncryptionKey {
			scheme: KeyScheme::X25519,
			public: key_wrap::public_key(secret).to_vec().try_into().expect("32 bytes"),
		})
	}

	fn chain(grantees: &[(u64, &[Stream])], public: &[Stream]) -> Readers<u64> {
		Readers {
			owner: 1,
			public: public.to_vec(),
			grantees: grantees
				.iter()
				.map(|(account, streams)| GranteeReader {
					account: *account,
					streams: streams.to_vec(),
					key: (*account == 2).then(|| x25519(&GRANTEE_SECRET)).flatten(),
				})
				.collect(),
			owner_key: x25519(&OWNER_SECRET),
		}
	}

	#[test]
	fn each_class_is_read_by_the_owner_and_the_grantees_of_its_streams() {
		let readers = chain(&[(2, &[NonLocationData]), (3, &[CurrentLocation, RawData])], &[]);
		let owner = key_wrap::public_key(&OWNER_SECRET);
		let grantee = key_wrap::public_key(&GRANTEE_SECRET);
		let (non_location, recipients) = class_readers(&readers, Class::NonLocation);
		assert_eq!(non_location.grantees.len(), 1);
		assert_eq!(recipients, [owner, grantee], "the owner first, then grantee 2");
		let (precise, recipients) = class_readers(&readers, Class::PreciseLocation);
		assert_eq!(precise.grantees.len(), 1, "grantee 3");
		assert_ne!(precise.grantees, non_location.grantees);
		assert_eq!(recipients, [owner], "grantee 3 published no key: only the owner's wrap");
		let (approximate, _) = class_readers(&readers, Class::ApproximateLocation);
		assert!(approximate.grantees.is_empty() && !approximate.public);
		let (public, _) =
			class_readers(&chain(&[], &[ApproximateLocation]), Class::ApproximateLocation);
		assert!(public.public);
		// Streams without a view (liveDataSubscription, vinCredential) read no class.
		let (none, recipients) = class_readers(
			&chain(&[(2, &[LiveDataSubscription, VinCredential])], &[]),
			Class::NonLocation,
		);
		assert!(none.grantees.is_empty());
		assert_eq!(recipients, [owner]);
	}

	#[test]
	fn a_class_key_is_rotated_when_its_readers_change_and_only_then() {
		let of = |grantees: &[(u64, &[Stream])]| chain(grantees, &[]);
		let mut keys = ClassKeys::continuing(4);
		let non_location = |readers: &Readers<u64>| class_readers(readers, Class::NonLocation).0;
		let precise = |readers: &Readers<u64>| class_readers(readers, Class::PreciseLocation).0;
		let first = of(&[]);
		assert_eq!(
			keys.for_readers(Class::NonLocation, non_location(&first), [1; 32]),
			KeyChange::Made
		);
		assert_eq!(
			keys.for_readers(Class::PreciseLocation, precise(&first), [2; 32]),
			KeyChange::Made
		);
		assert_eq!(keys.get(Class::NonLocation).map(|k| k.id), Some(5), "after the legacy key 4");
		assert_eq!(keys.get(Class::PreciseLocation).map(|k| k.id), Some(6));
		assert_eq!(
			keys.for_readers(Class::NonLocation, non_location(&first), [3; 32]),
			KeyChange::Kept
		);
		// A nonLocationData grantee joins: the non-location key rotates, the precise one stays.
		let granted = of(&[(2, &[NonLocationData])]);
		assert_eq!(
			keys.for_readers(Class::NonLocation, non_location(&granted), [4; 32]),
			KeyChange::Rotated
		);
		assert_eq!(
			keys.for_readers(Class::PreciseLocation, precise(&granted), [5; 32]),
			KeyChange::Kept
		);
		assert_eq!(keys.get(Class::NonLocation).map(|k| (k.id, k.key)), Some((7, [4; 32])));
		// Revoked: rotated again, to a key it never had.
		assert_eq!(
			keys.for_readers(Class::NonLocation, non_location(&first), [6; 32]),
			KeyChange::Rotated
		);
		assert_eq!(keys.get(Class::NonLocation).map(|k| k.id), Some(8));
		// The vehicle changes hands: every class rotates.
		let sold = Readers { owner: 9, ..first.clone() };
		assert_eq!(
			keys.for_readers(Class::PreciseLocation, precise(&sold), [7; 32]),
			KeyChange::Rotated
		);
		// Consent ends: no key; the next consent continues the ids.
		assert!(keys.retire());
		assert!(!keys.retire());
		assert_eq!(keys.get(Class::NonLocation), None);
		assert_eq!(
			keys.for_readers(Class::NonLocation, non_location(&sold), [8; 32]),
			KeyChange::Made
		);
		assert_eq!(keys.get(Class::NonLocation).map(|k| k.id), Some(10));
	}

	#[test]
	fn a_class_key_is_wrapped_to_each_reader_once_and_anew_when_one_publishes_another_key() {
		let readers = chain(&[(2, &[NonLocationData])], &[]);
		let (class_readers, recipients) = class_readers(&readers, Class::NonLocation);
		let mut keys = ClassKeys::default();
		keys.for_readers(Class::NonLocation, class_readers, [10; 32]);
		let changed = |changed| Wrapped { changed, refused: 0 };
		let mut seeds = (0u8..).map(|n| [n.wrapping_add(100); 32]);
		let mut ephemeral = || seeds.next().unwrap_or([1; 32]);
		assert_eq!(keys.wrap_to(Class::NonLocation, 9, &recipients, &mut ephemeral), changed(true));
		let wraps = keys.get(Class::NonLocation).map(|k| k.wraps.clone()).unwrap_or_default();
		assert_eq!(wraps.len(), 2);
		assert_eq!(key_wrap::unwrap(&OWNER_SECRET, &wraps[0], 9, 1), Ok([10; 32]));
		assert_eq!(key_wrap::unwrap(&GRANTEE_SECRET, &wraps[1], 9, 1), Ok([10; 32]));
		// The same readers again: the same wraps (no new ephemeral key per reading).
		assert_eq!(
			keys.wrap_to(Class::NonLocation, 9, &recipients, &mut ephemeral),
			changed(false)
		);
		// The grantee publishes another key: its wrap is made anew, the owner's kept.
		let other = key_wrap::public_key(&[23; 32]);
		let moved = [recipients[0], other];
		assert_eq!(keys.wrap_to(Class::NonLocation, 9, &moved, &mut ephemeral), changed(true));
		let now = keys.get(Class::NonLocation).map(|k| k.wraps.clone()).unwrap_or_default();
		assert_eq!(now[0], wraps[0]);
		assert_eq!(key_wrap::unwrap(&[23; 32], &now[1], 9, 1), Ok([10; 32]));
		// No key for a class: nothing to wrap.
		assert_eq!(keys.wrap_to(Class::Raw, 9, &recipients, &mut ephemeral), changed(false));
		// A hostile key of small order among the recipients: left out, counted, and the
		// others keep their wraps.
		let hostile = [recipients[0], [0; 32], other];
		assert_eq!(
			keys.wrap_to(Class::NonLocation, 9, &hostile, &mut ephemeral),
			Wrapped { changed: false, refused: 1 }
		);
		let kept = keys.get(Class::NonLocation).map(|k| k.wraps.clone()).unwrap_or_default();
		assert_eq!(kept, now);
	}

	#[test]
	fn legacy_keys_are_read_for_their_id_only() {
		// Both legacy formats start with the id, a SCALE u32.
		let legacy = (7u32, Some([5u8; 32]), [1u8; 32], false).encode();
		assert_eq!(u32::decode(&mut &legacy[..]), Ok(7));
		let [v2, v1] = legacy_content_key_keys(3);
		assert!(v2.starts_with(b"dimo/collector/content-key/v2/"));
		assert!(v1.starts_with(b"dimo/collector/content-key/") && v1 != v2);
		assert_ne!(class_keys_key(3), v2);
	}
}
