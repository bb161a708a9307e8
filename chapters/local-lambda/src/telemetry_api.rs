//! The Telemetry API, `PUT /2022-07-01/telemetry`, served beside the
//! Runtime API: a registered extension subscribes its own HTTP server to
//! the environment's telemetry (`telemetry.rs`). The subscription is
//! checked as Lambda checks it, within Lambda's bounds; an error is `400`
//! with `ValidationError`.

use serde_json::{Value, json};

use crate::extensions_api;
use crate::http::{Request, Response};
use crate::sandbox::Sandbox;
use crate::telemetry::{Buffering, Subscription, Types};

/// The path, after the API's prefix.
pub(crate) const TELEMETRY_PATH: &str = "/2022-07-01/telemetry";

/// The schema versions Lambda takes.
const SCHEMA_VERSIONS: [&str; 3] = ["2022-07-01", "2022-12-13", "2025-01-29"];

/// Answers a request to the Telemetry API.
pub(crate) fn handle(sandbox: &Sandbox, request: &Request) -> Response {
    if request.method != "PUT" {
        return Response::new(405, "text/plain; charset=utf-8", "");
    }
    let id = match extensions_api::identifier(request) {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    if let Err(refusal) = sandbox.lock().extensions.name_of(&id) {
        return extensions_api::forbidden(&refusal);
    }
    let subscription = serde_json::from_slice::<Value>(&request.body)
        .map_err(|error| error.to_string())
        .and_then(|body| subscription(&body));
    match subscription {
        Ok(subscription) => {
            sandbox.telemetry.subscribe(subscription);
            Response::new(200, "application/json", "\"OK\"")
        }
        Err(message) => Response::json(
            400,
            &json!({"errorType": "ValidationError", "errorMessage": message}),
        ),
    }
}

/// The subscription in `body`. Errors name what is wrong with it.
fn subscription(body: &Value) -> Result<Subscription, String> {
    let version = body["schemaVersion"].as_str().unwrap_or_default();
    if !SCHEMA_VERSIONS.contains(&version) {
        return Err(format!(
            "schemaVersion {version:?} is not one of {SCHEMA_VERSIONS:?}"
        ));
    }
    let destination = &body["destination"];
    if destination["protocol"] != json!("HTTP") {
        return Err("destination.protocol must be HTTP (TCP is not served here)".to_string());
    }
    let uri = destination["URI"].as_str().unwrap_or_default();
    if !uri.starts_with("http://") {
        return Err(format!("destination.URI {uri:?} is not an http:// address"));
    }
    let mut types = Types::default();
    for kind in body["types"].as_array().into_iter().flatten() {
        match kind.as_str() {
            Some("platform") => types.platform = true,
            Some("function") => types.function = true,
            Some("extension") => types.extension = true,
            _ => return Err(format!("{kind} is not a telemetry type")),
        }
    }
    Ok(Subscription {
        // sandbox.localdomain is the environment's own host name on Lambda.
        uri: uri.replacen("sandbox.localdomain", "127.0.0.1", 1),
        types,
        buffering: buffering(&body["buffering"])?,
    })
}

/// The subscription's buffering, each figure within Lambda's bounds.
fn buffering(asked: &Value) -> Result<Buffering, String> {
    let mut buffering = Buffering::default();
    let figure = |name: &str, low: u64, high: u64| -> Result<Option<u64>, String> {
        match asked[name].as_u64() {
            None if asked[name].is_null() => Ok(None),
            Some(value) if (low..=high).contains(&value) => Ok(Some(value)),
            _ => Err(format!("buffering.{name} must be from {low} to {high}")),
        }
    };
    if let Some(items) = figure("maxItems", 1_000, 10_000)? {
        buffering.max_items = items as usize;
    }
    if let Some(bytes) = figure("maxBytes", 262_144, 1_048_576)? {
        buffering.max_bytes = bytes as usize;
    }
    if let Some(ms) = figure("timeoutMs", 25, 30_000)? {
        buffering.timeout = std::time::Duration::from_millis(ms);
    }
    Ok(buffering)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(buffering: Value) -> Result<Subscription, String> {
        subscription(&json!({
            "schemaVersion": "2022-12-13",
            "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:4243/telemetry"},
            "types": ["platform", "function"],
            "buffering": buffering,
        }))
    }

    #[test]
    fn a_subscription_within_lambdas_bounds_is_taken() {
        let taken = asked(json!({"maxItems": 1000, "timeoutMs": 25})).unwrap();
        assert_eq!(taken.uri, "http://127.0.0.1:4243/telemetry");
        assert!(taken.types.platform && taken.types.function && !taken.types.extension);
        assert_eq!(taken.buffering.max_items, 1000);
        assert_eq!(taken.buffering.max_bytes, 256 * 1024, "Lambda's default");
        assert!(asked(json!({"maxItems": 999})).is_err());
        assert!(asked(json!({"timeoutMs": 30_001})).is_err());
        assert!(asked(json!({"maxBytes": 2_000_000})).is_err());
    }
}
