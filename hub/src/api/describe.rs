//! The hub's OpenAPI document says what *this* hub accepts: beside the lengths, patterns and
//! formats the wire types declare, the ids of its office, its services (booked or walk-in),
//! stages, counters and slots become enums, and every operation that takes a `request_id`
//! names the `idempotency_conflict` answer. A request that is valid by the document is then one
//! the hub takes, or refuses only for a reason a schema cannot state (a forged QR signature, a
//! booking code already taken) — which `scripts/hostile-input.sh` checks with schemathesis.

use serde_json::{Value, json};

use crate::config::Config;

/// `doc` with this office's ids and answers written in.
pub fn for_office(doc: &utoipa::openapi::OpenApi, config: &Config) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    let ids = |items: Vec<&String>| -> Vec<Value> { items.into_iter().map(|i| json!(i)).collect() };
    let office = vec![json!(config.office.id)];
    let booked = ids(config.services.iter().filter(|s| s.booked).map(|s| &s.id).collect());
    let walk_in = ids(config.services.iter().filter(|s| s.walk_in_quota.is_some()).map(|s| &s.id).collect());
    let stages = ids(config.stages.iter().map(|s| &s.id).collect());
    let counters = ids(config.counters.iter().map(|c| &c.id).collect());
    let slots: Vec<Value> = config.slots.iter().map(|s| json!(s.label())).collect();

    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for operation in item.values_mut() {
                for parameter in
                    operation.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten()
                {
                    let (name, place) = (parameter["name"].as_str(), parameter["in"].as_str());
                    let values = match (name, place) {
                        (Some("office"), _) => Some(&office),
                        (Some("counter"), Some("path")) => Some(&counters),
                        (Some("service"), Some("query")) => Some(&booked),
                        _ => None,
                    };
                    if let Some(values) = values {
                        parameter["schema"] = json!({ "type": "string", "enum": values });
                    }
                }
                name_idempotency_conflict(operation);
            }
        }
    }
    let schemas = &mut doc["components"]["schemas"];
    for (schema, property, values) in [
        ("BookingRequest", "office", &office),
        ("BookingRequest", "service", &booked),
        ("BookingRequest", "slot", &slots),
        ("NewAppointment", "office", &office),
        ("NewAppointment", "service", &booked),
        ("NewAppointment", "slot", &slots),
        ("WalkinRequest", "service", &walk_in),
        ("FinishRequest", "next_stage", &stages),
        ("TransferRequest", "stage", &stages),
        ("TransferRequest", "counter", &counters),
        ("RescheduleRequest", "slot", &slots),
    ] {
        let target = &mut schemas[schema]["properties"][property];
        if target.is_null() {
            tracing::error!(schema, property, "the OpenAPI document has no such property to describe");
            continue;
        }
        // An optional field may also be null.
        let nullable = target["type"].as_array().is_some_and(|t| t.contains(&json!("null")));
        let mut values = values.clone();
        if nullable {
            values.push(Value::Null);
        }
        let description = target.get("description").cloned();
        *target = json!({ "type": if nullable { json!(["string", "null"]) } else { json!("string") }, "enum": values });
        if let Some(description) = description {
            target["description"] = description;
        }
    }
    // A user's role: a staff role, never a device's.
    schemas["NewUserRequest"]["properties"]["role"] =
        json!({ "type": "string", "enum": ["admin", "supervisor", "staff"] });
    doc
}

/// Request bodies that carry a `request_id`.
const IDEMPOTENT: [&str; 6] =
    ["ActionRequest", "CallRequest", "CheckinRequest", "WalkinRequest", "FinishRequest", "TransferRequest"];

/// An operation whose body carries a `request_id` may answer 409 `idempotency_conflict`.
fn name_idempotency_conflict(operation: &mut Value) {
    // A required body is a `$ref`, an optional one a `oneOf` of null and the `$ref`.
    let body = operation["requestBody"]["content"]["application/json"]["schema"].to_string();
    if !IDEMPOTENT.iter().any(|name| body.contains(&format!("\"#/components/schemas/{name}\""))) {
        return;
    }
    let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else { return };
    let conflict = "idempotency_conflict: the request_id was already used for another request";
    match responses.get_mut("409") {
        Some(existing) => {
            let description = existing["description"].as_str().unwrap_or("").to_owned();
            existing["description"] = json!(format!("{description}; {conflict}"));
        }
        None => {
            responses.insert(
                "409".into(),
                json!({ "description": conflict, "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/ErrorBody" } } } }),
            );
        }
    }
}
