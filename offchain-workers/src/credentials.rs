//! The OEM credentials that a collector holds for the vehicles it collects, and where they live:
//! the node's offchain persistent storage, which only the node itself (its offchain workers and
//! its unsafe, localhost-only `collector_*` RPC methods) reads and writes. Never chain state,
//! never a transaction, never a log line: [`Credentials`] prints its tokens redacted.
//!
//! The node's RPC writes an entry when an operator hands the owner's tokens over; the offchain
//! worker reads it for every poll, and writes it back when it refreshes the access token.

use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The key of the list of vehicles that have credentials: a SCALE `Vec<u64>`, ascending.
pub const VEHICLES_KEY: &[u8] = b"dimo/collector/vehicles";

/// The prefix of each vehicle's credentials key; the vehicle id follows, little-endian.
pub const CREDENTIALS_PREFIX: &[u8] = b"dimo/collector/credentials/";

/// The longest OEM vehicle id the node accepts, in bytes (a Smartcar uuid has 36).
pub const MAX_OEM_VEHICLE_LEN: usize = 128;

/// The longest token the node accepts, in bytes. OAuth2 tokens of Tesla and Smartcar are far
/// shorter; the bound keeps a mistaken paste out of storage.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The most vehicles one collector node holds credentials for.
pub const MAX_VEHICLES: usize = 100_000;

/// The prefix of each OEM's OAuth client key; the OEM id follows, little-endian.
pub const OEM_CLIENT_PREFIX: &[u8] = b"dimo/collector/oem-client/";

/// The longest OAuth client id or secret the node accepts, in bytes.
pub const MAX_CLIENT_FIELD_LEN: usize = 512;

/// The key of OEM `oem`'s OAuth client.
pub fn oem_client_key(oem: u32) -> Vec<u8> {
	let mut key = OEM_CLIENT_PREFIX.to_vec();
	key.extend_from_slice(&oem.to_le_bytes());
	key
}

/// The OAuth client that the operator registered with an OEM, as offchain storage holds it
/// (sealed, like [`Credentials`]).
#[derive(Clone, PartialEq, Eq, Encode, Decode)]
pub struct OemClient {
	/// The client id.
	pub client_id: Vec<u8>,
	/// The client secret (empty where the OEM wants none).
	pub client_secret: Vec<u8>,
}

impl OemClient {
	/// The client as the adapters take it.
	pub fn to_oauth(&self) -> crate::oem::OAuthClient {
		crate::oem::OAuthClient {
			client_id: alloc::string::String::from_utf8_lossy(&self.client_id).into_owned(),
			client_secret: alloc::string::String::from_utf8_lossy(&self.client_secret).into_owned(),
		}
	}
}

impl core::fmt::Debug for OemClient {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("OemClient")
			.field("client_id", &alloc::string::String::from_utf8_lossy(&self.client_id))
			.field("client_secret", &"<redacted>")
			.finish()
	}
}

/// The key of `vehicle`'s credentials.
pub fn credentials_key(vehicle: u64) -> Vec<u8> {
	let mut key = CREDENTIALS_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key
}

/// An owner's OAuth2 tokens for one vehicle's OEM account.
#[derive(Clone, PartialEq, Eq, Encode, Decode)]
pub struct Credentials {
	/// The OEM (its source in pallets/anchoring says where its API is).
	pub oem: u32,
	/// The OEM's own id of the car: what its API calls the vehicle (Tesla's vehicle id,
	/// Smartcar's vehicle uuid). The chain holds only its hash (pallets/vehicles).
	pub oem_vehicle: Vec<u8>,
	/// The bearer token for the data API.
	pub access_token: Vec<u8>,
	/// The token that buys a new access token at the OEM's token URL.
	pub refresh_token: Vec<u8>,
	/// When the access token expires, in Unix seconds.
	pub expires_at: u64,
}

impl core::fmt::Debug for Credentials {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("Credentials")
			.field("oem", &self.oem)
			.field("oem_vehicle", &alloc::string::String::from_utf8_lossy(&self.oem_vehicle))
			.field("access_token", &"<redacted>")
			.field("refresh_token", &"<redacted>")
			.field("expires_at", &self.expires_at)
			.finish()
	}
}

/// The vehicle list with `vehicle` in it, ascending and without duplicates; `None` if the list
/// is full.
pub fn with_vehicle(mut vehicles: Vec<u64>, vehicle: u64) -> Option<Vec<u64>> {
	if let Err(index) = vehicles.binary_search(&vehicle) {
		if vehicles.len() >= MAX_VEHICLES {
			return None;
		}
		vehicles.insert(index, vehicle);
	}
	Some(vehicles)
}

/// The vehicle list without `vehicle`, and whether it was there.
pub fn without_vehicle(mut vehicles: Vec<u64>, vehicle: u64) -> (Vec<u64>, bool) {
	match vehicles.binary_search(&vehicle) {
		Ok(index) => {
			vehicles.remove(index);
			(vehicles, true)
		},
		Err(_) => (vehicles, false),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn debug_output_never_shows_tokens() {
		let credentials = Credentials {
			oem: 1,
			oem_vehicle: b"1492931337154880".to_vec(),
			access_token: b"secret-access".to_vec(),
			refresh_token: b"secret-refresh".to_vec(),
			expires_at: 7,
		};
		let printed = alloc::format!("{credentials:?}");
		assert!(!printed.contains("secret"), "{printed}");
		assert!(printed.contains("expires_at: 7"));
	}

	#[test]
	fn the_vehicle_list_stays_sorted_and_distinct() {
		let list = with_vehicle(Vec::new(), 5).expect("room");
		let list = with_vehicle(list, 2).expect("room");
		let list = with_vehicle(list, 5).expect("room");
		assert_eq!(list, alloc::vec![2, 5]);
		assert_eq!(without_vehicle(list.clone(), 2), (alloc::vec![5], true));
		assert_eq!(without_vehicle(list, 3), (alloc::vec![2, 5], false));
		assert_eq!(with_vehicle((0..MAX_VEHICLES as u64).collect(), u64::MAX), None);
	}

	#[test]
	fn keys_are_distinct_per_vehicle() {
		assert_ne!(credentials_key(1), credentials_key(256));
		assert!(credentials_key(1).starts_with(CREDENTIALS_PREFIX));
		assert_ne!(oem_client_key(1), oem_client_key(2));
		assert!(!oem_client_key(1).starts_with(CREDENTIALS_PREFIX));
	}

	#[test]
	fn a_client_prints_its_secret_redacted() {
		let client = OemClient { client_id: b"dimo".to_vec(), client_secret: b"hush".to_vec() };
		let printed = alloc::format!("{client:?}");
		assert!(printed.contains("dimo") && !printed.contains("hush"), "{printed}");
		assert_eq!(client.to_oauth().client_secret, "hush");
	}
}
