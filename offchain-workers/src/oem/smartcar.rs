//! Smartcar.
//!
//! - Data: one `POST {base}/v2.0/vehicles/{id}/batch` with the signal paths `/odometer`,
//!   `/battery` and `/location` (the per-signal `GET`s answer the same bodies), with
//!   `Authorization: Bearer`. Each answer in the batch has its own `code`; a failed one is
//!   skipped, the others still count. Rate limits answer 429 with `Retry-After`; a sleeping or
//!   unreachable car answers 409 (`VEHICLE_STATE`).
//! - Vehicles of a grant: `GET {base}/v2.0/vehicles`, the ids in `vehicles`.
//! - Tokens: `POST {auth}/oauth/token` with a form `grant_type=refresh_token`,
//!   `refresh_token`, authenticated as the operator's OAuth client with HTTP Basic
//!   (`Authorization: Basic base64(client_id:client_secret)`).
//!
//! Units: Smartcar reports the odometer in kilometres, the battery as a fraction, the position
//! in degrees.

use super::*;
use alloc::format;

/// The Smartcar adapter.
pub struct Smartcar;

/// The batch of signal paths a collector asks for.
pub const BATCH: &str =
	r#"{"requests":[{"path":"/odometer"},{"path":"/battery"},{"path":"/location"}]}"#;

#[derive(serde::Deserialize)]
struct Batch {
	responses: Vec<BatchItem>,
}

#[derive(serde::Deserialize)]
struct BatchItem {
	path: String,
	code: u16,
	body: serde_json::Value,
}

#[derive(serde::Deserialize)]
struct VehicleList {
	vehicles: Vec<String>,
}

fn number(body: &serde_json::Value, field: &str) -> Option<f64> {
	body.get(field).and_then(|value| value.as_f64())
}

impl OemAdapter for Smartcar {
	const NAME: &'static str = "smartcar";

	/// The latest `sc-data-age` of the batch's answers: when the car reported each signal.
	fn observed_at(response: &Response) -> Option<u64> {
		let answer: serde_json::Value = serde_json::from_slice(response.body).ok()?;
		answer
			.get("responses")?
			.as_array()?
			.iter()
			.filter_map(|item| utc_millis(item.get("headers")?.get("sc-data-age")?.as_str()?))
			.max()
	}

	fn data_request(api_base: &str, oem_vehicle: &str, access_token: &str) -> Request {
		Request {
			method: "POST",
			url: format!("{}/v2.0/vehicles/{oem_vehicle}/batch", api_base.trim_end_matches('/')),
			headers: alloc::vec![
				("Authorization", format!("Bearer {access_token}")),
				("Content-Type", String::from("application/json")),
			],
			body: BATCH.as_bytes().to_vec(),
		}
	}

	fn read_data(response: &Response) -> Result<Signals, OemError> {
		if response.status == 409 {
			return Err(OemError::Asleep);
		}
		check_status(response)?;
		let batch: Batch =
			serde_json::from_slice(response.body).map_err(|_| OemError::Malformed)?;
		let mut signals = Signals::new();
		for item in batch.responses.iter().filter(|item| item.code == 200) {
			let fields: &[(&str, &str, f64)] = match item.path.as_str() {
				"/odometer" => &[("distance", "odometerM", 1000.0)],
				"/battery" => &[("percentRemaining", "batteryPermille", 1000.0)],
				"/location" => &[("latitude", "latE7", 1e7), ("longitude", "lonE7", 1e7)],
				_ => &[],
			};
			for (field, name, scale) in fields {
				if let Some(value) = number(&item.body, field) {
					let value = scaled(value, *scale).ok_or(OemError::Malformed)?;
					signals.insert(String::from(*name), value);
				}
			}
		}
		if signals.is_empty() {
			// Every signal failed: report the first failure's status.
			let status = batch.responses.first().map(|item| item.code).unwrap_or(0);
			return Err(if status == 409 { OemError::Asleep } else { OemError::Status(status) });
		}
		Ok(signals)
	}

	fn list_request(api_base: &str, access_token: &str) -> Request {
		bearer_get(format!("{}/v2.0/vehicles", api_base.trim_end_matches('/')), access_token)
	}

	fn read_vehicle_ids(response: &Response) -> Result<Vec<String>, OemError> {
		check_status(response)?;
		let list: VehicleList =
			serde_json::from_slice(response.body).map_err(|_| OemError::Malformed)?;
		Ok(list.vehicles)
	}

	fn refresh_request(auth_url: &str, client: &OAuthClient, refresh_token: &str) -> Request {
		Request {
			method: "POST",
			url: format!("{}/oauth/token", auth_url.trim_end_matches('/')),
			headers: alloc::vec![
				("Content-Type", String::from("application/x-www-form-urlencoded")),
				("Authorization", basic_auth(client)),
			],
			body: form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::oem::tests::{response, signals_of};

	/// A batch answer in the shape of Smartcar's API reference.
	const BATCH_ANSWER: &str = r#"{"responses":[
	  {"path":"/odometer","body":{"distance":104.32},"code":200,
	    "headers":{"sc-data-age":"2025-11-24T16:00:00.000Z","sc-unit-system":"metric"}},
	  {"path":"/battery","body":{"percentRemaining":0.3,"range":40.5},"code":200,
	    "headers":{"sc-data-age":"2025-11-24T16:00:00.000Z"}},
	  {"path":"/location","body":{"latitude":37.4292,"longitude":-122.1381},"code":200,
	    "headers":{"sc-data-age":"2025-11-24T16:00:00.000Z"}}]}"#;

	#[test]
	fn a_batch_is_dated_by_its_latest_data_age() {
		assert_eq!(
			Smartcar::observed_at(&response(200, &[], BATCH_ANSWER)),
			Some(1_764_000_000_000)
		);
		let later =
			BATCH_ANSWER.replacen("2025-11-24T16:00:00.000Z", "2025-11-24T16:01:00.000Z", 1);
		assert_eq!(Smartcar::observed_at(&response(200, &[], &later)), Some(1_764_000_060_000));
		assert_eq!(Smartcar::observed_at(&response(200, &[], r#"{"responses":[]}"#)), None);
	}

	#[test]
	fn the_batch_request_asks_for_three_signals() {
		let request = Smartcar::data_request("https://api.example", "veh-1", "tok");
		assert_eq!(request.method, "POST");
		assert_eq!(request.url, "https://api.example/v2.0/vehicles/veh-1/batch");
		assert!(request.headers.contains(&("Authorization", String::from("Bearer tok"))));
		assert_eq!(request.body, BATCH.as_bytes());
	}

	#[test]
	fn a_batch_becomes_signals_in_record_units() {
		let signals = Smartcar::read_data(&response(200, &[], BATCH_ANSWER)).expect("data");
		let expected = signals_of(&[
			("batteryPermille", 300),
			("latE7", 374_292_000),
			("lonE7", -1_221_381_000),
			("odometerM", 104_320),
		]);
		assert_eq!(signals, expected);
	}

	#[test]
	fn a_failed_signal_is_skipped_and_all_failed_is_an_error() {
		let partial = r#"{"responses":[
		  {"path":"/odometer","body":{"distance":5},"code":200},
		  {"path":"/location","body":{"type":"VEHICLE_STATE","code":"ASLEEP"},"code":409}]}"#;
		let signals = Smartcar::read_data(&response(200, &[], partial)).expect("data");
		assert_eq!(signals.len(), 1);
		assert_eq!(signals.get("odometerM"), Some(&5_000));
		let asleep =
			r#"{"responses":[{"path":"/odometer","body":{"type":"VEHICLE_STATE"},"code":409}]}"#;
		assert_eq!(Smartcar::read_data(&response(200, &[], asleep)), Err(OemError::Asleep));
		assert_eq!(Smartcar::read_data(&response(409, &[], "{}")), Err(OemError::Asleep));
		let retry = [(String::from("retry-after"), String::from("5"))];
		assert_eq!(
			Smartcar::read_data(&response(429, &retry, "{}")),
			Err(OemError::RateLimited { retry_after: 5 })
		);
		assert_eq!(Smartcar::read_data(&response(200, &[], "[]")), Err(OemError::Malformed));
	}

	#[test]
	fn the_vehicles_of_a_grant_are_listed_by_id() {
		let request = Smartcar::list_request("https://api.smartcar.example", "tok");
		assert_eq!(request.method, "GET");
		assert_eq!(request.url, "https://api.smartcar.example/v2.0/vehicles");
		// The shape of Smartcar's documentation.
		let list = r#"{"vehicles":["36ab27d0-fd9d-4455-823a-ce30af709ffc"],
		  "paging":{"count":1,"offset":0}}"#;
		assert_eq!(
			Smartcar::read_vehicle_ids(&response(200, &[], list)),
			Ok(alloc::vec![String::from("36ab27d0-fd9d-4455-823a-ce30af709ffc")])
		);
		assert_eq!(
			Smartcar::read_vehicle_ids(&response(401, &[], "")),
			Err(OemError::Unauthorized)
		);
		assert_eq!(
			Smartcar::read_vehicle_ids(&response(200, &[], r#"{"paging":{}}"#)),
			Err(OemError::Malformed)
		);
	}

	#[test]
	fn tokens_are_refreshed_with_a_form() {
		let client = OAuthClient { client_id: "client".into(), client_secret: "secret".into() };
		let request = Smartcar::refresh_request("https://auth.example/", &client, "r1");
		assert_eq!(request.url, "https://auth.example/oauth/token");
		// The client authenticates with HTTP Basic, as Smartcar's token endpoint requires.
		assert!(request.headers.contains(&("Authorization", "Basic Y2xpZW50OnNlY3JldA==".into())));
		assert_eq!(request.body, b"grant_type=refresh_token&refresh_token=r1".to_vec());
		let answer = r#"{"access_token":"a2","token_type":"Bearer","expires_in":7200,"refresh_token":"r2","refresh_expires_in":5184000}"#;
		assert_eq!(
			Smartcar::read_tokens(&response(200, &[], answer)),
			Ok(Tokens { access_token: "a2".into(), refresh_token: "r2".into(), expires_in: 7_200 })
		);
		assert_eq!(
			Smartcar::read_tokens(&response(400, &[], "{}")),
			Err(OemError::RefreshRejected)
		);
	}
}
