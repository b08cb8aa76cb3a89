//! The browsable API reference at `/docs`, rendered on the server from the
//! OpenAPI document. Self-contained (no scripts, no CDN), so it works on an
//! air-gapped install and can never disagree with `/v1/openapi.json`.

use std::fmt::Write;

use serde_json::{Map, Value, json};

/// The published document: what the handler annotations say, completed by
/// the rules every operation shares, so no operation can forget them:
///
/// - every operation may answer 401 (a missing, forged or ended token: the
///   operations that take an optional token refuse a bad one too);
/// - those that need a token also 403 (suspended, not allowed);
/// - those with path parameters 404 (and 422 for an id that is no id);
/// - those with query parameters 400 (`invalid_parameter`, a bad cursor);
/// - those with a body 400 (malformed JSON), 413 (too large), 415 (not
///   JSON) and 422 (a field at fault);
/// - sign-in, sign-up and search 429 (rate limits);
/// - raw bodies (upload chunks) are binary strings, not arrays of numbers;
/// - a sync push's mutations are one of the known names with its `args`
///   schema, derived from `moa_protocol::Op`.
pub fn finish(doc: &utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                    complete_operation(path, op);
                }
            }
        }
    }
    publish_mutations(&mut doc);
    doc
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    })
}

fn complete_operation(path: &str, op: &mut Value) {
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let has = |place: &str| params.iter().any(|p| p["in"] == place);
    let has_body = op["requestBody"].is_object();
    let secured = op["security"]
        .as_array()
        .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
    let mut add: Vec<(&str, &str)> = vec![(
        "401",
        "No valid token: missing (where one is required), forged, expired or ended",
    )];
    if secured {
        add.push(("403", "Not allowed (a suspended account, or not your role)"));
    }
    if has("path") {
        add.push(("404", "No such thing (or not visible to you)"));
        add.push((
            "422",
            "A field at fault (named in `field`), or an id that is not an id",
        ));
    }
    if has("query") || has_body {
        add.push(("400", "A malformed body or a bad query parameter"));
    }
    if has_body {
        add.push(("413", "The body is too large"));
        add.push(("415", "Not the expected content type"));
        add.push(("422", "A field at fault (named in `field`)"));
    }
    if path.starts_with("/v1/auth/") || path.starts_with("/v1/search") {
        add.push(("429", "Too many attempts: wait `Retry-After` seconds"));
    }
    if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
        for (status, description) in add {
            responses
                .entry(status)
                .or_insert_with(|| error_response(description));
        }
    }
    // Raw bodies are bytes.
    if let Some(content) = op
        .get_mut("requestBody")
        .and_then(|b| b.get_mut("content"))
        .and_then(Value::as_object_mut)
    {
        for (kind, media) in content.iter_mut() {
            if !kind.contains("json") {
                media["schema"] = json!({"type": "string", "format": "binary"});
            }
        }
        // The server reads a raw body whatever its declared type; the plain
        // octet-stream type is what most clients send.
        if content.keys().any(|k| k.ends_with("octet-stream")) {
            content
                .entry("application/octet-stream")
                .or_insert_with(|| json!({"schema": {"type": "string", "format": "binary"}}));
        }
    }
}

/// `PushRequest.mutations[]` as one of the known mutations.
fn publish_mutations(doc: &mut Value) {
    let mut components = Vec::new();
    moa_protocol::Op::arg_components(&mut components);
    let variants: Vec<Value> = moa_protocol::Op::arg_schemas()
        .into_iter()
        .map(|(name, schema)| {
            json!({
                "type": "object",
                "title": name,
                "required": ["id", "name", "args"],
                "properties": {
                    "id": {"type": "string", "description": "Client-generated UUID: the idempotency key"},
                    "name": {"type": "string", "const": name},
                    "args": serde_json::to_value(schema).unwrap_or(Value::Null),
                },
            })
        })
        .collect();
    let Some(schemas) = doc
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (name, schema) in components {
        if !schemas.contains_key(&name) {
            schemas.insert(name, serde_json::to_value(schema).unwrap_or(Value::Null));
        }
    }
    schemas.insert(
        "SyncMutation".into(),
        json!({
            "description": "One mutation: its name picks the schema of its args. A name this \
                server does not know is answered `rejected` with `unknown_mutation`.",
            "oneOf": variants,
        }),
    );
    if let Some(mutations) = schemas
        .get_mut("PushRequest")
        .and_then(|p| p.get_mut("properties"))
        .and_then(|p| p.get_mut("mutations"))
    {
        mutations["items"] = json!({"$ref": "#/components/schemas/SyncMutation"});
    }
}

/// Renders `doc` as one HTML page: endpoints grouped by tag, each with its
/// parameters, request body and responses, then every schema.
pub fn render(doc: &Value) -> String {
    let mut out = String::new();
    let title = esc(doc["info"]["title"].as_str().unwrap_or("API"));
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>{CSS}</style></head><body><h1>{title} <small>{}</small></h1><p>{}</p>\
         <p>Machine-readable: <a href=\"/v1/openapi.json\">/v1/openapi.json</a>. \
         Authenticated endpoints take <code>Authorization: Bearer &lt;access token&gt;</code>.</p>",
        esc(doc["info"]["version"].as_str().unwrap_or("")),
        esc(doc["info"]["description"].as_str().unwrap_or("")),
    );
    let empty = Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    let tags: Vec<String> = doc["tags"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for tag in &tags {
        let _ = write!(out, "<h2 id=\"tag-{0}\">{0}</h2>", esc(tag));
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let op = &item[method];
                if op.is_null()
                    || !op["tags"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|x| x == tag.as_str()))
                {
                    continue;
                }
                render_operation(&mut out, method, path, op);
            }
        }
    }
    out.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let pretty = serde_json::to_string_pretty(schema).unwrap_or_default();
            let _ = write!(
                out,
                "<h3 id=\"schema-{0}\">{0}</h3><pre>{1}</pre>",
                esc(name),
                esc(&pretty)
            );
        }
    }
    out.push_str("</body></html>");
    out
}

fn render_operation(out: &mut String, method: &str, path: &str, op: &Value) {
    let locked = if op["security"].is_array() {
        " 🔒"
    } else {
        ""
    };
    let _ = write!(
        out,
        "<section><h3><span class=\"m {method}\">{}</span> <code>{}</code>{locked}</h3><p>{}</p>",
        method.to_uppercase(),
        esc(path),
        esc(op["description"]
            .as_str()
            .or(op["summary"].as_str())
            .unwrap_or("")),
    );
    if let Some(params) = op["parameters"].as_array() {
        out.push_str("<h4>Parameters</h4><ul>");
        for p in params {
            let _ = write!(
                out,
                "<li><code>{}</code> ({}) {}</li>",
                esc(p["name"].as_str().unwrap_or("")),
                esc(p["in"].as_str().unwrap_or("")),
                esc(p["description"].as_str().unwrap_or("")),
            );
        }
        out.push_str("</ul>");
    }
    if let Some(schema) = op["requestBody"]["content"]["application/json"]["schema"].as_object() {
        let _ = write!(
            out,
            "<h4>Request body</h4><p>{}</p>",
            schema_link(&Value::Object(schema.clone()))
        );
    }
    if let Some(responses) = op["responses"].as_object() {
        out.push_str("<h4>Responses</h4><table>");
        for (status, r) in responses {
            let body = r["content"]["application/json"]["schema"]
                .as_object()
                .map_or_else(String::new, |s| schema_link(&Value::Object(s.clone())));
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{body}</td></tr>",
                esc(status),
                esc(r["description"].as_str().unwrap_or("")),
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

/// A link to the schema a `$ref` names, or the inline schema as JSON.
fn schema_link(schema: &Value) -> String {
    match schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        Some(name) => format!("<a href=\"#schema-{0}\">{0}</a>", esc(name)),
        None => format!("<code>{}</code>", esc(&schema.to_string())),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const CSS: &str = "body{font-family:system-ui,'Noto Sans CJK KR',sans-serif;max-width:60rem;margin:2rem auto;\
padding:0 1rem;color:#222}section{border:1px solid #ddd;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}\
.m{font-weight:bold;padding:.1rem .4rem;border-radius:4px;color:#fff;background:#555}.get{background:#2a7}\
.post{background:#27c}.put,.patch{background:#c80}.delete{background:#c33}table{border-collapse:collapse}\
td{border-top:1px solid #eee;padding:.2rem .6rem}pre{background:#f6f6f6;padding:.5rem;overflow:auto}";

#[cfg(test)]
mod tests {
    #[test]
    fn renders_every_endpoint_and_escapes() {
        let doc = crate::openapi();
        let html = super::render(&doc);
        for path in doc["paths"].as_object().unwrap().keys() {
            assert!(
                html.contains(&super::esc(path)),
                "{path} missing from /docs"
            );
        }
        assert!(html.contains("schema-SignupRequest"));
        assert_eq!(
            super::esc("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
    }
}
