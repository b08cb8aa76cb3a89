//! A client's requests, recorded and replayed: the upgrade rule's check
//! that a device running an older app keeps working with a newer server.
//!
//! [`Recorder`] is a client-core [`Transport`] that carries each request
//! over the apps' own HTTP transport and keeps the request and its answer
//! ([`Exchange`]). `tests/tests/upgrade.rs` records one release's client
//! going through the app's flows into `tests/data/old-clients/<release>.json`
//! (committed); every later release replays each file there against a
//! fresh server of its own ([`replay`]) and checks that every request gets
//! the status it got then and an answer holding every field the old client
//! read, with the same JSON type (new fields are fine: clients ignore what
//! they do not know).
//!
//! What the server makes up (ids of uploads, tokens, cursors, times) differs
//! from run to run: the replay learns it by walking the recorded and the
//! new answer side by side, and writes the new value wherever the old one
//! appears in a later request (path, token, header, body).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use moa_client_core::transport::{Answer, Body, Request, Sending, Transport, Verb};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One request and its answer, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub verb: String,
    /// Under `/v1`, with its query string.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// A JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// Raw bytes (an upload chunk), base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
    pub status: u16,
    /// The answer when it was JSON (`null` when empty or not JSON).
    pub answer: Value,
}

/// Carries requests over HTTP and keeps them.
#[derive(Debug)]
pub struct Recorder {
    inner: Arc<dyn Transport>,
    log: Mutex<Vec<Exchange>>,
}

impl Recorder {
    pub fn new(server_url: &str) -> Arc<Recorder> {
        Arc::new(Recorder {
            inner: moa_client_core::transport::http_transport(server_url).expect("http transport"),
            log: Mutex::new(Vec::new()),
        })
    }

    /// What was recorded so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.log.lock().expect("recorder lock").clone()
    }
}

fn verb_name(verb: Verb) -> &'static str {
    match verb {
        Verb::Get => "GET",
        Verb::Post => "POST",
        Verb::Put => "PUT",
        Verb::Patch => "PATCH",
        Verb::Delete => "DELETE",
    }
}

impl Transport for Recorder {
    fn send(&self, request: Request) -> Sending<'_> {
        Box::pin(async move {
            let mut exchange = Exchange {
                verb: verb_name(request.verb).to_owned(),
                path: request.path.clone(),
                token: request.token.clone(),
                headers: request
                    .headers
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect(),
                json: None,
                bytes: None,
                status: 0,
                answer: Value::Null,
            };
            match &request.body {
                Body::Empty => {}
                Body::Json(b) => exchange.json = serde_json::from_slice(b).ok(),
                Body::Chunk(b) => {
                    exchange.bytes = Some(base64::engine::general_purpose::STANDARD.encode(b))
                }
            }
            let answer: Answer = self.inner.send(request).await?;
            exchange.status = answer.status;
            exchange.answer = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
            self.log.lock().expect("recorder lock").push(exchange);
            Ok(answer)
        })
    }
}

/// What the server made up in one run and made up differently in another:
/// recorded value → the value this run got.
#[derive(Debug, Default)]
pub struct Learned(HashMap<String, String>);

impl Learned {
    /// `text` with every learned old value replaced by its new one (the
    /// longest first, so an id inside a path is replaced whole).
    pub fn apply(&self, text: &str) -> String {
        let mut olds: Vec<&String> = self.0.keys().collect();
        olds.sort_by_key(|o| std::cmp::Reverse(o.len()));
        let mut out = text.to_owned();
        for old in olds {
            if out.contains(old.as_str()) {
                out = out.replace(old.as_str(), &self.0[old]);
            }
        }
        out
    }

    fn apply_json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.apply(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.apply_json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.apply_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Learns the strings that differ between a recorded answer and this
    /// run's, field by field. Short strings (words, not made-up values) are
    /// left alone.
    pub fn learn(&mut self, recorded: &Value, now: &Value) {
        match (recorded, now) {
            (Value::String(old), Value::String(new)) if old != new && old.len() >= 16 => {
                self.0.insert(old.clone(), new.clone());
            }
            (Value::Array(a), Value::Array(b)) => {
                for (x, y) in a.iter().zip(b) {
                    self.learn(x, y);
                }
            }
            (Value::Object(a), Value::Object(b)) => {
                for (k, x) in a {
                    if let Some(y) = b.get(k) {
                        self.learn(x, y);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Where a new answer leaves out something the old client read: each
/// field of `recorded` must be in `now` with the same JSON type (a
/// recorded `null` or empty list asks nothing of its items).
pub fn missing(recorded: &Value, now: &Value, at: &str, out: &mut Vec<String>) {
    match (recorded, now) {
        (Value::Null, _) => {}
        (Value::Object(a), Value::Object(b)) => {
            for (k, x) in a {
                match b.get(k) {
                    Some(y) => missing(x, y, &format!("{at}.{k}"), out),
                    None if x.is_null() => {}
                    None => out.push(format!("{at}.{k} is gone")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            // Each recorded item in the same place, or anywhere (a change
            // the server now adds may come first in a pull).
            for (i, x) in a.iter().enumerate() {
                let mut here = Vec::new();
                match b.get(i) {
                    Some(y) => missing(x, y, &format!("{at}[{i}]"), &mut here),
                    None => here.push(format!("{at}[{i}] is gone")),
                }
                let elsewhere = || {
                    b.iter().any(|y| {
                        let mut probe = Vec::new();
                        missing(x, y, at, &mut probe);
                        probe.is_empty()
                    })
                };
                if !here.is_empty() && !elsewhere() {
                    out.extend(here);
                }
            }
        }
        (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_)) => {}
        (a, b) => out.push(format!("{at} was {a}, now {b}")),
    }
}

/// Replays `exchanges` against the server at `base` (`http://host:port`),
/// in order; answers each difference that an old client would trip on.
pub async fn replay(base: &str, exchanges: &[Exchange]) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut learned = Learned::default();
    let mut problems = Vec::new();
    for (n, ex) in exchanges.iter().enumerate() {
        let path = learned.apply(&ex.path);
        let method = reqwest::Method::from_bytes(ex.verb.as_bytes()).expect("a method");
        let mut req = http.request(method, format!("{base}/v1{path}"));
        if let Some(token) = &ex.token {
            req = req.bearer_auth(learned.apply(token));
        }
        for (k, v) in &ex.headers {
            req = req.header(k.as_str(), learned.apply(v));
        }
        if let Some(json) = &ex.json {
            req = req.json(&learned.apply_json(json));
        } else if let Some(b64) = &ex.bytes {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("recorded bytes");
            req = req
                .header("content-type", "application/offset+octet-stream")
                .body(bytes);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("#{n} {} {path}: no answer ({e})", ex.verb));
                continue;
            }
        };
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap_or_default();
        let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status != ex.status {
            problems.push(format!(
                "#{n} {} {path}: status {status}, recorded {} ({answer})",
                ex.verb, ex.status
            ));
            continue;
        }
        let mut gone = Vec::new();
        missing(&ex.answer, &answer, "answer", &mut gone);
        for g in gone {
            problems.push(format!("#{n} {} {path}: {g}", ex.verb));
        }
        learned.learn(&ex.answer, &answer);
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_fields_are_fine_missing_or_retyped_ones_are_not() {
        let old = json!({"a": 1, "b": {"c": "x", "d": [ {"e": true} ]}, "n": null});
        let mut out = Vec::new();
        missing(
            &old,
            &json!({"a": 2, "b": {"c": "y", "d": [{"e": false, "f": 1}]}, "z": 0}),
            "answer",
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        missing(
            &old,
            &json!({"a": "1", "b": {"d": [{}]}}),
            "answer",
            &mut out,
        );
        assert_eq!(out.len(), 3, "{out:?}");
        // An item the server now puts first is fine (lengths are data, not the
        // contract); an item of a shape found nowhere is reported.
        let mut moved = Vec::new();
        missing(
            &json!([{"k": "r"}]),
            &json!([{"n": 1}, {"k": "r"}]),
            "answer",
            &mut moved,
        );
        assert!(moved.is_empty(), "{moved:?}");
        missing(
            &json!([{"k": "r"}, {"z": 1}]),
            &json!([{"k": "r"}]),
            "answer",
            &mut moved,
        );
        assert_eq!(moved, ["answer[1] is gone"]);
    }

    #[test]
    fn made_up_values_are_learned_and_written_into_later_requests() {
        let mut learned = Learned::default();
        learned.learn(
            &json!({"access_token": "old-token-0123456789", "id": "short", "items": [{"id": "0192-old-upload-id"}]}),
            &json!({"access_token": "new-token-abcdefghij", "id": "other", "items": [{"id": "0193-new-upload-id"}]}),
        );
        assert_eq!(
            learned.apply("/media/uploads/0192-old-upload-id/complete"),
            "/media/uploads/0193-new-upload-id/complete"
        );
        assert_eq!(
            learned.apply("old-token-0123456789"),
            "new-token-abcdefghij"
        );
        assert_eq!(
            learned.apply("short"),
            "short",
            "short words are not learned"
        );
    }
}
