//! A check-in whose answer is lost after the hub committed it: the kiosk tries again with the
//! same `request_id` and shows the same ticket; the hub issued one number, not two.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::*;
use egui_kittest::kittest::Queryable;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy in front of the hub that, when armed, forwards the next check-in or walk-in
/// request, lets the hub answer, and then drops the connection instead of the answer.
struct LossyProxy {
    url: String,
    armed: Arc<AtomicBool>,
    dropped: Arc<AtomicUsize>,
}

impl LossyProxy {
    async fn start(hub: &str) -> LossyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let target = hub.trim_start_matches("http://").to_owned();
        let armed = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (armed2, dropped2) = (armed.clone(), dropped.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&target).await else { continue };
                tokio::spawn(relay(client, server, armed2.clone(), dropped2.clone()));
            }
        });
        LossyProxy { url, armed, dropped }
    }
}

async fn relay(client: TcpStream, server: TcpStream, armed: Arc<AtomicBool>, dropped: Arc<AtomicUsize>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let poisoned = Arc::new(AtomicBool::new(false));
    let poison = poisoned.clone();
    let upstream = tokio::spawn(async move {
        let mut buffer = vec![0u8; 16 * 1024];
        while let Ok(n) = client_read.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&buffer[..n]);
            let issuing = text.contains("POST /api/v1/checkins") || text.contains("POST /api/v1/walkins");
            if issuing && armed.swap(false, Ordering::SeqCst) {
                poison.store(true, Ordering::SeqCst);
            }
            if server_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
    });
    let mut buffer = vec![0u8; 16 * 1024];
    while let Ok(n) = server_read.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        if poisoned.load(Ordering::SeqCst) {
            // The hub has answered (so it committed); the kiosk never hears it.
            dropped.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if client_write.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    upstream.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_retried_gives_the_same_ticket_not_a_second_one() {
    let office = Office::start(&[]).await;
    let booking = office.book(today(), "09:00", 41).await;
    let proxy = LossyProxy::start(&office.url).await;
    let mut kiosk = kiosk(office.kiosk_config_at(&proxy.url));
    wait_text(&mut kiosk, "Pindai kode QR");

    // A walk-in: without the same request_id the retry would make C002.
    proxy.armed.store(true, Ordering::SeqCst);
    touch(&mut kiosk, "Tanpa pendaftaran online");
    kiosk.get_by_label_contains("Hilang").click();
    wait_until(&mut kiosk, "C001", |k| k.query_by_label("C001").is_some());
    assert_eq!(proxy.dropped.load(Ordering::SeqCst), 1, "one answer was lost on the way");
    assert_eq!(office.ticket_numbers().await, vec!["C001"], "one ticket, not two");
    touch(&mut kiosk, "Selesai");

    // A scan: the retry is the first check-in's answer again, not a reprint.
    proxy.armed.store(true, Ordering::SeqCst);
    scan(&mut kiosk, &booking.qr);
    wait_until(&mut kiosk, "A001", |k| k.query_by_label("A001").is_some());
    assert_eq!(proxy.dropped.load(Ordering::SeqCst), 2);
    assert!(kiosk.query_by_label_contains("CETAK ULANG").is_none(), "a first print, not a reprint");
    assert_eq!(office.ticket_numbers().await, vec!["A001", "C001"]);
}
