//! The browsable API reference at `/docs`, rendered on the server from the
//! OpenAPI document. Self-contained (no scripts, no CDN), so it works on an
//! air-gapped install and can never disagree with `/v1/openapi.json`.

use std::fmt::Write;

use serde_json::Value;

/// Renders `doc` as one HTML page: endpoints grouped by tag, each with its
/// parameters, request body and responses, then every schema.
pub fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let doc = serde_json::to_value(doc).unwrap_or(Value::Null);
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
    let empty = serde_json::Map::new();
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
        for path in doc.paths.paths.keys() {
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
