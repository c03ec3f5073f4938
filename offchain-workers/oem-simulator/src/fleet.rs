//! The simulated vehicles, the owners' OAuth grants, the faults to inject, and the log of what
//! was served.
//!
//! Each vehicle's state is a function of the time since the simulator started, held in the
//! same integer units as DIMO's canonical records (`odometerM`, `batteryPermille`, `latE7`,
//! ...). The OEM answers render it in each API's own units (miles, percent, fractions,
//! degrees); a collector that converts back must find exactly these integers, which is what
//! the end-to-end tests compare against the records on IPFS ([`Fleet::served`]).

use serde::Serialize;
use std::{
	collections::{BTreeMap, HashMap},
	hash::{BuildHasher, Hasher},
	time::{Instant, SystemTime, UNIX_EPOCH},
};

/// The carmakers' APIs the simulator speaks: the chain's own list of kinds, by the same names
/// (`tesla`, `smartcar`, `highmobility`) in its URLs, admin requests and served log.
pub use dimo_offchain::oem::OemApi as Oem;

/// A simulated car.
#[derive(Clone, Debug, Serialize)]
pub struct Vehicle {
	/// Its carmaker.
	pub oem: Oem,
	/// The id its carmaker's API uses.
	pub id: String,
	/// Its VIN.
	pub vin: String,
	/// Its place in the fleet, which sets where it starts.
	#[serde(skip)]
	pub index: u32,
}

/// A vehicle's state at one moment, in the canonical records' units.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct State {
	/// Odometer, metres.
	pub odometer_m: i64,
	/// Battery, per mille.
	pub battery_permille: i64,
	/// Whether it charges (the battery rises).
	pub charging_w: i64,
	/// Speed, km/h.
	pub speed_kph: i64,
	/// Latitude, degrees × 10^7.
	pub lat_e7: i64,
	/// Longitude, degrees × 10^7.
	pub lon_e7: i64,
}

/// The battery's cycle: 600 s down from 900 ‰ to 200 ‰ while driving, 600 s up while charging.
const HALF_CYCLE_S: i64 = 600;

impl State {
	/// The state of the fleet's `index`th vehicle `elapsed_s` seconds after the start.
	pub fn at(index: u32, elapsed_s: i64) -> Self {
		let index = i64::from(index);
		let phase = (elapsed_s + index * 97) % (2 * HALF_CYCLE_S);
		let charging = phase >= HALF_CYCLE_S;
		let into = if charging { phase - HALF_CYCLE_S } else { phase };
		let battery_permille = if charging {
			200 + into * 700 / HALF_CYCLE_S
		} else {
			900 - into * 700 / HALF_CYCLE_S
		};
		// Drives at 54 km/h (15 m/s) when not charging: the odometer grows by the driven time.
		let cycles = (elapsed_s + index * 97) / (2 * HALF_CYCLE_S);
		let driven_s = cycles * HALF_CYCLE_S + if charging { HALF_CYCLE_S } else { into };
		Self {
			odometer_m: 12_000_000 + index * 1_000_000 + driven_s * 15,
			battery_permille,
			charging_w: if charging { 11_000 } else { 0 },
			speed_kph: if charging { 0 } else { 54 },
			// A slow walk north-east from Berlin's centre, one lane per vehicle.
			lat_e7: 525_200_000 + index * 100_000 + driven_s * 13,
			lon_e7: 134_050_000 + index * 100_000 + driven_s * 21,
		}
	}
}

/// A fault to inject into a vehicle's data answers.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
	/// The car sleeps: each OEM's own answer (Tesla 408, Smartcar 409, ...).
	Asleep,
	/// 429 with `Retry-After`.
	RateLimit,
	/// 500.
	ServerError,
	/// The answer comes after 15 s.
	Slow,
	/// 200 with broken JSON.
	Malformed,
	/// 200 with an answer of [`OVERSIZED_ANSWER_BYTES`]: the reading, then whitespace.
	Oversized,
}

/// The size of an `oversized` answer: 80 MiB, more than a collector may read.
pub const OVERSIZED_ANSWER_BYTES: usize = 80 << 20;

impl FaultKind {
	/// The fault by its kebab-case name.
	pub fn from_name(name: &str) -> Option<Self> {
		match name {
			"asleep" => Some(Self::Asleep),
			"rate-limit" => Some(Self::RateLimit),
			"server-error" => Some(Self::ServerError),
			"slow" => Some(Self::Slow),
			"malformed" => Some(Self::Malformed),
			"oversized" => Some(Self::Oversized),
			_ => None,
		}
	}
}

/// A fault and how many more answers it spoils (`None`: all of them).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Fault {
	/// What goes wrong.
	pub kind: FaultKind,
	/// How many more answers; `None` for every one.
	pub remaining: Option<u32>,
}

/// One data answer served.
#[derive(Clone, Debug, Serialize)]
pub struct Served {
	/// The carmaker.
	pub oem: Oem,
	/// The vehicle's OEM id.
	pub vehicle: String,
	/// When, in Unix milliseconds.
	pub at_ms: u64,
	/// The signals served, in the canonical records' units.
	pub signals: BTreeMap<String, i64>,
}

struct Grant {
	vehicle: String,
	expires_at: u64,
}

/// Tokens issued by a grant or a refresh.
#[derive(Clone, Debug, Serialize)]
pub struct Tokens {
	/// The bearer token.
	pub access_token: String,
	/// The token that buys the next pair (rotated: the old one dies).
	pub refresh_token: String,
	/// How long the access token lives, in seconds.
	pub expires_in: u64,
	/// When it dies, in Unix seconds.
	pub expires_at: u64,
}

/// The most answers [`Fleet::served`] remembers.
const MAX_SERVED: usize = 100_000;

/// Everything the simulator knows.
pub struct Fleet {
	started: Instant,
	vehicles: Vec<Vehicle>,
	token_lifetime_s: u64,
	access: HashMap<String, Grant>,
	refresh: HashMap<String, String>,
	faults: HashMap<String, Fault>,
	served: Vec<Served>,
	random: std::collections::hash_map::RandomState,
	counter: u64,
	/// Every token issued, so that tests can look for them where they must not be.
	pub issued: Vec<String>,
	/// Requests answered, by path prefix (an OEM's name, or `admin`).
	pub requests: BTreeMap<String, u64>,
	/// TLS handshakes that failed (a client that does not trust the certificate).
	pub tls_failures: u64,
	/// The OAuth client registered with the simulated OEMs: its id and secret, which a token
	/// refresh presents as each OEM wants ([`crate::oems::SimulatedOem::client_authenticated`]).
	pub oauth_client: (String, String),
}

/// The OAuth client that the simulator accepts unless told otherwise.
pub const DEV_OAUTH_CLIENT: (&str, &str) = ("dimo-dev-client", "dimo-dev-secret");

/// Unix time now, in milliseconds.
pub fn unix_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Fleet {
	/// A fleet of `per_oem` vehicles of each OEM whose tokens live `token_lifetime_s`: the
	/// first car of each OEM in the order of `Oem::ALL`, then the second of each, ...
	pub fn new(per_oem: u32, token_lifetime_s: u64) -> Self {
		let mut vehicles = Vec::new();
		for n in 0..per_oem {
			for (place, oem) in (0u32..).zip(Oem::ALL) {
				let (id, vin) = crate::oems::of(oem).car(n);
				vehicles.push(Vehicle { oem, id, vin, index: n + place * per_oem });
			}
		}
		Self {
			started: Instant::now(),
			vehicles,
			token_lifetime_s,
			access: HashMap::new(),
			refresh: HashMap::new(),
			faults: HashMap::new(),
			served: Vec::new(),
			random: Default::default(),
			counter: 0,
			issued: Vec::new(),
			oauth_client: (DEV_OAUTH_CLIENT.0.into(), DEV_OAUTH_CLIENT.1.into()),
			requests: BTreeMap::new(),
			tls_failures: 0,
		}
	}

	/// The vehicles.
	pub fn vehicles(&self) -> &[Vehicle] {
		&self.vehicles
	}

	/// The vehicle of `oem` with id `id` (for Tesla also its VIN: the Fleet API takes either as
	/// the `vehicle_tag`).
	pub fn vehicle(&self, oem: Oem, id: &str) -> Option<&Vehicle> {
		self.vehicles
			.iter()
			.find(|v| v.oem == oem && (v.id == id || (oem == Oem::Tesla && v.vin == id)))
	}

	fn token(&mut self, kind: &str) -> String {
		self.counter += 1;
		let mut hasher = self.random.build_hasher();
		hasher.write_u64(self.counter);
		let a = hasher.finish();
		hasher.write_u64(a);
		format!("{kind}-{a:016x}{:016x}", hasher.finish())
	}

	/// The owner of `vehicle` grants access (what an OAuth authorization-code flow ends with).
	pub fn grant(&mut self, vehicle: &str) -> Tokens {
		let access = self.token("at");
		let refresh = self.token("rt");
		let expires_at = unix_ms() / 1000 + self.token_lifetime_s;
		self.access.insert(access.clone(), Grant { vehicle: vehicle.to_string(), expires_at });
		self.refresh.insert(refresh.clone(), vehicle.to_string());
		self.issued.extend([access.clone(), refresh.clone()]);
		Tokens {
			access_token: access,
			refresh_token: refresh,
			expires_in: self.token_lifetime_s,
			expires_at,
		}
	}

	/// A refresh-token grant: new tokens, the old refresh token dies; `None` if unknown.
	pub fn refresh(&mut self, refresh_token: &str) -> Option<Tokens> {
		let vehicle = self.refresh.remove(refresh_token)?;
		Some(self.grant(&vehicle))
	}

	/// The vehicle that a live `access_token` opens.
	pub fn authorize(&self, access_token: &str) -> Option<&str> {
		let grant = self.access.get(access_token)?;
		(grant.expires_at > unix_ms() / 1000).then_some(grant.vehicle.as_str())
	}

	/// Sets (or with `None` clears) the fault of `vehicle` (`*`: every vehicle).
	pub fn set_fault(&mut self, vehicle: &str, fault: Option<Fault>) {
		match fault {
			Some(fault) => self.faults.insert(vehicle.to_string(), fault),
			None => self.faults.remove(vehicle),
		};
	}

	/// The fault to apply to the next answer about `vehicle`, used up by one.
	pub fn take_fault(&mut self, vehicle: &str) -> Option<FaultKind> {
		let key = if self.faults.contains_key(vehicle) { vehicle } else { "*" };
		let fault = self.faults.get_mut(key)?;
		let kind = fault.kind;
		match fault.remaining {
			Some(0) => {
				self.faults.remove(key);
				return None;
			},
			Some(n) => fault.remaining = Some(n - 1),
			None => {},
		}
		Some(kind)
	}

	/// The faults set now.
	pub fn faults(&self) -> &HashMap<String, Fault> {
		&self.faults
	}

	/// The state of `vehicle` now, noted as served.
	pub fn read(&mut self, vehicle: &Vehicle, with_position: bool) -> State {
		let state = State::at(vehicle.index, self.started.elapsed().as_secs() as i64);
		if self.served.len() >= MAX_SERVED {
			self.served.remove(0);
		}
		let mut signals = crate::oems::of(vehicle.oem).signals(&state);
		if !with_position {
			signals.remove("latE7");
			signals.remove("lonE7");
		}
		self.served.push(Served {
			oem: vehicle.oem,
			vehicle: vehicle.id.clone(),
			at_ms: unix_ms(),
			signals,
		});
		state
	}

	/// The data answers served so far, oldest first.
	pub fn served(&self) -> &[Served] {
		&self.served
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn vehicles_drive_and_charge_in_cycles() {
		let start = State::at(0, 0);
		let later = State::at(0, 100);
		assert_eq!(later.odometer_m - start.odometer_m, 1_500);
		assert!(later.battery_permille < start.battery_permille);
		let charging = State::at(0, HALF_CYCLE_S + 100);
		assert_eq!((charging.speed_kph, charging.charging_w), (0, 11_000));
		assert_eq!(State::at(0, HALF_CYCLE_S + 200).odometer_m, charging.odometer_m);
		assert!(State::at(0, HALF_CYCLE_S + 200).battery_permille > charging.battery_permille);
		assert!((200..=900).contains(&State::at(3, 12_345).battery_permille));
	}

	#[test]
	fn tokens_expire_and_refresh_tokens_rotate() {
		let mut fleet = Fleet::new(1, 3600);
		let tokens = fleet.grant("car");
		assert_eq!(fleet.authorize(&tokens.access_token), Some("car"));
		assert_eq!(fleet.authorize("at-forged"), None);
		let next = fleet.refresh(&tokens.refresh_token).expect("a live refresh token");
		assert_ne!(next.access_token, tokens.access_token);
		assert!(fleet.refresh(&tokens.refresh_token).is_none(), "used refresh tokens die");
		let mut short = Fleet::new(1, 0);
		let dead = short.grant("car");
		assert_eq!(short.authorize(&dead.access_token), None);
	}

	#[test]
	fn counted_faults_wear_off() {
		let mut fleet = Fleet::new(1, 3600);
		fleet.set_fault("car", Some(Fault { kind: FaultKind::Asleep, remaining: Some(2) }));
		assert_eq!(fleet.take_fault("car"), Some(FaultKind::Asleep));
		assert_eq!(fleet.take_fault("car"), Some(FaultKind::Asleep));
		assert_eq!(fleet.take_fault("car"), None);
		fleet.set_fault("*", Some(Fault { kind: FaultKind::Slow, remaining: None }));
		assert_eq!(fleet.take_fault("other"), Some(FaultKind::Slow));
	}
}
