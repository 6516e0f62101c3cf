//! Logins, sessions, CSRF, tokens and rate limiting.

use crate::both;
use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

async fn login(t: &TestApp, login: &str, password: &str) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let req = Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"login": login, "password": password}).to_string()))
        .unwrap();
    t.send(req).await
}

fn session_cookie(h: &axum::http::HeaderMap) -> String {
    let c = h.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"), "{c}");
    c.split(';').next().unwrap().to_owned()
}

both!(session_login_csrf_and_logout, |t: TestApp| async move {
    let (s, h, me) = login(&t, "kefu", fuwu::demo::DEMO_PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["login"], "kefu");
    assert!(me["capabilities"].as_array().unwrap().iter().any(|c| c == "write_customers"));
    let cookie = session_cookie(&h);
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();

    let get = Request::get("/api/v1/me").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
    assert_eq!(t.send(get).await.0, StatusCode::OK);

    let body = json!({"name": "无锡市人民医院"}).to_string();
    let no_csrf = Request::post("/api/v1/customers")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.clone()))
        .unwrap();
    let (s, _, v) = t.send(no_csrf).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let wrong = Request::post("/api/v1/customers")
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", "nope")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.clone()))
        .unwrap();
    assert_eq!(t.send(wrong).await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.count("/api/v1/customers?q=无锡市人民医院").await, 0, "a refused write wrote nothing");
    let ok = Request::post("/api/v1/customers")
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", &csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(t.send(ok).await.0, StatusCode::CREATED);

    let out = Request::post("/api/v1/auth/logout")
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", &csrf)
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.send(out).await.0, StatusCode::NO_CONTENT);
    let after = Request::get("/api/v1/me").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
    assert_error(
        &{
            let (s, _, v) = t.send(after).await;
            (s, v)
        },
        StatusCode::UNAUTHORIZED,
        None,
    );
});

both!(expired_sessions_and_revoked_tokens_get_401, |t: TestApp| async move {
    let (_, h, _) = login(&t, "manager", fuwu::demo::DEMO_PASSWORD).await;
    let cookie = session_cookie(&h);
    let mut conn = t.app.db.reader().acquire().await.unwrap();
    sqlx::query("UPDATE sessions SET expires_at = 0").execute(&mut *conn).await.unwrap();
    drop(conn);
    let req = Request::get("/api/v1/me").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
    assert_eq!(t.send(req).await.0, StatusCode::UNAUTHORIZED);

    // A token made through the API works until revoked.
    let (s, v) = t.call("l2.1", "POST", "/api/v1/tokens", Some(json!({"name": "监控脚本"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let secret = v["token"].as_str().unwrap().to_owned();
    let id = v["id"].as_i64().unwrap();
    let me = |tok: String| {
        Request::get("/api/v1/me").header(header::AUTHORIZATION, format!("Bearer {tok}")).body(Body::empty()).unwrap()
    };
    assert_eq!(t.send(me(secret.clone())).await.0, StatusCode::OK);
    let (_, list) = t.get("l2.1", "/api/v1/tokens").await;
    let uid = t.user_id("l2.1").await;
    assert!(list["items"].as_array().unwrap().iter().all(|x| x.get("token").is_none() && x["user_id"] == uid));
    // Someone else cannot revoke it (404), its owner can.
    assert_eq!(t.call("kefu", "DELETE", &format!("/api/v1/tokens/{id}"), None).await.0, StatusCode::NOT_FOUND);
    let (s, v) = t.call("l2.1", "DELETE", &format!("/api/v1/tokens/{id}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["revoked_at"].is_string());
    assert_eq!(t.send(me(secret)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(t.send(me("fuwu_not-a-token".into())).await.0, StatusCode::UNAUTHORIZED);
    let anon = Request::get("/api/v1/customers").body(Body::empty()).unwrap();
    assert_eq!(t.send(anon).await.0, StatusCode::UNAUTHORIZED);
    // Only admins create tokens for others.
    let other = t.user_id("kefu").await;
    assert_eq!(
        t.call("manager", "POST", "/api/v1/tokens", Some(json!({"name": "x", "user_id": other}))).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.call("admin", "POST", "/api/v1/tokens", Some(json!({"name": "x", "user_id": other}))).await.0,
        StatusCode::CREATED
    );
    // A deactivated user's token stops working at once.
    assert_eq!(t.get("customer2", "/api/v1/me").await.0, StatusCode::OK);
    let mut u = t.first("/api/v1/users?q=customer2").await;
    let id = u["id"].clone();
    for k in ["id", "created_at", "updated_at"] {
        u.as_object_mut().unwrap().remove(k);
    }
    u["active"] = json!(false);
    let (s, v) = t.call("admin", "PUT", &format!("/api/v1/users/{id}"), Some(u)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(t.get("customer2", "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
});

both!(failed_logins_are_rate_limited, |t: TestApp| async move {
    assert_eq!(login(&t, "kefu2", "wrong-password").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&t, "no-such-user", "whatever").await.0, StatusCode::UNAUTHORIZED);
    for _ in 0..4 {
        login(&t, "kefu2", "wrong-password").await;
    }
    let (s, _, v) = login(&t, "kefu2", fuwu::demo::DEMO_PASSWORD).await;
    assert_error(&(s, v), StatusCode::TOO_MANY_REQUESTS, None);
    // Other logins are not locked out.
    assert_eq!(login(&t, "kefu", fuwu::demo::DEMO_PASSWORD).await.0, StatusCode::OK);
});

both!(password_change_ends_sessions, |t: TestApp| async move {
    let (_, h, me) = login(&t, "l3.1", fuwu::demo::DEMO_PASSWORD).await;
    let cookie = session_cookie(&h);
    let csrf = me["csrf_token"].as_str().unwrap();
    let change = |cur: &str, new: &str| {
        Request::post("/api/v1/me/password")
            .header(header::COOKIE, &cookie)
            .header("x-csrf-token", csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"current_password": cur, "new_password": new}).to_string()))
            .unwrap()
    };
    let (s, _, v) = t.send(change("wrong", "a-new-password")).await;
    assert_error(&(s, v), StatusCode::UNPROCESSABLE_ENTITY, Some("current_password"));
    let (s, _, v) = t.send(change(fuwu::demo::DEMO_PASSWORD, "short")).await;
    assert_error(&(s, v), StatusCode::UNPROCESSABLE_ENTITY, Some("new_password"));
    assert_eq!(t.send(change(fuwu::demo::DEMO_PASSWORD, "a-new-password")).await.0, StatusCode::NO_CONTENT);
    let req = Request::get("/api/v1/me").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
    assert_eq!(t.send(req).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&t, "l3.1", "a-new-password").await.0, StatusCode::OK);
});

both!(login_page_form_needs_its_csrf_token, |t: TestApp| async move {
    let page = t.router.clone();
    let resp = tower::ServiceExt::oneshot(page, Request::get("/login").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie =
        resp.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let token = cookie.split('=').nth(1).unwrap().to_owned();
    let html = String::from_utf8(http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes().to_vec())
        .unwrap();
    assert!(html.contains("登录") && html.contains(&token));
    let form = |csrf: &str| {
        Request::post("/login")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}&login=kefu&password={}", fuwu::demo::DEMO_PASSWORD)))
            .unwrap()
    };
    let bad = tower::ServiceExt::oneshot(t.router.clone(), form("forged")).await.unwrap();
    assert_eq!(bad.status(), StatusCode::FORBIDDEN);
    assert!(
        bad.headers().get_all(header::SET_COOKIE).iter().all(|c| !c.to_str().unwrap().starts_with("fuwu_session="))
    );
    let good = tower::ServiceExt::oneshot(t.router.clone(), form(&token)).await.unwrap();
    assert_eq!(good.status(), StatusCode::SEE_OTHER);
    assert!(good.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().starts_with("fuwu_session="));
});
