//! Record → envelope → CID → storage: each reading's canonical record
//! ([`dimo_offchain::record`]) sealed in an envelope, one part per class of its signals, each
//! under the vehicle's content key of that class; the envelope's CID is what is anchored. An
//! IPFS vehicle's envelope is added to the node's IPFS (per-record mode: all adds in flight at
//! once, the CID that IPFS answers checked against the one computed here) or, in commitment
//! mode, goes with the run's others into one archive spooled for the node's importer
//! ([`dimo_offchain::ipfs_spool`]); an Arweave vehicle's goes to the
//! outbox, anchored once mined; a `Local` vehicle's is anchored only. Each reading stored or
//! queued is kept, sealed, for the gateway.

use super::{
	content_keys::SealingKeys,
	due::{Job, RunInProgress},
	local::read_persistent,
	pushed::{self, PushedJob},
	StepResult, Stop,
};
use crate::{pallet::*, AnchorRecord, ContentId};
use alloc::{format, string::String, vec, vec::Vec};
use dimo_offchain::{
	arweave::outbox::Upload,
	car,
	cid::Cid,
	envelope, http, ipfs, ipfs_spool,
	oem::{self, Signals},
	readings::KeptReading,
	record::Record,
	schedule::Failure,
	seal::{offchain_nonce, SealKey},
	settings::Settings,
	streams::Class,
};
use dimo_primitives::{
	oem::OemApi,
	vehicle::{StorageBackend, VehicleId},
};
use frame_system::offchain::CreateAuthorizedTransaction;
use sp_runtime::offchain::{
	storage::{StorageRetrievalError, StorageValueRef},
	StorageKind, Timestamp,
};

/// What a run stored: the anchor records of its readings, the root of the IPFS archive that
/// holds the envelopes of those on IPFS, if the run made one (commitment mode), and what the
/// run did, to be written once it committed.
#[derive(Default)]
pub(super) struct Stored {
	/// The anchor records of the readings stored (Arweave's are anchored once mined).
	pub records: Vec<AnchorRecord>,
	/// The archive's root CID.
	pub archive: Option<[u8; 36]>,
	/// The run so far, if it polled or left due vehicles.
	pub run: Option<RunInProgress>,
	/// The pushed readings the run took ([`pushed`]), to release from the push inbox once the
	/// commitment is logged.
	pub pushed: pushed::TakenPushes,
}

/// Where a reading on its way to storage came from: the index of its polled job or of its
/// pushed one.
#[derive(Clone, Copy)]
enum Source {
	Polled(usize),
	Pushed(usize),
}

/// A reading to seal: what its record and its envelope are made of, besides its signals and
/// the OEM's message.
#[derive(Clone, Copy)]
struct ToSeal {
	vehicle: VehicleId,
	backend: StorageBackend,
	api: OemApi,
	observed_at: u64,
}

/// A reading on its way to storage: its job, its record and envelope, its anchor, and why it
/// was not stored, if it was not.
struct Built {
	source: Source,
	record: Vec<u8>,
	raw: Option<Vec<u8>>,
	owner: [u8; 32],
	key_id: u32,
	envelope: Vec<u8>,
	anchor: AnchorRecord,
	not_stored: Option<Stop>,
}

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// Builds and seals the records of the jobs' readings, polled (read at `read_at`) and
	/// pushed (dated by the OEM), stores them by their vehicles' backends, keeps them for the
	/// gateway, and returns the anchor records of those stored (Arweave's are anchored once
	/// mined) with the run's IPFS archive, if it made one. `uploads` is the outbox as this run
	/// read it. A polled job whose reading was not stored fails for this run; a pushed one that
	/// could not be stored fails, and holds back its vehicle's later pushed readings
	/// ([`pushed::hold_back`]), while one that cannot be sealed at all is dropped.
	/// Each step's time goes to `run`.
	pub(super) fn store_readings(
		jobs: &mut [Job],
		pushed_jobs: &mut [PushedJob],
		read_at: u64,
		deadline: Timestamp,
		settings: &Settings,
		uploads: &[Upload],
		seal_key: &SealKey,
		run: &mut RunInProgress,
	) -> Stored {
		let mut built = Vec::new();
		let mut build =
			|source: Source, to_seal: ToSeal, signals: Signals, raw: Option<Vec<u8>>| {
				let sealed = Self::seal_reading(&to_seal, signals, raw.as_deref(), seal_key);
				sealed.map(|(record, keys, envelope, anchor)| {
					built.push(Built {
						source,
						record,
						raw,
						owner: keys.owner,
						// The gateway's readings name the non-location part's key.
						key_id: keys
							.keys
							.iter()
							.find(|key| key.class == Class::NonLocation)
							.map_or(0, |key| key.id),
						envelope,
						anchor,
						not_stored: None,
					})
				})
			};
		for (index, job) in jobs.iter_mut().enumerate() {
			let Some(signals) = job.signals.take() else { continue };
			let to_seal = ToSeal {
				vehicle: job.vehicle,
				backend: job.backend,
				api: job.source.api,
				observed_at: read_at,
			};
			if let Err(stop) = build(Source::Polled(index), to_seal, signals, job.raw.take()) {
				job.fail(Failure::Transient, stop);
			}
		}
		for (index, job) in pushed_jobs.iter_mut().enumerate() {
			if job.failed {
				continue;
			}
			let Some(signals) = job.signals.take() else { continue };
			let to_seal = ToSeal {
				vehicle: job.vehicle,
				backend: job.backend,
				api: job.api,
				observed_at: job.observed_at,
			};
			// A pushed reading that makes no record or no envelope (a signal the record format
			// does not take, a reading too large) never will: dropped, said, not held.
			if let Err(stop) = build(Source::Pushed(index), to_seal, signals, job.raw.take()) {
				stop.log();
			}
		}
		run.steps.seal_ms = run.lap();
		let archive = if settings.commit {
			Self::spool_for_ipfs(&mut built)
		} else {
			Self::add_to_ipfs(&mut built, deadline, settings.max_answer_bytes);
			None
		};
		run.steps.store_ms = run.lap();

		for b in built.iter_mut() {
			if b.not_stored.is_none() && b.anchor.backend == StorageBackend::Arweave {
				b.not_stored = Self::queue_upload(&b.anchor, &b.envelope, uploads).err();
			}
			if let Some(stop) = b.not_stored.take() {
				match b.source {
					Source::Polled(index) => {
						if let Some(job) = jobs.get_mut(index) {
							job.fail(Failure::Transient, stop);
						}
					},
					Source::Pushed(index) => {
						if let Some(job) = pushed_jobs.get_mut(index) {
							job.fail(stop);
						}
					},
				}
			}
		}
		pushed::hold_back(pushed_jobs);

		let mut records = Vec::new();
		for b in built {
			let vehicle = b.anchor.vehicle;
			let stored = match b.source {
				Source::Polled(index) => jobs.get(index).is_some_and(|job| job.failure.is_none()),
				Source::Pushed(index) => pushed_jobs.get(index).is_some_and(|job| !job.failed),
			};
			if !stored {
				continue;
			}
			let observed_at = b.anchor.observed_from;
			let envelope_cid =
				(b.anchor.backend != StorageBackend::Local).then(|| b.anchor.cid.to_vec());
			let kept = KeptReading {
				number: 0,
				owner: b.owner,
				record: b.record,
				raw: b.raw,
				envelope_cid,
				key_id: b.key_id,
			};
			// The history keeps an IPFS reading as its CID: IPFS holds it.
			let in_storage = b.anchor.backend == StorageBackend::Ipfs;
			let now = sp_io::offchain::timestamp().unix_millis();
			Self::keep_reading(vehicle, kept, observed_at, in_storage, settings, now, seal_key);
			if b.anchor.backend != StorageBackend::Arweave {
				records.push(b.anchor);
			}
		}
		run.steps.keep_ms = run.lap();
		Stored { records, archive, ..Stored::default() }
	}

	/// The canonical record of a reading, the keys it is sealed under, its envelope and the
	/// envelope's anchor record. The envelope has a part for each class the reading has
	/// ([`Class::part_of`]); one too large for a single IPFS chunk is sealed without its raw
	/// part, and not at all if still too large.
	fn seal_reading(
		to_seal: &ToSeal,
		signals: Signals,
		raw: Option<&[u8]>,
		seal_key: &SealKey,
	) -> StepResult<(Vec<u8>, SealingKeys, Vec<u8>, AnchorRecord)> {
		let ToSeal { vehicle, backend, api, observed_at: read_at } = *to_seal;
		let record = Record {
			vehicle,
			oem: oem::adapter(api).name.into(),
			from: read_at,
			to: read_at,
			signals,
		};
		let bytes = record.to_canonical_bytes().map_err(|error| {
			Stop::warn(format!("vehicle {vehicle}: the reading makes no record: {error:?}"))
		})?;
		let parts: Vec<(Class, Vec<u8>)> = Class::ALL
			.into_iter()
			.filter_map(|class| Some((class, class.part_of(&record, raw)?)))
			.collect();
		let classes: Vec<Class> = parts.iter().map(|(class, _)| *class).collect();
		let keys = Self::class_keys(vehicle, &classes, seal_key)?;
		let seal = |without_raw: bool| {
			let to_seal: Vec<envelope::PartToSeal> = parts
				.iter()
				.filter(|(class, _)| !(without_raw && *class == Class::Raw))
				.filter_map(|(class, plaintext)| {
					let key = keys.keys.iter().find(|key| key.class == *class)?;
					Some(envelope::PartToSeal {
						class: *class,
						key_id: key.id,
						key: &key.key,
						wraps: &key.wraps,
						nonce: offchain_nonce(),
						plaintext,
					})
				})
				.collect();
			envelope::seal(vehicle, read_at, read_at, &to_seal)
		};
		let sealed = match seal(false) {
			Err(envelope::EnvelopeError::TooLarge) if classes.contains(&Class::Raw) => {
				log::info!(
					target: super::LOG_TARGET,
					"vehicle {vehicle}: the reading's parts exceed one envelope; sealed without \
					 its raw part"
				);
				seal(true)
			},
			sealed => sealed,
		}
		.map_err(|error| {
			Stop::warn(format!("vehicle {vehicle}: the reading not sealed: {error:?}"))
		})?;
		let anchor = Self::anchor_of(vehicle, &sealed, backend, read_at)?;
		Ok((bytes, keys, sealed, anchor))
	}

	/// The anchor record of `envelope`, read at `read_at` and stored onto `backend`.
	fn anchor_of(
		vehicle: VehicleId,
		envelope: &[u8],
		backend: StorageBackend,
		read_at: u64,
	) -> StepResult<AnchorRecord> {
		let cid = ContentId::try_from(Cid::of_raw(envelope).as_bytes().to_vec()).map_err(|_| {
			Stop::error(format!("vehicle {vehicle}: the envelope's CID is too long"))
		})?;
		Ok(AnchorRecord {
			vehicle,
			cid,
			size: u32::try_from(envelope.len()).unwrap_or(u32::MAX),
			backend,
			// An Arweave reading is anchored with its transaction id once mined.
			arweave_tx: None,
			observed_from: read_at,
			observed_to: read_at,
		})
	}

	/// The node's IPFS RPC API, as `--collector-ipfs-api` set it.
	fn ipfs_api() -> String {
		ipfs::api_url(read_persistent::<Vec<u8>>(ipfs::API_URL_KEY))
	}

	/// Commitment mode: the run's envelopes of IPFS vehicles make **one** archive
	/// ([`dimo_offchain::car`]), each envelope a block under its own CID (what the commitment's
	/// leaves name), in the order of the leaves (by vehicle: a run reads each vehicle once). The
	/// archive goes to the IPFS spool ([`dimo_offchain::ipfs_spool`]), from which the node's
	/// importer `dag/import`s it into IPFS, root pinned, while the next run polls; its root is
	/// returned for the commitment to name. If the spool has no room, none of them is stored,
	/// and each says why.
	fn spool_for_ipfs(built: &mut [Built]) -> Option<[u8; 36]> {
		let on_ipfs =
			|b: &Built| b.anchor.backend == StorageBackend::Ipfs && b.not_stored.is_none();
		let mut in_order: Vec<&Built> = built.iter().filter(|b| on_ipfs(b)).collect();
		in_order.sort_by_key(|b| (b.anchor.vehicle, b.anchor.observed_from));
		let envelopes: Vec<&[u8]> = in_order.iter().map(|b| b.envelope.as_slice()).collect();
		if envelopes.is_empty() {
			return None;
		}
		let object = car::commitment_object(&envelopes);
		let spooled = ipfs_spool::Spooled {
			root: object.root,
			readings: u32::try_from(envelopes.len()).unwrap_or(u32::MAX),
			bytes: u32::try_from(object.car.len()).unwrap_or(u32::MAX),
			spooled_at_ms: sp_io::offchain::timestamp().unix_millis(),
		};
		match Self::spool_archive(spooled, &object.car) {
			Ok(()) => Some(object.root),
			Err(stop) => {
				for b in built.iter_mut().filter(|b| on_ipfs(b)) {
					let vehicle = b.anchor.vehicle;
					b.not_stored =
						Some(Stop::warn(format!("vehicle {vehicle}: not stored: {}", stop.reason)));
				}
				None
			},
		}
	}

	/// Writes `car`, the archive `spooled` describes, to the IPFS spool: its bytes first, then
	/// its entry in the spool's list (compare-and-set: the node's importer removes entries
	/// meanwhile). A stop if the spool is full or its list does not decode.
	fn spool_archive(spooled: ipfs_spool::Spooled, car: &[u8]) -> StepResult {
		let root = spooled.root;
		let readings = spooled.readings;
		let archive_key = ipfs_spool::archive_key(&root);
		// Written raw, not SCALE-encoded: the importer posts these bytes as they are.
		sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, &archive_key, car);
		let mut full = false;
		let written = StorageValueRef::persistent(ipfs_spool::SPOOL_KEY).mutate(
			|held: Result<Option<Vec<ipfs_spool::Spooled>>, StorageRetrievalError>| {
				let mut spool = held.map_err(|_| ())?.unwrap_or_default();
				if !ipfs_spool::add(&mut spool, spooled.clone()) {
					full = true;
					return Err(());
				}
				Ok::<_, ()>(spool)
			},
		);
		if written.is_err() {
			sp_io::offchain::local_storage_clear(StorageKind::PERSISTENT, &archive_key);
			return Err(if full {
				Stop::warn("the IPFS spool is full (IPFS imports slower than the collector reads)")
			} else {
				Stop::error("the IPFS spool's list does not decode or kept changing")
			});
		}
		log::info!(
			target: super::LOG_TARGET,
			"{readings} readings spooled for IPFS in one archive, root {} ({} bytes)",
			dimo_offchain::cid::multibase32(&root),
			car.len()
		);
		Ok(())
	}

	/// Per-record mode: adds the envelopes of IPFS vehicles to the node's IPFS, all at once,
	/// each answer checked against the envelope's own CID and size; one not stored says why.
	fn add_to_ipfs(built: &mut [Built], deadline: Timestamp, max_bytes: u32) {
		let api = Self::ipfs_api();
		let request_of = |_, b: &Built| {
			(b.anchor.backend == StorageBackend::Ipfs).then(|| oem::Request {
				method: "POST",
				url: ipfs::add_url(&api),
				headers: vec![("Content-Type", ipfs::add_content_type())],
				body: ipfs::add_body(&format!("vehicle-{}.denv", b.anchor.vehicle), &b.envelope),
			})
		};
		http::run_for(built, request_of, deadline, max_bytes, |b, answer| {
			let checked = match answer {
				Ok(answer) if answer.status == 200 => {
					ipfs::check_add_answer(&answer.body, &b.envelope).map(|_| ()).map_err(|error| {
						format!("IPFS answered a different content id or size: {error:?}")
					})
				},
				Ok(answer) => Err(format!("IPFS answered status {}", answer.status)),
				Err(reason) => Err(format!("IPFS at {} unreachable: {reason}", http::origin(&api))),
			};
			if let Err(reason) = checked {
				let vehicle = b.anchor.vehicle;
				b.not_stored = Some(Stop::warn(format!("vehicle {vehicle}: not stored: {reason}")));
			}
		});
	}
}
