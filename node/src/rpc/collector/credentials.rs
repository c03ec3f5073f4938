//! The `collector_*` JSON-RPC methods: how a collector's operator hands an owner's OEM
//! credentials to the node.
//!
//! They are **unsafe** methods: the node serves them only where unsafe methods are allowed
//! (`--rpc-methods unsafe`, or the default `auto` on an RPC server that listens on localhost),
//! because whoever calls them changes what the node holds. The credentials go into the node's
//! offchain persistent storage and nowhere else: not chain state, not a transaction, not a log
//! line; and they go there **sealed** ([`dimo_offchain::seal`]) under a key made from the
//! node's keystore (a `dsea` key, generated here the first time), so that whoever can read
//! offchain storage (`offchain_localStorageGet`, the database files) reads no token. The
//! offchain worker opens them there ([`dimo_offchain::credentials`]), and seals back the access
//! tokens it refreshes.

use std::sync::Arc;

use dimo_offchain::{
	arweave::{wallet::Wallet, MAX_JWK_LEN, WALLET_KEY},
	credentials::{
		credentials_key, oem_client_key, with_vehicle, without_vehicle, Credentials, OemClient,
		MAX_CLIENT_FIELD_LEN, MAX_OEM_VEHICLE_LEN, MAX_TOKEN_LEN, VEHICLES_KEY,
	},
	ipfs_spool,
	load::{RunLoad, RunSteps, LOAD_KEY},
	push_inbox::{self, Inbox},
	seal::SealKey,
};
use dimo_primitives::vehicle::{OemId, VehicleId};
use jsonrpsee::{core::RpcResult, proc_macros::rpc, Extensions};
use parking_lot::Mutex;
use rand::RngCore;
use sp_core::offchain::OffchainStorage;
use sp_keystore::KeystorePtr;

use crate::rpc::error::{
	error, BAD_TOKEN, BAD_WALLET, NO_OFFCHAIN_STORAGE, NO_SEALING_KEY, TOO_MANY_VEHICLES,
	UNSAFE_DENIED,
};
use dimo_collector::node_seal_key;

/// The `collector_*` methods.
#[rpc(server)]
pub trait CollectorApi {
	/// Stores the OAuth2 tokens of `vehicle`'s owner for OEM `oem`: `access_token`, valid until
	/// `expires_at` (Unix seconds), and `refresh_token`, for the car that the OEM's API calls
	/// `oem_vehicle` (the chain holds only the hash of that id). Replaces what the node held
	/// for the vehicle. Unsafe.
	#[method(name = "collector_setCredentials", with_extensions)]
	fn set_credentials(
		&self,
		vehicle: VehicleId,
		oem: OemId,
		access_token: String,
		refresh_token: String,
		expires_at: u64,
		oem_vehicle: String,
	) -> RpcResult<()>;

	/// Forgets the credentials of `vehicle`; `true` if the node held some. Unsafe.
	#[method(name = "collector_removeCredentials", with_extensions)]
	fn remove_credentials(&self, vehicle: VehicleId) -> RpcResult<bool>;

	/// The vehicles the node holds credentials for (never the credentials). Unsafe.
	#[method(name = "collector_vehicles", with_extensions)]
	fn vehicles(&self) -> RpcResult<Vec<VehicleId>>;

	/// Stores the OAuth client that the operator registered with OEM `oem`: what the collector
	/// authenticates token refreshes with (Tesla: the client id; Smartcar: the id and the
	/// secret, as HTTP Basic). Sealed like the credentials; replaces the earlier one. Unsafe.
	#[method(name = "collector_setOemClient", with_extensions)]
	fn set_oem_client(
		&self,
		oem: OemId,
		client_id: String,
		client_secret: Option<String>,
	) -> RpcResult<()>;

	/// Forgets the OAuth client of `oem`; `true` if the node held one. Unsafe.
	#[method(name = "collector_removeOemClient", with_extensions)]
	fn remove_oem_client(&self, oem: OemId) -> RpcResult<bool>;

	/// Stores the collector's Arweave wallet, `jwk` (the JSON that Arweave wallets export: an
	/// RSA key of at least 4096 bits), sealed like the credentials, replacing the earlier one;
	/// answers the wallet's address, never the key. Unsafe.
	#[method(name = "collector_setArweaveWallet", with_extensions)]
	fn set_arweave_wallet(&self, jwk: String) -> RpcResult<String>;

	/// Forgets the Arweave wallet; `true` if the node held one. Unsafe.
	#[method(name = "collector_removeArweaveWallet", with_extensions)]
	fn remove_arweave_wallet(&self) -> RpcResult<bool>;

	/// Whether the collector keeps up: what its latest run that polled did (`block`,
	/// `polled` vehicles in `runMs`, `dueLeft` due vehicles left for later runs, `behindRuns`
	/// runs in a row that left some), `budget`, the most vehicles its next run polls
	/// (`dimo_offchain::load`), `steps`, how long each step of the run took, ms (`dueMs`,
	/// `tokensMs`, `fetchMs`, `sealMs`, `storeMs`, `keepMs`, `scheduleMs`, `commitMs`): what
	/// bounds the collector; and `ipfsSpool`, the archives waiting for the node's IPFS
	/// importer now (`archives`, `readings`, `bytes`, `oldestMs` since the oldest was spooled,
	/// `full`: the worker polls nothing until IPFS takes some), and `pushInbox`, the pushed
	/// readings waiting for the worker now (`segments`, `readings`, `bytes`, `oldestMs` since
	/// the oldest was received, `full`: the receivers stop acknowledging); `null` before the
	/// first run that polled. Unsafe.
	#[method(name = "collector_load", with_extensions)]
	fn load(&self) -> RpcResult<Option<RunLoadJson>>;
}

/// The answer of `collector_load`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunLoadJson {
	/// The block of the run.
	pub block: u64,
	/// How many vehicles it polled.
	pub polled: u32,
	/// How long it took, ms.
	pub run_ms: u64,
	/// How many due vehicles it left for later runs.
	pub due_left: u32,
	/// How many runs in a row left due vehicles (0: the collector keeps up).
	pub behind_runs: u32,
	/// The most vehicles the next run polls.
	pub budget: u32,
	/// How long each step of the run took.
	pub steps: RunStepsJson,
	/// The archives waiting for the node's IPFS importer, now.
	pub ipfs_spool: IpfsSpoolJson,
	/// The pushed readings waiting for the worker, now.
	pub push_inbox: PushInboxJson,
}

/// The push inbox as `collector_load` reports it ([`dimo_offchain::push_inbox`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushInboxJson {
	/// Segments waiting.
	pub segments: u32,
	/// The readings they hold.
	pub readings: u64,
	/// Their bytes.
	pub bytes: u64,
	/// How long ago the oldest waiting reading was received, ms (0 if none waits).
	pub oldest_ms: u64,
	/// Whether the inbox is full: the receivers stop acknowledging until the worker takes some.
	pub full: bool,
}

impl PushInboxJson {
	/// The inbox `inbox`, at `now_ms`.
	pub fn of(inbox: &Inbox, now_ms: u64) -> Self {
		Self {
			segments: inbox.segments.len() as u32,
			readings: inbox.readings(),
			bytes: inbox.bytes(),
			oldest_ms: inbox.oldest_ms().map_or(0, |received| now_ms.saturating_sub(received)),
			full: inbox.is_full(),
		}
	}
}

/// The IPFS spool as `collector_load` reports it ([`dimo_offchain::ipfs_spool`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IpfsSpoolJson {
	/// Archives spooled and not yet imported.
	pub archives: u32,
	/// The readings they hold.
	pub readings: u64,
	/// Their bytes.
	pub bytes: u64,
	/// How long ago the oldest was spooled, ms (0 if none).
	pub oldest_ms: u64,
	/// Whether the spool is full: the worker polls nothing until IPFS takes some.
	pub full: bool,
}

impl IpfsSpoolJson {
	/// The spool `spool`, at `now_ms`.
	pub fn of(spool: &[ipfs_spool::Spooled], now_ms: u64) -> Self {
		Self {
			archives: spool.len() as u32,
			readings: ipfs_spool::spooled_readings(spool),
			bytes: ipfs_spool::spooled_bytes(spool),
			oldest_ms: ipfs_spool::oldest_spooled_at(spool)
				.map_or(0, |spooled_at| now_ms.saturating_sub(spooled_at)),
			full: ipfs_spool::is_full(spool),
		}
	}
}

/// How long each step of a run took, ms ([`RunSteps`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStepsJson {
	/// Finding the due vehicles and checking each into a job.
	pub due_ms: u64,
	/// Refreshing OAuth tokens.
	pub tokens_ms: u64,
	/// The OEM requests.
	pub fetch_ms: u64,
	/// Records built and sealed.
	pub seal_ms: u64,
	/// Envelopes to IPFS.
	pub store_ms: u64,
	/// Readings kept for the gateway, Arweave ones queued.
	pub keep_ms: u64,
	/// Next polls written.
	pub schedule_ms: u64,
	/// The commitment (or batch) numbered, logged and submitted.
	pub commit_ms: u64,
}

impl From<RunSteps> for RunStepsJson {
	fn from(steps: RunSteps) -> Self {
		Self {
			due_ms: steps.due_ms,
			tokens_ms: steps.tokens_ms,
			fetch_ms: steps.fetch_ms,
			seal_ms: steps.seal_ms,
			store_ms: steps.store_ms,
			keep_ms: steps.keep_ms,
			schedule_ms: steps.schedule_ms,
			commit_ms: steps.commit_ms,
		}
	}
}

/// The `collector_*` methods over the node's offchain storage.
pub struct Collector<S> {
	/// `None` when the node runs without offchain storage.
	storage: Option<Arc<Mutex<S>>>,
	/// The node's keystore, which holds the sealing key.
	keystore: KeystorePtr,
}

impl<S> Collector<S> {
	/// The methods, over `storage`, sealing with the key of `keystore`.
	pub fn new(storage: Option<S>, keystore: KeystorePtr) -> Self {
		Self { storage: storage.map(|storage| Arc::new(Mutex::new(storage))), keystore }
	}

	/// The sealing key; a `dsea` key is generated (and kept in the keystore) if there is none.
	fn seal_key(&self) -> RpcResult<SealKey> {
		node_seal_key(&self.keystore, true)
			.and_then(|key| key.ok_or_else(|| "the keystore lost the sealing key".into()))
			.map_err(|what| error(NO_SEALING_KEY, what))
	}

	/// `value` sealed for the storage key `key`, with a fresh random nonce, SCALE-encoded.
	fn sealed(&self, key: &[u8], value: &impl codec::Encode) -> RpcResult<Vec<u8>> {
		let mut nonce = [0u8; 24];
		rand::thread_rng().fill_bytes(&mut nonce);
		Ok(codec::Encode::encode(&self.seal_key()?.seal_value(key, nonce, value)))
	}
}

pub(super) fn check_if_safe(ext: &Extensions) -> RpcResult<()> {
	sc_rpc_api::check_if_safe(ext).map_err(|_| {
		error(
			UNSAFE_DENIED,
			"collector_* methods are unsafe: allowed only where the node allows unsafe RPC methods",
		)
	})
}

/// `value`'s bytes, if it holds 1 to `max` of them; [`BAD_TOKEN`] otherwise.
fn bounded(name: &str, value: String, max: usize) -> RpcResult<Vec<u8>> {
	if value.is_empty() || value.len() > max {
		return Err(error(BAD_TOKEN, format!("{name} must hold 1 to {max} bytes")));
	}
	Ok(value.into_bytes())
}

const PREFIX: &[u8] = sp_offchain::STORAGE_PREFIX;

impl<S: OffchainStorage> Collector<S> {
	fn storage(&self) -> RpcResult<&Arc<Mutex<S>>> {
		self.storage
			.as_ref()
			.ok_or_else(|| error(NO_OFFCHAIN_STORAGE, "the node runs without offchain storage"))
	}
}

fn read_vehicles<S: OffchainStorage>(storage: &S) -> Vec<VehicleId> {
	storage
		.get(PREFIX, VEHICLES_KEY)
		.and_then(|bytes| codec::Decode::decode(&mut &bytes[..]).ok())
		.unwrap_or_default()
}

impl<S: OffchainStorage + 'static> CollectorApiServer for Collector<S> {
	fn set_credentials(
		&self,
		ext: &Extensions,
		vehicle: VehicleId,
		oem: OemId,
		access_token: String,
		refresh_token: String,
		expires_at: u64,
		oem_vehicle: String,
	) -> RpcResult<()> {
		check_if_safe(ext)?;
		let credentials = Credentials {
			oem,
			oem_vehicle: bounded("oem_vehicle", oem_vehicle, MAX_OEM_VEHICLE_LEN)?,
			access_token: bounded("access_token", access_token, MAX_TOKEN_LEN)?,
			refresh_token: bounded("refresh_token", refresh_token, MAX_TOKEN_LEN)?,
			expires_at,
		};
		let key = credentials_key(vehicle);
		let sealed = self.sealed(&key, &credentials)?;
		let mut storage = self.storage()?.lock();
		let vehicles = with_vehicle(read_vehicles(&*storage), vehicle).ok_or_else(|| {
			error(TOO_MANY_VEHICLES, "the node holds credentials for as many vehicles as it may")
		})?;
		storage.set(PREFIX, &key, &sealed);
		storage.set(PREFIX, VEHICLES_KEY, &codec::Encode::encode(&vehicles));
		Ok(())
	}

	fn remove_credentials(&self, ext: &Extensions, vehicle: VehicleId) -> RpcResult<bool> {
		check_if_safe(ext)?;
		let mut storage = self.storage()?.lock();
		let (vehicles, held) = without_vehicle(read_vehicles(&*storage), vehicle);
		if held {
			storage.remove(PREFIX, &credentials_key(vehicle));
			storage.set(PREFIX, VEHICLES_KEY, &codec::Encode::encode(&vehicles));
		}
		Ok(held)
	}

	fn vehicles(&self, ext: &Extensions) -> RpcResult<Vec<VehicleId>> {
		check_if_safe(ext)?;
		let storage = self.storage()?.lock();
		Ok(read_vehicles(&*storage))
	}

	fn set_oem_client(
		&self,
		ext: &Extensions,
		oem: OemId,
		client_id: String,
		client_secret: Option<String>,
	) -> RpcResult<()> {
		check_if_safe(ext)?;
		let secret = client_secret.unwrap_or_default();
		if secret.len() > MAX_CLIENT_FIELD_LEN {
			return Err(error(
				BAD_TOKEN,
				format!("client_secret must hold at most {MAX_CLIENT_FIELD_LEN} bytes"),
			));
		}
		let client = OemClient {
			client_id: bounded("client_id", client_id, MAX_CLIENT_FIELD_LEN)?,
			client_secret: secret.into_bytes(),
		};
		let key = oem_client_key(oem);
		let sealed = self.sealed(&key, &client)?;
		self.storage()?.lock().set(PREFIX, &key, &sealed);
		Ok(())
	}

	fn remove_oem_client(&self, ext: &Extensions, oem: OemId) -> RpcResult<bool> {
		check_if_safe(ext)?;
		self.forget(&oem_client_key(oem))
	}

	fn set_arweave_wallet(&self, ext: &Extensions, jwk: String) -> RpcResult<String> {
		check_if_safe(ext)?;
		if jwk.len() > MAX_JWK_LEN {
			return Err(error(
				BAD_WALLET,
				format!("the JWK must hold at most {MAX_JWK_LEN} bytes"),
			));
		}
		// What the error says names the problem, never a part of the key.
		let wallet = Wallet::from_jwk(jwk.as_bytes())
			.map_err(|problem| error(BAD_WALLET, format!("not an Arweave wallet: {problem:?}")))?;
		let sealed = self.sealed(WALLET_KEY, &jwk.into_bytes())?;
		self.storage()?.lock().set(PREFIX, WALLET_KEY, &sealed);
		Ok(wallet.address())
	}

	fn remove_arweave_wallet(&self, ext: &Extensions) -> RpcResult<bool> {
		check_if_safe(ext)?;
		self.forget(WALLET_KEY)
	}

	fn load(&self, ext: &Extensions) -> RpcResult<Option<RunLoadJson>> {
		check_if_safe(ext)?;
		let storage = self.storage()?.lock();
		let load = storage
			.get(PREFIX, LOAD_KEY)
			.and_then(|bytes| <RunLoad as codec::Decode>::decode(&mut &bytes[..]).ok());
		let spool: Vec<ipfs_spool::Spooled> = storage
			.get(PREFIX, ipfs_spool::SPOOL_KEY)
			.and_then(|bytes| codec::Decode::decode(&mut &bytes[..]).ok())
			.unwrap_or_default();
		let inbox: Inbox = storage
			.get(PREFIX, push_inbox::INBOX_KEY)
			.and_then(|bytes| codec::Decode::decode(&mut &bytes[..]).ok())
			.unwrap_or_default();
		let now_ms = dimo_collector::now_ms();
		let ipfs_spool = IpfsSpoolJson::of(&spool, now_ms);
		let push_inbox = PushInboxJson::of(&inbox, now_ms);
		Ok(load.map(|load| RunLoadJson {
			block: load.block,
			polled: load.polled,
			run_ms: load.run_ms,
			due_left: load.due_left,
			behind_runs: load.behind_runs,
			budget: load.budget,
			steps: load.steps.into(),
			ipfs_spool,
			push_inbox,
		}))
	}
}

impl<S: OffchainStorage> Collector<S> {
	/// Removes `key` from offchain storage; `true` if it was there.
	fn forget(&self, key: &[u8]) -> RpcResult<bool> {
		let mut storage = self.storage()?.lock();
		let held = storage.get(PREFIX, key).is_some();
		if held {
			storage.remove(PREFIX, key);
		}
		Ok(held)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use dimo_offchain::seal::{Sealed, SEAL_KEY_TYPE};
	use sc_rpc_api::DenyUnsafe;
	use sp_core::offchain::storage::InMemOffchainStorage;
	use sp_keystore::testing::MemoryKeystore;
	use sp_keystore::Keystore;

	fn collector() -> Collector<InMemOffchainStorage> {
		Collector::new(Some(InMemOffchainStorage::default()), Arc::new(MemoryKeystore::new()))
	}

	fn extensions(deny: DenyUnsafe) -> Extensions {
		let mut ext = Extensions::new();
		ext.insert(deny);
		ext
	}

	fn raw(collector: &Collector<InMemOffchainStorage>, vehicle: VehicleId) -> Option<Vec<u8>> {
		let storage = collector.storage.as_ref().expect("storage").lock();
		storage.get(PREFIX, &credentials_key(vehicle))
	}

	fn stored(
		collector: &Collector<InMemOffchainStorage>,
		vehicle: VehicleId,
	) -> Option<Credentials> {
		let sealed: Sealed =
			codec::Decode::decode(&mut &raw(collector, vehicle)?[..]).expect("a sealed entry");
		let key = collector.seal_key().expect("the keystore's key");
		Some(key.open_value(&credentials_key(vehicle), &sealed).expect("opens"))
	}

	#[test]
	fn the_load_reports_the_pushed_readings_waiting_in_the_inbox() {
		use codec::Encode;
		let collector = collector();
		let ext = extensions(DenyUnsafe::No);
		assert_eq!(collector.load(&ext).expect("answers"), None, "no run yet");
		let mut inbox = Inbox::default();
		inbox.add(10, 1_000, dimo_collector::now_ms() - 5_000);
		inbox.add(20, 3_000, dimo_collector::now_ms());
		{
			let mut storage = collector.storage.as_ref().expect("storage").lock();
			storage.set(PREFIX, LOAD_KEY, &RunLoad::default().encode());
			storage.set(PREFIX, push_inbox::INBOX_KEY, &inbox.encode());
		}
		let load = collector.load(&ext).expect("answers").expect("a run");
		let PushInboxJson { segments, readings, bytes, oldest_ms, full } = load.push_inbox;
		assert_eq!((segments, readings, bytes, full), (2, 30, 4_000, false));
		assert!((5_000..60_000).contains(&oldest_ms), "{oldest_ms}");
		assert!(collector.load(&extensions(DenyUnsafe::Yes)).is_err(), "unsafe");
	}

	#[test]
	fn credentials_go_to_offchain_storage_and_come_out() {
		let collector = collector();
		let ext = extensions(DenyUnsafe::No);
		collector
			.set_credentials(
				&ext,
				7,
				1,
				"access".into(),
				"refresh".into(),
				1_800_000_000,
				"t7".into(),
			)
			.expect("stored");
		collector
			.set_credentials(&ext, 3, 2, "a".into(), "r".into(), 1, "s3".into())
			.expect("stored");
		assert_eq!(collector.vehicles(&ext).expect("listed"), vec![3, 7]);
		assert_eq!(
			stored(&collector, 7),
			Some(Credentials {
				oem: 1,
				oem_vehicle: b"t7".to_vec(),
				access_token: b"access".to_vec(),
				refresh_token: b"refresh".to_vec(),
				expires_at: 1_800_000_000,
			})
		);
		// What storage holds names no token: reading offchain storage yields ciphertext.
		let bytes = raw(&collector, 7).expect("held");
		for token in [&b"access"[..], b"refresh"] {
			assert!(!bytes.windows(token.len()).any(|w| w == token), "a token in storage");
		}
		// The same key every time (one `dsea` key, made once), and the worker's derivation.
		assert_eq!(collector.keystore.ecdsa_public_keys(SEAL_KEY_TYPE).len(), 1);
		assert!(collector.remove_credentials(&ext, 7).expect("removed"));
		assert!(!collector.remove_credentials(&ext, 7).expect("removed"));
		assert_eq!(stored(&collector, 7), None);
		assert_eq!(collector.vehicles(&ext).expect("listed"), vec![3]);
	}

	#[test]
	fn an_oem_client_is_stored_sealed_and_forgotten() {
		let collector = collector();
		let ext = extensions(DenyUnsafe::No);
		collector
			.set_oem_client(&ext, 2, "dimo-client".into(), Some("hush-hush".into()))
			.expect("stored");
		let raw = {
			let storage = collector.storage.as_ref().expect("storage").lock();
			storage.get(PREFIX, &oem_client_key(2)).expect("held")
		};
		assert!(!raw.windows(9).any(|w| w == b"hush-hush"), "the secret is sealed");
		let sealed: Sealed = codec::Decode::decode(&mut &raw[..]).expect("sealed");
		let client: OemClient = collector
			.seal_key()
			.expect("key")
			.open_value(&oem_client_key(2), &sealed)
			.expect("opens");
		assert_eq!(client.client_secret, b"hush-hush".to_vec());
		assert_eq!(
			collector.set_oem_client(&ext, 2, String::new(), None).expect_err("no id").code(),
			BAD_TOKEN
		);
		assert!(collector.remove_oem_client(&ext, 2).expect("removed"));
		assert!(!collector.remove_oem_client(&ext, 2).expect("removed"));
		let denied = extensions(DenyUnsafe::Yes);
		assert_eq!(
			collector.set_oem_client(&denied, 2, "x".into(), None).expect_err("unsafe").code(),
			UNSAFE_DENIED
		);
	}

	#[test]
	fn an_arweave_wallet_is_stored_sealed_and_only_its_address_answered() {
		let collector = collector();
		let ext = extensions(DenyUnsafe::No);
		let jwk = include_str!("../../../../offchain-workers/testdata/arweave-test-wallet.json");
		let address = collector.set_arweave_wallet(&ext, jwk.into()).expect("stored");
		assert_eq!(address, "6NiiVhpQgSOcOYkfgdkViM-MESt5NCPMFmvR-IdvuiM");
		let raw = {
			let storage = collector.storage.as_ref().expect("storage").lock();
			storage.get(PREFIX, WALLET_KEY).expect("held")
		};
		let private: serde_json::Value = serde_json::from_str(jwk).expect("JSON");
		let d = private["d"].as_str().expect("d").as_bytes();
		assert!(!raw.windows(d.len()).any(|w| w == d), "the private key is sealed");
		let sealed: Sealed = codec::Decode::decode(&mut &raw[..]).expect("sealed");
		let opened: Vec<u8> =
			collector.seal_key().expect("key").open_value(WALLET_KEY, &sealed).expect("opens");
		assert_eq!(opened, jwk.as_bytes().to_vec());
		for bad in ["{}", "not json", &"x".repeat(MAX_JWK_LEN + 1)] {
			let refused = collector.set_arweave_wallet(&ext, bad.into()).expect_err("refused");
			assert_eq!(refused.code(), BAD_WALLET);
		}
		let denied = extensions(DenyUnsafe::Yes);
		assert_eq!(
			collector.set_arweave_wallet(&denied, jwk.into()).expect_err("unsafe").code(),
			UNSAFE_DENIED
		);
		assert_eq!(
			collector.remove_arweave_wallet(&denied).expect_err("unsafe").code(),
			UNSAFE_DENIED
		);
		assert!(collector.remove_arweave_wallet(&ext).expect("removed"));
		assert!(!collector.remove_arweave_wallet(&ext).expect("removed"));
	}

	#[test]
	fn the_methods_are_unsafe() {
		let collector = collector();
		let denied = extensions(DenyUnsafe::Yes);
		let refused = collector
			.set_credentials(&denied, 7, 1, "access".into(), "refresh".into(), 1, "t7".into())
			.expect_err("denied");
		assert_eq!(refused.code(), UNSAFE_DENIED);
		assert_eq!(
			collector.remove_credentials(&denied, 7).expect_err("denied").code(),
			UNSAFE_DENIED
		);
		assert_eq!(collector.vehicles(&denied).expect_err("denied").code(), UNSAFE_DENIED);
		assert_eq!(stored(&collector, 7), None);
	}

	#[test]
	fn tokens_must_be_given_and_bounded() {
		let collector = collector();
		let ext = extensions(DenyUnsafe::No);
		let empty =
			collector.set_credentials(&ext, 1, 1, String::new(), "r".into(), 1, "t1".into());
		assert_eq!(empty.expect_err("refused").code(), BAD_TOKEN);
		let long = "x".repeat(MAX_TOKEN_LEN + 1);
		let too_long = collector.set_credentials(&ext, 1, 1, "a".into(), long, 1, "t1".into());
		assert_eq!(too_long.expect_err("refused").code(), BAD_TOKEN);
		let no_car =
			collector.set_credentials(&ext, 1, 1, "a".into(), "r".into(), 1, String::new());
		assert_eq!(no_car.expect_err("refused").code(), BAD_TOKEN);
		assert!(collector.vehicles(&ext).expect("listed").is_empty());
	}

	#[test]
	fn without_offchain_storage_the_methods_say_so() {
		let collector =
			Collector::<InMemOffchainStorage>::new(None, Arc::new(MemoryKeystore::new()));
		let ext = extensions(DenyUnsafe::No);
		assert_eq!(collector.vehicles(&ext).expect_err("no storage").code(), NO_OFFCHAIN_STORAGE);
	}
}
