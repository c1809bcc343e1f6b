//! The `antrian-hub` command line, run as a user would.

use antrian_e2e::{RunningHub, run_cli};
use antrian_proto::{Client, Role};

fn global<'a>(config: &'a str, data: &'a str) -> Vec<&'a str> {
    vec!["--config", config, "--data-dir", data]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_config_keygen_users_devices_import_and_serve() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("hub.toml");
    let data = dir.path().join("data");
    let (config_s, data_s) =
        (config.to_str().expect("utf8").to_owned(), data.to_str().expect("utf8").to_owned());

    let (ok, printed, _) = run_cli(&["default-config"], "");
    assert!(ok);
    assert!(printed.contains("id = \"kanim-jaksel\"") && printed.contains("# "), "commented demo office");
    std::fs::write(&config, &printed).expect("write hub.toml");
    let g = global(&config_s, &data_s);

    let (ok, first_key, err) = run_cli(&[g.clone(), vec!["keygen"]].concat(), "");
    assert!(ok, "{err}");
    assert!(err.contains("created"), "{err}");
    let (ok, second_key, err) = run_cli(&[g.clone(), vec!["keygen"]].concat(), "");
    assert!(ok && err.contains("existing"), "{err}");
    assert_eq!(first_key, second_key, "keygen keeps an existing key");
    assert!(antrian_proto::qr::decode_public_key(first_key.trim()).is_ok());

    let (ok, _, err) =
        run_cli(&[g.clone(), vec!["user", "add", "admin", "--role", "admin"]].concat(), "rahasia-admin\n");
    assert!(ok, "{err}");
    let (ok, _, err) =
        run_cli(&[g.clone(), vec!["user", "add", "short", "--role", "staff"]].concat(), "pendek\n");
    assert!(!ok && err.contains("at least 8"), "{err}");
    let (ok, _, err) =
        run_cli(&[g.clone(), vec!["user", "add", "x", "--role", "boss"]].concat(), "whatever-long\n");
    assert!(!ok && err.contains("boss"), "{err}");
    let (ok, token, err) =
        run_cli(&[g.clone(), vec!["device", "add", "kiosk-1", "--role", "kiosk"]].concat(), "");
    assert!(ok, "{err}");
    let token = token.trim().to_owned();
    assert!(token.len() >= 40);
    let (ok, _, err) =
        run_cli(&[g.clone(), vec!["device", "add", "kiosk-1", "--role", "kiosk"]].concat(), "");
    assert!(!ok && err.contains("already exists"), "{err}");

    // Import: a bad line is named and nothing is imported; a good file imports.
    let csv = dir.path().join("appointments.csv");
    std::fs::write(
        &csv,
        "office,service,date,slot,name,nik\n\
         kanim-jaksel,A,2026-11-25,09:00,Budi Santoso,3174010101010001\n\
         kanim-jaksel,A,2026-11-25,09:00,Siti Rahayu,31740101\n",
    )
    .expect("csv");
    let (ok, _, err) = run_cli(&[g.clone(), vec!["import", csv.to_str().expect("utf8")]].concat(), "");
    assert!(!ok && err.contains("line 3") && err.contains("nothing was imported"), "{err}");
    std::fs::write(
        &csv,
        "office,service,date,slot,name,nik,booking_code\n\
         kanim-jaksel,A,2026-11-25,09:00,Budi Santoso,3174010101010001,\n\
         kanim-jaksel,B,2026-11-25,10:00,Siti Rahayu,3174010101010002,MPX77AB\n",
    )
    .expect("csv");
    let (ok, _, err) = run_cli(&[g.clone(), vec!["import", csv.to_str().expect("utf8")]].concat(), "");
    assert!(ok && err.contains("imported 2"), "{err}");

    let log = dir.path().join("hub.log");
    let hub = RunningHub::start(&g, &["--clock", "2026-11-25T09:05:00+07:00"], &log);
    hub.wait_healthy().await;
    let anonymous = Client::new(&hub.url);
    let (admin, role) = anonymous.login("admin", "rahasia-admin").await.expect("login");
    assert_eq!(role, Role::Admin);
    let imported = anonymous.booking("MPX77AB", "0002").await.expect("imported booking");
    assert_eq!(imported.slot, "10:00");
    let kiosk = Client::new(&hub.url).with_token(token);
    let ticket = kiosk.checkin_qr(&imported.qr).await.expect("check-in").ticket;
    assert_eq!(ticket.number, "B001");
    assert!(admin.queue("kanim-jaksel").await.is_ok());
    let (ok, _, _) = run_cli(&[g.clone(), vec!["device", "revoke", "kiosk-1"]].concat(), "");
    assert!(ok);
    assert_eq!(kiosk.walkin("D", None).await.expect_err("revoked").code(), Some("unauthorized"));
    // The day's report from the CLI, in each format.
    let (ok, json, err) = run_cli(
        &[g.clone(), vec!["report", "--office", "kanim-jaksel", "--date", "2026-11-25"]].concat(),
        "",
    );
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON report");
    let services = report["services"].as_array().expect("services");
    let b = services.iter().find(|s| s["service"] == "B").expect("service B");
    assert_eq!((b["tickets"].as_u64(), b["checked_in"].as_u64()), (Some(1), Some(1)));
    let (ok, csv, _) =
        run_cli(&[g.clone(), vec!["report", "--date", "2026-11-25", "--format", "csv"]].concat(), "");
    assert!(ok && csv.starts_with("date,number,service") && csv.contains("B001"), "{csv}");
    let pdf = dir.path().join("report.pdf");
    let (ok, _, err) = run_cli(
        &[g.clone(), vec!["report", "--format", "pdf", "--out", pdf.to_str().expect("utf8")]].concat(),
        "",
    );
    assert!(ok, "{err}");
    assert!(std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF-"));
    let (ok, _, err) = run_cli(&[g.clone(), vec!["report", "--office", "kanim-bandung"]].concat(), "");
    assert!(!ok && err.contains("kanim-bandung"), "{err}");
    let log_text = std::fs::read_to_string(&log).expect("log");
    assert!(log_text.contains("/api/v1/checkins") && log_text.contains("status=201"), "one line per request");
    hub.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_prints_logins_and_tokens_that_work() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(antrian_e2e::hub_binary())
        .args(["demo", "--listen", "127.0.0.1:0", "--clock", "2026-11-25T09:05:00+07:00"])
        // No display window from a test, even in a desktop session.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = Vec::new();
    let url = loop {
        let line = lines.next().expect("a line").expect("utf8");
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.to_owned();
        }
        printed.push(line);
    };
    let text = printed.join("\n");
    assert!(text.contains("login loket") && text.contains("loket-demo"), "{text}");
    let kiosk_token = printed
        .iter()
        .find(|l| l.contains("device kiosk-1"))
        .and_then(|l| l.split_whitespace().last())
        .expect("kiosk token")
        .to_owned();
    let qr = printed
        .iter()
        .skip_while(|l| !l.contains("sample booking"))
        .nth(1)
        .expect("qr line")
        .trim()
        .to_owned();
    let kiosk = Client::new(&url).with_token(kiosk_token);
    let answer = kiosk.checkin_qr(&qr).await.expect("the demo QR checks in at 09:05");
    assert!(answer.ticket.number.starts_with('A') || answer.ticket.number.starts_with('B'));
    let (staff, _) = Client::new(&url).login("loket", "loket-demo").await.expect("demo login");
    assert!(staff.call_next("1", None).await.expect("call").is_some());
    let _ = child.kill();
    let _ = child.wait();
}

/// A data dir holds one office. Pointing a hub configured for another office at it (a copied
/// config, a wrong `--data-dir`) is refused with a message naming both offices, and nothing in
/// the data dir is changed; the office it belongs to goes on as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_dir_of_another_office_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (jaksel, bandung) = (dir.path().join("jaksel.toml"), dir.path().join("bandung.toml"));
    let (_, config, _) = run_cli(&["default-config"], "");
    std::fs::write(&jaksel, &config).expect("write jaksel.toml");
    std::fs::write(&bandung, config.replacen("id = \"kanim-jaksel\"", "id = \"kanim-bandung\"", 1))
        .expect("write bandung.toml");
    let data = dir.path().join("data");
    let (jaksel_s, bandung_s, data_s) =
        (jaksel.to_str().expect("utf8"), bandung.to_str().expect("utf8"), data.to_str().expect("utf8"));
    let (ok, token, err) = run_cli(
        &[global(jaksel_s, data_s), vec!["device", "add", "kiosk-1", "--role", "kiosk"]].concat(),
        "",
    );
    assert!(ok, "{err}");
    let files = |dir: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("data dir")
            .map(|e| e.expect("entry").path())
            .map(|p| {
                (
                    p.file_name().expect("name").to_string_lossy().into_owned(),
                    std::fs::read(&p).expect("read"),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = files(&data);

    for command in
        [vec!["device", "add", "kiosk-2", "--role", "kiosk"], vec!["serve", "--listen", "127.0.0.1:0"]]
    {
        let (ok, _, err) = run_cli(&[global(bandung_s, data_s), command.clone()].concat(), "");
        assert!(!ok, "{command:?} must not start on another office's data");
        assert!(
            err.contains("kanim-jaksel") && err.contains("kanim-bandung") && err.contains("--data-dir"),
            "the message names both offices and what to do: {err}"
        );
    }
    assert_eq!(files(&data), before, "nothing in the data dir was changed");

    let log = dir.path().join("hub.log");
    let hub = RunningHub::start(&global(jaksel_s, data_s), &["--clock", "2026-11-25T09:05:00+07:00"], &log);
    hub.wait_healthy().await;
    let kiosk = Client::new(&hub.url).with_token(token.trim());
    assert_eq!(kiosk.walkin("D", None).await.expect("the office's own hub works").number, "D001");
    hub.kill();
}

/// Appointment files as spreadsheets save them (issue 18, item 10: a semicolon-separated file,
/// as Excel writes where the decimal mark is a comma — the Indonesian locale — was refused
/// with "missing field `office`"). The separator is read from the header, a byte-order mark
/// and Windows line ends are skipped; what cannot be read is refused with what to do, and
/// nothing is imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spreadsheet_csv_files_import_and_what_cannot_be_read_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_s = data.to_str().expect("utf8").to_owned();
    let g = vec!["--data-dir", data_s.as_str()];
    let csv = dir.path().join("appointments.csv");
    let csv_s = csv.to_str().expect("utf8").to_owned();
    let import = |content: &[u8]| {
        std::fs::write(&csv, content).expect("csv");
        run_cli(&[g.clone(), vec!["import", csv_s.as_str()]].concat(), "")
    };

    // Refused, each saying what is wrong and what to do; nothing imported.
    let refused: [(&[u8], &[&str]); 6] = [
        // A column of another name: the issuer's codes would be lost without a word.
        (
            b"office;service;date;slot;name;nik;kode_booking\nkanim-jaksel;A;2026-11-25;09:00;Budi;3174010101010001;KODE0001\n",
            &["line 1", "kode_booking", "rename it or remove it"],
        ),
        // A bad row after a spreadsheet's empty row is named by its own line.
        (
            b"office,service,date,slot,name,nik\n,,,,,\nkanim-jaksel,A,2026-11-25,09:00,Budi,31740101\n",
            &["line 3", "nothing was imported"],
        ),
        // Windows-1252 (Excel's "CSV (Comma delimited)"): é is one byte 0xE9.
        (
            b"office,service,date,slot,name,nik\nkanim-jaksel,A,2026-11-25,09:00,Andr\xe9 Wijaya,3174010101010001\n",
            &["line 2", "UTF-8", "CSV UTF-8"],
        ),
        // A NIK a spreadsheet turned into a number.
        (b"office;service;date;slot;name;nik\nkanim-jaksel;A;2026-11-25;09:00;Budi;3,17401E+15\n", &[
            "line 2",
            "3,17401E+15",
            "format the NIK column as text",
        ]),
        // A header of other words, and a header-less file.
        (b"kantor;layanan;tanggal;jam;nama;nik\nkanim-jaksel;A;2026-11-25;09:00;Budi;3174010101010001\n", &[
            "line 1",
            "office,service,date,slot,name,nik",
            "semicolons",
        ]),
        (b"kanim-jaksel,A,2026-11-25,09:00,Budi,3174010101010001\n", &["line 1", "office,service"]),
    ];
    for (content, words) in refused {
        let (ok, _, err) = import(content);
        assert!(!ok, "{}", String::from_utf8_lossy(content));
        for word in words {
            assert!(err.contains(word), "{word:?} not in {err}");
        }
    }

    // Semicolons (with a comma inside a name), a BOM and CRLF, tabs and capitalised columns.
    let files: [&[u8]; 3] = [
        b"office;service;date;slot;name;nik;booking_code\n\
          kanim-jaksel;A;2026-11-25;09:00;Siti Rahayu, S.Pd.;3174010101010001;SEMI0001\n\
          ;;;;;;\n;;;;;;\n",
        b"\xef\xbb\xbfoffice,service,date,slot,name,nik,booking_code\r\n\
          kanim-jaksel,A,2026-11-25,10:00,Budi Santoso,3174010101010002,BOMCRLF2\r\n",
        b"Office\tService\tDate\tSlot\tName\tNIK\tBooking_Code\n\
          kanim-jaksel\tB\t2026-11-25\t11:00\tDewi Lestari\t3174010101010003\tTABS0003\n",
    ];
    for content in files {
        let (ok, _, err) = import(content);
        assert!(ok && err.contains("imported 1"), "{}: {err}", String::from_utf8_lossy(content));
    }

    let hub = RunningHub::start(&g, &["--clock", "2026-11-25T08:05:00+07:00"], &dir.path().join("hub.log"));
    hub.wait_healthy().await;
    let anyone = Client::new(&hub.url);
    for (code, last4, name, slot) in [
        ("SEMI0001", "0001", "Siti Rahayu, S.Pd.", "09:00"),
        ("BOMCRLF2", "0002", "Budi Santoso", "10:00"),
        ("TABS0003", "0003", "Dewi Lestari", "11:00"),
    ] {
        let booking = anyone.booking(code, last4).await.expect("imported booking");
        assert_eq!((booking.name.as_str(), booking.slot.as_str()), (name, slot), "{code}");
    }
    // The refused files left nothing: exactly the three imported are booked.
    let availability = anyone
        .availability("kanim-jaksel", chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"), "A")
        .await
        .expect("availability");
    let booked: u32 = availability.slots.iter().map(|s| s.booked).sum();
    assert_eq!(booked, 2, "{availability:?}");
}

/// The demo's terminal keeps what it printed — addresses, logins, tokens — readable (issue 18,
/// item 10: a line per request buried them): only warnings and errors show there, and the full
/// log goes to the file the demo names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_terminal_shows_its_logins_and_warnings_and_the_full_log_is_in_the_named_file() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("demo.log");
    let listen = format!("127.0.0.1:{}", antrian_e2e::free_port());
    let mut demo = Command::new(antrian_e2e::hub_binary())
        .args(["demo", "--no-simulation", "--listen", &listen, "--log"])
        .arg(&log)
        // No windows beside it.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the demo");
    let stdout = demo.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut printed = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            printed.push_str(&line);
            printed.push('\n');
            if line.starts_with("listening on") {
                let _ = tx.send(printed.clone());
            }
        }
    });
    let printed = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the demo starts");
    assert!(printed.contains(&format!("full log: {}", log.display())), "{printed}");
    assert!(printed.contains("login admin"), "{printed}");

    let hub = Client::new(format!("http://{listen}"));
    hub.health().await.expect("health");
    // The kiosk and display windows the demo starts append their lines to the same file:
    // the hub's later lines must not write over them.
    {
        use std::io::Write;
        let mut window =
            std::fs::OpenOptions::new().append(true).open(&log).expect("the log, as a window opens it");
        writeln!(window, "a line of the display window").expect("append");
    }
    for _ in 0..20 {
        hub.health().await.expect("health");
    }
    assert!(hub.login("admin", "not-the-password").await.is_err());
    let _ = demo.kill();
    let mut terminal = String::new();
    demo.stderr.take().expect("stderr").read_to_string(&mut terminal).expect("stderr");
    let _ = demo.wait();

    // The terminal: the warning, and no line per request.
    assert!(terminal.contains("failed login"), "the warning shows on the terminal: {terminal}");
    assert!(!terminal.contains("/api/v1/health") && !terminal.contains(" INFO "), "{terminal}");
    // The file: everything.
    let full = std::fs::read_to_string(&log).expect("the demo's log file");
    let requests = full.lines().filter(|l| l.contains("/api/v1/health")).count();
    assert!(requests >= 20, "every request in the log file ({requests}):\n{full}");
    assert!(full.contains("failed login"), "{full}");
    assert!(full.contains("a line of the display window"), "a window's line kept:\n{full}");
}
