//! The command line as operators and scripts use it.

use std::process::Command;

fn fuwu(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fuwu"))
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

#[test]
fn migrate_demo_user_token_and_backup() {
    let dir = std::env::temp_dir().join(format!("fuwu-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (ok, out, err) = fuwu(&dir, &["migrate"]);
    assert!(ok, "{err}");
    assert!(out.contains("migration(s) applied") && !out.starts_with("0 "), "{out}");
    assert!(fuwu(&dir, &["migrate"]).1.contains("0 migration(s)"), "migrations are applied once");

    let (ok, out, err) = fuwu(&dir, &["demo"]);
    assert!(ok, "{err}");
    for login in ["admin", "manager", "kefu", "l1.nj1", "l2.1", "l3.1", "partner1", "customer"] {
        assert!(out.contains(login), "demo prints the {login} login: {out}");
    }
    let (ok, _, err) = fuwu(&dir, &["demo"]);
    assert!(!ok && err.contains("already has users"), "a second demo refuses: {err}");

    let (ok, out, err) = fuwu(&dir, &["token", "create", "--user", "admin"]);
    assert!(ok, "{err}");
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("fuwu_") && last.len() == 69 && !last.contains(' '),
        "the token alone on the last line: {out}"
    );
    assert!(!fuwu(&dir, &["token", "create", "--user", "nobody"]).0);

    let (ok, out, err) =
        fuwu(&dir, &["user", "add", "--login", "sun.li", "--name", "孙丽", "--role", "engineer", "--tier", "L2"]);
    assert!(ok, "{err}");
    assert!(out.contains("password: "), "a generated password is printed: {out}");
    let (ok, _, err) = fuwu(&dir, &["user", "add", "--login", "x", "--name", "x", "--role", "engineer"]);
    assert!(!ok && err.contains("tier"), "{err}");

    let copy = dir.join("copy.tar.gz");
    let (ok, out, err) = fuwu(&dir, &["backup", copy.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("backup written"));
    assert!(!fuwu(&dir, &["backup", copy.to_str().unwrap()]).0, "an existing file is not overwritten");
    // The copy restores into a working data folder of its own.
    let restored = dir.join("restored");
    let (ok, out, err) = fuwu(&restored, &["restore", copy.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("restored into"), "{out}");
    let (ok, out, _) = fuwu(&restored, &["token", "create", "--user", "sun.li"]);
    assert!(ok && out.lines().last().unwrap().starts_with("fuwu_"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bench_intake_prints_one_json_object_last() {
    let dir = std::env::temp_dir().join(format!("fuwu-bench-cli-{}", std::process::id()));
    let (ok, out, err) = fuwu(&dir, &["bench", "intake", "--events", "60", "--concurrency", "4"]);
    assert!(ok, "{err}");
    let last = out.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    for k in [
        "scenario",
        "database",
        "events",
        "concurrency",
        "throughput_per_s",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "raw_insert_per_s",
        "ratio_to_raw",
        "peak_rss_mb",
    ] {
        assert!(v.get(k).is_some(), "{k} missing: {last}");
    }
    assert_eq!(
        (v["scenario"].as_str(), v["database"].as_str(), v["events"].as_u64(), v["failed"].as_u64()),
        (Some("intake"), Some("sqlite"), Some(60), Some(0))
    );
    assert!(v["throughput_per_s"].as_f64().unwrap() > 0.0 && v["raw_insert_per_s"].as_f64().unwrap() > 0.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sla_due_previews_on_the_official_calendar() {
    let dir = std::env::temp_dir().join(format!("fuwu-sla-cli-{}", std::process::id()));
    let due = |args: &[&str]| {
        let mut all = vec!["sla", "due"];
        all.extend_from_slice(args);
        fuwu(&dir, &all)
    };
    let (ok, out, err) = due(&["--start", "2026-02-13T16:00:00+08:00", "--duration", "4h"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "2026-02-14T11:00:00+08:00", "the adjusted working Saturday counts");
    let (_, out, _) = due(&["--start", "2026-09-30T17:00:00+08:00", "--duration", "2h"]);
    assert_eq!(out.trim(), "2026-10-08T10:00:00+08:00", "National Day week does not");
    let (_, out, _) = due(&["--start", "2026-02-13T16:00:00Z", "--duration", "90m", "--calendar", "7x24"]);
    assert_eq!(out.trim(), "2026-02-14T01:30:00+08:00");
    let (ok, _, err) = due(&["--start", "2026-02-13T16:00:00+08:00", "--duration", "4 hours"]);
    assert!(!ok && err.contains("--duration"), "{err}");
    let (ok, _, err) = due(&["--start", "2026-02-13T16:00:00+08:00", "--duration", "4h", "--calendar", "6x9"]);
    assert!(!ok && err.contains("--calendar"), "{err}");
}

#[test]
fn bench_sla_sweep_prints_its_figures_last() {
    let dir = std::env::temp_dir().join(format!("fuwu-sweep-cli-{}", std::process::id()));
    let (ok, out, err) =
        fuwu(&dir, &["bench", "sla-sweep", "--open-events", "300", "--sweeps", "2", "--due-per-sweep", "20"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    for k in ["scenario", "database", "open_events", "sweep_ms_p50", "sweep_ms_max", "peak_rss_mb"] {
        assert!(v.get(k).is_some(), "{k} missing: {v}");
    }
    assert_eq!((v["scenario"].as_str(), v["checked"].as_u64()), (Some("sla-sweep"), Some(40)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bench_pages_prints_render_times_last() {
    let dir = std::env::temp_dir().join(format!("fuwu-pages-cli-{}", std::process::id()));
    let (ok, out, err) = fuwu(&dir, &["bench", "pages", "--events", "30", "--rounds", "3"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(v["scenario"], "pages");
    for page in ["console_lookup", "queues", "event", "approvals", "overview", "portal", "records_customers"] {
        assert!(v["pages"][page]["p95_ms"].as_f64().is_some(), "{page} missing: {v}");
    }
    assert!(v["js_bytes"].as_u64().unwrap() < 16 * 1024, "the script stays small");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mail_status_counts_the_queue() {
    let dir = std::env::temp_dir().join(format!("fuwu-mail-cli-{}", std::process::id()));
    let (ok, _, err) = fuwu(&dir, &["demo"]);
    assert!(ok, "{err}");
    let (ok, out, err) = fuwu(&dir, &["mail", "status"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(v, serde_json::json!({"queued": 0, "sent": 0, "failed": 0}));
    let (ok, out, err) = fuwu(&dir, &["mail", "retry"]);
    assert!(ok && err.contains("0 failed messages queued again"), "{err}");
    assert!(out.contains("\"failed\":0"));
    let _ = std::fs::remove_dir_all(&dir);
}
