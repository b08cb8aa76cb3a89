//! The published API contract, checked on every response the end-to-end
//! tests receive: the operation (method and path template) must document
//! the status, and a JSON body must match the schema the document gives for
//! that status. A response that drifts from `/v1/openapi.json` fails the
//! test that received it.
//!
//! The document is `moa_server::openapi()`, the very value the server
//! publishes. The schema check covers what the document uses (JSON Schema
//! 2020-12 as OpenAPI 3.1 writes it): `$ref`, `type` (one or several),
//! `properties`, `required`, `additionalProperties`, `items`, `oneOf`,
//! `anyOf`, `allOf`, `enum`, `const`, `minimum`, `maximum`, `minLength`,
//! `maxLength`.
//!
//! `MOA_CONFORMANCE=log` appends violations to `MOA_CONFORMANCE_LOG` (or
//! `target/conformance.log`) instead of failing, to survey a whole run.

use std::io::Write as _;
use std::sync::OnceLock;

use serde_json::Value;

/// One documented operation.
struct Operation {
    method: String,
    segments: Vec<Segment>,
    template: String,
    op: Value,
}

enum Segment {
    Literal(String),
    Param,
}

struct Contract {
    doc: Value,
    ops: Vec<Operation>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let doc = moa_server::openapi();
        let mut ops = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (template, item) in paths {
                let segments = template
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') {
                            Segment::Param
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect::<Vec<_>>();
                for (method, op) in item.as_object().into_iter().flatten() {
                    ops.push(Operation {
                        method: method.to_uppercase(),
                        segments: segments
                            .iter()
                            .map(|s| match s {
                                Segment::Literal(l) => Segment::Literal(l.clone()),
                                Segment::Param => Segment::Param,
                            })
                            .collect(),
                        template: template.clone(),
                        op: op.clone(),
                    });
                }
            }
        }
        Contract { doc, ops }
    })
}

/// The documented operation for `method` on `path` (query stripped): the
/// template with the most literal segments that matches.
fn operation(method: &str, path: &str) -> Option<&'static Operation> {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    contract()
        .ops
        .iter()
        .filter(|o| o.method == method && o.segments.len() == parts.len())
        .filter(|o| {
            o.segments.iter().zip(&parts).all(|(s, p)| match s {
                Segment::Literal(l) => l == p,
                Segment::Param => !p.is_empty(),
            })
        })
        .max_by_key(|o| {
            o.segments
                .iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count()
        })
}

/// Checks one response; `Err` names what drifted.
pub fn check(method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
    // Server failures are what the tests that cause them assert on; the
    // contract is about answers.
    if !path.starts_with("/v1/") || path.starts_with("/v1/openapi.json") || status >= 500 {
        return Ok(());
    }
    let Some(op) = operation(method, path) else {
        // No such endpoint: the fallback's 404 or 405 is the answer.
        return match status {
            404 | 405 => Ok(()),
            _ => Err(format!(
                "{method} {path}: {status} from an undocumented operation"
            )),
        };
    };
    let responses = &op.op["responses"];
    let response = responses
        .get(status.to_string())
        .or_else(|| responses.get("default"))
        .ok_or_else(|| {
            format!(
                "{method} {} answered {status}, which it does not document ({})",
                op.template,
                body.to_string().chars().take(200).collect::<String>()
            )
        })?;
    let Some(schema) = response["content"]["application/json"]["schema"].as_object() else {
        return Ok(());
    };
    if body.is_null() {
        return Err(format!(
            "{method} {} {status}: an empty body where JSON is documented",
            op.template
        ));
    }
    let mut errors = Vec::new();
    validate(&Value::Object(schema.clone()), body, "$", &mut errors, 0);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{method} {} {status}: the body does not match the document: {}",
            op.template,
            errors.join("; ")
        ))
    }
}

/// Fails (or logs, see the module doc) when `check` finds a drift.
#[track_caller]
pub fn enforce(method: &str, path: &str, status: u16, body: &Value) {
    let Err(e) = check(method, path, status, body) else {
        return;
    };
    match std::env::var("MOA_CONFORMANCE").as_deref() {
        Ok("off") => {}
        Ok("log") => {
            let file = std::env::var("MOA_CONFORMANCE_LOG")
                .unwrap_or_else(|_| "target/conformance.log".into());
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
            {
                let _ = writeln!(f, "{e}");
            }
        }
        _ => panic!("API contract: {e}"),
    }
}

fn resolve(reference: &str) -> Option<&'static Value> {
    let name = reference.strip_prefix("#/components/schemas/")?;
    contract().doc["components"]["schemas"].get(name)
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => true,
    }
}

/// Appends what in `value` breaks `schema` to `errors` (with a JSON path).
fn validate(schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    let Some(s) = schema.as_object() else {
        return;
    };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        match resolve(r) {
            Some(target) => validate(target, value, at, errors, depth + 1),
            None => errors.push(format!("{at}: dangling {r}")),
        }
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(k) => type_matches(k, value),
            Value::Array(ks) => ks
                .iter()
                .filter_map(Value::as_str)
                .any(|k| type_matches(k, value)),
            _ => true,
        };
        if !ok {
            errors.push(format!("{at}: {} is not of type {t}", short(value)));
            return;
        }
    }
    if let Some(options) = s.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!(
            "{at}: {} is not one of {}",
            short(value),
            Value::Array(options.clone())
        ));
    }
    if let Some(c) = s.get("const")
        && c != value
    {
        errors.push(format!("{at}: {} is not {c}", short(value)));
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = s.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            errors.push(format!("{at}: {n} is below the minimum {min}"));
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            errors.push(format!("{at}: {n} is above the maximum {max}"));
        }
    }
    if let Some(text) = value.as_str() {
        let n = text.chars().count() as u64;
        if s.get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| n < m)
        {
            errors.push(format!("{at}: shorter than minLength"));
        }
        if s.get("maxLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| n > m)
        {
            errors.push(format!("{at}: longer than maxLength"));
        }
    }
    if let Some(object) = value.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        for name in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                errors.push(format!("{at}: the required {name} is missing"));
            }
        }
        for (key, v) in object {
            match props.and_then(|p| p.get(key)) {
                Some(p) => validate(p, v, &format!("{at}.{key}"), errors, depth + 1),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{at}: {key} is not in the schema"));
                    }
                    Some(extra @ Value::Object(_)) => {
                        validate(extra, v, &format!("{at}.{key}"), errors, depth + 1);
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(array)) = (s.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            validate(items, v, &format!("{at}[{i}]"), errors, depth + 1);
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for sub in all {
            validate(sub, value, at, errors, depth + 1);
        }
    }
    for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(options) = s.get(key).and_then(Value::as_array) {
            let passing = options
                .iter()
                .filter(|sub| {
                    let mut e = Vec::new();
                    validate(sub, value, at, &mut e, depth + 1);
                    e.is_empty()
                })
                .count();
            let ok = if exactly_one {
                passing == 1
            } else {
                passing >= 1
            };
            if !ok {
                errors.push(format!(
                    "{at}: {} matches {passing} of the {key} options",
                    short(value)
                ));
            }
        }
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::check;
    use serde_json::json;

    #[test]
    fn documented_answers_pass_and_drifts_fail() {
        let ok = json!({"error": {"code": "not_found", "message": "no such review"}});
        check(
            "GET",
            "/v1/reviews/0190b5c3-7d1e-7000-8000-000000000000",
            404,
            &ok,
        )
        .unwrap();
        // A status the operation does not list.
        assert!(check("GET", "/v1/reviews/x", 418, &ok).is_err());
        // A body of the wrong shape.
        let bad = json!({"error": {"code": 7}});
        assert!(check("GET", "/v1/reviews/x", 404, &bad).is_err());
        // Query strings are not part of the template; literal segments win.
        let page = json!({"items": [], "next_cursor": null});
        check("GET", "/v1/me/quotes?limit=5", 200, &page).unwrap();
        assert!(check("GET", "/v1/me/quotes", 200, &json!({"items": 3})).is_err());
    }
}
