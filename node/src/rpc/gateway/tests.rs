//! The gateway's rules, without a node: the proof, who may read and push, the streams that
//! have a view, and a reading served under its owner only.

use super::{
	access::{access_until, may_read, parse_stream},
	auth::auth_payload,
	reading::{account_hash, serve, serve_part},
	verify_auth, ReadingSource, StreamAuth,
};
use crate::rpc::error::{STREAM_HAS_NO_VIEW, UNKNOWN_STREAM};
use codec::Encode;
use dimo_offchain::readings::KeptReading;
use dimo_primitives::{
	vehicle::{Stream, VehicleId},
	AccountId, BlockNumber,
};
use pallet_data_access_runtime_api::{AccessList, GranteeAccess, StreamExpiry};
use sp_core::{sr25519, Bytes, Pair};
use sp_runtime::MultiSignature;

const GENESIS: [u8; 32] = [7; 32];

fn auth(pair: &sr25519::Pair, vehicle: VehicleId, stream: Stream, expiry: u32) -> StreamAuth {
	let signature =
		MultiSignature::Sr25519(pair.sign(&auth_payload(&GENESIS, vehicle, stream, expiry)));
	StreamAuth { account: pair.public().into(), expiry, signature: Bytes(signature.encode()) }
}

#[test]
fn auth_verifies_for_its_chain_vehicle_stream_and_expiry_only() {
	let alice = sr25519::Pair::from_string("//Alice", None).expect("a dev key");
	let good = auth(&alice, 5, Stream::NonLocationData, 100);
	assert!(verify_auth(&GENESIS, 5, Stream::NonLocationData, &good));
	assert!(!verify_auth(&[8; 32], 5, Stream::NonLocationData, &good), "another chain");
	assert!(!verify_auth(&GENESIS, 6, Stream::NonLocationData, &good), "another vehicle");
	assert!(!verify_auth(&GENESIS, 5, Stream::RawData, &good), "another stream");
	let later = StreamAuth { expiry: 101, ..good.clone() };
	assert!(!verify_auth(&GENESIS, 5, Stream::NonLocationData, &later), "another expiry");
	let bob = sr25519::Pair::from_string("//Bob", None).expect("a dev key");
	let impostor = StreamAuth { account: bob.public().into(), ..good.clone() };
	assert!(!verify_auth(&GENESIS, 5, Stream::NonLocationData, &impostor));
	let garbage = StreamAuth { signature: Bytes(vec![1, 2, 3]), ..good.clone() };
	assert!(!verify_auth(&GENESIS, 5, Stream::NonLocationData, &garbage));
	// A valid signature with anything after it does not decode exactly.
	let trailing =
		StreamAuth { signature: Bytes([&good.signature[..], &[0u8; 1024][..]].concat()), ..good };
	assert!(!verify_auth(&GENESIS, 5, Stream::NonLocationData, &trailing));
	// What a browser extension signs: the payload wrapped in <Bytes>.
	let payload = auth_payload(&GENESIS, 5, Stream::NonLocationData, 100);
	let wrapped = [&b"<Bytes>"[..], &payload, b"</Bytes>"].concat();
	let extension = StreamAuth {
		signature: Bytes(MultiSignature::Sr25519(alice.sign(&wrapped)).encode()),
		..auth(&alice, 5, Stream::NonLocationData, 100)
	};
	assert!(verify_auth(&GENESIS, 5, Stream::NonLocationData, &extension));
}

fn account(n: u8) -> AccountId {
	AccountId::new([n; 32])
}

fn list(grants: Vec<(u8, Vec<(Stream, Option<u32>)>)>) -> AccessList<AccountId, BlockNumber> {
	AccessList {
		owner: account(1),
		public: vec![],
		admins: vec![],
		grants: grants
			.into_iter()
			.map(|(grantee, streams)| GranteeAccess {
				grantee: account(grantee),
				streams: streams
					.into_iter()
					.map(|(stream, until)| StreamExpiry { stream, until })
					.collect(),
			})
			.collect(),
	}
}

#[test]
fn a_push_needs_the_stream_and_the_live_subscription_right() {
	let list = list(vec![
		(2, vec![(Stream::NonLocationData, None)]),
		(3, vec![(Stream::NonLocationData, Some(9)), (Stream::LiveDataSubscription, Some(5))]),
	]);
	assert!(may_read(&list, &account(1), Stream::RawData, true), "the owner reads all");
	assert!(may_read(&list, &account(2), Stream::NonLocationData, false));
	assert!(!may_read(&list, &account(2), Stream::NonLocationData, true));
	assert!(may_read(&list, &account(3), Stream::NonLocationData, true));
	assert!(!may_read(&list, &account(3), Stream::CurrentLocation, false));
	assert!(!may_read(&list, &account(4), Stream::NonLocationData, false));
	// A push ends with the first of the two to expire.
	assert_eq!(access_until(&list, &account(3), Stream::NonLocationData, true), Some(5));
	assert_eq!(access_until(&list, &account(3), Stream::NonLocationData, false), Some(9));
	assert_eq!(access_until(&list, &account(2), Stream::NonLocationData, false), None);
}

#[test]
fn streams_without_a_view_are_refused_by_name() {
	assert_eq!(parse_stream("nonLocationData").ok(), Some(Stream::NonLocationData));
	for name in ["liveDataSubscription", "vinCredential"] {
		assert_eq!(parse_stream(name).map_err(|e| e.code()), Err(STREAM_HAS_NO_VIEW), "{name}");
	}
	assert_eq!(parse_stream("location").map_err(|e| e.code()), Err(UNKNOWN_STREAM));
}

#[test]
fn a_reading_is_served_under_its_owner_only_and_reduced_to_the_stream() {
	let record = br#"{"v":1,"vehicle":4,"oem":"tesla","from":5,"to":5,"signals":{"latE7":523521234,"lonE7":-13412345,"odometerM":12}}"#;
	let reading = KeptReading {
		number: 3,
		owner: account_hash(&account(1)),
		record: record.to_vec(),
		raw: Some(b"{\"odometer\":7}".to_vec()),
		envelope_cid: None,
		key_id: 2,
	};
	let owner = account_hash(&account(1));
	let served =
		serve(&reading, Stream::NonLocationData, &owner, ReadingSource::Recent).expect("served");
	assert_eq!((served.observed_at, served.source), (5, ReadingSource::Recent));
	assert_eq!(served.record.expect("a record")["signals"], serde_json::json!({"odometerM": 12}));
	let approximate = serve(&reading, Stream::ApproximateLocation, &owner, ReadingSource::Recent)
		.expect("served");
	assert_eq!(
		approximate.record.expect("a record")["signals"],
		serde_json::json!({"gridE7": 100_000, "latE7": 523_500_000, "lonE7": -13_500_000})
	);
	let raw = serve(&reading, Stream::RawData, &owner, ReadingSource::History).expect("served");
	assert_eq!(raw.raw, Some(Bytes(b"{\"odometer\":7}".to_vec())));
	assert_eq!(raw.source, ReadingSource::History);
	assert_eq!(
		serve(&reading, Stream::NonLocationData, &account_hash(&account(2)), ReadingSource::Recent),
		None
	);
}

#[test]
fn a_part_read_back_from_storage_is_served_as_the_streams_view() {
	let reading = KeptReading {
		number: 9,
		owner: account_hash(&account(1)),
		record: Vec::new(),
		raw: None,
		envelope_cid: Some(vec![1, 2]),
		key_id: 4,
	};
	let part = br#"{"v":1,"vehicle":4,"oem":"tesla","from":5,"to":5,"signals":{"odometerM":12}}"#;
	let served = serve_part(&reading, 5, Stream::NonLocationData, part.to_vec()).expect("a record");
	assert_eq!((served.number, served.observed_at, served.source), (9, 5, ReadingSource::Ipfs));
	assert_eq!(served.record.expect("a record")["signals"], serde_json::json!({"odometerM": 12}));
	assert_eq!(
		served.envelope_cid.as_deref(),
		Some(dimo_offchain::cid::multibase32(&[1, 2]).as_str())
	);
	let raw = serve_part(&reading, 5, Stream::RawData, b"not json".to_vec()).expect("raw");
	assert_eq!(raw.raw, Some(Bytes(b"not json".to_vec())));
	// A part that is not a canonical record is not served as one.
	assert_eq!(serve_part(&reading, 5, Stream::NonLocationData, b"{".to_vec()), None);
}
