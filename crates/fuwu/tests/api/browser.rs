//! Browser tests: real headless Chromium (Debian's `chromium` and
//! `chromium-driver`) driven over WebDriver against the production router on
//! 127.0.0.1. Every page visited is checked for untranslated catalogue keys,
//! horizontal scrolling at 360 px, unlabelled form fields and console errors,
//! and screenshotted at desktop and phone width into `target/screenshots/`.

use crate::harness::{Backend, TestApp, free_port};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The browser's own log (chromedriver's extension endpoint).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

pub struct Browser {
    pub c: Client,
    pub base: String,
    driver: std::process::Child,
    shots: std::path::PathBuf,
    pub pages: Vec<String>,
}

fn screenshots_dir() -> std::path::PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let d = target.join("screenshots");
    std::fs::create_dir_all(&d).expect("screenshots dir");
    d
}

/// Serves the production router on a loopback port (plain HTTP, so cookies are not `Secure`).
pub async fn serve(t: &TestApp) -> String {
    let router = fuwu_web::router(
        t.app.clone(),
        fuwu_web::WebConfig { cookie_secure: false, max_body_bytes: 1024 * 1024, ..Default::default() },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });
    format!("http://{addr}")
}

impl Browser {
    pub async fn start(base: &str) -> Browser {
        let port = free_port();
        // The browser keeps the machine's clock when the suite runs at a future date
        // (scripts/faketime-runner): libfaketime stalls Chromium; the server is what is moved.
        let driver = std::process::Command::new("chromedriver")
            .env_remove("LD_PRELOAD")
            .env_remove("FAKETIME")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver must be installed (apt-get install chromium chromium-driver)");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = std::env::temp_dir().join(format!("fuwu-chrome-{port}"));
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-quic", "--lang=zh-CN", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())],
                "prefs": {"intl.accept_languages": "zh-CN,zh"}
            },
            "goog:loggingPrefs": {"browser": "ALL"}
        });
        let Value::Object(caps) = caps else { unreachable!() };
        let mut c = None;
        for _ in 0..3 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => {
                    c = Some(client);
                    break;
                }
                Err(e) => {
                    eprintln!("webdriver session failed, retrying: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        let c = c.expect("a WebDriver session");
        Browser { c, base: base.to_owned(), driver, shots: screenshots_dir(), pages: Vec::new() }
    }

    pub async fn go(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.expect("goto");
    }

    pub async fn text(&self) -> String {
        self.c
            .execute("return document.body.innerText", vec![])
            .await
            .expect("text")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn path(&self) -> String {
        self.c.current_url().await.expect("url").path().to_owned()
    }

    /// The element, waited for a few seconds (a loaded machine renders slowly, and a person waits too).
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + Duration::from_secs(8);
        loop {
            match self.c.find(Locator::Css(css)).await {
                Ok(e) => return e,
                Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(_) => panic!("no {css} on {}", self.path().await),
            }
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear");
        e.send_keys(text).await.expect("type");
    }

    pub async fn select(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.select_by_value(value).await.unwrap_or_else(|_| panic!("no option {value} in {css}"));
    }

    /// Clicks without waiting (opening a panel, a button that stays on the page).
    pub async fn tap(&self, css: &str) {
        let e = self.find(css).await;
        e.click().await.unwrap_or_else(|err| panic!("click {css}: {err}"));
    }

    /// Clicks something that loads a new page, and waits until the new page has loaded.
    pub async fn click(&self, css: &str) {
        self.c.execute("window.__old_page = true", vec![]).await.expect("js");
        self.tap(css).await;
        self.wait_new_page(css).await;
    }

    /// Waits until the page marked with `window.__old_page` has been replaced and loaded.
    pub async fn wait_new_page(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let fresh = self
                .c
                .execute("return window.__old_page !== true && document.readyState === 'complete'", vec![])
                .await
                .map(|v| v == json!(true))
                .unwrap_or(false);
            if fresh {
                break;
            }
            assert!(Instant::now() < deadline, "no new page after clicking {css}");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    /// Opens the action's panel (if it is not open already).
    pub async fn open(&self, kind: &str) {
        let open = self
            .c
            .execute(
                &format!(
                    "return document.querySelector('details:has(input[name=action][value={kind}])')?.open === true"
                ),
                vec![],
            )
            .await
            .expect("js");
        if open != json!(true) {
            self.tap(&format!("details:has(input[name=action][value={kind}]) > summary")).await;
        }
    }

    /// Opens the action's panel and submits its form.
    pub async fn action(&self, kind: &str) {
        let summary = format!("details:has(input[name=action][value={kind}]) > summary");
        let open: bool = self
            .c
            .execute(
                &format!(
                    "return document.querySelector('details:has(input[name=action][value={kind}])')?.open === true"
                ),
                vec![],
            )
            .await
            .expect("js")
            .as_bool()
            .unwrap_or(false);
        if !open {
            self.tap(&summary).await;
        }
        self.click(&format!("form:has(input[name=action][value={kind}]) button[type=submit]")).await;
    }

    pub async fn login(&self, login: &str, password: &str) {
        self.go("/login").await;
        self.fill("#login", login).await;
        self.fill("#password", password).await;
        self.click("form[action='/login'] button[type=submit]").await;
        let p = self.path().await;
        assert!(!p.starts_with("/login"), "{login} could not log in: {}", self.text().await);
    }

    /// Types into a type-ahead picker and taps the offered entry that reads `want`.
    pub async fn pick(&self, id: &str, typed: &str, want: &str) {
        // Forget what an earlier search showed, so only the answer to this typing counts.
        self.c
            .execute("document.querySelectorAll('.pick-list').forEach(l => delete l.dataset.q)", vec![])
            .await
            .expect("js");
        self.fill(&format!("[id='{id}']"), typed).await;
        let mark = format!(
            "document.querySelectorAll('li[data-want]').forEach(l => delete l.dataset.want);\
             const o = [...document.querySelectorAll(\".pick:has([id='{id}']) li[role=option]\")].find(li => !li.parentNode.hidden && li.parentNode.dataset.q === {typed:?} && li.textContent.includes({want:?}));\
             if (o) {{ o.dataset.want = '1'; return true; }} return false;"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The list may be redrawn between finding the entry and tapping it: then look again.
            if self.c.execute(&mark, vec![]).await.expect("js") == json!(true)
                && let Ok(e) = self.c.find(Locator::Css(&format!(".pick:has([id='{id}']) li[data-want]"))).await
                && e.click().await.is_ok()
            {
                break;
            }
            assert!(Instant::now() < deadline, "{id}: nothing offered reads {want} after typing {typed}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn logout(&self) {
        self.click("form[action='/logout'] button").await;
    }

    /// The checks every page must pass, then screenshots at desktop and phone width.
    pub async fn check(&mut self, name: &str) {
        let text = self.text().await;
        // Untranslated keys: a word that starts with a catalogue group and a dot.
        let mut groups: Vec<&str> = fuwu_core::i18n::all().filter_map(|(k, _, _)| k.split('.').next()).collect();
        groups.sort_unstable();
        groups.dedup();
        for word in text.split(|c: char| c.is_whitespace() || "()（）:：,，".contains(c)) {
            if let Some((head, rest)) = word.split_once('.')
                && groups.contains(&head)
                && !rest.is_empty()
                && rest.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            {
                panic!("{name}: untranslated key {word:?} on the page");
            }
        }
        // Every form field has a label.
        let unlabelled = self
            .c
            .execute(
                "return [...document.querySelectorAll('input,select,textarea')].filter(e => !['hidden','submit','button'].includes(e.type))\
                 .filter(e => !(e.id && document.querySelector('label[for=\"'+e.id+'\"]')) && !e.closest('label') && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))\
                 .map(e => e.name || e.id || e.outerHTML.slice(0, 60))",
                vec![],
            )
            .await
            .expect("js");
        assert_eq!(unlabelled, json!([]), "{name}: form fields without a label");
        // Console errors (CSP violations and script errors are SEVERE).
        let log = self.c.issue_cmd(BrowserLog).await.unwrap_or(Value::Null);
        let severe: Vec<&Value> =
            log.as_array().map(|a| a.iter().filter(|e| e["level"] == "SEVERE").collect()).unwrap_or_default();
        assert!(severe.is_empty(), "{name}: console errors {severe:?}");
        // Desktop screenshot, then 360 px: no horizontal scrolling; phone screenshot at 390 × 844.
        self.shot(&format!("{name}-desktop")).await;
        self.c.set_window_size(360, 800).await.expect("resize");
        let overflow = self
            .c
            .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth", vec![])
            .await
            .expect("js")
            .as_i64()
            .unwrap_or(0);
        assert!(overflow <= 0, "{name}: scrolls sideways by {overflow}px at 360 px");
        self.c.set_window_size(390, 844).await.expect("resize");
        self.shot(&format!("{name}-phone")).await;
        self.c.set_window_size(1280, 900).await.expect("resize");
        self.pages.push(name.to_owned());
    }

    /// Forgets the browser log so far (after a page that is meant to answer 404).
    pub async fn drain_log(&self) {
        let _ = self.c.issue_cmd(BrowserLog).await;
    }

    pub async fn shot(&self, name: &str) {
        let png = self.c.screenshot().await.expect("screenshot");
        std::fs::write(self.shots.join(format!("{name}.png")), png).expect("write screenshot");
    }

    pub async fn stop(self) {
        let _ = self.c.clone().close().await;
    }
}

/// The driver (and with it the browser) goes with the test, also when it fails.
impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

const PASSWORD: &str = "fuwu-demo-2026";

/// Percent-encodes a form value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The main journey: hotline call → dispatch → on-site request → specialist
/// approves → visit and signature on a phone → customer confirms in the portal
/// → specialist closes; and a customer who tries another's event gets "not found".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_journey_in_chromium() {
    let mut t = TestApp::new(Backend::Sqlite).await;
    t.customer_login("cust26", 26).await;
    let base = serve(&t).await;
    let mut b = Browser::start(&base).await;

    // The asset of the project l1.nj1 implemented, found by its serial number on the console.
    let l1 = t.user_id("l1.nj1").await;
    let (_, projects) = t.get("admin", "/api/v1/projects?customer_id=26").await;
    let project =
        projects["items"].as_array().unwrap().iter().find(|p| p["implementation_engineer_id"] == l1).unwrap().clone();
    let asset = t.first(&format!("/api/v1/assets?project_id={}", project["id"])).await;
    let serial = asset["serial_number"].as_str().unwrap().to_owned();
    let (_, contacts) = t.get("admin", "/api/v1/contacts?customer_id=26").await;
    let phone = contacts["items"][0]["phones"][0].as_str().unwrap().to_owned();

    // 1. The specialist takes the call: phone lookup, then the serial, record, dispatch.
    b.go("/login").await;
    b.check("login").await;
    b.login("kefu", PASSWORD).await;
    assert_eq!(b.path().await, "/console");
    let started = Instant::now();
    b.fill("#q", &phone).await;
    b.click("form[role=search] button").await;
    let text = b.text().await;
    assert!(text.contains("南京市公安局") && text.contains("服务期内"), "the entitlement at a glance: {text}");
    b.check("console-lookup").await;
    b.fill("#q", &serial).await;
    b.click("form[role=search] button").await;
    b.fill("form.record input[name=title]", "阵列告警：3 号盘位掉盘 <script>window.__xss=1</script>").await;
    b.select("form.record select[name=impact]", "significant").await;
    b.select("form.record select[name=urgency]", "high").await;
    b.click("form.record button[type=submit]").await;
    let event_path = b.path().await;
    assert_eq!(t.count("/api/v1/events").await, 1, "one event for one call");
    assert!(event_path.starts_with("/events/"), "recorded: {event_path}");
    let text = b.text().await;
    assert!(text.contains("<script>window.__xss=1</script>"), "the title is shown as text");
    assert!(text.contains("项目实施工程师"), "the routing suggestion with its reasons: {text}");
    b.check("event-recorded").await;
    b.action("assign").await;
    assert!(b.text().await.contains("已分派"));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(60), "a hotline call is recorded and dispatched in under a minute ({took:?})");
    let xss = b.c.execute("return typeof window.__xss", vec![]).await.unwrap();
    assert_eq!(xss, json!("undefined"), "no script from an event title ever runs");
    b.go("/queues?queue=mine").await;
    b.check("queues").await;
    b.logout().await;

    // 2. The L1 engineer accepts and asks for on-site work.
    b.login("l1.nj1", PASSWORD).await;
    b.go(&event_path).await;
    b.action("accept").await;
    b.action("request_onsite").await;
    assert!(b.text().await.contains("待审批"));
    b.logout().await;

    // 3. The specialist approves from the approvals inbox, with the entitlement beside it.
    b.login("kefu", PASSWORD).await;
    b.go("/approvals").await;
    let text = b.text().await;
    assert!(text.contains("合同权益快照") && text.contains("服务期内") && text.contains("含现场服务"), "{text}");
    b.check("approvals").await;
    b.go(&event_path).await;
    b.check("event-approval").await;
    b.go("/approvals").await;
    b.click(&format!("form[action='{event_path}/act']:has(input[value=approve]) button")).await;
    assert_eq!(b.path().await, "/approvals", "after deciding, back to the inbox");
    assert!(b.text().await.contains("没有待审批"), "nothing else waits");
    b.go(&event_path).await;
    assert!(b.text().await.contains("现场服务中"));
    b.logout().await;

    // 4. On a phone: the engineer records the visit, writes the report, the customer signs.
    b.c.set_window_size(390, 844).await.unwrap();
    b.login("l1.nj1", PASSWORD).await;
    b.go(&event_path).await;
    // One tap on arrival: the on-site clock stops and reads met.
    b.click("form[action$='/visit'] button").await;
    let text = b.text().await;
    assert!(text.contains("离开（签退）"), "the departure button replaces the arrival's");
    assert!(
        text.contains("已签到，到场时间已记录") && text.contains("已签到 "),
        "the check-in is said, with its time: {text}"
    );
    let top = b.c.execute("return document.querySelector('.visit').getBoundingClientRect().top", vec![]).await.unwrap();
    assert!(top.as_f64().unwrap() < 844.0, "the check-in card is on the first screen of the phone: {top}");
    assert!(text.contains("到场") && text.contains("已达成"), "the on-site clock reads met: {text}");
    b.check("event-onsite-arrived").await;
    b.click("form[action$='/visit'] button").await;
    let text = b.text().await;
    assert!(text.contains("· 离开现场") && text.contains("到达（签到）"), "the visit shows its departure: {text}");
    b.tap("details:has(#w-body) > summary").await;
    b.select("#w-kind", "visit").await;
    b.fill("#w-body", "到场更换 3 号盘位硬盘，重建 RAID6").await;
    b.click("form[action$='/work'] button[type=submit]").await;
    b.tap("details:has(#r-findings) > summary").await;
    b.fill("#r-findings", "3 号盘位硬盘坏道导致掉盘").await;
    b.fill("#r-actions", "更换硬盘并重建 RAID6，备份任务重跑成功").await;
    b.fill("#r-parts", "4TB SAS 硬盘 ×1").await;
    b.click("form[action$='/report'] button[type=submit]").await;
    b.click("a[href$='/sign']").await;
    b.fill("#signer", "孙刚").await;
    // A finger on the pad: pointer events on the canvas.
    b.c.execute(
        "const c = document.querySelector('canvas.sigpad'); const r = c.getBoundingClientRect();\
         const ev = (t, x, y) => c.dispatchEvent(new PointerEvent(t, {clientX: r.left + x, clientY: r.top + y, pointerId: 1, bubbles: true}));\
         ev('pointerdown', 20, 40); for (let i = 0; i < 30; i++) ev('pointermove', 20 + i * 8, 40 + (i % 5) * 10); ev('pointerup', 260, 60);",
        vec![],
    )
    .await
    .unwrap();
    b.check("sign").await;
    b.c.set_window_size(390, 844).await.unwrap();
    b.click("form[action$='/sign'] button[type=submit]").await;
    assert!(b.path().await.ends_with("/print"), "the signed report as the customer's copy");
    let text = b.text().await;
    assert!(text.contains("孙刚") && text.contains("现场签字"), "{text}");
    let img = b.c.find(Locator::Css("img.signature")).await.expect("the signature is on the copy");
    assert!(img.attr("src").await.unwrap().unwrap_or_default().starts_with("data:image/png;base64,"));
    // The customer's copy: the vendor header, the site's address, the device, the visit.
    let vendor = fuwu_app::vendor::VendorSettings::default();
    let site = t.get("admin", &format!("/api/v1/sites/{}", asset["site_id"])).await.1;
    let place = fuwu_core::divisions::full_name(site["city_code"].as_str().unwrap()).unwrap();
    for want in
        [vendor.name.as_str(), vendor.hotline.as_str(), serial.as_str(), place.as_str(), "到场记录", "4TB SAS 硬盘 ×1"]
    {
        assert!(text.contains(want), "{want} on the printed copy: {text}");
    }
    assert!(text.contains("到达 20") && text.contains("离开 20"), "arrival and departure times: {text}");
    b.check("report-print").await;
    // The PDF link downloads the same copy.
    let got = b
        .c
        .execute_async(
            "const done = arguments[arguments.length - 1]; const a = document.querySelector('a[href$=\"/pdf\"]');\
             fetch(a.href).then(async r => done([r.status, r.headers.get('content-type'), Array.from(new Uint8Array(await r.arrayBuffer()))]));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!((got[0].as_i64(), got[1].as_str()), (Some(200), Some("application/pdf")));
    let pdf: Vec<u8> = got[2].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u8).collect();
    assert!(pdf.starts_with(b"%PDF-"));
    let pdf_text: String = crate::report_copy::pdf_text(&pdf).split_whitespace().collect();
    let customer = t.get("admin", "/api/v1/customers/26").await.1["name"].as_str().unwrap().to_owned();
    for want in [customer.as_str(), serial.as_str(), "孙刚", "4TBSAS硬盘×1"] {
        let w: String = want.split_whitespace().collect();
        assert!(pdf_text.contains(&w), "{want} in the PDF: {pdf_text}");
    }
    let _ = std::fs::write(screenshots_dir().join("report.pdf"), &pdf);
    b.go(&event_path).await;
    b.open("resolve").await;
    b.fill("#resolution", "更换故障硬盘，RAID 重建完成").await;
    b.click("form:has(input[name=action][value=resolve]) button[type=submit]").await;
    assert!(b.text().await.contains("已解决"));
    b.logout().await;

    // 5. The customer confirms in the portal and sees no internal notes.
    b.login("cust26", "long-enough-1").await;
    assert_eq!(b.path().await, "/portal");
    b.check("portal").await;
    b.go("/portal/new").await;
    b.check("portal-new").await;
    b.go("/portal").await;
    b.click(&format!("a[href='{event_path}']")).await;
    assert!(!b.text().await.contains("处理过程"), "customers do not see the internal timeline");
    b.check("portal-event").await;
    b.action("confirm").await;
    // Then the customer rates the service.
    assert!(b.text().await.contains("服务评价"), "the rating form after confirming");
    b.click("form[action$='/rating'] button[type=submit]").await;
    assert!(b.text().await.contains("感谢您的评价") && b.text().await.contains("★★★★★"));
    b.check("portal-rated").await;
    b.logout().await;

    // 6. The specialist documents and closes.
    b.login("kefu", PASSWORD).await;
    b.go(&event_path).await;
    b.open("document").await;
    b.fill("#no-article", "已有同类知识文章").await;
    b.click("form:has(input[name=action][value=document]) button[type=submit]").await;
    b.action("close").await;
    assert!(b.text().await.contains("已关闭"), "{}", b.text().await);
    b.check("event-closed").await;
    b.go("/records/customers").await;
    b.check("records").await;
    b.go("/records/customers/26").await;
    b.check("records-view").await;
    b.go("/records/projects/new").await;
    b.check("records-new").await;
    b.go("/records/customers/26/edit").await;
    b.check("records-edit").await;
    b.go("/account").await;
    b.check("account").await;
    b.logout().await;

    // 7. Another customer's contact tries the URL: not found.
    b.login("customer2", PASSWORD).await;
    b.go(&event_path).await;
    let text = b.text().await;
    assert!(text.contains("未找到") && !text.contains("阵列告警"), "{text}");
    b.drain_log().await;
    b.logout().await;

    // The manager's overview.
    b.login("manager", PASSWORD).await;
    b.check("overview").await;
    b.go("/settings/sla").await;
    assert!(b.text().await.contains("到期"), "the due-time preview");
    b.check("settings-sla").await;
    b.go("/records/holidays").await;
    b.check("records-holidays").await;
    b.go("/records/calendars").await;
    b.check("records-calendars").await;
    // English, per user: the same pages, complete.
    b.click("form[action='/account/language'] button").await;
    assert!(b.text().await.contains("Notifications"), "the account page in English");
    b.check("account-en").await;
    b.go("/overview").await;
    assert!(b.text().await.contains("By priority"));
    b.check("overview-en").await;
    b.go(&event_path).await;
    assert!(b.text().await.contains("Closed"));
    b.check("event-en").await;
    b.stop().await;
}

/// The one-time confirmation link: the specialist makes it on the event page;
/// the contact opens it without an account, reads the report and confirms; the
/// link is spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_confirmed_through_the_one_time_link() {
    let t = TestApp::new(Backend::Sqlite).await;
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": "远程处理后的报告确认", "impact": "moderate", "urgency": "medium"}))).await;
    let id = e["id"].as_i64().unwrap();
    let l1 = t.user_id("l1.nj1").await;
    for (who, body) in [
        ("kefu", json!({"action": "assign", "target": {"engineer_id": l1}, "reason": "项目实施工程师"})),
        ("l1.nj1", json!({"action": "accept"})),
    ] {
        let (s, v) = t.call(who, "POST", &format!("/api/v1/events/{id}/actions"), Some(body)).await;
        assert!(s.is_success(), "{v}");
    }
    let (s, r) = t.call("l1.nj1", "POST", &format!("/api/v1/events/{id}/reports"), Some(json!({"kind": "service", "findings": "远程检查发现缓存电池告警", "actions_taken": "远程调整缓存策略，安排更换电池"}))).await;
    assert!(s.is_success(), "{r}");
    let base = serve(&t).await;
    let mut b = Browser::start(&base).await;
    b.login("kefu", PASSWORD).await;
    b.go(&format!("/events/{id}")).await;
    b.click("form[action$='/link'] button").await;
    let url =
        b.c.find(Locator::Css("#link-url"))
            .await
            .expect("the link is shown")
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
    assert!(url.starts_with(&format!("{base}/confirm/")), "a full address: {url}");
    assert!(b.c.find(Locator::Css(".qr svg")).await.is_ok(), "with its QR code");
    b.check("confirmation-link-made").await;
    let path = url.trim_start_matches(base.as_str()).to_owned();
    b.logout().await;
    // The contact, without an account.
    b.go(&path).await;
    assert!(b.text().await.contains("远程检查发现缓存电池告警"));
    b.check("confirm-link").await;
    b.fill("#signer", "赵超").await;
    b.click("form button[type=submit]").await;
    assert!(b.text().await.contains("感谢确认"), "{}", b.text().await);
    b.go(&path).await;
    assert!(b.text().await.contains("链接无效或已使用"), "the link is spent");
    b.drain_log().await;
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(
        (d["reports"][0]["signer_name"].as_str(), d["reports"][0]["confirm_method"].as_str()),
        (Some("赵超"), Some("link"))
    );
    b.stop().await;
}

/// An administrator sets up records by name, as a person would: a site whose
/// city is found by typing 南京 and picking 江宁区; on a phone, a contract
/// covering two of the customer's assets picked by serial; a service level
/// whose targets are typed into the priority table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_picks_records_by_name_in_chromium() {
    let t = TestApp::new(Backend::Sqlite).await;
    let base = serve(&t).await;
    let mut b = Browser::start(&base).await;
    b.login("admin", PASSWORD).await;

    // A site: its customer by name, its city by typing 南京 and picking 江宁区.
    b.go("/records/sites/new").await;
    b.pick("f-customer_id", "南京市公安", "南京市公安局").await;
    b.fill("#f-name", "江宁灾备中心").await;
    // What a phone shows while typing: the city, then its districts.
    b.c.set_window_size(390, 844).await.unwrap();
    b.fill("[id='f-city_code']", "南京").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    b.shot("records-site-city-typeahead-phone").await;
    b.c.set_window_size(1280, 900).await.unwrap();
    b.pick("f-city_code", "南京", "江宁区").await;
    b.fill("#f-address", "天元东路 1 号").await;
    b.check("records-site-new").await;
    b.click("form.record-form button[type=submit]").await;
    let text = b.text().await;
    assert!(
        text.contains("江苏省 南京市 江宁区") && text.contains("南京市公安局") && text.contains("江宁灾备中心"),
        "the site as created: {text}"
    );
    assert!(!text.contains("320115000000"), "no division code in sight: {text}");
    b.check("records-site-view").await;
    let site = t.first("/api/v1/sites?q=江宁灾备中心").await;
    assert_eq!((site["city_code"].as_str(), site["customer_id"].as_i64()), (Some("320115000000"), Some(26)));
    b.go("/records/sites?q=江宁灾备中心").await;
    assert!(b.text().await.contains("江苏省 南京市 江宁区"), "the list names the city");
    b.check("records-sites").await;

    // On a phone: a contract of that customer covering two of its assets, picked by serial.
    let (_, assets) = t.get("admin", "/api/v1/assets?customer_id=26").await;
    let assets = assets["items"].as_array().unwrap();
    assert!(assets.len() >= 2, "the demo customer has two assets");
    let serial = |i: usize| assets[i]["serial_number"].as_str().unwrap().to_owned();
    b.c.set_window_size(390, 844).await.unwrap();
    b.go("/records/contracts/new").await;
    b.fill("#f-number", "HT-2026-09001").await;
    b.pick("f-customer_id", "南京市公安", "南京市公安局").await;
    b.pick("f-service_level_id", "金牌", "金牌服务").await;
    b.fill("#f-start_date", "2026-01-01").await;
    b.fill("#f-end_date", "2028-12-31").await;
    b.pick("f-covered_asset_ids", &serial(0), &serial(0)).await;
    b.pick("f-covered_asset_ids", &serial(1), &serial(1)).await;
    let chips =
        b.c.execute("return document.querySelectorAll('#f-covered_asset_ids-chips li').length", vec![]).await.unwrap();
    assert_eq!(chips, json!(2), "both assets shown as chosen");
    b.shot("records-contract-new-phone-picked").await;
    b.click("form.record-form button[type=submit]").await;
    let text = b.text().await;
    assert!(text.contains(&serial(0)) && text.contains(&serial(1)) && text.contains("金牌服务"), "{text}");
    b.c.set_window_size(1280, 900).await.unwrap();
    b.check("records-contract-view").await;
    let contract = t.first("/api/v1/contracts?q=HT-2026-09001").await;
    let mut covered: Vec<i64> =
        contract["covered_asset_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    covered.sort_unstable();
    let mut want = vec![assets[0]["id"].as_i64().unwrap(), assets[1]["id"].as_i64().unwrap()];
    want.sort_unstable();
    assert_eq!(covered, want);

    // A service level whose targets are typed into the table, in working time.
    b.go("/records/service-levels/new").await;
    let active = b.c.execute("return document.querySelector('input[name=active]').checked", vec![]).await.unwrap();
    assert_eq!(active, json!(true), "a new record starts active");
    b.fill("#f-code", "CITY").await;
    b.fill("#f-name", "城市快速服务 7×24").await;
    b.select("#f-coverage", "7x24").await;
    b.tap("input[name=onsite_included]").await;
    for (p, cells) in [
        ("P1", ["15m", "2h", "4h"]),
        ("P2", ["30m", "4h", "8h"]),
        ("P3", ["1h", "8h", "24h"]),
        ("P4", ["2h", "", "48h"]),
    ] {
        for (col, v) in ["response_minutes", "onsite_minutes", "resolution_minutes"].iter().zip(cells) {
            b.fill(&format!("input[name='targets.{p}.{col}']"), v).await;
        }
    }
    b.fill("input[name='quotas.inspections']", "6").await;
    b.check("records-level-new").await;
    b.click("form.record-form button[type=submit]").await;
    let text = b.text().await;
    assert!(text.contains("P1 · 响应 15m · 到场 2h · 解决 4h"), "{text}");
    assert!(text.contains("P4 · 响应 2h · 到场 – · 解决 48h") && text.contains("巡检 6"), "{text}");
    b.check("records-level-view").await;
    let level = t.first("/api/v1/service-levels?q=CITY").await;
    assert_eq!(
        level["targets"][0],
        json!({"priority": "P1", "response_minutes": 15, "onsite_minutes": 120, "resolution_minutes": 240})
    );
    assert_eq!(level["coverage"], "7x24");
    // Edited in the same table.
    let id = level["id"].as_i64().unwrap();
    b.go(&format!("/records/service-levels/{id}/edit")).await;
    b.fill("input[name='targets.P1.response_minutes']", "10分钟").await;
    b.click("form.record-form button[type=submit]").await;
    assert!(b.text().await.contains("P1 · 响应 10m · 到场 2h"), "{}", b.text().await);
    // A partner firm covering two cities, picked by name.
    b.go("/records/partners/new").await;
    b.fill("#f-name", "苏锡服务有限公司").await;
    b.pick("f-city_codes", "苏州", "苏州市").await;
    b.pick("f-city_codes", "无锡", "无锡市").await;
    b.click("form.record-form button[type=submit]").await;
    let text = b.text().await;
    assert!(text.contains("江苏省 苏州市") && text.contains("江苏省 无锡市"), "{text}");
    let partner = t.first("/api/v1/partners?q=苏锡服务").await;
    assert_eq!(partner["city_codes"], json!(["320200000000", "320500000000"]));
    b.go(&format!("/records/partners/{}/edit", partner["id"])).await;
    let chips =
        b.c.execute("return [...document.querySelectorAll('#f-city_codes-chips li')].map(l => l.dataset.id)", vec![])
            .await
            .unwrap();
    assert_eq!(chips, json!(["320200000000", "320500000000"]), "the chosen cities, by name, on the form");
    b.check("records-partner-edit").await;
    // Editing names what is chosen (once) and hides the id behind it.
    b.go(&format!("/records/sites/{}/edit", site["id"])).await;
    let shown = b.c.execute("return [document.querySelector('#f-customer_id').value, document.querySelector('#f-customer_id').readOnly, [...document.querySelectorAll('.pick-now, .pick-hint')].filter(e => e.offsetParent !== null).length]", vec![]).await.unwrap();
    assert_eq!(shown, json!(["南京市公安局 · 南京公安局 · 政府", true, 0]), "the customer by name, kept");
    b.check("records-site-edit").await;
    // The other forms, each field labelled and nothing sideways at 360 px.
    for kind in ["users", "teams", "branches", "partners", "calendars", "contacts", "assets", "projects"] {
        b.go(&format!("/records/{kind}/new")).await;
        b.check(&format!("records-{kind}-new")).await;
    }
    // The same forms in English.
    b.click("form[action='/account/language'] button").await;
    b.go(&format!("/records/service-levels/{id}/edit")).await;
    assert!(b.text().await.contains("Resolution"), "{}", b.text().await);
    b.check("records-level-edit-en").await;
    b.go("/records/sites/new").await;
    b.check("records-site-new-en").await;
    b.stop().await;
}

/// The specialist on a call, in Chromium: a known caller's event recorded and
/// dispatched in at most six interactions; the repeat call is a follow-up, not a
/// duplicate; events go to the second suggestion with a reason and to a partner engineer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_specialist_on_a_call_in_chromium() {
    let t = TestApp::new(Backend::Sqlite).await;
    let base = serve(&t).await;
    let mut b = Browser::start(&base).await;
    let (_, contacts) = t.get("admin", "/api/v1/contacts?customer_id=26").await;
    let phone = contacts["items"][0]["phones"][0].as_str().unwrap().to_owned();
    b.login("kefu", PASSWORD).await;

    // Counted: type the number, search, type the title, record and dispatch.
    let mut interactions = 0;
    b.fill("#q", &phone).await;
    interactions += 1;
    b.click("form[role=search] button").await;
    interactions += 1;
    // Confirm the device (several stand at the caller's site).
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    b.select("form.record select[name=asset_id]", &asset["id"].to_string()).await;
    interactions += 1;
    b.fill("form.record input[name=title]", "备份任务失败，日志提示掉盘").await;
    interactions += 1;
    b.click("form.record button[name='dispatch.top']").await;
    interactions += 1;
    assert!(interactions <= 6, "{interactions} interactions");
    let first = b.path().await;
    assert!(first.starts_with("/events/"), "recorded: {first}");
    let text = b.text().await;
    assert!(text.contains("已分派"), "dispatched at once: {text}");
    b.check("event-dispatched-at-once").await;

    // The customer calls again: the card lists the open event; the call is a follow-up.
    b.go("/console").await;
    b.fill("#q", &phone).await;
    b.click("form[role=search] button").await;
    let text = b.text().await;
    assert!(text.contains("备份任务失败，日志提示掉盘"), "the open event is on the card: {text}");
    b.check("console-open-events").await;
    let id = first.trim_start_matches("/events/").to_owned();
    b.select("form.record select[name=follow_up]", &id).await;
    b.fill("form.record input[name=title]", "客户询问处理进度").await;
    b.click("form.record button[type=submit]:not([name])").await;
    assert_eq!(b.path().await, first, "back on the event, no new one");
    assert!(b.text().await.contains("客户询问处理进度"));
    assert_eq!(t.count("/api/v1/events").await, 1, "no duplicate");

    // Another event: to the second suggestion, with a reason (without one it is refused and the choice kept).
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": t.first("/api/v1/assets?customer_id=26").await["id"], "title": "第二建议", "impact": "moderate", "urgency": "medium"}))).await;
    let second = e["routing"]["candidates"][1]["engineer_id"].as_i64().unwrap();
    b.go(&format!("/events/{}", e["id"])).await;
    b.open("assign").await;
    b.tap(&format!("input[name=pick][value='engineer:{second}']")).await;
    b.click("form:has(input[name=action][value=assign]) button[type=submit]").await;
    let kept = b.c.find(Locator::Css(&format!("input[name=pick][value='engineer:{second}']"))).await.unwrap();
    assert_eq!(kept.prop("checked").await.unwrap().as_deref(), Some("true"), "the choice is kept");
    b.drain_log().await; // the refused post's 422 is expected
    b.open("assign").await;
    b.fill("#assign-reason", "熟悉该客户的容灾环境").await;
    b.click("form:has(input[name=action][value=assign]) button[type=submit]").await;
    assert!(b.text().await.contains("已分派"));
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{}", e["id"])).await;
    assert_eq!(d["event"]["assignee_id"], second);

    // And one to a partner engineer, from the list of everyone.
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": t.first("/api/v1/assets?customer_id=26").await["id"], "title": "合作伙伴", "impact": "moderate", "urgency": "medium"}))).await;
    let partner = t.user_id("partner1").await;
    b.go(&format!("/events/{}", e["id"])).await;
    b.open("assign").await;
    b.tap("input[name=pick][value=other]").await;
    b.select("#assign-other", &format!("engineer:{partner}")).await;
    b.fill("#assign-reason", "当地合作伙伴可当天到场").await;
    b.check("event-assign-other").await;
    b.click("form:has(input[name=action][value=assign]) button[type=submit]").await;
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{}", e["id"])).await;
    assert_eq!(d["event"]["assignee_id"], partner);
    b.drain_log().await;
    b.stop().await;
}
