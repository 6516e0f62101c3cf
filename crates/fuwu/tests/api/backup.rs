//! Backups (issue 10, item 9): one archive with the database and every
//! attachment, taken while writes run, restored into a server that serves
//! every acknowledged event and every file; a file missing on the server
//! answers 410, never 500.

use crate::both;
use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tower::ServiceExt;

fn fuwu(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fuwu"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("FUWU_DATABASE_URL")
        .env_remove("FUWU_DATA_DIR")
        .output()
        .expect("run fuwu");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Records a fault on the first asset of customer 26.
async fn record(t: &TestApp, title: &str) -> Option<i64> {
    let asset = t.first("/api/v1/assets?customer_id=26").await["id"].clone();
    let body = json!({"kind": "fault", "asset_id": asset, "title": title, "impact": "minor", "urgency": "low"});
    let (s, v) = t.call("kefu", "POST", "/api/v1/events", Some(body)).await;
    (s == StatusCode::CREATED).then(|| v["id"].as_i64()).flatten()
}

async fn upload(t: &TestApp, event: i64, name: &str, bytes: Vec<u8>) -> Option<i64> {
    let req = Request::post(format!("/api/v1/events/{event}/attachments?file_name={name}"))
        .header(header::AUTHORIZATION, format!("Bearer {}", t.token("kefu")))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(bytes))
        .unwrap();
    let (s, _, v) = t.send(req).await;
    (s == StatusCode::CREATED).then(|| v["id"].as_i64()).flatten()
}

/// Some bytes that are not text and differ per file.
fn content(n: usize) -> Vec<u8> {
    (0..4096 + n * 7).map(|i| ((i * 31 + n * 17) % 256) as u8).collect()
}

/// An acknowledged event, with the attachment (id, content) uploaded to it, if any.
type Acked = (i64, Option<(i64, Vec<u8>)>);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_writes_restores_every_event_and_attachment() {
    let t = Arc::new(TestApp::new(Backend::Sqlite).await);
    let first = record(&t, "备份前的事件").await.expect("event");
    let mut files = Vec::new();
    for n in 0..3 {
        let id = upload(&t, first, &format!("log-{n}.bin"), content(n)).await.expect("upload");
        files.push((first, id, content(n)));
    }
    // Writers record events and upload files the whole time.
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<std::sync::Mutex<Vec<Acked>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..3 {
        let (t, stop, acked) = (t.clone(), stop.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let Some(id) = record(&t, &format!("写入中 {w}-{n}")).await else { continue };
                let file = if n % 3 == 0 {
                    let bytes = content(100 + w * 1000 + n);
                    upload(&t, id, "during.bin", bytes.clone()).await.map(|a| (a, bytes))
                } else {
                    None
                };
                acked.lock().unwrap().push((id, file));
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before: Vec<_> = acked.lock().unwrap().clone();
    assert!(!before.is_empty(), "the writers were writing");
    let archive = t.data_dir().with_extension("backup.tar.gz");
    let (dir, a) = (t.data_dir().to_owned(), archive.clone());
    let (ok, out, err) =
        tokio::task::spawn_blocking(move || fuwu(&dir, &["backup", a.to_str().unwrap()])).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    assert!(ok, "{err}");
    assert!(out.contains("backup written"), "{out}");
    let during = acked.lock().unwrap().len() - before.len();
    assert!(during > 0, "writes went on while the backup ran");
    let (ok, _, _) = fuwu(t.data_dir(), &["backup", archive.to_str().unwrap()]);
    assert!(!ok, "an existing archive is not overwritten");

    // Restored into a new folder: a working installation.
    let restored = t.data_dir().with_extension("restored");
    let (ok, out, err) = fuwu(&restored, &["restore", archive.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("(0 attachments without their file)"), "{out}");
    let (ok, _, err) = fuwu(&restored, &["restore", archive.to_str().unwrap()]);
    assert!(!ok && err.contains("already"), "a second restore into the same folder refuses: {err}");
    let r = t.reopen(&restored).await;
    // Every event acknowledged before the backup began is there, as it was.
    for (id, file) in before.iter().chain([(first, None)].iter()) {
        let (s, v) = r.get("kefu", &format!("/api/v1/events/{id}")).await;
        assert_eq!(s, StatusCode::OK, "event {id} lost: {v}");
        let (_, was) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
        assert_eq!(v["event"]["number"], was["event"]["number"]);
        if let Some((aid, bytes)) = file {
            files.push((*id, *aid, bytes.clone()));
        }
    }
    // Every attachment the copy knows downloads, byte for byte; also those of writes during the backup.
    for (event, aid, bytes) in &files {
        let (s, h, got) = r.bytes("kefu", &format!("/api/v1/events/{event}/attachments/{aid}")).await;
        assert_eq!(s, StatusCode::OK, "attachment {aid} of event {event}");
        assert_eq!(h[header::CONTENT_TYPE], "application/octet-stream");
        assert_eq!(&got, bytes, "attachment {aid} differs");
    }
    let (_, all) = r.get("kefu", "/api/v1/events?per_page=200").await;
    for e in all["items"].as_array().unwrap() {
        let (s, d) = r.get("kefu", &format!("/api/v1/events/{}", e["id"])).await;
        assert_eq!(s, StatusCode::OK);
        for a in d["attachments"].as_array().unwrap() {
            let path = format!("/api/v1/events/{}/attachments/{}", e["id"], a["id"]);
            assert_eq!(r.bytes("kefu", &path).await.0, StatusCode::OK, "{path} in the copy lacks its file");
        }
    }
    // The restored server takes new writes.
    assert!(record(&r, "恢复后的事件").await.is_some());

    // Not a backup: refused, nothing left behind.
    let junk = t.data_dir().with_extension("junk");
    std::fs::write(&junk, b"not an archive").unwrap();
    let elsewhere = t.data_dir().with_extension("elsewhere");
    let (ok, _, err) = fuwu(&elsewhere, &["restore", junk.to_str().unwrap()]);
    assert!(!ok && err.contains("not a fuwu backup"), "{err}");
    assert!(!elsewhere.join("fuwu.db").exists());
    for p in [&archive, &junk] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_dir_all(&elsewhere);
}

both!(an_attachment_whose_file_is_missing_answers_410, |t: TestApp| async move {
    let id = record(&t, "文件丢失").await.unwrap();
    let aid = upload(&t, id, "gone.log", content(1)).await.unwrap();
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    let stored = d["attachments"][0]["stored_name"].as_str().map(str::to_owned);
    // Whatever the row says, remove every file: the folder was lost.
    for e in std::fs::read_dir(&t.app.config.files_dir).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let got = t.get("kefu", &format!("/api/v1/events/{id}/attachments/{aid}")).await;
    assert_error(&got, StatusCode::GONE, None);
    assert_eq!(got.1["error"]["code"], "gone", "{}", got.1);
    if let Some(s) = stored {
        assert!(!got.1.to_string().contains(&s), "the stored name is not told");
    }
    // The page says so in words.
    let s = fuwu_app::auth::login(&t.app, "kefu", fuwu::demo::DEMO_PASSWORD, "test").await.unwrap();
    let req = Request::get(format!("/events/{id}/attachments/{aid}"))
        .header(header::COOKIE, format!("fuwu_session={}", s.token))
        .body(Body::empty())
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::GONE);
    let html = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(html.contains("文件已丢失") && html.contains("从备份中恢复"), "{html}");
});
