//! A test runtime with the anchors, the real vehicle registry behind
//! [`ConsentProvider`](dimo_primitives::vehicle::ConsentProvider), balances for its deposits,
//! and a recorder of the activity that anchors report.
//!
//! Collector keys are `UintAuthorityId`s: a key `n` spells account `n` and signs with a
//! `TestSignature(n, message)`.

use crate as pallet_anchoring;
use crate::{AnchorBatch, AnchorRecord, ContentId, OemApi, OemSource};
use core::cell::RefCell;
use dimo_primitives::encryption::{EncryptionKey, KeyScheme};
use dimo_primitives::vehicle::{
	DataReaders, GranteeReader, Readers, StorageBackend, Stream, VehicleId, VehicleRegistry,
};
pub use dimo_test_utils::accounts::{ALICE, BOB};
use dimo_test_utils::{
	funded,
	mocks::{ActivityRecorder, KeyAccount, MockTime},
	ExtBuilder,
};
use frame_support::{derive_impl, parameter_types, traits::ConstU32};
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	RuntimeAppPublic,
};

type Block = frame_system::mocking::MockBlock<Test>;

/// Collector keys (and their accounts): the first two are registered at genesis.
pub const COLLECTOR: u64 = 10;
pub const OTHER_COLLECTOR: u64 = 11;
pub const UNREGISTERED_COLLECTOR: u64 = 12;
pub const ENDOWMENT: u64 = 1_000_000;
pub const MAX_COLLECTORS: u32 = 3;
pub const MAX_OEM_SOURCES: u32 = 2;
pub const MAX_BATCH: u32 = 4;
pub const MAX_ANCHORS_KEPT: u32 = 3;
/// The offchain worker polls each vehicle every this many blocks, and backs off at most this
/// far.
pub const POLL_EVERY: u32 = 2;
pub const MAX_POLL_BACKOFF: u32 = 16;
/// How many records a commitment may hold in tests: 2^10.
pub const MAX_COMMITMENT_LEAVES: u32 = 1 << 10;
/// How many commitments of a collector stay in state in tests.
pub const MAX_COMMITMENTS_KEPT: u32 = 4;
/// How old, in blocks, a commitment may be for a claim in tests.
pub const MAX_CLAIM_AGE: u64 = 3;
/// The OEM registered at genesis.
pub const TESLA: u32 = 1;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Registry = pallet_vehicles;
	#[runtime::pallet_index(3)]
	pub type Anchoring = pallet_anchoring;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

parameter_types! {
	pub const VehicleDeposit: u64 = 100;
	/// Large enough for the tests of anchors; the tests of the block share lower it.
	pub static MaxRecordsPerCollectorPerBlock: u32 = 64;
}

#[derive_impl(pallet_vehicles::config_preludes::TestDefaultConfig)]
impl pallet_vehicles::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type VehicleDeposit = VehicleDeposit;
	type OnRetire = Anchoring;
	type Collectors = Anchoring;
}

/// The vehicles reported active so far, in order.
pub fn reported_active() -> Vec<VehicleId> {
	ActivityRecorder::reported()
}

/// Where the mock's chain clock starts: after every window the tests use by default.
pub const CHAIN_TIME_AT_GENESIS: u64 = 1_000_000;
/// How far ahead of the chain's clock a window may end.
pub const MAX_WINDOW_AHEAD: u64 = 60_000;

/// Sets the chain's clock, in Unix milliseconds.
pub fn set_chain_time(unix_ms: u64) {
	MockTime::set(unix_ms);
}

thread_local! {
	/// The grantees of each vehicle with their streams, as the tests set them.
	pub static GRANTEES: RefCell<alloc::collections::BTreeMap<VehicleId, Vec<(u64, Vec<Stream>)>>> =
		const { RefCell::new(alloc::collections::BTreeMap::new()) };
}

/// The readers of a vehicle: its owner in the registry, the grantees [`set_grants`] set, and
/// the keys [`publish_x25519_key`] published.
pub struct MockReaders;

impl DataReaders<u64> for MockReaders {
	fn readers(vehicle: VehicleId) -> Option<Readers<u64>> {
		let owner = <Registry as VehicleRegistry<u64>>::owner_of(vehicle)?;
		let published = |account: &u64| PUBLISHED_KEYS.with(|k| k.borrow().get(account).cloned());
		let grantees = GRANTEES
			.with(|g| g.borrow().get(&vehicle).cloned().unwrap_or_default())
			.into_iter()
			.map(|(account, streams)| GranteeReader { key: published(&account), account, streams })
			.collect();
		Some(Readers { owner_key: published(&owner), owner, public: Vec::new(), grantees })
	}
}

thread_local! {
	/// The encryption keys that accounts published, as the tests set them.
	pub static PUBLISHED_KEYS: RefCell<alloc::collections::BTreeMap<u64, EncryptionKey>> =
		const { RefCell::new(alloc::collections::BTreeMap::new()) };
}

/// Publishes `public` as `account`'s X25519 encryption key.
pub fn publish_x25519_key(account: u64, public: [u8; 32]) {
	let key = EncryptionKey {
		scheme: KeyScheme::X25519,
		public: public.to_vec().try_into().expect("32 bytes"),
	};
	PUBLISHED_KEYS.with(|k| k.borrow_mut().insert(account, key));
}

/// Sets who, besides its owner, may read `vehicle`'s data, and which streams.
pub fn set_grants(vehicle: VehicleId, grants: Vec<(u64, Vec<Stream>)>) {
	GRANTEES.with(|g| g.borrow_mut().insert(vehicle, grants));
}

impl pallet_anchoring::Config for Test {
	type CollectorId = UintAuthorityId;
	type CollectorAccount = KeyAccount;
	type Vehicles = Registry;
	type Readers = MockReaders;
	type Activity = ActivityRecorder;
	type AdminOrigin = frame_system::EnsureRoot<u64>;
	type MaxCollectors = ConstU32<MAX_COLLECTORS>;
	type MaxOemSources = ConstU32<MAX_OEM_SOURCES>;
	type Time = MockTime;
	type MaxWindowAhead = frame_support::traits::ConstU64<MAX_WINDOW_AHEAD>;
	type MaxBatchRecords = ConstU32<MAX_BATCH>;
	type MaxRecordsPerCollectorPerBlock = MaxRecordsPerCollectorPerBlock;
	type MaxAnchorsKept = ConstU32<MAX_ANCHORS_KEPT>;
	type AnchorPriority = frame_support::traits::ConstU64<{ 1 << 20 }>;
	type AnchorLongevity = frame_support::traits::ConstU64<16>;
	type PollEvery = ConstU32<POLL_EVERY>;
	type MaxPollBackoff = ConstU32<MAX_POLL_BACKOFF>;
	type MaxCommitmentLeaves = ConstU32<MAX_COMMITMENT_LEAVES>;
	type MaxCommitmentsKept = ConstU32<MAX_COMMITMENTS_KEPT>;
	type MaxClaimAge = frame_support::traits::ConstU64<MAX_CLAIM_AGE>;
	type WeightInfo = ();
}

/// The mock's extrinsics: general transactions carry no extension here.
pub type Extrinsic = frame_system::mocking::MockUncheckedExtrinsic<Test>;

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = Extrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<LocalCall> frame_system::offchain::CreateTransaction<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	type Extension = ();

	fn create_transaction(call: RuntimeCall, extension: ()) -> Extrinsic {
		Extrinsic::new_transaction(call, extension)
	}
}

impl<LocalCall> frame_system::offchain::CreateAuthorizedTransaction<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	fn create_extension() {}
}

/// A well-formed HTTPS source of `api`.
pub fn source(api: OemApi, host: &str) -> OemSource {
	let url = |path: &str| format!("https://{host}{path}").into_bytes().try_into().expect("short");
	OemSource { api, api_base_url: url("/api"), auth_url: url("/oauth2/token") }
}

/// Genesis: Alice and Bob funded, collectors 10 and 11 registered, Tesla's source registered,
/// loopback sources not allowed; at block 1 so that events are recorded.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let ext = ExtBuilder::<Test>::default()
		.with(funded::<Test>([ALICE, BOB], ENDOWMENT))
		.with(pallet_anchoring::GenesisConfig::<Test> {
			collectors: vec![UintAuthorityId(COLLECTOR), UintAuthorityId(OTHER_COLLECTOR)],
			oem_sources: vec![(TESLA, source(OemApi::Tesla, "fleet-api.example.com"))],
			push_feeds: vec![],
			loopback_sources_allowed: false,
		})
		.build();
	ActivityRecorder::reset();
	GRANTEES.with(|grantees| grantees.borrow_mut().clear());
	PUBLISHED_KEYS.with(|keys| keys.borrow_mut().clear());
	set_chain_time(CHAIN_TIME_AT_GENESIS);
	MaxRecordsPerCollectorPerBlock::set(64);
	ext
}

/// Runs a test in a fresh genesis and checks the invariants of both pallets after it.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		body();
		Anchoring::do_try_state().expect("the anchors' invariants hold");
		Registry::do_try_state().expect("the registry's invariants hold");
	});
}

/// Advances to block `n`.
pub fn run_to_block(n: u64) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}

/// The OEM's id of the car registered as `vehicle` by [`onboard`].
pub fn oem_car(vehicle: VehicleId) -> String {
	format!("{}", 1_492_931_337_154_880u64.saturating_add(vehicle))
}

/// Registers a vehicle of `owner` that consents to `collector` and stores on `backend`.
pub fn onboard(owner: u64, collector: u64, backend: StorageBackend) -> VehicleId {
	let origin = RuntimeOrigin::signed(owner);
	let vehicle = pallet_vehicles::NextVehicleId::<Test>::get();
	let reference = sp_core::H256(sp_io::hashing::blake2_256(oem_car(vehicle).as_bytes()));
	Registry::register(origin.clone(), TESLA, reference, None).expect("registers");
	Registry::authorize_collector(origin.clone(), vehicle, collector, None).expect("consents");
	Registry::set_storage(origin, vehicle, backend).expect("sets the backend");
	vehicle
}

/// A content id of a raw block whose digest is `seed` repeated.
pub fn cid(seed: u8) -> ContentId {
	let mut bytes = vec![0x01, 0x55, 0x12, 0x20];
	bytes.extend([seed; 32]);
	bytes.try_into().expect("36 bytes fit")
}

/// A record of `vehicle` over the window `from..=to`, on `backend` (with an Arweave
/// transaction id made of `seed` where the backend is Arweave).
pub fn record(
	vehicle: VehicleId,
	seed: u8,
	from: u64,
	to: u64,
	backend: StorageBackend,
) -> AnchorRecord {
	AnchorRecord {
		vehicle,
		cid: cid(seed),
		size: 512,
		backend,
		arweave_tx: (backend == StorageBackend::Arweave).then_some([seed; 32]),
		observed_from: from,
		observed_to: to,
	}
}

/// A batch of `collector` holding `records`.
pub fn batch(collector: u64, records: Vec<AnchorRecord>) -> crate::AnchorBatchOf<Test> {
	AnchorBatch {
		collector: UintAuthorityId(collector),
		records: records.try_into().expect("fits"),
	}
}

/// The signature of `batch` by its own collector key.
pub fn sign(batch: &crate::AnchorBatchOf<Test>) -> TestSignature {
	let genesis = System::block_hash(0);
	batch.collector.sign(&batch.signing_payload(&genesis)).expect("test keys always sign")
}

/// The call that anchors `batch`, signed by its collector.
pub fn anchor_call(batch: crate::AnchorBatchOf<Test>) -> crate::Call<Test> {
	let signature = sign(&batch);
	crate::Call::anchor_batch { batch, signature }
}

/// The origin of an authorized transaction.
pub fn authorized() -> RuntimeOrigin {
	frame_system::RawOrigin::Authorized.into()
}
