//! Headless Chromium through chromedriver, for the browser tests.

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

pub struct Driver {
    process: std::process::Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

pub async fn start_chromedriver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let process = std::process::Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver");
    // The driver is killed and reaped by Drop, whatever happens next.
    let driver = Driver { process, url: format!("http://127.0.0.1:{port}") };
    for _ in 0..100 {
        if reqwest::get(format!("{}/status", driver.url)).await.is_ok() {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

pub async fn browser(driver: &Driver, downloads: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=412,915"],
            "prefs": { "download.default_directory": downloads.to_string_lossy(), "download.prompt_for_download": false }
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

pub async fn wait_text(client: &Client, css: &str, expected: &str) {
    for _ in 0..100 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && element.text().await.is_ok_and(|t| t.contains(expected))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = match client.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => "(no element)".into(),
    };
    panic!("{css} never showed {expected:?}; it shows {shown:?}");
}

/// Saves a screenshot when `ANTRIAN_SCREENSHOTS` names a folder (for docs/images).
pub async fn screenshot(client: &Client, name: &str) {
    if let Ok(dir) = std::env::var("ANTRIAN_SCREENSHOTS") {
        let png = client.screenshot().await.expect("screenshot");
        std::fs::write(Path::new(&dir).join(name), png).expect("write screenshot");
    }
}

/// axe-core's `axe.min.js`: `ANTRIAN_AXE_JS`, or the npm package installed at the workspace
/// root (`npm install axe-core`, as `.ci/run` does). Missing, it says so loudly (and fails
/// under `ANTRIAN_REQUIRE_SYSTEM=1`).
pub fn axe_source() -> Option<String> {
    let candidates = [
        std::env::var("ANTRIAN_AXE_JS").ok().map(std::path::PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/axe-core/axe.min.js")),
    ];
    let found = candidates.into_iter().flatten().find_map(|p| std::fs::read_to_string(p).ok());
    if found.is_none() {
        antrian_proto::skip::missing(
            "axe-core is not installed (the pages' accessibility is not checked)",
            "npm install axe-core at the workspace root, or set ANTRIAN_AXE_JS; .ci/run does it",
        );
    }
    found
}

/// axe-core run on the page as it is now: its violations of impact serious or critical, each
/// "impact id: help — targets" (none without axe-core, which [`axe_source`] reports).
pub async fn axe_problems(client: &Client, axe: Option<&str>) -> Vec<String> {
    let Some(axe) = axe else { return Vec::new() };
    client.execute(&format!("{axe}\n;return true;"), vec![]).await.expect("inject axe-core");
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document).then(r => done({passes: r.passes.length, violations: r.violations
               .filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' + v.nodes.map(n => n.target.join(' ')).join(', '))}))
               .catch(e => done({passes: 0, violations: ['axe failed: ' + e]}));",
            vec![],
        )
        .await
        .expect("axe.run");
    assert!(found["passes"].as_u64().unwrap_or(0) > 5, "axe-core did not run: {found}");
    found["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}
