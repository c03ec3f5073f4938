//! The collector's offchain worker, against scripted HTTP answers
//! (`sp_core::offchain::testing`): a request that a test does not expect has no answer and
//! fails the test, so each test also proves which hosts were *not* contacted.

use crate::{
	mock::*,
	offchain::{PendingRecord, PENDING_KEY},
	AnchorBatchOf, Call, Heads,
};
use codec::{Decode, Encode};
use dimo_offchain::{
	arweave::outbox::{envelope_key, GatewayStatus, Upload, MAX_UPLOADS_PER_VEHICLE, OUTBOX_KEY},
	cid::Cid,
	content_keys::{class_keys_key, key_by_id_key, legacy_content_key_keys, ClassKeys},
	credentials::{credentials_key, oem_client_key, Credentials, OemClient, VEHICLES_KEY},
	envelope::{self, PartToSeal},
	ipfs, key_wrap,
	readings::{
		head_key, history_head_key, history_key, slot_key, Archived, Head, HistoryHead, KeptReading,
	},
	record::Record,
	schedule::{schedule_key, Schedule},
	seal::{SealKey, Sealed, SEAL_KEY_TYPE},
	settings::{Settings, SETTINGS_KEY},
	streams::Class,
};
use dimo_primitives::vehicle::{StorageBackend, Stream, VehicleId};
use frame_support::traits::Hooks;
use sp_core::offchain::{
	testing::{self, OffchainState, PendingRequest, PoolState},
	OffchainDbExt, OffchainWorkerExt, StorageKind, Timestamp, TransactionPoolExt,
};
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	RuntimeAppPublic,
};
use std::sync::Arc;

/// The wall clock of the tests' offchain worker, in Unix milliseconds.
const NOW_MS: u64 = 1_800_000_000_000;
const ACCESS: &str = "access-secret";
const REFRESH: &str = "refresh-secret";

/// A Tesla `vehicle_data` answer (trimmed to the fields the adapter reads, plus one it does not).
const TESLA_DATA: &str = r#"{"response":{"id":1492931337154880,"charge_state":{"battery_level":81,"charger_power":0},"drive_state":{"latitude":52.52,"longitude":13.405,"speed":null},"vehicle_state":{"odometer":12345.6}}}"#;

/// The canonical record of [`TESLA_DATA`] for `vehicle`, read at [`NOW_MS`], written out by
/// hand from the record format's documentation.
fn tesla_record(vehicle: u64) -> Vec<u8> {
	tesla_record_at(vehicle, NOW_MS)
}

/// The canonical record of [`TESLA_DATA`] for `vehicle`, read at `at`.
fn tesla_record_at(vehicle: u64, at: u64) -> Vec<u8> {
	format!(
		r#"{{"v":1,"vehicle":{vehicle},"oem":"tesla","from":{at},"to":{at},"signals":{{"batteryPermille":810,"chargingW":0,"latE7":525200000,"lonE7":134050000,"odometerM":19868317}}}}"#
	)
	.into_bytes()
}

/// The parts of [`tesla_record`]: every class, since the answer has a position and is kept raw.
fn tesla_parts(vehicle: u64) -> Vec<(Class, Vec<u8>)> {
	let record = Record::from_canonical_bytes(&tesla_record(vehicle)).expect("a record");
	Class::ALL
		.into_iter()
		.filter_map(|class| Some((class, class.part_of(&record, Some(TESLA_DATA.as_bytes()))?)))
		.collect()
}

/// The envelope that the worker seals [`tesla_record`] in when it makes the vehicle's first
/// keys (ids 1 to 4, one per class) and wraps each to `readers` (X25519 public keys, by class):
/// the tests' offchain randomness is a fixed seed, which makes every content key, nonce and
/// ephemeral key.
fn tesla_envelope_wrapped(
	env: &Offchain,
	vehicle: u64,
	readers: impl Fn(Class) -> Vec<[u8; 32]>,
) -> Vec<u8> {
	let seed = env.state.read().seed;
	let mut nonce = [0u8; 24];
	nonce.copy_from_slice(&seed[..24]);
	let parts = tesla_parts(vehicle);
	let wraps: Vec<Vec<key_wrap::Wrap>> = parts
		.iter()
		.zip(1u32..)
		.map(|((class, _), id)| {
			readers(*class)
				.iter()
				.map(|public| key_wrap::wrap(public, &seed, vehicle, id, &seed).expect("wraps"))
				.collect()
		})
		.collect();
	let to_seal: Vec<PartToSeal> = parts
		.iter()
		.zip(1u32..)
		.zip(&wraps)
		.map(|(((class, plaintext), key_id), wraps)| PartToSeal {
			class: *class,
			key_id,
			key: &seed,
			wraps,
			nonce,
			plaintext,
		})
		.collect();
	envelope::seal(vehicle, NOW_MS, NOW_MS, &to_seal).expect("seals")
}

/// [`tesla_envelope_wrapped`] when nobody published a key.
fn tesla_envelope(env: &Offchain, vehicle: u64) -> Vec<u8> {
	tesla_envelope_wrapped(env, vehicle, |_| Vec::new())
}

/// `vehicle`'s content keys, as the worker keeps them sealed in offchain storage.
fn class_keys(vehicle: u64) -> Option<ClassKeys> {
	let sealed: Sealed = local_get(&class_keys_key(vehicle))?;
	let key = SealKey::from_keystore().expect("the node's sealing key");
	Some(key.open_value(&class_keys_key(vehicle), &sealed).expect("opens"))
}

/// The id of `vehicle`'s `class` key in use.
fn key_id(vehicle: u64, class: Class) -> Option<u32> {
	class_keys(vehicle)?.get(class).map(|key| key.id)
}

/// `vehicle`'s content key `id`, as the worker keeps every key it made by its id.
fn key_by_id(vehicle: u64, id: u32) -> Option<[u8; 32]> {
	let sealed: Sealed = local_get(&key_by_id_key(vehicle, id))?;
	let key = SealKey::from_keystore().expect("the node's sealing key");
	Some(key.open_value(&key_by_id_key(vehicle, id), &sealed).expect("opens"))
}

/// Reading `number` of `vehicle`'s history, if archived.
fn archived(vehicle: u64, number: u64) -> Option<Archived> {
	let sealed: Sealed = local_get(&history_key(vehicle, number))?;
	let key = SealKey::from_keystore().expect("the node's sealing key");
	Some(key.open_value(&history_key(vehicle, number), &sealed).expect("opens"))
}

/// The readings of `vehicle` that the worker keeps for the gateway, oldest first, read from a
/// ring of `keep` slots.
fn kept_readings(vehicle: u64, keep: u32) -> Vec<KeptReading> {
	let head: Head = local_get(&head_key(vehicle)).unwrap_or_default();
	let key = SealKey::from_keystore().expect("the node's sealing key");
	(head.next.saturating_sub(u64::from(keep))..head.next)
		.map(|number| {
			let slot = slot_key(vehicle, number, keep);
			let sealed: Sealed = local_get(&slot).expect("a kept reading");
			let reading: KeptReading = key.open_value(&slot, &sealed).expect("opens");
			assert_eq!(reading.number, number);
			reading
		})
		.collect()
}

struct Offchain {
	state: Arc<parking_lot::RwLock<OffchainState>>,
	pool: Arc<parking_lot::RwLock<PoolState>>,
}

/// Runs `body` with offchain, offchain-DB and transaction-pool extensions, the collector key
/// [`COLLECTOR`] in the keystore, and the clock at [`NOW_MS`].
fn offchain_test(body: impl FnOnce(&Offchain)) {
	let (offchain, state) = testing::TestOffchainExt::new();
	let (pool, pool_state) = testing::TestTransactionPoolExt::new();
	let mut ext = new_test_ext();
	ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
	ext.register_extension(OffchainDbExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	// The node's keystore, with the key that seals credentials (the node's RPC makes it).
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	state.write().timestamp = Timestamp::from_unix_millis(NOW_MS);
	UintAuthorityId::set_all_keys(vec![COLLECTOR]);
	let env = Offchain { state, pool: pool_state };
	ext.execute_with(|| {
		sp_io::crypto::ecdsa_generate(SEAL_KEY_TYPE, None);
		set_chain_time(NOW_MS);
		// The operator lists the host of the source that genesis registers.
		set_settings(Settings {
			oem_hosts: vec!["fleet-api.example.com".into()],
			..Settings::default()
		});
		body(&env)
	});
}

/// Writes the operator's settings, as the node does at start.
fn set_settings(settings: Settings) {
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, SETTINGS_KEY, &settings.encode());
}

fn local_get<V: Decode>(key: &[u8]) -> Option<V> {
	sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, key)
		.map(|bytes| V::decode(&mut &bytes[..]).expect("decodes"))
}

/// The credentials of `vehicle` as offchain storage holds them, opened with the node's key.
fn held_credentials(vehicle: u64) -> Option<Credentials> {
	let sealed: Sealed = local_get(&credentials_key(vehicle))?;
	let key = SealKey::from_keystore().expect("the node's sealing key");
	Some(key.open_value(&credentials_key(vehicle), &sealed).expect("opens"))
}

/// Stores the operator's OAuth client for `oem` sealed, as the node's RPC does.
fn store_client(oem: u32, client_id: &str) {
	let key = SealKey::from_keystore().expect("the node's sealing key");
	let client = OemClient { client_id: client_id.into(), client_secret: b"hush".to_vec() };
	let sealed = key.seal_value(&oem_client_key(oem), [7; 24], &client);
	sp_io::offchain::local_storage_set(
		StorageKind::PERSISTENT,
		&oem_client_key(oem),
		&sealed.encode(),
	);
}

/// Stores `credentials` of `vehicle` sealed, as the node's RPC does.
fn store_credentials(vehicle: u64, credentials: &Credentials) {
	let key = SealKey::from_keystore().expect("the node's sealing key");
	let sealed = key.seal_value(&credentials_key(vehicle), [vehicle as u8; 24], credentials);
	sp_io::offchain::local_storage_set(
		StorageKind::PERSISTENT,
		&credentials_key(vehicle),
		&sealed.encode(),
	);
}

/// Hands the collector credentials for `vehicle` at `oem`, valid until `expires_at`.
fn hold_credentials(vehicle: u64, oem: u32, expires_at: u64) {
	let credentials = Credentials {
		oem,
		oem_vehicle: oem_car(vehicle).into_bytes(),
		access_token: ACCESS.into(),
		refresh_token: REFRESH.into(),
		expires_at,
	};
	store_credentials(vehicle, &credentials);
	let mut vehicles: Vec<u64> = local_get(VEHICLES_KEY).unwrap_or_default();
	vehicles.push(vehicle);
	vehicles.sort();
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, VEHICLES_KEY, &vehicles.encode());
}

/// Valid for an hour more.
const FRESH: u64 = NOW_MS / 1000 + 3600;

fn expect_tesla_data(env: &Offchain, vehicle: u64, token: &str, answer: &str) {
	let car = oem_car(vehicle);
	env.state.write().expect_request(PendingRequest {
		method: "GET".into(),
		uri: format!(
			"https://fleet-api.example.com/api/api/1/vehicles/{car}/vehicle_data?endpoints=charge_state%3Bdrive_state%3Blocation_data%3Bvehicle_state"
		),
		headers: vec![("Authorization".into(), format!("Bearer {token}"))],
		response: Some(answer.as_bytes().to_vec()),
		sent: true,
		..Default::default()
	});
}

fn expect_ipfs_add(env: &Offchain, vehicle: u64, data: &[u8], answered_cid: &str) {
	env.state.write().expect_request(PendingRequest {
		method: "POST".into(),
		uri: ipfs::add_url(ipfs::DEFAULT_API_URL),
		headers: vec![("Content-Type".into(), ipfs::add_content_type())],
		body: ipfs::add_body(&format!("vehicle-{vehicle}.denv"), data),
		// js-ipfs's shape: Size as a number.
		response: Some(
			format!(r#"{{"Name":"r","Hash":"{answered_cid}","Size":{}}}"#, data.len()).into_bytes(),
		),
		sent: true,
		..Default::default()
	});
}

/// The anchor batches in the pool, decoded, in order; the pool is emptied.
fn take_batches(env: &Offchain) -> Vec<(AnchorBatchOf<Test>, TestSignature)> {
	let transactions = std::mem::take(&mut env.pool.write().transactions);
	transactions
		.iter()
		.map(|bytes| {
			let transaction = Extrinsic::decode(&mut &bytes[..]).expect("an extrinsic");
			match transaction.function {
				RuntimeCall::Anchoring(Call::anchor_batch { batch, signature }) => {
					(batch, signature)
				},
				other => panic!("not an anchor batch: {other:?}"),
			}
		})
		.collect()
}

fn run_worker(block: u64) {
	System::set_block_number(block);
	Anchoring::offchain_worker(block);
}

fn queue() -> Vec<PendingRecord> {
	local_get(PENDING_KEY).unwrap_or_default()
}

#[test]
fn a_due_vehicle_is_read_stored_on_ipfs_and_anchored() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Ipfs);
		hold_credentials(vehicle, TESLA, FRESH);
		env.state.write().seed = [9; 32];
		// What goes to IPFS, and whose CID is anchored, is the record's envelope.
		let sealed = tesla_envelope(env, vehicle);
		let cid = Cid::of_raw(&sealed);
		expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
		expect_ipfs_add(env, vehicle, &sealed, &cid.to_base32());

		run_worker(1);

		let batches = take_batches(env);
		assert_eq!(batches.len(), 1);
		let (batch, signature) = &batches[0];
		assert_eq!(batch.collector, UintAuthorityId(COLLECTOR));
		assert!(batch.collector.verify(&batch.signing_payload(&System::block_hash(0)), signature));
		assert_eq!(batch.records.len(), 1);
		let anchored = &batch.records[0];
		assert_eq!(anchored.vehicle, vehicle);
		assert_eq!(&anchored.cid[..], &cid.as_bytes()[..]);
		assert_eq!(anchored.size as usize, sealed.len());
		assert_eq!(anchored.backend, StorageBackend::Ipfs);
		assert_eq!((anchored.observed_from, anchored.observed_to), (NOW_MS, NOW_MS));
		// No signal in clear; each class's key opens its part, and together they are the record.
		assert!(!sealed.windows(9).any(|w| w == b"odometerM"));
		let keys = class_keys(vehicle).expect("content keys were made");
		let ids: Vec<(Class, u32)> =
			keys.keys.iter().map(|(class, key)| (*class, key.id)).collect();
		assert_eq!(ids, Class::ALL.into_iter().zip(1..).collect::<Vec<_>>());
		for (class, part) in tesla_parts(vehicle) {
			let key = keys.get(class).expect("a key per class");
			let (header, opened) =
				envelope::open_part(&sealed, class, &key.key, key.id).expect("opens");
			assert_eq!(opened, part, "{class:?}");
			assert_eq!((header.vehicle, header.from, header.to), (vehicle, NOW_MS, NOW_MS));
		}
		// The reading is kept for the gateway: the record, the OEM's answer, the envelope.
		let kept = kept_readings(vehicle, 100);
		assert_eq!(kept.len(), 1);
		assert_eq!(kept[0].record, tesla_record(vehicle));
		assert_eq!(kept[0].raw.as_deref(), Some(TESLA_DATA.as_bytes()));
		// Its history names the envelope on IPFS and nothing of the reading itself; every key
		// that sealed it is kept by its id.
		let history = archived(vehicle, 0).expect("archived");
		assert!(history.in_storage());
		assert_eq!(history.observed_at, NOW_MS);
		assert_eq!(history.reading.envelope_cid.as_deref(), Some(&cid.as_bytes()[..]));
		assert_eq!((history.reading.record.len(), history.reading.raw.as_ref()), (0, None));
		assert_eq!((history.reading.owner, history.reading.key_id), (kept[0].owner, 1));
		for (_, key) in &keys.keys {
			assert_eq!(key_by_id(vehicle, key.id), Some(key.key));
		}
		assert_eq!(kept[0].envelope_cid.as_deref(), Some(&cid.as_bytes()[..]));
		assert_eq!(kept[0].key_id, 1);
		assert_eq!(kept[0].owner, sp_io::hashing::blake2_256(&ALICE.encode()));
		// Queued until the chain holds it; the vehicle is due again PollEvery blocks later.
		assert_eq!(queue().len(), 1);
		assert_eq!(
			local_get::<Schedule>(&schedule_key(vehicle)),
			Some(Schedule { next_block: 1 + u64::from(POLL_EVERY), not_before_ms: 0, failures: 0 })
		);

		// The chain takes it; the next run drops it from the queue, polls nothing (not due)
		// and submits nothing.
		Anchoring::do_anchor_batch(batch.clone()).expect("the chain takes the batch");
		run_worker(2);
		assert!(queue().is_empty());
		assert!(take_batches(env).is_empty());
		assert_eq!(Heads::<Test>::get(vehicle).next_seq, 1);
	});
}

#[test]
fn a_local_vehicle_is_anchored_without_any_upload() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, FRESH);
		expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
		// No IPFS request is expected: one would fail the test.

		run_worker(1);

		let batches = take_batches(env);
		assert_eq!(batches.len(), 1);
		let anchored = &batches[0].0.records[0];
		assert_eq!(&anchored.cid[..], &Cid::of_raw(&tesla_envelope(env, vehicle)).as_bytes()[..]);
		assert_eq!(anchored.backend, StorageBackend::Local);
		// Kept on the node, so that the owner and grantees can read it through the gateway.
		let kept = kept_readings(vehicle, 100);
		assert_eq!(kept.len(), 1);
		assert_eq!(kept[0].record, tesla_record(vehicle));
		assert_eq!(kept[0].envelope_cid, None);
	});
}

#[test]
fn vehicles_without_consent_credentials_or_a_registered_source_are_never_contacted() {
	offchain_test(|env| {
		// Consents to another collector.
		let other = onboard(ALICE, OTHER_COLLECTOR, StorageBackend::Ipfs);
		hold_credentials(other, TESLA, FRESH);
		// Credentials for an OEM that governance did not register.
		let unregistered = onboard(BOB, COLLECTOR, StorageBackend::Ipfs);
		hold_credentials(unregistered, 99, FRESH);
		// Consent, but no credentials.
		let _no_credentials = onboard(BOB, COLLECTOR, StorageBackend::Ipfs);

		run_worker(1);

		assert!(take_batches(env).is_empty());
		assert!(queue().is_empty());
		assert!(env.state.read().requests.is_empty(), "no HTTP request at all");
	});
}

#[test]
fn credentials_for_another_car_are_never_used() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Ipfs);
		hold_credentials(vehicle, TESLA, FRESH);
		// The operator typed another car's id: its hash is not the registry's.
		let mut credentials = held_credentials(vehicle).expect("held");
		credentials.oem_vehicle = oem_car(vehicle + 1).into_bytes();
		store_credentials(vehicle, &credentials);

		run_worker(1);

		assert!(env.state.read().requests.is_empty(), "no HTTP request at all");
		assert!(take_batches(env).is_empty());
	});
}

#[test]
fn a_node_without_a_registered_collector_key_does_nothing() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, UNREGISTERED_COLLECTOR, StorageBackend::Ipfs);
		hold_credentials(vehicle, TESLA, FRESH);
		UintAuthorityId::set_all_keys(vec![UNREGISTERED_COLLECTOR]);

		run_worker(1);

		assert!(env.state.read().requests.is_empty());
		assert!(take_batches(env).is_empty());
	});
}

#[test]
fn an_expiring_token_is_refreshed_first_and_written_back() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, NOW_MS / 1000 + 30);
		store_client(TESLA, "dimo-collector");
		env.state.write().expect_request(PendingRequest {
			method: "POST".into(),
			uri: "https://fleet-api.example.com/oauth2/token/oauth2/v3/token".into(),
			headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
			body: b"grant_type=refresh_token&client_id=dimo-collector&refresh_token=refresh-secret"
				.to_vec(),
			response: Some(
				br#"{"access_token":"access-2","refresh_token":"refresh-2","expires_in":28800,"token_type":"Bearer"}"#
					.to_vec(),
			),
			sent: true,
			..Default::default()
		});
		expect_tesla_data(env, vehicle, "access-2", TESLA_DATA);

		run_worker(1);

		assert_eq!(take_batches(env).len(), 1);
		let stored = held_credentials(vehicle).expect("still held");
		// Sealed again, not in clear.
		let raw =
			sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &credentials_key(vehicle))
				.expect("held");
		assert!(!raw.windows(8).any(|w| w == b"access-2"), "the new token is sealed");
		assert_eq!(stored.access_token, b"access-2".to_vec());
		assert_eq!(stored.refresh_token, b"refresh-2".to_vec());
		assert_eq!(stored.expires_at, NOW_MS / 1000 + 28_800);
	});
}

#[test]
fn an_ipfs_answer_naming_another_cid_anchors_nothing_and_backs_off() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Ipfs);
		hold_credentials(vehicle, TESLA, FRESH);
		let record = tesla_envelope(env, vehicle);
		expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
		expect_ipfs_add(env, vehicle, &record, &Cid::of_raw(b"something else").to_base32());

		run_worker(1);

		assert!(take_batches(env).is_empty());
		assert!(queue().is_empty());
		let schedule: Schedule = local_get(&schedule_key(vehicle)).expect("scheduled");
		assert_eq!(schedule.failures, 1);
		assert_eq!(schedule.next_block, 1 + 2 * u64::from(POLL_EVERY));
	});
}

#[test]
fn a_malformed_oem_answer_anchors_nothing_and_backs_off() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, FRESH);
		expect_tesla_data(env, vehicle, ACCESS, "{\"response\":");

		run_worker(1);

		assert!(take_batches(env).is_empty());
		let schedule: Schedule = local_get(&schedule_key(vehicle)).expect("scheduled");
		assert_eq!(schedule.failures, 1);
		// Not due at the next block: no request (one would fail the test).
		run_worker(2);
		assert!(take_batches(env).is_empty());
	});
}

#[test]
fn a_queued_record_is_submitted_again_until_the_chain_holds_it_and_never_polled_twice() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, FRESH);
		expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
		run_worker(1);
		let first = take_batches(env);
		assert_eq!(first.len(), 1);

		// The transaction was lost (a restart empties the pool): the same record again, with
		// no new HTTP request, even once the vehicle is due again.
		run_worker(2);
		run_worker(3);
		let again = take_batches(env);
		assert_eq!(again.len(), 2);
		assert!(again.iter().all(|(batch, _)| batch.records == first[0].0.records));
		assert_eq!(queue()[0].submissions, 3);

		// Anchored now: dropped from the queue, and the vehicle (due) is polled anew.
		Anchoring::do_anchor_batch(first[0].0.clone()).expect("anchored");
		env.state.write().timestamp = Timestamp::from_unix_millis(NOW_MS + 18_000);
		expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
		run_worker(4);
		let next = take_batches(env);
		assert_eq!(next.len(), 1);
		assert_eq!(next[0].0.records[0].observed_from, NOW_MS + 18_000);
		assert_eq!(queue().len(), 1);
	});
}

#[test]
fn a_withdrawn_consent_drops_the_queued_record() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, FRESH);
		expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
		run_worker(1);
		assert_eq!(take_batches(env).len(), 1);

		Registry::revoke_collector(RuntimeOrigin::signed(ALICE), vehicle, COLLECTOR)
			.expect("revoked");
		run_worker(3);
		assert!(queue().is_empty());
		assert!(take_batches(env).is_empty());
	});
}

#[test]
fn a_source_whose_host_the_operator_did_not_list_is_never_sent_a_token() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, NOW_MS / 1000 + 30);
		// Governance registered the source; the operator lists another host only (and a
		// listed name on another port does not count).
		set_settings(Settings {
			oem_hosts: vec!["auth.example.com".into(), "fleet-api.example.com:8443".into()],
			..Settings::default()
		});

		run_worker(1);

		assert!(env.state.read().requests.is_empty(), "no request, so no token, left the node");
		assert!(take_batches(env).is_empty());
		// Nothing at all is allowed on a node that never wrote its settings.
		sp_io::offchain::local_storage_clear(StorageKind::PERSISTENT, SETTINGS_KEY);
		run_worker(20);
		assert!(env.state.read().requests.is_empty());
	});
}

#[test]
fn an_oversized_answer_is_refused_and_backed_off_while_other_vehicles_are_polled() {
	offchain_test(|env| {
		let flooded = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		let fine = onboard(BOB, COLLECTOR, StorageBackend::Local);
		hold_credentials(flooded, TESLA, FRESH);
		hold_credentials(fine, TESLA, FRESH);
		set_settings(Settings {
			oem_hosts: vec!["fleet-api.example.com".into()],
			max_answer_bytes: 4_096,
			..Settings::default()
		});
		// Valid JSON, and the same reading, but more bytes than the node reads.
		let huge = format!("{TESLA_DATA}{}", " ".repeat(4_096));
		expect_tesla_data(env, flooded, ACCESS, &huge);
		expect_tesla_data(env, fine, ACCESS, TESLA_DATA);

		run_worker(1);

		let batches = take_batches(env);
		assert_eq!(batches.len(), 1);
		let vehicles: Vec<u64> = batches[0].0.records.iter().map(|r| r.vehicle).collect();
		assert_eq!(vehicles, vec![fine]);
		let schedule: Schedule = local_get(&schedule_key(flooded)).expect("scheduled");
		assert_eq!(schedule.failures, 1);
		assert_eq!(schedule.next_block, 1 + 2 * u64::from(POLL_EVERY));
		let schedule: Schedule = local_get(&schedule_key(fine)).expect("scheduled");
		assert_eq!(schedule.failures, 0);
	});
}

#[test]
fn a_queued_reading_that_the_chain_passed_by_without_anchoring_it_is_dropped() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		Registry::authorize_collector(RuntimeOrigin::signed(ALICE), vehicle, OTHER_COLLECTOR, None)
			.expect("a second collector");
		hold_credentials(vehicle, TESLA, FRESH);
		expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
		run_worker(1);
		assert_eq!(take_batches(env).len(), 1);
		// The other collector anchors a later window first: the queued reading can never be
		// anchored now.
		let later = record(vehicle, 9, NOW_MS + 1, NOW_MS + 2, StorageBackend::Local);
		Anchoring::do_anchor_batch(batch(OTHER_COLLECTOR, vec![later])).expect("anchored");
		run_worker(2);
		assert!(queue().is_empty());
		assert!(take_batches(env).is_empty());
	});
}

#[test]
fn credentials_that_do_not_open_are_never_used() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		// Stored in clear, as a node before sealing did, or sealed under another node's key.
		let credentials = Credentials {
			oem: TESLA,
			oem_vehicle: oem_car(vehicle).into_bytes(),
			access_token: ACCESS.into(),
			refresh_token: REFRESH.into(),
			expires_at: FRESH,
		};
		hold_credentials(vehicle, TESLA, FRESH);
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			&credentials_key(vehicle),
			&credentials.encode(),
		);
		run_worker(1);
		let foreign = SealKey::from_signature(&[3; 65]);
		let sealed = foreign.seal_value(&credentials_key(vehicle), [1; 24], &credentials);
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			&credentials_key(vehicle),
			&sealed.encode(),
		);
		run_worker(20);
		assert!(env.state.read().requests.is_empty(), "no request with them");
		assert!(take_batches(env).is_empty());
	});
}

#[test]
fn an_expiring_token_without_the_oems_oauth_client_is_not_refreshed() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, NOW_MS / 1000 + 30);
		// No collector_setOemClient for Tesla: no refresh request, no data request with a
		// token about to expire, and the vehicle backs off.
		run_worker(1);
		assert!(env.state.read().requests.is_empty());
		assert!(take_batches(env).is_empty());
		let schedule: Schedule = local_get(&schedule_key(vehicle)).expect("scheduled");
		assert_eq!(schedule.failures, 1);
	});
}

/// Polls `vehicle` (due) at block `block`, at Unix milliseconds `at` (the chain's clock too).
fn poll_at(env: &Offchain, vehicle: u64, block: u64, at: u64) {
	env.state.write().timestamp = Timestamp::from_unix_millis(at);
	set_chain_time(at);
	expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
	run_worker(block);
}

/// Polls Local `vehicle` in round `round` (a minute and [`POLL_EVERY`] blocks after round 0),
/// with the offchain randomness `[round; 32]`, and lets the chain take the batch.
fn poll_local(env: &Offchain, vehicle: u64, round: u64) {
	env.state.write().seed = [round as u8; 32];
	poll_at(env, vehicle, 1 + round * u64::from(POLL_EVERY), NOW_MS + round * 60_000);
	for (batch, _) in take_batches(env) {
		Anchoring::do_anchor_batch(batch).expect("the chain takes the batch");
	}
}

#[test]
fn a_class_key_is_rotated_when_its_readers_change_and_retired_with_the_consent() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, FRESH);
		set_grants(vehicle, vec![(77, vec![Stream::NonLocationData])]);
		poll_local(env, vehicle, 0);
		let first = class_keys(vehicle).expect("made");
		let ids = |keys: &ClassKeys| keys.keys.iter().map(|(_, key)| key.id).collect::<Vec<_>>();
		assert_eq!(ids(&first), [1, 2, 3, 4], "one key per class of the reading");
		// As a collector before keys were kept by id would have them: in use only.
		for id in 1..=4 {
			assert!(key_by_id(vehicle, id).is_some());
			sp_io::offchain::local_storage_clear(
				StorageKind::PERSISTENT,
				&key_by_id_key(vehicle, id),
			);
		}
		// A rawData grantee joins: only the raw key rotates.
		set_grants(vehicle, vec![(77, vec![Stream::NonLocationData]), (78, vec![Stream::RawData])]);
		poll_local(env, vehicle, 1);
		assert_eq!(ids(&class_keys(vehicle).expect("kept")), [1, 2, 3, 5]);
		// 77's grant is revoked (or expires): the non-location part is sealed under a new key.
		set_grants(vehicle, vec![(78, vec![Stream::RawData])]);
		poll_local(env, vehicle, 2);
		let rotated = class_keys(vehicle).expect("rotated");
		assert_eq!(ids(&rotated), [6, 2, 3, 5]);
		// The keys rotated away stay by their ids, those made before keys were kept by id too
		// (written at the first rotation after): the gateway opens what they sealed.
		assert_eq!(key_by_id(vehicle, 1), first.get(Class::NonLocation).map(|key| key.key));
		assert_eq!(key_by_id(vehicle, 2), first.get(Class::PreciseLocation).map(|key| key.key));
		assert_eq!(key_by_id(vehicle, 4), first.get(Class::Raw).map(|key| key.key));
		assert_eq!(key_by_id(vehicle, 6), rotated.get(Class::NonLocation).map(|key| key.key));
		assert_eq!(key_by_id(vehicle, 7), None, "no key 7 yet");
		assert_ne!(
			rotated.get(Class::NonLocation).map(|key| key.key),
			first.get(Class::NonLocation).map(|key| key.key)
		);
		// The gateway's readings name their non-location key.
		let key_ids: Vec<u32> = kept_readings(vehicle, 100).iter().map(|r| r.key_id).collect();
		assert_eq!(key_ids, [1, 1, 6]);

		// The owner withdraws the collector's consent: the keys are dropped at the next run.
		Registry::revoke_collector(RuntimeOrigin::signed(ALICE), vehicle, COLLECTOR)
			.expect("revokes");
		run_worker(1 + 3 * u64::from(POLL_EVERY));
		let retired = class_keys(vehicle).expect("the last id is kept");
		assert_eq!((retired.last_id, retired.keys.len()), (6, 0));
		// A later consent starts with new keys.
		Registry::authorize_collector(RuntimeOrigin::signed(ALICE), vehicle, COLLECTOR, None)
			.expect("consents");
		poll_local(env, vehicle, 4);
		assert_eq!(ids(&class_keys(vehicle).expect("made again")), [7, 8, 9, 10]);
		assert_eq!(kept_readings(vehicle, 100).last().map(|r| r.key_id), Some(7));
	});
}

/// The X25519 secret of the owner in the tests that publish one.
const OWNER_SECRET: [u8; 32] = [42; 32];

/// The X25519 secret of grantee 77 in the tests that publish one.
const GRANTEE_SECRET: [u8; 32] = [45; 32];

#[test]
fn the_owner_opens_every_part_and_a_grantee_the_parts_of_its_streams_with_their_secrets_alone() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Ipfs);
		hold_credentials(vehicle, TESLA, FRESH);
		publish_x25519_key(ALICE, key_wrap::public_key(&OWNER_SECRET));
		set_grants(vehicle, vec![(77, vec![Stream::NonLocationData])]);
		publish_x25519_key(77, key_wrap::public_key(&GRANTEE_SECRET));
		env.state.write().seed = [9; 32];
		// The tests' randomness is one fixed seed: the content keys, the nonces and the wraps'
		// ephemeral keys all come from it, so the envelope is known in advance.
		let owner = key_wrap::public_key(&OWNER_SECRET);
		let grantee = key_wrap::public_key(&GRANTEE_SECRET);
		let sealed = tesla_envelope_wrapped(env, vehicle, |class| match class {
			Class::NonLocation => vec![owner, grantee],
			_ => vec![owner],
		});
		expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
		expect_ipfs_add(env, vehicle, &sealed, &Cid::of_raw(&sealed).to_base32());

		run_worker(1);

		let batches = take_batches(env);
		assert_eq!(&batches[0].0.records[0].cid[..], &Cid::of_raw(&sealed).as_bytes()[..]);
		// What IPFS holds opens with the readers' secrets: no content key from the collector.
		let open_as = |secret: &[u8; 32], class| {
			envelope::open_part_as_reader(&sealed, class, secret).map(|(_, part)| part)
		};
		for (class, part) in tesla_parts(vehicle) {
			assert_eq!(open_as(&OWNER_SECRET, class), Ok(part.clone()), "{class:?}");
			let grantee_opens = open_as(&GRANTEE_SECRET, class);
			if class == Class::NonLocation {
				assert_eq!(grantee_opens, Ok(part), "the grantee's own stream");
			} else {
				assert_eq!(grantee_opens, Err(envelope::EnvelopeError::NotAReader), "{class:?}");
			}
			assert_eq!(open_as(&[43; 32], class), Err(envelope::EnvelopeError::NotAReader));
		}
	});
}

#[test]
fn each_class_key_is_wrapped_to_its_readers_through_rotations() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, FRESH);
		set_grants(vehicle, vec![(77, vec![Stream::NonLocationData])]);
		let wraps = |class| {
			class_keys(vehicle)
				.and_then(|keys| keys.get(class).map(|key| (key.id, key.key, key.wraps.clone())))
				.expect("a key")
		};
		// No key published: nothing wrapped.
		poll_local(env, vehicle, 0);
		assert!(wraps(Class::NonLocation).2.is_empty());
		// The owner and the grantee publish keys: the keys in use are wrapped at the next
		// reading, the grantee's only where it reads.
		publish_x25519_key(ALICE, key_wrap::public_key(&OWNER_SECRET));
		publish_x25519_key(77, key_wrap::public_key(&GRANTEE_SECRET));
		poll_local(env, vehicle, 1);
		let (id, key, non_location) = wraps(Class::NonLocation);
		assert_eq!(id, 1, "a new wrap is no rotation");
		assert_eq!(non_location.len(), 2);
		assert_eq!(key_wrap::unwrap(&OWNER_SECRET, &non_location[0], vehicle, 1), Ok(key));
		assert_eq!(key_wrap::unwrap(&GRANTEE_SECRET, &non_location[1], vehicle, 1), Ok(key));
		assert_eq!(wraps(Class::PreciseLocation).2.len(), 1, "the owner's only");
		// A revoke rotates the non-location key: the new one is wrapped to the owner only.
		set_grants(vehicle, vec![]);
		poll_local(env, vehicle, 2);
		let (id, key, rotated) = wraps(Class::NonLocation);
		assert_eq!((id, rotated.len()), (5, 1));
		assert_eq!(key_wrap::unwrap(&OWNER_SECRET, &rotated[0], vehicle, 5), Ok(key));
		// The owner replaces its key: wrapped anew to the new one, same key.
		publish_x25519_key(ALICE, key_wrap::public_key(&[44; 32]));
		poll_local(env, vehicle, 3);
		let (id, again, rewrapped) = wraps(Class::NonLocation);
		assert_eq!((id, again), (5, key));
		assert_eq!(key_wrap::unwrap(&[44; 32], &rewrapped[0], vehicle, 5), Ok(key));
	});
}

#[test]
fn the_ids_continue_from_a_content_key_kept_by_an_older_collector() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, FRESH);
		// A collector before spec 104 kept key 4 of the vehicle: (id, key, readers), SCALE.
		let seal_key = SealKey::from_keystore().expect("the node's sealing key");
		let old = (4u32, Some([5u8; 32]), sp_io::hashing::blake2_256(&ALICE.encode()), false, 0u8);
		for old_key in legacy_content_key_keys(vehicle) {
			sp_io::offchain::local_storage_set(
				StorageKind::PERSISTENT,
				&old_key,
				&seal_key.seal_value(&old_key, [3; 24], &old).encode(),
			);
		}
		poll_local(env, vehicle, 0);
		// The class keys take the ids after it; the old entries are gone.
		assert_eq!(class_keys(vehicle).map(|keys| keys.last_id), Some(8));
		assert_eq!(key_id(vehicle, Class::NonLocation), Some(5));
		for old_key in legacy_content_key_keys(vehicle) {
			assert!(local_get::<Sealed>(&old_key).is_none());
		}
		assert_eq!(kept_readings(vehicle, 100).last().map(|r| r.key_id), Some(5));
	});
}

#[test]
fn the_node_keeps_the_last_keep_readings_of_a_vehicle() {
	offchain_test(|env| {
		set_settings(Settings {
			oem_hosts: vec!["fleet-api.example.com".into()],
			keep_readings: 2,
			..Settings::default()
		});
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, FRESH);
		for round in 0..3 {
			poll_local(env, vehicle, round);
		}
		assert_eq!(local_get::<Head>(&head_key(vehicle)), Some(Head { next: 3 }));
		let kept = kept_readings(vehicle, 2);
		assert_eq!(kept.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2]);
		assert_eq!(kept[1].record, tesla_record_at(vehicle, NOW_MS + 120_000));
		// Two slots in all: the first reading was overwritten.
		assert!(local_get::<Sealed>(&slot_key(vehicle, 0, 2)).is_some());
		assert!(local_get::<Sealed>(&slot_key(vehicle, 2, 3)).is_none(), "no third slot");
	});
}

#[test]
fn a_vehicle_whose_readings_were_kept_before_the_history_starts_it_at_the_next() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, FRESH);
		// A node before spec 106 kept 7 readings of it, in the ring only.
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			&head_key(vehicle),
			&Head { next: 7 }.encode(),
		);
		poll_local(env, vehicle, 0);
		assert_eq!(
			local_get::<HistoryHead>(&history_head_key(vehicle)),
			Some(HistoryHead { first: 7 })
		);
		assert_eq!(archived(vehicle, 7).map(|a| a.reading.number), Some(7));
	});
}

#[test]
fn the_history_keeps_what_the_ring_moved_past_for_keep_days() {
	offchain_test(|env| {
		let settings = Settings {
			oem_hosts: vec!["fleet-api.example.com".into()],
			keep_readings: 2,
			..Settings::default()
		};
		set_settings(settings.clone());
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(vehicle, TESLA, FRESH);
		for round in 0..3 {
			poll_local(env, vehicle, round);
		}
		// The ring holds the last two; the history all three, whole (a Local vehicle's readings
		// are nowhere else), under the ring's numbers.
		assert_eq!(kept_readings(vehicle, 2).iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2]);
		for number in 0..3u64 {
			let history = archived(vehicle, number).expect("archived");
			assert!(!history.in_storage());
			assert_eq!(history.reading.number, number);
			let at = NOW_MS + number * 60_000;
			assert_eq!(history.observed_at, at);
			assert_eq!(history.reading.record, tesla_record_at(vehicle, at));
		}
		assert_eq!(
			local_get::<HistoryHead>(&history_head_key(vehicle)),
			Some(HistoryHead { first: 0 }),
			"nothing pruned"
		);
		// The retention shrinks to nothing: the next reading prunes every older one at once
		// (up to PRUNE_PER_READING), and keeps itself.
		set_settings(Settings { keep_days: 0, ..settings });
		poll_local(env, vehicle, 3);
		assert_eq!(
			local_get::<HistoryHead>(&history_head_key(vehicle)),
			Some(HistoryHead { first: 3 })
		);
		for number in 0..3u64 {
			assert!(
				local_get::<Sealed>(&history_key(vehicle, number)).is_none(),
				"{number} pruned"
			);
		}
		assert_eq!(archived(vehicle, 3).map(|a| a.reading.number), Some(3));
	});
}

/// The Arweave outbox as offchain storage holds it.
fn arweave_outbox() -> Vec<Upload> {
	local_get(OUTBOX_KEY).unwrap_or_default()
}

/// Does what the node's uploader does once the gateway mined `vehicle`'s upload of the window
/// starting at `observed_from`: marks it posted as `id`, then mined.
fn mine_upload(vehicle: u64, observed_from: u64, id: [u8; 32]) {
	let mut uploads = arweave_outbox();
	let upload = uploads
		.iter_mut()
		.find(|u| u.vehicle == vehicle && u.observed_from == observed_from)
		.expect("the outbox holds it");
	upload.posted(id, NOW_MS);
	upload.on_status(GatewayStatus::Mined { confirmations: 0 }, NOW_MS, 0);
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, OUTBOX_KEY, &uploads.encode());
}

#[test]
fn an_arweave_reading_waits_in_the_outbox_and_is_anchored_once_mined_with_its_id() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Arweave);
		hold_credentials(vehicle, TESLA, FRESH);
		env.state.write().seed = [9; 32];
		let sealed = tesla_envelope(env, vehicle);
		let cid = Cid::of_raw(&sealed);
		// No upload request from the worker: the node's uploader posts (a request would fail).
		expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);

		run_worker(1);

		// Nothing anchored: the envelope waits in the outbox, queued.
		assert!(take_batches(env).is_empty());
		assert!(queue().is_empty());
		let uploads = arweave_outbox();
		assert_eq!(uploads.len(), 1);
		assert_eq!(
			uploads[0],
			Upload::new(vehicle, NOW_MS, NOW_MS, cid.as_bytes().to_vec(), sealed.len() as u32)
		);
		assert_eq!(local_get::<Vec<u8>>(&envelope_key(vehicle, NOW_MS)), Some(sealed.clone()));
		// The owner reads it through the gateway meanwhile.
		let kept = kept_readings(vehicle, 100);
		assert_eq!(kept.len(), 1);
		assert_eq!(kept[0].envelope_cid.as_deref(), Some(&cid.as_bytes()[..]));

		// Posted but not mined: still nothing.
		let mut posted = arweave_outbox();
		posted[0].posted([5; 32], NOW_MS);
		sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, OUTBOX_KEY, &posted.encode());
		run_worker(2);
		assert!(take_batches(env).is_empty());

		// Mined: anchored with its transaction id, and out of the outbox.
		let mut mined = arweave_outbox();
		mined[0].on_status(GatewayStatus::Mined { confirmations: 0 }, NOW_MS + 1, 0);
		sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, OUTBOX_KEY, &mined.encode());
		run_worker(2);
		let batches = take_batches(env);
		assert_eq!(batches.len(), 1);
		let anchored = &batches[0].0.records[0];
		assert_eq!(
			(anchored.vehicle, anchored.backend, anchored.arweave_tx),
			(vehicle, StorageBackend::Arweave, Some([5; 32]))
		);
		assert_eq!(&anchored.cid[..], &cid.as_bytes()[..]);
		assert_eq!(anchored.size as usize, sealed.len());
		assert_eq!((anchored.observed_from, anchored.observed_to), (NOW_MS, NOW_MS));
		assert!(arweave_outbox().is_empty());
		assert_eq!(local_get::<Vec<u8>>(&envelope_key(vehicle, NOW_MS)), None);
		assert_eq!(queue().len(), 1);

		// The chain takes it (the record names its transaction); the queue empties.
		Anchoring::do_anchor_batch(batches[0].0.clone()).expect("the chain takes it");
		run_worker(2);
		assert!(queue().is_empty());
		assert!(take_batches(env).is_empty());
	});
}

#[test]
fn an_arweave_vehicle_anchors_its_oldest_reading_first_and_waits_at_the_cap() {
	offchain_test(|env| {
		let vehicle = onboard(ALICE, COLLECTOR, StorageBackend::Arweave);
		hold_credentials(vehicle, TESLA, FRESH);
		let every = u64::from(POLL_EVERY);
		// The gateway refuses every upload: the vehicle is polled until the outbox holds its
		// share, then no more (no OEM request is expected: one would fail the test).
		let at = |poll: u64| NOW_MS + poll * 12_000;
		for poll in 0..MAX_UPLOADS_PER_VEHICLE as u64 {
			poll_at(env, vehicle, 1 + poll * every, at(poll));
		}
		assert_eq!(arweave_outbox().len(), MAX_UPLOADS_PER_VEHICLE);
		let cap = MAX_UPLOADS_PER_VEHICLE as u64;
		env.state.write().timestamp = Timestamp::from_unix_millis(at(cap));
		set_chain_time(at(cap));
		run_worker(1 + cap * every);
		assert_eq!(arweave_outbox().len(), MAX_UPLOADS_PER_VEHICLE);
		assert!(take_batches(env).is_empty());

		// A newer reading mined first waits for the oldest.
		mine_upload(vehicle, at(1), [2; 32]);
		run_worker(2 + cap * every);
		assert!(take_batches(env).is_empty());
		mine_upload(vehicle, at(0), [1; 32]);
		run_worker(3 + cap * every);
		let batches = take_batches(env);
		assert_eq!(batches.len(), 1);
		assert_eq!(batches[0].0.records.len(), 1, "one reading of a vehicle at a time");
		assert_eq!(batches[0].0.records[0].observed_from, at(0));
		assert_eq!(batches[0].0.records[0].arweave_tx, Some([1; 32]));
		Anchoring::do_anchor_batch(batches[0].0.clone()).expect("anchored");

		// The next one follows once the chain holds the first (while one of its records is
		// queued for the chain, the vehicle is not polled: no OEM request is expected).
		run_worker(4 + cap * every);
		let batches = take_batches(env);
		assert_eq!(batches.len(), 1);
		assert_eq!(batches[0].0.records[0].observed_from, at(1));
		assert_eq!(batches[0].0.records[0].arweave_tx, Some([2; 32]));
		assert_eq!(arweave_outbox().len(), MAX_UPLOADS_PER_VEHICLE - 2);
		// With room in the outbox and nothing queued for the chain, it is polled again.
		Anchoring::do_anchor_batch(batches[0].0.clone()).expect("anchored");
		expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
		run_worker(5 + cap * every);
		assert!(take_batches(env).is_empty());
		assert_eq!(arweave_outbox().len(), MAX_UPLOADS_PER_VEHICLE - 1);
	});
}

#[test]
fn a_withdrawn_consent_or_another_backend_drops_the_waiting_arweave_readings() {
	offchain_test(|env| {
		let leaving = onboard(ALICE, COLLECTOR, StorageBackend::Arweave);
		let revoking = onboard(ALICE, COLLECTOR, StorageBackend::Arweave);
		for vehicle in [leaving, revoking] {
			hold_credentials(vehicle, TESLA, FRESH);
			expect_tesla_data(env, vehicle, ACCESS, TESLA_DATA);
		}
		run_worker(1);
		assert_eq!(arweave_outbox().len(), 2);
		mine_upload(leaving, NOW_MS, [1; 32]);

		Registry::set_storage(RuntimeOrigin::signed(ALICE), leaving, StorageBackend::Ipfs)
			.expect("moved to IPFS");
		Registry::revoke_collector(RuntimeOrigin::signed(ALICE), revoking, COLLECTOR)
			.expect("revoked");
		run_worker(2);
		// Neither is posted nor anchored now, mined or not.
		assert!(arweave_outbox().is_empty());
		assert!(take_batches(env).is_empty());
		for vehicle in [leaving, revoking] {
			assert_eq!(local_get::<Vec<u8>>(&envelope_key(vehicle, NOW_MS)), None);
		}
	});
}

/// The commitments in the pool, decoded, in order; the pool is emptied.
fn take_commitments(env: &Offchain) -> Vec<(crate::CommitmentOf<Test>, TestSignature)> {
	let transactions = std::mem::take(&mut env.pool.write().transactions);
	transactions
		.iter()
		.map(|bytes| match Extrinsic::decode(&mut &bytes[..]).expect("an extrinsic").function {
			RuntimeCall::Anchoring(Call::commit { commitment, signature }) => {
				(commitment, signature)
			},
			other => panic!("not a commitment: {other:?}"),
		})
		.collect()
}

#[test]
fn in_commitment_mode_a_run_commits_its_readings_under_one_root_and_logs_them_for_proofs() {
	use dimo_offchain::commitments::{
		self, commitment_key, vehicle_key, Committed, LoggedCommitment,
	};
	offchain_test(|env| {
		set_commitment_mode();
		let cars = [
			onboard(ALICE, COLLECTOR, StorageBackend::Local),
			onboard(BOB, COLLECTOR, StorageBackend::Local),
		];
		for car in cars {
			hold_credentials(car, TESLA, FRESH);
			expect_tesla_data(env, car, ACCESS, TESLA_DATA);
		}

		run_worker(1);

		// One commitment, signed by the collector, to the log's records; no batch, no queue.
		let commitments = take_commitments(env);
		assert_eq!(commitments.len(), 1);
		let (commitment, signature) = commitments[0].clone();
		assert!(commitment
			.collector
			.verify(&commitment.signing_payload(&System::block_hash(0)), &signature));
		let logged: LoggedCommitment =
			local_get(&commitment_key(0)).expect("logged before submission");
		assert_eq!((commitment.index, commitment.leaf_count), (0, 2));
		assert_eq!(commitment.root, logged.root());
		assert_eq!((commitment.window_from, commitment.window_to), (NOW_MS, NOW_MS));
		assert_eq!(
			logged.records.iter().map(|r| (r.vehicle, r.seq)).collect::<Vec<_>>(),
			vec![(cars[0], 0), (cars[1], 0)]
		);
		assert_eq!(
			&logged.records[0].cid[..],
			&Cid::of_raw(&tesla_envelope(env, cars[0])).as_bytes()[..]
		);
		assert_eq!(
			local_get::<Vec<Committed>>(&vehicle_key(cars[1])),
			Some(vec![Committed { seq: 0, commitment: 0, leaf: 1, observed_to: NOW_MS }])
		);
		assert!(queue().is_empty());

		// Not on chain yet: the next run submits the same commitment and polls nothing (an
		// HTTP request would find no answer and fail the test).
		run_worker(2);
		assert_eq!(
			take_commitments(env).into_iter().map(|(c, _)| c).collect::<Vec<_>>(),
			vec![commitment.clone()]
		);

		// The chain takes it: each logged record proves against it.
		Anchoring::do_commit(commitment).expect("the chain takes the commitment");
		for leaf in 0..2 {
			let (record, proof) = commitments::proof(&logged, leaf).expect("a leaf");
			assert!(
				Anchoring::verify_committed(&COLLECTOR, 0, &record, &proof).is_ok(),
				"leaf {leaf}"
			);
		}

		// The next round commits the next readings under the next index, next sequence numbers.
		let later = NOW_MS + 60_000;
		env.state.write().timestamp = Timestamp::from_unix_millis(later);
		set_chain_time(later);
		for car in cars {
			expect_tesla_data(env, car, ACCESS, TESLA_DATA);
		}
		run_worker(1 + u64::from(POLL_EVERY));
		let (next, _) = take_commitments(env).pop().expect("a second commitment");
		assert_eq!((next.index, next.leaf_count, next.window_from), (1, 2, later));
		let logged: LoggedCommitment = local_get(&commitment_key(1)).expect("logged");
		assert_eq!(logged.records.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 1]);
		assert_eq!(
			local_get::<Vec<Committed>>(&vehicle_key(cars[0])).map(|index| index.len()),
			Some(2)
		);
	});
}

/// Does what the node's uploader does once the gateway mined bundle `bundle` holding
/// `vehicle`'s upload of the window starting at `observed_from` as data item `item`.
fn mine_in_bundle(vehicle: u64, observed_from: u64, bundle: [u8; 32], item: [u8; 32]) {
	let mut uploads = arweave_outbox();
	let upload = uploads
		.iter_mut()
		.find(|u| u.vehicle == vehicle && u.observed_from == observed_from)
		.expect("the outbox holds it");
	upload.bundled(bundle, item, NOW_MS);
	upload.on_status(GatewayStatus::Mined { confirmations: 0 }, NOW_MS, 0);
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, OUTBOX_KEY, &uploads.encode());
}

#[test]
fn in_commitment_mode_a_commitment_takes_the_arweave_readings_of_one_bundle_and_names_it() {
	use dimo_offchain::commitments::{commitment_key, LoggedCommitment};
	offchain_test(|env| {
		set_commitment_mode();
		let cars = [
			onboard(ALICE, COLLECTOR, StorageBackend::Arweave),
			onboard(BOB, COLLECTOR, StorageBackend::Arweave),
		];
		for car in cars {
			hold_credentials(car, TESLA, FRESH);
			expect_tesla_data(env, car, ACCESS, TESLA_DATA);
		}

		run_worker(1);

		// Both readings wait for Arweave: nothing to commit.
		assert!(take_commitments(env).is_empty());
		assert_eq!(arweave_outbox().len(), 2);

		// The uploader's rounds put them in two bundles, both mined.
		let (bundle_a, bundle_b) = ([0xaa; 32], [0xbb; 32]);
		mine_in_bundle(cars[0], NOW_MS, bundle_a, [1; 32]);
		mine_in_bundle(cars[1], NOW_MS, bundle_b, [2; 32]);
		run_worker(2);

		// One commitment, of the first bundle's reading only, naming that bundle.
		let mut commitments = take_commitments(env);
		assert_eq!(commitments.len(), 1);
		let (first, _) = commitments.remove(0);
		assert_eq!((first.index, first.leaf_count, first.arweave_bundle), (0, 1, Some(bundle_a)));
		assert_eq!(first.archive, None);
		let logged: LoggedCommitment = local_get(&commitment_key(0)).expect("logged");
		assert_eq!(logged.arweave_bundle, Some(bundle_a));
		let leaf = &logged.records[0];
		assert_eq!(
			(leaf.vehicle, leaf.backend, leaf.arweave_tx),
			(cars[0], StorageBackend::Arweave, Some([1; 32])),
			"the leaf names its data item"
		);
		// The other bundle's reading waits in the outbox for the next commitment.
		let waiting: Vec<(u64, Option<[u8; 32]>)> =
			arweave_outbox().iter().map(|u| (u.vehicle, u.mined_bundle())).collect();
		assert_eq!(waiting, vec![(cars[1], Some(bundle_b))]);

		Anchoring::do_commit(first).expect("the chain takes it");
		assert_eq!(crate::CommitmentBundles::<Test>::get(COLLECTOR, 0), Some(bundle_a));
		// The next run, when both cars are due again: the second bundle's reading is committed;
		// the first car's new reading goes to the outbox (the second car, whose reading this
		// commitment takes, is polled by a later run).
		let later = NOW_MS + 60_000;
		env.state.write().timestamp = Timestamp::from_unix_millis(later);
		set_chain_time(later);
		expect_tesla_data(env, cars[0], ACCESS, TESLA_DATA);
		run_worker(1 + u64::from(POLL_EVERY));
		let (second, _) = take_commitments(env).pop().expect("a second commitment");
		assert_eq!(
			(second.index, second.leaf_count, second.arweave_bundle),
			(1, 1, Some(bundle_b))
		);
		let waiting: Vec<(u64, u64, bool)> =
			arweave_outbox().iter().map(|u| (u.vehicle, u.observed_from, u.is_queued())).collect();
		assert_eq!(waiting, vec![(cars[0], later, true)]);
	});
}

/// The node's settings in commitment mode, with the tests' OEM host.
fn set_commitment_mode() {
	set_settings(Settings {
		oem_hosts: vec!["fleet-api.example.com".into()],
		commit: true,
		..Settings::default()
	});
}

/// The IPFS spool's list, as offchain storage holds it.
fn ipfs_spool() -> Vec<dimo_offchain::ipfs_spool::Spooled> {
	local_get(dimo_offchain::ipfs_spool::SPOOL_KEY).unwrap_or_default()
}

/// Commitment mode with two of Alice's and Bob's cars on IPFS, read with the fixed seed
/// `[9; 32]`; their envelopes, in the order the worker seals them.
fn two_ipfs_cars_in_commitment_mode(env: &Offchain) -> ([VehicleId; 2], Vec<Vec<u8>>) {
	set_commitment_mode();
	let cars = [
		onboard(ALICE, COLLECTOR, StorageBackend::Ipfs),
		onboard(BOB, COLLECTOR, StorageBackend::Ipfs),
	];
	env.state.write().seed = [9; 32];
	for car in cars {
		hold_credentials(car, TESLA, FRESH);
		expect_tesla_data(env, car, ACCESS, TESLA_DATA);
	}
	let envelopes = cars.iter().map(|car| tesla_envelope(env, *car)).collect();
	(cars, envelopes)
}

#[test]
fn in_commitment_mode_a_runs_ipfs_readings_are_spooled_as_one_archive_and_committed_at_once() {
	offchain_test(|env| {
		let (cars, envelopes) = two_ipfs_cars_in_commitment_mode(env);
		let refs: Vec<&[u8]> = envelopes.iter().map(|e| e.as_slice()).collect();
		let object = dimo_offchain::car::commitment_object(&refs);
		let root = object.root;

		// No IPFS request: the run does not wait for IPFS (a request the test does not expect
		// would fail it); the node's importer takes the archive from the spool.
		run_worker(1);

		let spool = ipfs_spool();
		assert_eq!(
			spool.iter().map(|a| (a.root, a.readings, a.bytes as usize)).collect::<Vec<_>>(),
			vec![(root, 2, object.car.len())]
		);
		let spooled = sp_io::offchain::local_storage_get(
			StorageKind::PERSISTENT,
			&dimo_offchain::ipfs_spool::archive_key(&root),
		);
		assert_eq!(spooled.as_deref(), Some(&object.car[..]), "the archive's bytes, as posted");

		let commitments = take_commitments(env);
		assert_eq!(commitments.len(), 1);
		let logged: dimo_offchain::commitments::LoggedCommitment =
			local_get(&dimo_offchain::commitments::commitment_key(0)).expect("logged");
		// The commitment names the archive, and the log keeps it for a resubmission.
		assert_eq!(commitments[0].0.archive.as_ref().map(|a| &a[..]), Some(&root[..]));
		assert_eq!(logged.archive.as_deref(), Some(&root[..]));
		let leaves: Vec<(VehicleId, Vec<u8>)> =
			logged.records.iter().map(|r| (r.vehicle, r.cid.to_vec())).collect();
		let expected: Vec<(VehicleId, Vec<u8>)> = cars
			.iter()
			.zip(&envelopes)
			.map(|(car, envelope)| (*car, Cid::of_raw(envelope).as_bytes().to_vec()))
			.collect();
		assert_eq!(leaves, expected, "each leaf names its envelope, a block of the archive");
		for car in cars {
			assert_eq!(kept_readings(car, 100).len(), 1);
		}
		// Submitted again, from the log, with its archive (spooled once); once on chain, the
		// chain names it.
		run_worker(2);
		let again = take_commitments(env).pop().expect("submitted again").0;
		assert_eq!(again, commitments[0].0);
		assert_eq!(ipfs_spool().len(), 1);
		Anchoring::do_commit(again).expect("the chain takes the commitment");
		assert_eq!(
			crate::CommitmentArchives::<Test>::get(COLLECTOR, 0).map(|a| a.into_inner()),
			Some(root.to_vec())
		);
	});
}

#[test]
fn a_full_ipfs_spool_stops_the_run_before_it_polls_and_it_resumes_once_ipfs_took_an_archive() {
	use dimo_offchain::ipfs_spool::{Spooled, MAX_SPOOLED_ARCHIVES, SPOOL_KEY};
	offchain_test(|env| {
		set_commitment_mode();
		let car = onboard(ALICE, COLLECTOR, StorageBackend::Ipfs);
		hold_credentials(car, TESLA, FRESH);
		let full: Vec<Spooled> = (0..MAX_SPOOLED_ARCHIVES)
			.map(|n| Spooled {
				root: [n as u8; 36],
				readings: 10,
				bytes: 1_000,
				spooled_at_ms: NOW_MS - 30_000,
			})
			.collect();
		sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, SPOOL_KEY, &full.encode());

		// No OEM request is expected: one made would fail the test.
		run_worker(1);
		assert!(take_commitments(env).is_empty());
		assert_eq!(ipfs_spool(), full, "nothing added");
		assert!(local_get::<Schedule>(&schedule_key(car)).is_none(), "the car was not polled");

		// The importer took the oldest archive: the next run polls, spools and commits.
		sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, SPOOL_KEY, &full[1..].encode());
		expect_tesla_data(env, car, ACCESS, TESLA_DATA);
		run_worker(2);
		assert_eq!(take_commitments(env).len(), 1);
		assert_eq!(ipfs_spool().len(), MAX_SPOOLED_ARCHIVES, "the run's archive spooled");
	});
}

#[test]
fn an_operators_poll_cadence_replaces_the_chains() {
	offchain_test(|env| {
		set_settings(Settings {
			oem_hosts: vec!["fleet-api.example.com".into()],
			commit: true,
			poll_every: 1,
			..Settings::default()
		});
		let car = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		hold_credentials(car, TESLA, FRESH);
		expect_tesla_data(env, car, ACCESS, TESLA_DATA);
		run_worker(1);
		assert_eq!(take_commitments(env).len(), 1);
		let schedule: Schedule = local_get(&schedule_key(car)).expect("scheduled");
		assert_eq!(schedule.next_block, 2, "polled again the next block, not {POLL_EVERY} later");
	});
}

/// Commitment mode, and one car of Alice's on `Local` whose credentials the node holds.
fn one_car_in_commitment_mode() -> VehicleId {
	set_commitment_mode();
	let car = onboard(ALICE, COLLECTOR, StorageBackend::Local);
	hold_credentials(car, TESLA, FRESH);
	car
}

#[test]
fn a_node_whose_log_lacks_the_chains_last_commitment_under_its_key_collects_nothing() {
	use dimo_offchain::commitments::{commitment_key, LoggedCommitment};
	offchain_test(|env| {
		one_car_in_commitment_mode();
		// Another node with the same key committed index 0; this node never logged it.
		Anchoring::do_commit(crate::Commitment {
			collector: UintAuthorityId(COLLECTOR),
			index: 0,
			root: dimo_primitives::commitment::H256::repeat_byte(7),
			leaf_count: 1,
			window_from: NOW_MS,
			window_to: NOW_MS,
			archive: None,
			arweave_bundle: None,
		})
		.expect("the chain takes the other node's commitment");

		// No poll (an HTTP request would find no answer and fail the test), nothing logged,
		// nothing submitted.
		run_worker(1);
		assert!(take_commitments(env).is_empty());
		assert_eq!(local_get::<LoggedCommitment>(&commitment_key(1)), None);
	});
}

#[test]
fn a_node_whose_log_holds_another_root_for_the_chains_last_commitment_collects_nothing() {
	use dimo_offchain::commitments::{commitment_key, LoggedCommitment};
	offchain_test(|env| {
		let car = one_car_in_commitment_mode();
		expect_tesla_data(env, car, ACCESS, TESLA_DATA);
		run_worker(1);
		let (mine, _) = take_commitments(env).pop().expect("this node's commitment 0");
		assert_eq!(mine.archive, None, "a commitment of a `Local` reading names no archive");
		// The other node's commitment 0 landed first.
		let theirs = crate::Commitment {
			root: dimo_primitives::commitment::H256::repeat_byte(7),
			..mine.clone()
		};
		Anchoring::do_commit(theirs).expect("the chain takes the other node's commitment");

		run_worker(1 + u64::from(POLL_EVERY));
		assert!(take_commitments(env).is_empty());
		assert_eq!(local_get::<LoggedCommitment>(&commitment_key(1)), None);
	});
}

#[test]
fn a_run_polls_within_its_budget_says_how_many_it_left_due_and_the_next_starts_there() {
	use dimo_offchain::load::{RunLoad, LOAD_KEY, MIN_POLLS_PER_RUN};
	offchain_test(|env| {
		set_commitment_mode();
		let cars = [
			onboard(ALICE, COLLECTOR, StorageBackend::Local),
			onboard(BOB, COLLECTOR, StorageBackend::Local),
			onboard(ALICE, COLLECTOR, StorageBackend::Local),
		];
		for car in cars {
			hold_credentials(car, TESLA, FRESH);
		}
		// A budget of one vehicle: the run polls the first car only (a request for another
		// would find no answer and fail the test).
		let tight = RunLoad { budget: 1, ..RunLoad::default() };
		sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, LOAD_KEY, &tight.encode());
		expect_tesla_data(env, cars[0], ACCESS, TESLA_DATA);
		run_worker(1);
		let (first, _) = take_commitments(env).pop().expect("a commitment");
		assert_eq!(first.leaf_count, 1);
		let load: RunLoad = local_get(LOAD_KEY).expect("the run's load");
		assert_eq!(
			(load.block, load.polled, load.due_left, load.behind_runs, load.next_vehicle_at),
			(1, 1, 2, 1, 1),
			"two cars left due, the next run starts at the second"
		);
		// A quick run that left vehicles due grows the budget (here to the least a run polls).
		assert_eq!(load.budget, MIN_POLLS_PER_RUN);

		// The chain takes it; the next run polls the two left, from where the last stopped.
		Anchoring::do_commit(first).expect("the chain takes the commitment");
		for car in &cars[1..] {
			expect_tesla_data(env, *car, ACCESS, TESLA_DATA);
		}
		run_worker(2);
		let (second, _) = take_commitments(env).pop().expect("a second commitment");
		assert_eq!(second.leaf_count, 2);
		let load: RunLoad = local_get(LOAD_KEY).expect("the run's load");
		assert_eq!((load.polled, load.due_left, load.behind_runs), (2, 0, 0), "caught up");
		let logged: dimo_offchain::commitments::LoggedCommitment =
			local_get(&dimo_offchain::commitments::commitment_key(1)).expect("logged");
		assert_eq!(logged.records.iter().map(|r| r.vehicle).collect::<Vec<_>>(), cars[1..]);
	});
}

/// Registers a Fleet Telemetry push feed for Tesla (the CA's shape is the pallet's business,
/// checked in tests/registries.rs).
fn register_fleet_telemetry() {
	crate::PushFeeds::<Test>::insert(
		TESLA,
		crate::PushFeed::FleetTelemetry { vehicle_ca: vec![0x30, 0x00].try_into().expect("short") },
	);
}

/// A reading pushed for the car whose carmaker id is `oem_ref`, observed at `at`.
fn pushed(
	oem: u32,
	oem_ref: &str,
	at: u64,
	speed: i64,
) -> dimo_offchain::push_inbox::PushedReading {
	dimo_offchain::push_inbox::PushedReading {
		oem,
		kind: dimo_offchain::push_inbox::PushKind::FleetTelemetry,
		oem_ref: oem_ref.as_bytes().to_vec(),
		observed_at_ms: at,
		received_at_ms: at + 100,
		signals: [("speedKph".to_string(), speed)].into_iter().collect(),
		raw: None,
	}
}

/// Does what a receiver of the node does: writes `readings` as a segment, then lists it.
fn push_segment(readings: &[dimo_offchain::push_inbox::PushedReading]) -> u64 {
	use dimo_offchain::push_inbox::{segment_key, Inbox, INBOX_KEY};
	let mut inbox: Inbox = local_get(INBOX_KEY).unwrap_or_default();
	let bytes = readings.to_vec().encode();
	let seq = inbox.next_seq;
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, &segment_key(seq), &bytes);
	assert_eq!(inbox.add(readings.len() as u32, bytes.len() as u32, NOW_MS), Some(seq));
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, INBOX_KEY, &inbox.encode());
	seq
}

/// The segments listed in the push inbox.
fn inbox_segments() -> Vec<u64> {
	local_get::<dimo_offchain::push_inbox::Inbox>(dimo_offchain::push_inbox::INBOX_KEY)
		.unwrap_or_default()
		.segments
		.iter()
		.map(|segment| segment.seq)
		.collect()
}

/// The records of logged commitment `index`: (vehicle, seq, observed_from).
fn logged_leaves(index: u64) -> Vec<(VehicleId, u64, u64)> {
	let logged: dimo_offchain::commitments::LoggedCommitment =
		local_get(&dimo_offchain::commitments::commitment_key(index)).expect("logged");
	logged.records.iter().map(|r| (r.vehicle, r.seq, r.observed_from)).collect()
}

#[test]
fn pushed_readings_of_consenting_registered_cars_are_committed_and_the_rest_dropped() {
	offchain_test(|env| {
		set_commitment_mode();
		register_fleet_telemetry();
		let cars = [
			onboard(ALICE, COLLECTOR, StorageBackend::Local),
			onboard(BOB, COLLECTOR, StorageBackend::Local),
		];
		// Consents to another collector only.
		let elsewhere = onboard(BOB, UNREGISTERED_COLLECTOR, StorageBackend::Local);
		let (t1, t2) = (NOW_MS - 20_000, NOW_MS - 10_000);
		let segment = push_segment(&[
			pushed(TESLA, &oem_car(cars[0]), t2, 90),
			pushed(TESLA, &oem_car(cars[1]), t1, 50),
			pushed(TESLA, &oem_car(cars[0]), t1, 80),
			pushed(TESLA, "5YJ-NOT-REGISTERED", t1, 1),
			pushed(TESLA, &oem_car(elsewhere), t1, 1),
			pushed(7, &oem_car(cars[0]), t1, 1),
			pushed(TESLA, "", t1, 1),
			// A signal name the record format does not take: it never makes a record.
			dimo_offchain::push_inbox::PushedReading {
				signals: [("speed kph".to_string(), 1)].into_iter().collect(),
				..pushed(TESLA, &oem_car(cars[1]), t2, 1)
			},
		]);

		// No credentials, no OEM request: a request the test does not expect would fail it.
		run_worker(1);

		let commitments = take_commitments(env);
		assert_eq!(commitments.len(), 1);
		let commitment = &commitments[0].0;
		assert_eq!(
			(commitment.leaf_count, commitment.window_from, commitment.window_to),
			(3, t1, t2)
		);
		// By vehicle, then by observation time: the OEM's time, not the run's.
		assert_eq!(logged_leaves(0), vec![(cars[0], 0, t1), (cars[0], 1, t2), (cars[1], 0, t1)]);
		// Each is kept for the gateway, sealed like a polled reading.
		assert_eq!(kept_readings(cars[0], 100).len(), 2);
		assert!(kept_readings(elsewhere, 100).is_empty());
		// The segment leaves the inbox once the commitment is logged, its bytes with it.
		assert!(inbox_segments().is_empty());
		assert!(sp_io::offchain::local_storage_get(
			StorageKind::PERSISTENT,
			&dimo_offchain::push_inbox::segment_key(segment)
		)
		.is_none());
	});
}

#[test]
fn a_pushed_reading_sent_again_or_taken_again_after_a_crash_is_committed_once() {
	offchain_test(|env| {
		set_commitment_mode();
		register_fleet_telemetry();
		let car = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		let (t1, t2) = (NOW_MS - 20_000, NOW_MS - 10_000);
		let first = [pushed(TESLA, &oem_car(car), t1, 80)];
		push_segment(&first);
		run_worker(1);
		let (commitment, _) = take_commitments(env).pop().expect("committed");
		Anchoring::do_commit(commitment).expect("the chain takes it");

		// A crash between the log and the release would leave the segment listed: the next
		// run takes it again and finds its reading committed already. The OEM's resend of the
		// same reading (`is_resend`) is likewise left out, and only the new one committed.
		push_segment(&first);
		push_segment(&[pushed(TESLA, &oem_car(car), t1, 80), pushed(TESLA, &oem_car(car), t2, 85)]);
		run_worker(2);
		let (next, _) = take_commitments(env).pop().expect("the new reading committed");
		assert_eq!((next.index, next.leaf_count), (1, 1));
		assert_eq!(logged_leaves(1), vec![(car, 1, t2)]);
		assert!(inbox_segments().is_empty());
		Anchoring::do_commit(next).expect("the chain takes it");

		// Only readings committed already: nothing is committed, and the segment goes.
		push_segment(&first);
		run_worker(3);
		assert!(take_commitments(env).is_empty());
		assert!(inbox_segments().is_empty());
	});
}

#[test]
fn a_pushed_reading_that_cannot_be_stored_holds_back_its_vehicles_later_ones_in_the_inbox() {
	offchain_test(|env| {
		set_commitment_mode();
		register_fleet_telemetry();
		let arweave = onboard(ALICE, COLLECTOR, StorageBackend::Arweave);
		let local = onboard(BOB, COLLECTOR, StorageBackend::Local);
		// The Arweave car's outbox is full: its readings wait for the gateway.
		let full: Vec<Upload> = (0..MAX_UPLOADS_PER_VEHICLE as u64)
			.map(|n| {
				let at = NOW_MS - 100_000 + n;
				Upload::new(arweave, at, at, vec![n as u8; 36], 100)
			})
			.collect();
		sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, OUTBOX_KEY, &full.encode());
		let (t1, t2) = (NOW_MS - 20_000, NOW_MS - 10_000);
		let held = push_segment(&[
			pushed(TESLA, &oem_car(arweave), t1, 80),
			pushed(TESLA, &oem_car(local), t1, 50),
		]);
		let later = push_segment(&[pushed(TESLA, &oem_car(arweave), t2, 85)]);

		run_worker(1);

		let (commitment, _) = take_commitments(env).pop().expect("the Local car's reading");
		assert_eq!(logged_leaves(0), vec![(local, 0, t1)]);
		Anchoring::do_commit(commitment).expect("the chain takes it");
		// Both segments wait: the first for its Arweave reading, the second because a later
		// reading of the same car may not go before it.
		assert_eq!(inbox_segments(), vec![held, later]);
		assert_eq!(arweave_outbox().len(), MAX_UPLOADS_PER_VEHICLE);

		// The gateway took the uploads: the next run queues both readings, in order, and
		// leaves out the Local car's, committed already.
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			OUTBOX_KEY,
			&Vec::<Upload>::new().encode(),
		);
		run_worker(2);
		assert!(take_commitments(env).is_empty(), "Arweave readings are committed once mined");
		let queued: Vec<(VehicleId, u64)> =
			arweave_outbox().iter().map(|u| (u.vehicle, u.observed_from)).collect();
		assert_eq!(queued, vec![(arweave, t1), (arweave, t2)]);
		assert!(inbox_segments().is_empty());
	});
}

#[test]
fn a_collector_that_anchors_record_by_record_leaves_pushed_readings_in_the_inbox() {
	offchain_test(|env| {
		register_fleet_telemetry();
		let car = onboard(ALICE, COLLECTOR, StorageBackend::Local);
		let segment = push_segment(&[pushed(TESLA, &oem_car(car), NOW_MS - 1_000, 80)]);
		run_worker(1);
		assert!(take_batches(env).is_empty());
		assert_eq!(inbox_segments(), vec![segment]);
	});
}
