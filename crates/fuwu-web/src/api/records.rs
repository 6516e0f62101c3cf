//! The record endpoints: one generic set of handlers for every described record.

use super::doc::{Doc, Op, page_of, path_param, query_param};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Id, Versioned, decode, json_value};
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use fuwu_app::records::{self as rec, ListParams, Resource, Stored};
use fuwu_app::{AppError, Page, users};
use fuwu_core::records::User;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// Parses list query parameters: the reserved ones, the rest as filters.
pub fn list_params(q: Vec<(String, String)>) -> Result<ListParams, ApiError> {
    let mut p = ListParams::default();
    let int = |name: &str, v: &str| {
        v.parse::<i64>().map_err(|_| ApiError(AppError::bad(format!("{name} must be an integer"), Some(name))))
    };
    for (k, v) in q {
        match k.as_str() {
            "q" => p.q = Some(v),
            "sort" => p.sort = Some(v),
            "page" => p.page = Some(int("page", &v)?),
            "per_page" => p.per_page = Some(int("per_page", &v)?),
            _ => {
                if p.filters.insert(k.clone(), v).is_some() {
                    return Err(AppError::bad(format!("{k} is given twice"), Some(&k)).into());
                }
            }
        }
    }
    Ok(p)
}

/// `(page, per_page)`.
pub type PageBounds = (i64, i64);

/// `page` and `per_page` of a list that has no search or filters of its own,
/// checked like every list's (page ≥ 1, per_page 1–200); the parameters named
/// in `also` are handed back; any other is refused (400 naming it).
pub fn paging(q: Vec<(String, String)>, also: &[&str]) -> Result<(PageBounds, Vec<(String, String)>), ApiError> {
    let mut p = ListParams::default();
    let mut rest = Vec::new();
    let int = |name: &str, v: &str| {
        v.parse::<i64>().map_err(|_| ApiError(AppError::bad(format!("{name} must be an integer"), Some(name))))
    };
    for (k, v) in q {
        match k.as_str() {
            "page" => p.page = Some(int("page", &v)?),
            "per_page" => p.per_page = Some(int("per_page", &v)?),
            other if also.contains(&other) => rest.push((k, v)),
            other => return Err(AppError::bad(format!("unknown parameter {other}"), Some(other)).into()),
        }
    }
    Ok((rec::page_bounds(&p)?, rest))
}

/// The query string as pairs; a malformed one is a 400.
pub type Pairs = Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>;

pub fn pairs(q: Pairs) -> Result<Vec<(String, String)>, ApiError> {
    q.map(|Query(v)| v).map_err(|e| AppError::bad(format!("malformed query string: {e}"), None).into())
}

async fn list_h<R: Resource>(State(s): State<AppState>, Auth(c): Auth, q: Pairs) -> ApiResult<Json<Page<Stored<R>>>> {
    Ok(Json(rec::list::<R>(&s.app, &c, &list_params(pairs(q)?)?).await?))
}

async fn get_h<R: Resource>(State(s): State<AppState>, Auth(c): Auth, Id(id): Id) -> ApiResult<Json<Stored<R>>> {
    Ok(Json(rec::get::<R>(&s.app, &c, id).await?))
}

async fn create_h<R: Resource>(
    State(s): State<AppState>,
    Auth(c): Auth,
    req: Request,
) -> ApiResult<(StatusCode, Json<Stored<R>>)> {
    let input: R = decode(json_value(req, &s).await?)?;
    Ok((StatusCode::CREATED, Json(rec::create::<R>(&s.app, &c, input).await?)))
}

async fn update_h<R: Resource>(
    State(s): State<AppState>,
    Auth(c): Auth,
    Id(id): Id,
    body: Versioned<R>,
) -> ApiResult<Json<Stored<R>>> {
    Ok(Json(rec::update::<R>(&s.app, &c, id, body.version, body.data).await?))
}

fn describe<R: Resource + ToSchema>(doc: &mut Doc, name: &str, tag: &str, custom_create: Option<Value>) {
    let def = R::DEF;
    let record = doc.record::<R>();
    let input = doc.schema::<R>();
    let collection = format!("/api/v1/{name}");
    let item = format!("/api/v1/{name}/{{id}}");
    let mut params = vec![
        query_param("q", "string", &format!("text contained in: {}", def.search.join(", "))),
        query_param(
            "sort",
            "string",
            &format!("id, created_at, updated_at, {} (prefix - for descending)", def.sortable.join(", ")),
        ),
        query_param("page", "integer", "page number, from 1"),
        query_param("per_page", "integer", "1–200, default 50"),
    ];
    for f in def.filters {
        params.push(query_param(f, "string", "equality filter"));
    }
    doc.op(Op {
        method: "get",
        path: &collection,
        tag,
        summary: &format!("List {name}"),
        params,
        body: None,
        ok_status: 200,
        ok: Some(page_of(record.clone())),
        errors: &[403],
    });
    doc.op(Op {
        method: "post",
        path: &collection,
        tag,
        summary: &format!("Create a {}", def.entity),
        params: vec![],
        body: Some(custom_create.unwrap_or_else(|| input.clone())),
        ok_status: 201,
        ok: Some(record.clone()),
        errors: &[403, 409, 413, 422],
    });
    doc.op(Op {
        method: "get",
        path: &item,
        tag,
        summary: &format!("Read a {}", def.entity),
        params: vec![path_param("id", "integer")],
        body: None,
        ok_status: 200,
        ok: Some(record.clone()),
        errors: &[404],
    });
    doc.op(Op {
        method: "put",
        path: &item,
        tag,
        summary: &format!("Update a {} (whole record plus version)", def.entity),
        params: vec![path_param("id", "integer")],
        body: Some(json!({"allOf": [input, {"type": "object", "required": ["version"], "properties": {"version": {"type": "integer"}}}]})),
        ok_status: 200,
        ok: Some(record),
        errors: &[403, 404, 409, 413, 422],
    });
}

/// Routes and documentation of one record.
pub fn resource<R: Resource + ToSchema>(r: Router<AppState>, doc: &mut Doc, name: &str, tag: &str) -> Router<AppState> {
    describe::<R>(doc, name, tag, None);
    r.route(&format!("/api/v1/{name}"), get(list_h::<R>).post(create_h::<R>))
        .route(&format!("/api/v1/{name}/{{id}}"), get(get_h::<R>).put(update_h::<R>))
}

/// Users: as any record, but created with a password, and admins may set one.
pub fn users(r: Router<AppState>, doc: &mut Doc) -> Router<AppState> {
    let input = doc.schema::<User>();
    let create = json!({"allOf": [input, {"type": "object", "required": ["password"], "properties": {"password": {"type": "string", "minLength": 8}}}]});
    describe::<User>(doc, "users", "Organisation", Some(create));
    doc.op(Op {
        method: "put",
        path: "/api/v1/users/{id}/password",
        tag: "Organisation",
        summary: "Set a user's password (admins); ends the user's sessions",
        params: vec![path_param("id", "integer")],
        body: Some(json!({"type": "object", "required": ["password"], "properties": {"password": {"type": "string"}}})),
        ok_status: 204,
        ok: None,
        errors: &[403, 404, 422],
    });
    r.route("/api/v1/users", get(list_h::<User>).post(create_user))
        .route("/api/v1/users/{id}", get(get_h::<User>).put(update_h::<User>))
        .route("/api/v1/users/{id}/password", put(set_password))
}

fn take_password(v: &mut Value) -> Result<String, ApiError> {
    let obj = v.as_object_mut().ok_or_else(|| ApiError(AppError::bad("the body must be a JSON object", None)))?;
    match obj.remove("password") {
        Some(Value::String(p)) => Ok(p),
        Some(_) => Err(AppError::invalid("password", "wrong_type", "password must be a string").into()),
        None => Err(AppError::invalid("password", "required", "password is required").into()),
    }
}

async fn create_user(
    State(s): State<AppState>,
    Auth(c): Auth,
    req: Request,
) -> ApiResult<(StatusCode, Json<Stored<User>>)> {
    c.require(fuwu_core::access::Cap::ManageUsers)?;
    let mut v = json_value(req, &s).await?;
    let password = take_password(&mut v)?;
    let user: User = decode(v)?;
    Ok((StatusCode::CREATED, Json(users::create_user(&s.app, Some(&c), user, &password).await?)))
}

async fn set_password(State(s): State<AppState>, Auth(c): Auth, Id(id): Id, req: Request) -> ApiResult<StatusCode> {
    c.require(fuwu_core::access::Cap::ManageUsers)?;
    let mut v = json_value(req, &s).await?;
    let password = take_password(&mut v)?;
    users::set_password(&s.app, Some(&c), id, &password).await?;
    Ok(StatusCode::NO_CONTENT)
}
