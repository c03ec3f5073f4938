//! Tesla Fleet Telemetry's wire format, as teslamotors/fleet-telemetry defines it: what a
//! vehicle sends over its WebSocket, and the acknowledgement a server answers with.
//!
//! Each binary WebSocket message is a FlatBuffers `FlatbuffersEnvelope` (`messages/tesla/` in
//! that repository: `txid`, `topic`, `messageType`, `message`, `messageId`), whose message is a
//! `FlatbuffersStream` (type 4: `createdAt`, `senderId`, `payload`, `deviceType`, `deviceId`,
//! `deliveredAtEpochMs`). For the topic `V` the payload is the protobuf `Payload` of
//! `protos/vehicle_data.proto` (`repeated Datum data = 1; Timestamp created_at = 2; string vin
//! = 3; bool is_resend = 4`). The server acknowledges a message with an envelope of type 5
//! (`FlatbuffersStreamAck`) that repeats its `txid` and `topic`; it answers one it cannot read
//! with a `FlatbuffersStream` whose payload says so.
//!
//! There is no `.fbs` in that repository (only generated Go), so the tables are written here by
//! hand from the generated code's slots; every envelope read is verified first
//! ([`flatbuffers::root`]), so a hostile vehicle's bytes are bounds-checked before any field is
//! read. Both directions are here: the simulator's vehicles send what the receiver reads.

use flatbuffers::{
	FlatBufferBuilder, Follow, ForwardsUOffset, InvalidFlatbuffer, Table, VOffsetT, Vector,
	Verifiable, Verifier, WIPOffset,
};

/// `Message` union: a vehicle's stream message.
pub const MESSAGE_STREAM: u8 = 4;
/// `Message` union: a server's acknowledgement.
pub const MESSAGE_STREAM_ACK: u8 = 5;
/// The topic of vehicle data (`Payload`).
pub const TOPIC_VEHICLE_DATA: &str = "V";

/// `FlatbuffersEnvelope`, as read.
struct EnvelopeTable<'a>(Table<'a>);

impl EnvelopeTable<'_> {
	const TXID: VOffsetT = 4;
	const TOPIC: VOffsetT = 6;
	const MESSAGE_TYPE: VOffsetT = 8;
	const MESSAGE: VOffsetT = 10;
	const MESSAGE_ID: VOffsetT = 12;
}

impl<'a> Follow<'a> for EnvelopeTable<'a> {
	type Inner = EnvelopeTable<'a>;
	unsafe fn follow(buf: &'a [u8], loc: usize) -> Self::Inner {
		// SAFETY: as generated code does; `root` verified the table before following it.
		EnvelopeTable(unsafe { Table::new(buf, loc) })
	}
}

impl Verifiable for EnvelopeTable<'_> {
	fn run_verifier(v: &mut Verifier, pos: usize) -> Result<(), InvalidFlatbuffer> {
		v.visit_table(pos)?
			.visit_field::<ForwardsUOffset<Vector<'_, u8>>>("txid", Self::TXID, false)?
			.visit_field::<ForwardsUOffset<Vector<'_, u8>>>("topic", Self::TOPIC, false)?
			.visit_union::<u8, _>(
				"message_type",
				Self::MESSAGE_TYPE,
				"message",
				Self::MESSAGE,
				false,
				|key, v, pos| match key {
					MESSAGE_STREAM => {
						v.verify_union_variant::<ForwardsUOffset<StreamTable>>("stream", pos)
					},
					// An acknowledgement's message is an empty byte vector.
					_ => v.verify_union_variant::<ForwardsUOffset<Vector<'_, u8>>>("other", pos),
				},
			)?
			.visit_field::<ForwardsUOffset<Vector<'_, u8>>>("message_id", Self::MESSAGE_ID, false)?
			.finish();
		Ok(())
	}
}

/// `FlatbuffersStream`, as read.
struct StreamTable<'a>(Table<'a>);

impl StreamTable<'_> {
	const CREATED_AT: VOffsetT = 4;
	const SENDER_ID: VOffsetT = 6;
	const PAYLOAD: VOffsetT = 8;
	const DEVICE_TYPE: VOffsetT = 10;
	const DEVICE_ID: VOffsetT = 12;
	const DELIVERED_AT_EPOCH_MS: VOffsetT = 14;
}

impl<'a> Follow<'a> for StreamTable<'a> {
	type Inner = StreamTable<'a>;
	unsafe fn follow(buf: &'a [u8], loc: usize) -> Self::Inner {
		// SAFETY: as generated code does; the envelope's verifier verified this table.
		StreamTable(unsafe { Table::new(buf, loc) })
	}
}

impl Verifiable for StreamTable<'_> {
	fn run_verifier(v: &mut Verifier, pos: usize) -> Result<(), InvalidFlatbuffer> {
		v.visit_table(pos)?
			.visit_field::<u32>("created_at", Self::CREATED_AT, false)?
			.visit_field::<ForwardsUOffset<Vector<'_, u8>>>("sender_id", Self::SENDER_ID, false)?
			.visit_field::<ForwardsUOffset<Vector<'_, u8>>>("payload", Self::PAYLOAD, false)?
			.visit_field::<ForwardsUOffset<Vector<'_, u8>>>(
				"device_type",
				Self::DEVICE_TYPE,
				false,
			)?
			.visit_field::<ForwardsUOffset<Vector<'_, u8>>>("device_id", Self::DEVICE_ID, false)?
			.visit_field::<u64>("delivered_at_epoch_ms", Self::DELIVERED_AT_EPOCH_MS, false)?
			.finish();
		Ok(())
	}
}

/// The bytes of the byte-vector field `slot` of verified `table` (empty if absent).
fn bytes<'a>(table: &Table<'a>, slot: VOffsetT) -> Vec<u8> {
	// SAFETY: the caller's table was verified, with this slot as a byte vector.
	unsafe { table.get::<ForwardsUOffset<Vector<'a, u8>>>(slot, None) }
		.map(|vector| vector.bytes().to_vec())
		.unwrap_or_default()
}

/// A vehicle's stream message, as the receiver reads it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StreamMessage {
	/// The transaction id the acknowledgement repeats.
	pub txid: Vec<u8>,
	/// The topic (`V`: vehicle data; also `alerts`, `errors`, `connectivity`).
	pub topic: Vec<u8>,
	/// The envelope's message id.
	pub message_id: Vec<u8>,
	/// Who sent it (`vehicle_device.{VIN}`).
	pub sender_id: Vec<u8>,
	/// When the vehicle made it (Unix seconds).
	pub created_at: u32,
	/// The topic's payload (protobuf).
	pub payload: Vec<u8>,
}

/// Why a message is not a stream message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum WireError {
	/// Not a valid FlatBuffers envelope.
	Envelope(InvalidFlatbuffer),
	/// An envelope of another type than a stream message.
	NotAStream(u8),
	/// A stream message without its message.
	NoMessage,
}

/// Reads (and verifies) a binary WebSocket message from a vehicle.
pub fn read_stream(message: &[u8]) -> Result<StreamMessage, WireError> {
	let envelope = flatbuffers::root::<EnvelopeTable>(message).map_err(WireError::Envelope)?;
	let table = &envelope.0;
	// SAFETY (each `get` below): `root` verified the envelope and, for a stream, its message.
	let kind = unsafe { table.get::<u8>(EnvelopeTable::MESSAGE_TYPE, Some(0)) }.unwrap_or(0);
	if kind != MESSAGE_STREAM {
		return Err(WireError::NotAStream(kind));
	}
	let stream = unsafe { table.get::<ForwardsUOffset<StreamTable>>(EnvelopeTable::MESSAGE, None) }
		.ok_or(WireError::NoMessage)?;
	Ok(StreamMessage {
		txid: bytes(table, EnvelopeTable::TXID),
		topic: bytes(table, EnvelopeTable::TOPIC),
		message_id: bytes(table, EnvelopeTable::MESSAGE_ID),
		sender_id: bytes(&stream.0, StreamTable::SENDER_ID),
		created_at: unsafe { stream.0.get::<u32>(StreamTable::CREATED_AT, Some(0)) }.unwrap_or(0),
		payload: bytes(&stream.0, StreamTable::PAYLOAD),
	})
}

/// An envelope around `message` of `kind`.
fn envelope(
	builder: &mut FlatBufferBuilder,
	txid: &[u8],
	topic: &[u8],
	kind: u8,
	message: WIPOffset<flatbuffers::UnionWIPOffset>,
	message_id: &[u8],
) -> Vec<u8> {
	let txid = builder.create_vector(txid);
	let topic = builder.create_vector(topic);
	let message_id = builder.create_vector(message_id);
	let start = builder.start_table();
	builder.push_slot_always(EnvelopeTable::TXID, txid);
	builder.push_slot_always(EnvelopeTable::TOPIC, topic);
	builder.push_slot::<u8>(EnvelopeTable::MESSAGE_TYPE, kind, 0);
	builder.push_slot_always(EnvelopeTable::MESSAGE, message);
	builder.push_slot_always(EnvelopeTable::MESSAGE_ID, message_id);
	let root = builder.end_table(start);
	builder.finish_minimal(root);
	builder.finished_data().to_vec()
}

/// The acknowledgement of `message`, as Tesla's server sends it.
pub fn ack(message: &StreamMessage) -> Vec<u8> {
	let mut builder = FlatBufferBuilder::new();
	let empty = builder.create_vector::<u8>(&[]).as_union_value();
	envelope(
		&mut builder,
		&message.txid,
		&message.topic,
		MESSAGE_STREAM_ACK,
		empty,
		&message.message_id,
	)
}

/// Is `reply` the acknowledgement of the message with `txid`?
pub fn is_ack_of(reply: &[u8], txid: &[u8]) -> bool {
	let Ok(envelope) = flatbuffers::root::<EnvelopeTable>(reply) else { return false };
	// SAFETY: verified by `root`.
	let kind = unsafe { envelope.0.get::<u8>(EnvelopeTable::MESSAGE_TYPE, Some(0)) }.unwrap_or(0);
	kind == MESSAGE_STREAM_ACK && bytes(&envelope.0, EnvelopeTable::TXID) == txid
}

/// A stream message's bytes, as a vehicle sends it (and as Tesla's server answers a message it
/// cannot read: a stream message repeating the `txid`, the error in its payload).
pub fn stream(message: &StreamMessage) -> Vec<u8> {
	let mut builder = FlatBufferBuilder::new();
	let sender_id = builder.create_vector(&message.sender_id);
	let payload = builder.create_vector(&message.payload);
	let start = builder.start_table();
	builder.push_slot::<u32>(StreamTable::CREATED_AT, message.created_at, 0);
	builder.push_slot_always(StreamTable::SENDER_ID, sender_id);
	builder.push_slot_always(StreamTable::PAYLOAD, payload);
	let table = builder.end_table(start).as_union_value();
	envelope(
		&mut builder,
		&message.txid,
		&message.topic,
		MESSAGE_STREAM,
		table,
		&message.message_id,
	)
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct Timestamp {
	/// Seconds since 1970.
	#[prost(int64, tag = "1")]
	pub seconds: i64,
	/// Nanoseconds within the second.
	#[prost(int32, tag = "2")]
	pub nanos: i32,
}

/// `LocationValue`.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct LocationValue {
	/// Degrees north.
	#[prost(double, tag = "1")]
	pub latitude: f64,
	/// Degrees east.
	#[prost(double, tag = "2")]
	pub longitude: f64,
}

/// The kinds of `Value` the receiver reads (the others, enums of the car's states, it skips).
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Value {
	/// Text (vehicles not configured for typed values send numbers as text).
	#[prost(string, tag = "1")]
	StringValue(String),
	/// A 32-bit integer.
	#[prost(int32, tag = "2")]
	IntValue(i32),
	/// A 64-bit integer.
	#[prost(int64, tag = "3")]
	LongValue(i64),
	/// A float.
	#[prost(float, tag = "4")]
	FloatValue(f32),
	/// A double.
	#[prost(double, tag = "5")]
	DoubleValue(f64),
	/// A boolean.
	#[prost(bool, tag = "6")]
	BooleanValue(bool),
	/// A position.
	#[prost(message, tag = "7")]
	LocationValue(LocationValue),
	/// The car could not measure it.
	#[prost(bool, tag = "10")]
	Invalid(bool),
}

/// `Value`: one of the kinds above.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueMessage {
	/// The value.
	#[prost(oneof = "Value", tags = "1, 2, 3, 4, 5, 6, 7, 10")]
	pub value: Option<Value>,
}

/// `Datum`: one field's value.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Datum {
	/// The `Field` (an enum of `vehicle_data.proto`).
	#[prost(int32, tag = "1")]
	pub key: i32,
	/// Its value.
	#[prost(message, optional, tag = "2")]
	pub value: Option<ValueMessage>,
}

/// `Payload`: what a vehicle sends on the topic `V`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Payload {
	/// The fields that changed (or all of them, at a resend).
	#[prost(message, repeated, tag = "1")]
	pub data: Vec<Datum>,
	/// When the vehicle made it.
	#[prost(message, optional, tag = "2")]
	pub created_at: Option<Timestamp>,
	/// The VIN (the server sets it from the certificate; vehicles may leave it empty).
	#[prost(string, tag = "3")]
	pub vin: String,
	/// Whether the vehicle sends it again after an outage.
	#[prost(bool, tag = "4")]
	pub is_resend: bool,
}

/// The `Field` numbers the receiver reads (`vehicle_data.proto`).
pub mod field {
	/// `VehicleSpeed`, mph.
	pub const VEHICLE_SPEED: i32 = 4;
	/// `Odometer`, miles.
	pub const ODOMETER: i32 = 5;
	/// `Soc`, percent.
	pub const SOC: i32 = 8;
	/// `Location`.
	pub const LOCATION: i32 = 21;
	/// `DCChargingPower`, kW.
	pub const DC_CHARGING_POWER: i32 = 35;
	/// `ACChargingPower`, kW.
	pub const AC_CHARGING_POWER: i32 = 37;
	/// `BatteryLevel`, percent.
	pub const BATTERY_LEVEL: i32 = 42;
}

#[cfg(test)]
mod tests {
	use super::*;

	fn message() -> StreamMessage {
		StreamMessage {
			txid: b"tx-1".to_vec(),
			topic: b"V".to_vec(),
			message_id: b"m-1".to_vec(),
			sender_id: b"vehicle_device.5YJ3E1EA7KF317000".to_vec(),
			created_at: 1_700_000_000,
			payload: vec![1, 2, 3],
		}
	}

	#[test]
	fn a_stream_message_reads_back_as_written_and_its_ack_names_its_txid() {
		let bytes = stream(&message());
		assert_eq!(read_stream(&bytes), Ok(message()));
		let ack = ack(&message());
		assert!(is_ack_of(&ack, b"tx-1"));
		assert!(!is_ack_of(&ack, b"tx-2"));
		assert_eq!(read_stream(&ack), Err(WireError::NotAStream(MESSAGE_STREAM_ACK)));
	}

	#[test]
	fn broken_envelopes_are_refused_not_read() {
		let bytes = stream(&message());
		assert!(matches!(read_stream(&[]), Err(WireError::Envelope(_))));
		assert!(matches!(read_stream(&[0xff; 16]), Err(WireError::Envelope(_))));
		// Every truncation of a valid message is refused or reads a prefix-free answer, never
		// past the end (the verifier checks each offset).
		for cut in 0..bytes.len() {
			let _ = read_stream(&bytes[..cut]);
		}
		let mut flipped = bytes.clone();
		for byte in flipped.iter_mut().take(8) {
			*byte = 0xff;
		}
		assert!(read_stream(&flipped).is_err());
	}
}
