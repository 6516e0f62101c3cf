//! A small builder for the OpenAPI document: paths added next to the routes,
//! component schemas taken from `utoipa::ToSchema` derives.

use serde_json::{Map, Value, json};
use utoipa::ToSchema;

pub struct Doc {
    paths: Map<String, Value>,
    schemas: Map<String, Value>,
}

/// One documented operation.
pub struct Op<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub tag: &'a str,
    pub summary: &'a str,
    pub params: Vec<Value>,
    pub body: Option<Value>,
    pub ok_status: u16,
    pub ok: Option<Value>,
    pub errors: &'a [u16],
}

impl Doc {
    pub fn new() -> Doc {
        let mut d = Doc { paths: Map::new(), schemas: Map::new() };
        d.schemas.insert(
            "RecordMeta".into(),
            json!({"type": "object", "required": ["id", "version", "created_at", "updated_at"], "properties": {
                "id": {"type": "integer", "format": "int64"},
                "version": {"type": "integer", "format": "int64", "description": "Incremented by each update; send it back with PUT."},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"}}}),
        );
        d.schema::<crate::error::ErrorBody>();
        d
    }

    /// Registers `T` (and what it refers to); returns a `$ref` to it.
    pub fn schema<T: ToSchema>(&mut self) -> Value {
        let mut all = Vec::new();
        T::schemas(&mut all);
        all.push((T::name().into_owned(), T::schema()));
        for (name, s) in all {
            if let Ok(v) = serde_json::to_value(&s) {
                self.schemas.insert(name, v);
            }
        }
        json!({"$ref": format!("#/components/schemas/{}", T::name())})
    }

    /// A stored record of `T`: its meta fields and its own.
    pub fn record<T: ToSchema>(&mut self) -> Value {
        let inner = self.schema::<T>();
        json!({"allOf": [{"$ref": "#/components/schemas/RecordMeta"}, inner]})
    }

    pub fn op(&mut self, op: Op<'_>) {
        let mut responses = Map::new();
        let ok_desc = if op.ok_status == 204 { "done" } else { "success" };
        let mut ok = json!({"description": ok_desc});
        if let Some(s) = op.ok {
            ok["content"] = json!({"application/json": {"schema": s}});
        }
        responses.insert(op.ok_status.to_string(), ok);
        for code in op.errors.iter().chain([400u16, 401].iter()) {
            let desc = match code {
                400 => "malformed request or parameter",
                401 => "not authenticated",
                403 => "the role may not do this",
                404 => "no such record, or not visible to the caller",
                409 => "version conflict or unique value taken",
                410 => "the record exists but its file is missing on the server",
                413 => "body too large",
                422 => "invalid field(s)",
                429 => "too many attempts",
                _ => "error",
            };
            responses.insert(
                code.to_string(),
                json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}),
            );
        }
        let mut o = json!({
            "tags": [op.tag],
            "summary": op.summary,
            "operationId": format!("{}_{}", op.method, op.path.trim_start_matches("/api/v1/").replace(['/', '{', '}', '-'], "_")),
            "responses": responses,
        });
        if !op.params.is_empty() {
            o["parameters"] = Value::Array(op.params);
        }
        if let Some(b) = op.body {
            o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": b}}});
        }
        let item = self.paths.entry(op.path.to_owned()).or_insert_with(|| json!({}));
        item[op.method] = o;
    }

    pub fn finish(self) -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": "fuwu API",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Service management for a tiered after-sales support organisation. \
                    Authenticate with a bearer token (`fuwu token create`, or POST /api/v1/tokens) or a session cookie \
                    from POST /api/v1/auth/login; cookie-authenticated writes send the session's CSRF token in X-CSRF-Token. \
                    Lists take q, sort (field or -field), page (from 1), per_page (1-200, default 50) and equality filters \
                    named after fields, and answer {items, page, per_page, total}. Updates are PUT with the whole record \
                    plus the version it was based on; a stale version gets 409 with the current record in error.current. \
                    Every error answers ErrorBody, naming the field at fault."
            },
            "servers": [{"url": "/"}],
            "paths": self.paths,
            "components": {
                "schemas": self.schemas,
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "session": {"type": "apiKey", "in": "cookie", "name": crate::extract::SESSION_COOKIE}
                }
            },
            "security": [{"bearer": []}, {"session": []}]
        })
    }
}

impl Default for Doc {
    fn default() -> Self {
        Doc::new()
    }
}

/// A query parameter.
pub fn query_param(name: &str, ty: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": ty}})
}

/// A path parameter.
pub fn path_param(name: &str, ty: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": ty}})
}

/// A page of `item`.
pub fn page_of(item: Value) -> Value {
    json!({"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
        "items": {"type": "array", "items": item},
        "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}})
}
