//! The router: each request to an OEM's API handed to that OEM's file ([`crate::oems`]), with
//! the grants, tokens, faults and served log that every OEM shares; and the admin API.
//!
//! Each OEM's routes live in its own file under [`crate::oems`], served under `/{name}`
//! (`/tesla`, `/smartcar`, `/highmobility`, ...): its data, its vehicle list and its OAuth
//! token endpoint. Besides them, the admin API:
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /admin/vehicles` | the fleet |
//! | `POST /admin/grant` `{"oem","vehicle"}` | tokens, as an owner's consent screen would end |
//! | `POST /admin/fault` `{"vehicle","fault","count"}` | inject (`"fault": null` clears) |
//! | `GET /admin/served` | every data answer served, in canonical units |
//! | `GET /admin/tokens` | every token issued (for tests that look for leaks) |
//! | `GET /admin/stats` | requests by prefix, failed TLS handshakes |
//!
//! Data routes need `Authorization: Bearer <access token>` of a live grant for that vehicle
//! (401 otherwise). Faults: `asleep` (each OEM's own answer), `rate-limit` (429,
//! `Retry-After: 5`), `server-error` (500), `slow` (15 s), `malformed` (200, broken JSON),
//! `oversized` (200, the reading padded with whitespace to 80 MiB).

use crate::{
	fleet::{Fault, FaultKind, Fleet, Oem},
	oems::{self, Operation, SimulatedOem},
};
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
	/// A JSON answer.
	pub fn json(status: u16, body: Value) -> Self {
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

/// The form field `name` of a `application/x-www-form-urlencoded` body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
	let text = std::str::from_utf8(body).ok()?;
	text.split('&').find_map(|pair| {
		let (key, value) = pair.split_once('=')?;
		(key == name).then(|| percent_decode(value))
	})
}

/// The query's field `name`.
pub fn query_field(query: &str, name: &str) -> Option<String> {
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
		("GET", ["admin", "vehicles"]) => Answer::json(200, json!(fleet.vehicles())),
		("GET", ["admin", "served"]) => Answer::json(200, json!(fleet.served())),
		("GET", ["admin", "tokens"]) => Answer::json(200, json!(fleet.issued)),
		("GET", ["admin", "stats"]) => Answer::json(
			200,
			json!({ "requests": fleet.requests, "tlsFailures": fleet.tls_failures, "faults": fleet.faults() }),
		),
		("POST", ["admin", "grant"]) => admin_grant(&mut fleet, incoming.body),
		("POST", ["admin", "fault"]) => admin_fault(&mut fleet, incoming.body),
		(method, [name, path @ ..]) => {
			let oem = Oem::from_name(name).map(oems::of);
			match oem.and_then(|oem| Some((oem, oem.operation(method, path, incoming.query)?))) {
				Some((oem, Operation::Token)) => refresh(&mut fleet, oem, incoming),
				Some((oem, Operation::List)) => list(&fleet, oem, incoming),
				Some((oem, Operation::Data { vehicle, signals })) => {
					data(&mut fleet, oem, &vehicle, incoming, &signals)
				},
				None => not_found(),
			}
		},
		_ => not_found(),
	}
}

fn not_found() -> Answer {
	Answer::json(404, json!({ "error": "not_found" }))
}

fn refresh(fleet: &mut Fleet, oem: &dyn SimulatedOem, incoming: &Incoming) -> Answer {
	if form_field(incoming.body, "grant_type").as_deref() != Some("refresh_token") {
		return Answer::json(400, json!({ "error": "unsupported_grant_type" }));
	}
	// The client authenticates as each OEM wants (its file says how).
	if !oem.client_authenticated(incoming, &fleet.oauth_client) {
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

fn list(fleet: &Fleet, oem: &dyn SimulatedOem, incoming: &Incoming) -> Answer {
	let Some(vehicle) = bearer(incoming).and_then(|token| fleet.authorize(token)) else {
		return Answer::json(401, json!({ "error": "invalid_token" }));
	};
	Answer::json(200, oem.list(fleet.vehicle(oem.api(), vehicle)))
}

fn data(
	fleet: &mut Fleet,
	oem: &dyn SimulatedOem,
	id: &str,
	incoming: &Incoming,
	signals: &[String],
) -> Answer {
	let Some(vehicle) = fleet.vehicle(oem.api(), id).cloned() else {
		return not_found();
	};
	// Grants and faults are kept by the OEM's id, whichever tag the path used.
	let id = vehicle.id.as_str();
	match bearer(incoming).and_then(|token| fleet.authorize(token)) {
		Some(granted) if granted == id => {},
		_ => return Answer::json(401, json!({ "error": "invalid_token" })),
	}
	let mut delay_s = 0;
	let mut oversized = false;
	match fleet.take_fault(id) {
		Some(FaultKind::Asleep) => return oem.asleep(),
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
	let with_position = oem.with_position(signals);
	let state = fleet.read(&vehicle, with_position);
	let mut answer = Answer::json(200, oem.data(&vehicle, &state, signals));
	answer.delay_s = delay_s;
	if oversized {
		// Still valid JSON, and still the reading: only its size is wrong.
		answer.body.resize(crate::fleet::OVERSIZED_ANSWER_BYTES.max(answer.body.len()), b' ');
	}
	answer
}

fn admin_grant(fleet: &mut Fleet, body: &[u8]) -> Answer {
	let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
	let oem = request["oem"].as_str().and_then(Oem::from_name);
	let vehicle = request["vehicle"].as_str().unwrap_or("");
	// A grant is kept by the OEM's id, even when asked by a Tesla's VIN.
	match oem.and_then(|oem| fleet.vehicle(oem, vehicle)).map(|vehicle| vehicle.id.clone()) {
		Some(id) => Answer::json(200, json!(fleet.grant(&id))),
		None => Answer::json(404, json!({ "error": "no such vehicle" })),
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

	/// What the simulator serves, DIMO's adapters read back to the very integers it holds,
	/// for every OEM, on the route that the adapter's own data request takes: the end-to-end
	/// comparison of records with [`Fleet::served`] rests on this.
	#[test]
	fn the_adapters_read_back_exactly_what_was_served() {
		for api in Oem::ALL {
			let simulated = oems::of(api);
			let adapter = oem::adapter(api);
			let request = (adapter.data_request)("https://sim", "car", "token");
			let url = request.url.strip_prefix("https://sim/").expect("the base");
			let (path, query) = url.split_once('?').unwrap_or((url, ""));
			let segments: Vec<&str> = path.split('/').collect();
			let Some(Operation::Data { signals, .. }) =
				simulated.operation(request.method, &segments, query)
			else {
				panic!("{api:?}: the simulator has no data route for {}", request.url)
			};
			for elapsed in [0, 1, 599, 600, 777, 12_345, 86_399] {
				for index in 0..5 {
					let state = crate::fleet::State::at(index, elapsed);
					let vehicle =
						crate::fleet::Vehicle { oem: api, id: "1".into(), vin: "V".into(), index };
					let answer = Answer::json(200, simulated.data(&vehicle, &state, &signals));
					let read = (adapter.read_data)(&oem::Response {
						status: answer.status,
						headers: &[],
						body: &answer.body,
					});
					assert_eq!(read, Ok(simulated.signals(&state)), "{api:?}");
				}
			}
		}
	}

	/// Each OEM's token endpoint takes the operator's client the way its adapter presents it
	/// (Tesla: the id in the form; Smartcar: HTTP Basic; High Mobility: id and secret in the
	/// form), and refuses another client.
	#[test]
	fn every_token_endpoint_takes_the_client_as_its_adapter_sends_it() {
		let fleet = Mutex::new(Fleet::new(1, 3600));
		for api in Oem::ALL {
			let car =
				fleet.lock().unwrap().vehicles().iter().find(|v| v.oem == api).unwrap().id.clone();
			let refresh = |client_id: &str| {
				let tokens = grant(&fleet, api.name(), &car);
				let client = oem::OAuthClient {
					client_id: client_id.into(),
					client_secret: crate::fleet::DEV_OAUTH_CLIENT.1.into(),
				};
				let auth = format!("https://sim/{}/auth", api.name());
				let request = (oem::adapter(api).refresh_request)(
					&auth,
					&client,
					tokens["refresh_token"].as_str().unwrap(),
				);
				let path = request.url.strip_prefix("https://sim").unwrap().to_string();
				let authorization = request
					.headers
					.iter()
					.find(|(name, _)| *name == "Authorization")
					.map(|(_, v)| v.clone());
				route(
					&fleet,
					&Incoming {
						method: request.method,
						path: &path,
						query: "",
						authorization: authorization.as_deref(),
						body: &request.body,
					},
				)
				.status
			};
			assert_eq!(refresh(crate::fleet::DEV_OAUTH_CLIENT.0), 200, "{api:?}");
			assert_eq!(refresh("someone-else"), 401, "{api:?}");
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

	/// Tesla's Fleet API takes the VIN wherever it takes the id: a car registered by its VIN
	/// (what its Fleet Telemetry stream names it by) is polled, listed and granted by it too.
	#[test]
	fn a_tesla_is_listed_granted_and_read_by_its_vin_as_by_its_id() {
		let fleet = Mutex::new(Fleet::new(1, 3600));
		let (id, vin) = {
			let fleet = fleet.lock().unwrap();
			let car = fleet.vehicles().iter().find(|v| v.oem == Oem::Tesla).unwrap().clone();
			(car.id, car.vin)
		};
		let tokens = grant(&fleet, "tesla", &vin);
		let access = tokens["access_token"].as_str().unwrap();
		let listed = call(&fleet, "GET", "/tesla/api/1/vehicles", Some(access), b"");
		let ids = (Tesla::read_vehicle_ids)(&oem::Response {
			status: listed.status,
			headers: &[],
			body: &listed.body,
		})
		.expect("a list");
		assert_eq!(ids, vec![id.clone(), vin.clone()]);
		for tag in [&id, &vin] {
			let path = Tesla::data_request("https://sim/tesla", tag, access).url;
			let path = path.strip_prefix("https://sim").expect("the base").to_string();
			assert!(read::<Tesla>(&call(&fleet, "GET", &path, Some(access), b"")).is_ok(), "{tag}");
		}
		// Another car's token reads neither.
		let smartcar = {
			let fleet = fleet.lock().unwrap();
			fleet.vehicles().iter().find(|v| v.oem == Oem::Smartcar).unwrap().id.clone()
		};
		let other = grant(&fleet, "smartcar", &smartcar);
		let path =
			Tesla::data_request("https://sim/tesla", &vin, other["access_token"].as_str().unwrap())
				.url;
		let path = path.strip_prefix("https://sim").expect("the base").to_string();
		assert_eq!(call(&fleet, "GET", &path, other["access_token"].as_str(), b"").status, 401);
	}

	#[test]
	fn data_needs_the_vehicles_own_live_token_and_refresh_rotates() {
		let fleet = Mutex::new(Fleet::new(2, 3600));
		let (car, other) = {
			let f = fleet.lock().unwrap();
			let teslas: Vec<String> =
				f.vehicles().iter().filter(|v| v.oem == Oem::Tesla).map(|v| v.id.clone()).collect();
			(teslas[0].clone(), teslas[1].clone())
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
