//! Documents as a phone sends them: an 8 MB camera photo is taken, turned upright and reduced
//! to 2,000 px on its long side; a PDF must open. A 0-byte file, a text file called a JPEG, a
//! photo cut short, a 30 MB file and a damaged PDF are each refused with their own sentence,
//! and nothing is stored (issue 14, acceptance 5; CENTRAL.md, Document).

mod common;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_photo_is_reduced_and_what_cannot_be_read_is_refused() {
    let Some(service) = Service::start(20).await else { return };
    let a = service.replica(CLOCK).await;
    let http = http();
    let token = sign_in(&service, &a, &["foto@example.test".into()]).await.remove(0);
    let (_, applicant) =
        send(http.post(a.api("/applicants")).bearer_auth(&token).json(&applicant_form(4))).await;
    let id = applicant["id"].as_i64().expect("id");
    let url = |kind: &str| a.api(&format!("/applicants/{id}/documents/{kind}"));
    let put = |kind: &str, content_type: &str, body: Vec<u8>| {
        send(
            http.put(url(kind))
                .bearer_auth(&token)
                .header("Content-Type", content_type.to_owned())
                .body(body),
        )
    };

    let photo = phone_photo();
    let sent = photo.len();
    let (status, body) = put("ktp", "image/jpeg", photo).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!((body["width"].as_u64(), body["height"].as_u64()), (Some(2000), Some(1500)), "{body}");
    assert_eq!(body["received"].as_u64(), Some(sent as u64));
    let stored = body["size"].as_u64().expect("size");
    assert!(stored < sent as u64 / 4, "kept {stored} bytes of {sent}");
    let kept = http.get(url("ktp")).bearer_auth(&token).send().await.expect("get");
    assert_eq!(kept.headers()["content-type"], "image/jpeg");
    let kept = image::load_from_memory(&kept.bytes().await.expect("bytes")).expect("a JPEG");
    assert_eq!((kept.width(), kept.height()), (2000, 1500));

    let (status, body) = put("birth_proof", "application/pdf", one_page_pdf()).await;
    assert_eq!((status, body["pages"].as_u64()), (201, Some(1)), "{body}");

    // (kind, content type, body, status, code, words of the message)
    type Refusal<'a> = (&'a str, &'a str, Vec<u8>, u16, &'a str, &'a str);
    let refusals: Vec<Refusal<'_>> = vec![
        ("kk", "image/jpeg", Vec::new(), 422, "unreadable", "take the photo again"),
        (
            "kk",
            "image/jpeg",
            b"this is a text file called kk.jpg".to_vec(),
            422,
            "unreadable",
            "take the photo again",
        ),
        (
            "kk",
            "image/jpeg",
            {
                let mut cut = phone_photo();
                cut.truncate(2_000);
                cut
            },
            422,
            "unreadable",
            "take it again",
        ),
        ("kk", "image/jpeg", vec![0xFF; 30 * 1024 * 1024], 413, "too_large", "over 10 MB"),
        (
            "kk",
            "application/pdf",
            b"%PDF-1.4\n1 0 obj <<\ngarbage".to_vec(),
            422,
            "unreadable",
            "cannot be opened",
        ),
    ];
    for (kind, content_type, bytes, want, code, says) in refusals {
        let (status, body): (u16, Value) = put(kind, content_type, bytes).await;
        assert_eq!((status, body["error"]["code"].as_str()), (want, Some(code)), "{body}");
        assert!(body["error"]["message"].as_str().unwrap_or("").contains(says), "{body}");
    }
    let (status, _) = send(http.get(url("kk")).bearer_auth(&token)).await;
    assert_eq!(status, 404, "nothing stored for a refused upload");
}
