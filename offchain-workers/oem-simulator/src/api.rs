//! The routes: the Tesla Fleet API and Smartcar shapes that DIMO's adapters speak
//! (dimo-offchain's `oem` module), their OAuth token endpoints, and an admin API.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /tesla/api/1/vehicles` | the token's vehicle, Tesla's list shape |
//! | `GET /tesla/api/1/vehicles/{id}/vehicle_data?endpoints=…` | charge, drive and vehicle state; the position only if `location_data` is asked for (firmware 2023.38+) |
//! | `POST /tesla/auth/oauth2/v3/token` | refresh-token grant (form) |
//! | `GET /smartcar/v2.0/vehicles` | the token's vehicle, Smartcar's list shape |
//! | `POST /smartcar/v2.0/vehicles/{id}/batch` | `/odometer`, `/battery`, `/location` |
//! | `GET /smartcar/v2.0/vehicles/{id}/{odometer,battery,location}` | one signal |
//! | `POST /smartcar/auth/oauth/token` | refresh-token grant (form) |
//! | `GET /admin/vehicles` | the fleet |
//! | `POST /admin/grant` `{"oem","vehicle"}` | tokens, as an owner's consent screen would end |
//! | `POST /admin/fault` `{"vehicle","fault","count"}` | inject (`"fault": null` clears) |
//! | `GET /admin/served` | every data answer served, in canonical units |
//! | `GET /admin/tokens` | every token issued (for tests that look for leaks) |
//! | `GET /admin/stats` | requests by prefix, failed TLS handshakes |
//!
//! Data routes need `Authorization: Bearer <access token>` of a live grant for that vehicle
//! (401 otherwise). Faults: `asleep` (Tesla 408, Smartcar 409), `rate-limit` (429,
//! `Retry-After: 5`), `server-error` (500), `slow` (15 s), `malformed` (200, broken JSON),
//! `oversized` (200, the reading padded with whitespace to 80 MiB).

use crate::fleet::{Fault, FaultKind, Fleet, Oem, State};
use serde_json::{json, Value};
use std::sync::Mutex;

/// An answer: status, extra headers, JSON (or broken) body, and a delay before it.
pub struct Answer {
	/// The status code.
	pub status: u16,
	/// Headers besides `content-type`.
	pub headers: Vec<(&'static str, String)>,
	/// The body.
	pub body: Vec<u8>,
	/// Seconds to wait before answering.
	pub delay_s: u64,
}

impl Answer {
	fn json(status: u16, body: Value) -> Self {
		Self { status, headers: Vec::new(), body: body.to_string().into_bytes(), delay_s: 0 }
	}
}

/// The incoming request, as far as the routes look at it.
pub struct Incoming<'a> {
	/// `GET`, `POST`, ...
	pub method: &'a str,
	/// The path, without the query.
	pub path: &'a str,
	/// The query, without the `?` (empty if none).
	pub query: &'a str,
	/// The `Authorization` header.
	pub authorization: Option<&'a str>,
	/// The body.
	pub body: &'a [u8],
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
	let text = std::str::from_utf8(body).ok()?;
	text.split('&').find_map(|pair| {
		let (key, value) = pair.split_once('=')?;
		(key == name).then(|| percent_decode(value))
	})
}

fn query_field(query: &str, name: &str) -> Option<String> {
	form_field(query.as_bytes(), name)
}

fn percent_decode(text: &str) -> String {
	let bytes = text.as_bytes();
	let mut out = Vec::with_capacity(bytes.len());
	let mut i = 0;
	while i < bytes.len() {
		match bytes[i] {
			b'%' if i + 2 < bytes.len() => {
				let hex =
					bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).unwrap_or("");
				match u8::from_str_radix(hex, 16) {
					Ok(byte) => {
						out.push(byte);
						i += 3;
						continue;
					},
					Err(_) => out.push(b'%'),
				}
			},
			b'+' => out.push(b' '),
			byte => out.push(byte),
		}
		i += 1;
	}
	String::from_utf8_lossy(&out).into_owned()
}

fn bearer<'a>(incoming: &Incoming<'a>) -> Option<&'a str> {
	incoming.authorization?.strip_prefix("Bearer ")
}

/// Answers `incoming`.
pub fn route(fleet: &Mutex<Fleet>, incoming: &Incoming) -> Answer {
	let mut fleet = fleet.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
	let segments: Vec<&str> = incoming.path.trim_matches('/').split('/').collect();
	let prefix = segments.first().copied().unwrap_or("").to_string();
	*fleet.requests.entry(prefix).or_default() += 1;
	match (incoming.method, segments.as_slice()) {
		("POST", ["tesla", "auth", "oauth2", "v3", "token"]) => {
			refresh(&mut fleet, Oem::Tesla, incoming)
		},
		("POST", ["smartcar", "auth", "oauth", "token"]) => {
			refresh(&mut fleet, Oem::Smartcar, incoming)
		},
		("GET", ["tesla", "api", "1", "vehicles"]) => list(&fleet, Oem::Tesla, incoming),
		("GET", ["smartcar", "v2.0", "vehicles"]) => list(&fleet, Oem::Smartcar, incoming),
		("GET", ["tesla", "api", "1", "vehicles", id, "vehicle_data"]) => {
			let endpoints = query_field(incoming.query, "endpoints").unwrap_or_default();
			let endpoints: Vec<&str> = endpoints.split(';').collect();
			data(&mut fleet, Oem::Tesla, id, incoming, &endpoints)
		},
		("POST", ["smartcar", "v2.0", "vehicles", id, "batch"]) => {
			data(&mut fleet, Oem::Smartcar, id, incoming, &["odometer", "battery", "location"])
		},
		(
			"GET",
			["smartcar", "v2.0", "vehicles", id, signal @ ("odometer" | "battery" | "location")],
		) => data(&mut fleet, Oem::Smartcar, id, incoming, &[signal]),
		("GET", ["admin", "vehicles"]) => Answer::json(200, json!(fleet.vehicles())),
		("GET", ["admin", "served"]) => Answer::json(200, json!(fleet.served())),
		("GET", ["admin", "tokens"]) => Answer::json(200, json!(fleet.issued)),
		("GET", ["admin", "stats"]) => Answer::json(
			200,
			json!({ "requests": fleet.requests, "tlsFailures": fleet.tls_failures, "faults": fleet.faults() }),
		),
		("POST", ["admin", "grant"]) => admin_grant(&mut fleet, incoming.body),
		("POST", ["admin", "fault"]) => admin_fault(&mut fleet, incoming.body),
		_ => Answer::json(404, json!({ "error": "not_found" })),
	}
}

fn refresh(fleet: &mut Fleet, oem: Oem, incoming: &Incoming) -> Answer {
	if form_field(incoming.body, "grant_type").as_deref() != Some("refresh_token") {
		return Answer::json(400, json!({ "error": "unsupported_grant_type" }));
	}
	// The client authenticates as each OEM wants: Tesla by its id in the form, Smartcar with
	// HTTP Basic (id and secret).
	let (id, secret) = &fleet.oauth_client;
	let client_ok = match oem {
		Oem::Tesla => form_field(incoming.body, "client_id").as_deref() == Some(id.as_str()),
		Oem::Smartcar => {
			let expected = dimo_offchain::oem::basic_auth(&dimo_offchain::oem::OAuthClient {
				client_id: id.clone(),
				client_secret: secret.clone(),
			});
			incoming.authorization == Some(expected.as_str())
		},
	};
	if !client_ok {
		return Answer::json(401, json!({ "error": "invalid_client" }));
	}
	let Some(refresh_token) = form_field(incoming.body, "refresh_token") else {
		return Answer::json(400, json!({ "error": "invalid_request" }));
	};
	match fleet.refresh(&refresh_token) {
		Some(tokens) => Answer::json(
			200,
			json!({
				"access_token": tokens.access_token,
				"refresh_token": tokens.refresh_token,
				"expires_in": tokens.expires_in,
				"token_type": "Bearer",
			}),
		),
		None => Answer::json(
			401,
			json!({ "error": "invalid_grant", "error_description": "refresh token is invalid or used" }),
		),
	}
}

fn list(fleet: &Fleet, oem: Oem, incoming: &Incoming) -> Answer {
	let Some(vehicle) = bearer(incoming).and_then(|token| fleet.authorize(token)) else {
		return Answer::json(401, json!({ "error": "invalid_token" }));
	};
	let Some(vehicle) = fleet.vehicle(oem, vehicle) else {
		return Answer::json(200, json!({ "response": [], "count": 0 }));
	};
	match oem {
		Oem::Tesla => Answer::json(
			200,
			json!({ "response": [{ "id": vehicle.id.parse::<u64>().unwrap_or(0), "id_s": vehicle.id, "vin": vehicle.vin, "state": "online" }], "count": 1 }),
		),
		Oem::Smartcar => Answer::json(
			200,
			json!({ "vehicles": [vehicle.id], "paging": { "count": 1, "offset": 0 } }),
		),
	}
}

fn data(fleet: &mut Fleet, oem: Oem, id: &str, incoming: &Incoming, signals: &[&str]) -> Answer {
	let Some(vehicle) = fleet.vehicle(oem, id).cloned() else {
		return Answer::json(404, json!({ "error": "not_found" }));
	};
	match bearer(incoming).and_then(|token| fleet.authorize(token)) {
		Some(granted) if granted == id => {},
		_ => return Answer::json(401, json!({ "error": "invalid_token" })),
	}
	let mut delay_s = 0;
	let mut oversized = false;
	match fleet.take_fault(id) {
		Some(FaultKind::Asleep) => {
			return match oem {
				Oem::Tesla => Answer::json(
					408,
					json!({ "response": null, "error": "vehicle unavailable: vehicle is offline or asleep" }),
				),
				Oem::Smartcar => Answer::json(
					409,
					json!({ "type": "VEHICLE_STATE", "code": "ASLEEP", "description": "The vehicle is asleep." }),
				),
			}
		},
		Some(FaultKind::RateLimit) => {
			let mut answer = Answer::json(429, json!({ "error": "rate_limited" }));
			answer.headers.push(("retry-after", "5".into()));
			return answer;
		},
		Some(FaultKind::ServerError) => {
			return Answer::json(500, json!({ "error": "internal_error" }))
		},
		Some(FaultKind::Malformed) => {
			return Answer {
				status: 200,
				headers: Vec::new(),
				body: b"{\"response\":{\"charge_st".to_vec(),
				delay_s: 0,
			}
		},
		Some(FaultKind::Slow) => delay_s = 15,
		Some(FaultKind::Oversized) => oversized = true,
		None => {},
	}
	// Tesla (firmware 2023.38+) sends the position only when `location_data` is asked for;
	// Smartcar's batch names `/location`.
	let with_position = match oem {
		Oem::Tesla => signals.contains(&"location_data"),
		Oem::Smartcar => signals.contains(&"location"),
	};
	let state = fleet.read(&vehicle, with_position);
	let mut answer = match oem {
		Oem::Tesla => {
			Answer::json(200, tesla_vehicle_data(&vehicle.id, &vehicle.vin, &state, with_position))
		},
		Oem::Smartcar if signals.len() == 1 => {
			Answer::json(200, smartcar_signal(signals[0], &state))
		},
		Oem::Smartcar => {
			let responses: Vec<Value> = signals
				.iter()
				.map(|signal| {
					json!({
						"path": format!("/{signal}"),
						"code": 200,
						"body": smartcar_signal(signal, &state),
						"headers": { "sc-unit-system": "metric" },
					})
				})
				.collect();
			Answer::json(200, json!({ "responses": responses }))
		},
	};
	answer.delay_s = delay_s;
	if oversized {
		// Still valid JSON, and still the reading: only its size is wrong.
		answer.body.resize(crate::fleet::OVERSIZED_ANSWER_BYTES.max(answer.body.len()), b' ');
	}
	answer
}

/// Tesla's `vehicle_data`: miles, percent, degrees, mph, kW. As on firmware 2023.38 and later,
/// `drive_state` holds the position only `with_location` (`location_data` asked for).
pub fn tesla_vehicle_data(id: &str, vin: &str, state: &State, with_location: bool) -> Value {
	let now = crate::fleet::unix_ms();
	let mut answer = json!({ "response": {
		"id": id.parse::<u64>().unwrap_or(0),
		"id_s": id,
		"vin": vin,
		"state": "online",
		"charge_state": {
			"battery_level": state.battery_permille as f64 / 10.0,
			"charger_power": state.charging_w as f64 / 1000.0,
			"charging_state": if state.charging_w > 0 { "Charging" } else { "Disconnected" },
			"timestamp": now,
		},
		"drive_state": {
			"latitude": state.lat_e7 as f64 / 1e7,
			"longitude": state.lon_e7 as f64 / 1e7,
			"speed": state.speed_kph as f64 / 1.609_344,
			"heading": 45,
			"timestamp": now,
		},
		"vehicle_state": { "odometer": state.odometer_m as f64 / 1609.344, "timestamp": now },
	}});
	if !with_location {
		if let Some(drive) = answer["response"]["drive_state"].as_object_mut() {
			drive.remove("latitude");
			drive.remove("longitude");
			drive.remove("heading");
		}
	}
	answer
}

/// One Smartcar signal's body: kilometres, a fraction, degrees.
pub fn smartcar_signal(signal: &str, state: &State) -> Value {
	match signal {
		"odometer" => json!({ "distance": state.odometer_m as f64 / 1000.0 }),
		"battery" => json!({
			"percentRemaining": state.battery_permille as f64 / 1000.0,
			"range": state.battery_permille as f64 * 0.45,
		}),
		_ => {
			json!({ "latitude": state.lat_e7 as f64 / 1e7, "longitude": state.lon_e7 as f64 / 1e7 })
		},
	}
}

fn admin_grant(fleet: &mut Fleet, body: &[u8]) -> Answer {
	let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
	let oem = request["oem"].as_str().and_then(Oem::from_name);
	let vehicle = request["vehicle"].as_str().unwrap_or("");
	match oem {
		Some(oem) if fleet.vehicle(oem, vehicle).is_some() => {
			Answer::json(200, json!(fleet.grant(vehicle)))
		},
		_ => Answer::json(404, json!({ "error": "no such vehicle" })),
	}
}

fn admin_fault(fleet: &mut Fleet, body: &[u8]) -> Answer {
	let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
	let Some(vehicle) = request["vehicle"].as_str() else {
		return Answer::json(400, json!({ "error": "vehicle (an OEM id, or \"*\") is required" }));
	};
	let fault = match &request["fault"] {
		Value::Null => None,
		Value::String(name) => match FaultKind::from_name(name) {
			Some(kind) => Some(Fault {
				kind,
				remaining: request["count"].as_u64().map(|n| n.min(u64::from(u32::MAX)) as u32),
			}),
			None => return Answer::json(400, json!({ "error": "unknown fault" })),
		},
		_ => return Answer::json(400, json!({ "error": "fault must be a name or null" })),
	};
	fleet.set_fault(vehicle, fault);
	Answer::json(200, json!({ "faults": fleet.faults() }))
}

#[cfg(test)]
mod tests {
	use super::*;
	use dimo_offchain::oem::{self, smartcar::Smartcar, tesla::Tesla, OemAdapter};

	fn call(
		fleet: &Mutex<Fleet>,
		method: &str,
		path: &str,
		token: Option<&str>,
		body: &[u8],
	) -> Answer {
		let authorization = token.map(|t| format!("Bearer {t}"));
		let (path, query) = path.split_once('?').unwrap_or((path, ""));
		route(
			fleet,
			&Incoming { method, path, query, authorization: authorization.as_deref(), body },
		)
	}

	fn read<A: OemAdapter>(answer: &Answer) -> Result<oem::Signals, oem::OemError> {
		let headers: Vec<(String, String)> =
			answer.headers.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
		A::read_data(&oem::Response {
			status: answer.status,
			headers: &headers,
			body: &answer.body,
		})
	}

	/// What the simulator serves, DIMO's adapters read back to the very integers it holds:
	/// the end-to-end comparison of records with [`Fleet::served`] rests on this.
	#[test]
	fn the_adapters_read_back_exactly_what_was_served() {
		for elapsed in [0, 1, 599, 600, 777, 12_345, 86_399] {
			for index in 0..5 {
				let state = State::at(index, elapsed);
				let tesla = Answer::json(200, tesla_vehicle_data("1", "V", &state, true));
				assert_eq!(read::<Tesla>(&tesla).expect("reads"), state.signals(Oem::Tesla));
				let responses: Vec<Value> = ["odometer", "battery", "location"]
					.iter()
					.map(
						|s| json!({ "path": format!("/{s}"), "code": 200, "body": smartcar_signal(s, &state) }),
					)
					.collect();
				let batch = json!({ "responses": responses });
				let smartcar = Answer::json(200, batch);
				assert_eq!(
					read::<Smartcar>(&smartcar).expect("reads"),
					state.signals(Oem::Smartcar)
				);
			}
		}
	}

	/// The tokens of an owner's grant for `car` of `oem`, as `POST /admin/grant` answers.
	fn grant(fleet: &Mutex<Fleet>, oem: &str, car: &str) -> Value {
		let body = json!({ "oem": oem, "vehicle": car }).to_string();
		serde_json::from_slice(&call(fleet, "POST", "/admin/grant", None, body.as_bytes()).body)
			.unwrap()
	}

	/// Current Tesla firmware: no `location_data`, no position; DIMO's adapter asks for it.
	#[test]
	fn tesla_sends_the_position_only_when_location_data_is_asked_for() {
		let fleet = Mutex::new(Fleet::new(1, 3600));
		let car = fleet.lock().unwrap().vehicles()[0].id.clone();
		let tokens = grant(&fleet, "tesla", &car);
		let access = tokens["access_token"].as_str().unwrap();
		let old_endpoints = format!(
			"/tesla/api/1/vehicles/{car}/vehicle_data?endpoints=charge_state%3Bdrive_state%3Bvehicle_state"
		);
		let signals =
			read::<Tesla>(&call(&fleet, "GET", &old_endpoints, Some(access), b"")).expect("reads");
		assert!(!signals.contains_key("latE7") && !signals.contains_key("lonE7"));
		assert!(signals.contains_key("odometerM"));

		// The source governance registers for the simulator's Tesla: `<base>/tesla`.
		let adapters = Tesla::data_request("https://sim/tesla", &car, access).url;
		let path = adapters.strip_prefix("https://sim").expect("the base");
		let signals = read::<Tesla>(&call(&fleet, "GET", path, Some(access), b"")).expect("reads");
		assert!(signals.contains_key("latE7") && signals.contains_key("lonE7"));
		// What was served is logged as served: without, then with the position.
		let served = fleet.lock().unwrap().served().to_vec();
		assert!(!served[0].signals.contains_key("latE7"));
		assert_eq!(served[1].signals, signals);
	}

	#[test]
	fn data_needs_the_vehicles_own_live_token_and_refresh_rotates() {
		let fleet = Mutex::new(Fleet::new(2, 3600));
		let (car, other) = {
			let f = fleet.lock().unwrap();
			(f.vehicles()[0].id.clone(), f.vehicles()[2].id.clone())
		};
		let path = format!("/tesla/api/1/vehicles/{car}/vehicle_data");
		assert_eq!(call(&fleet, "GET", &path, None, b"").status, 401);
		let grant = call(
			&fleet,
			"POST",
			"/admin/grant",
			None,
			json!({"oem":"tesla","vehicle": other}).to_string().as_bytes(),
		);
		let other_token: Value = serde_json::from_slice(&grant.body).unwrap();
		let other_token = other_token["access_token"].as_str().unwrap().to_string();
		assert_eq!(
			call(&fleet, "GET", &path, Some(&other_token), b"").status,
			401,
			"another car's token"
		);

		let grant = call(
			&fleet,
			"POST",
			"/admin/grant",
			None,
			json!({"oem":"tesla","vehicle": car}).to_string().as_bytes(),
		);
		let tokens: Value = serde_json::from_slice(&grant.body).unwrap();
		let access = tokens["access_token"].as_str().unwrap();
		let refresh = tokens["refresh_token"].as_str().unwrap();
		let answer = call(&fleet, "GET", &path, Some(access), b"");
		assert_eq!(answer.status, 200);
		assert!(read::<Tesla>(&answer).is_ok());
		assert_eq!(fleet.lock().unwrap().served().len(), 1);

		let form =
			format!("grant_type=refresh_token&client_id=dimo-dev-client&refresh_token={refresh}");
		let wrong_client =
			format!("grant_type=refresh_token&client_id=someone-else&refresh_token={refresh}");
		let refused =
			call(&fleet, "POST", "/tesla/auth/oauth2/v3/token", None, wrong_client.as_bytes());
		assert_eq!(refused.status, 401, "another client");
		let refreshed = call(&fleet, "POST", "/tesla/auth/oauth2/v3/token", None, form.as_bytes());
		assert_eq!(refreshed.status, 200);
		let new: Value = serde_json::from_slice(&refreshed.body).unwrap();
		assert_eq!(call(&fleet, "GET", &path, new["access_token"].as_str(), b"").status, 200);
		let reused = call(&fleet, "POST", "/tesla/auth/oauth2/v3/token", None, form.as_bytes());
		assert_eq!(reused.status, 401);
	}

	#[test]
	fn faults_give_the_oems_own_failures() {
		let fleet = Mutex::new(Fleet::new(1, 3600));
		let (tesla, smartcar) = {
			let f = fleet.lock().unwrap();
			(f.vehicles()[0].id.clone(), f.vehicles()[1].id.clone())
		};
		let token = |car: &str, oem: &str| {
			let grant = call(
				&fleet,
				"POST",
				"/admin/grant",
				None,
				json!({"oem": oem, "vehicle": car}).to_string().as_bytes(),
			);
			serde_json::from_slice::<Value>(&grant.body).unwrap()["access_token"]
				.as_str()
				.unwrap()
				.to_string()
		};
		let (tesla_token, smartcar_token) = (token(&tesla, "tesla"), token(&smartcar, "smartcar"));
		let tesla_path = format!("/tesla/api/1/vehicles/{tesla}/vehicle_data");
		let smartcar_path = format!("/smartcar/v2.0/vehicles/{smartcar}/batch");
		let fault = |vehicle: &str, name: &str| {
			call(
				&fleet,
				"POST",
				"/admin/fault",
				None,
				json!({"vehicle": vehicle, "fault": name, "count": 1}).to_string().as_bytes(),
			)
			.status
		};
		assert_eq!(fault(&tesla, "asleep"), 200);
		assert_eq!(
			read::<Tesla>(&call(&fleet, "GET", &tesla_path, Some(&tesla_token), b"")),
			Err(oem::OemError::Asleep)
		);
		assert_eq!(fault(&smartcar, "asleep"), 200);
		assert_eq!(
			read::<Smartcar>(&call(&fleet, "POST", &smartcar_path, Some(&smartcar_token), b"")),
			Err(oem::OemError::Asleep)
		);
		assert_eq!(fault(&tesla, "rate-limit"), 200);
		assert_eq!(
			read::<Tesla>(&call(&fleet, "GET", &tesla_path, Some(&tesla_token), b"")),
			Err(oem::OemError::RateLimited { retry_after: 5 })
		);
		assert_eq!(fault(&tesla, "malformed"), 200);
		assert_eq!(
			read::<Tesla>(&call(&fleet, "GET", &tesla_path, Some(&tesla_token), b"")),
			Err(oem::OemError::Malformed)
		);
		assert_eq!(fault(&tesla, "server-error"), 200);
		assert_eq!(
			read::<Tesla>(&call(&fleet, "GET", &tesla_path, Some(&tesla_token), b"")),
			Err(oem::OemError::Status(500))
		);
		assert_eq!(fault(&smartcar, "oversized"), 200);
		let oversized = call(&fleet, "POST", &smartcar_path, Some(&smartcar_token), b"");
		assert_eq!(oversized.body.len(), crate::fleet::OVERSIZED_ANSWER_BYTES);
		assert!(read::<Smartcar>(&oversized).is_ok(), "still the reading, only too long");
		assert_eq!(fault(&tesla, "slow"), 200);
		assert_eq!(call(&fleet, "GET", &tesla_path, Some(&tesla_token), b"").delay_s, 15);
		// Worn off.
		assert_eq!(call(&fleet, "GET", &tesla_path, Some(&tesla_token), b"").status, 200);
		assert_eq!(fault(&tesla, "melted"), 400);
	}
}
