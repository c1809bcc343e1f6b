//! Documents as a phone sends them: an 8 MB camera photo is taken, turned upright and reduced
//! to 2,000 px on its long side; a PDF must open. A 0-byte file, a text file called a JPEG, a
//! photo cut short, a 30 MB file and a damaged PDF are each refused with their own sentence,
//! and nothing is stored (issue 14, acceptance 5; CENTRAL.md, Document).

mod common;

use common::*;
use serde_json::Value;

/// A camera photo as a phone makes it: 4032 × 3024, light and texture, JPEG of 6–10 MB.
fn phone_photo() -> Vec<u8> {
    let (w, h) = (4032u32, 3024u32);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let picture = image::RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed % 48) as u32;
        let r = (x * 200 / w + noise).min(255) as u8;
        let g = (y * 180 / h + noise / 2).min(255) as u8;
        let b = ((x + y) % 256) as u8;
        image::Rgb([r, g, b])
    });
    for quality in (60..=95).rev().step_by(5) {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&picture)
            .expect("encode");
        if out.len() <= 9_500_000 {
            assert!(out.len() >= 6_000_000, "the test photo is {} bytes", out.len());
            return out;
        }
    }
    panic!("no quality gives a photo under 9.5 MB");
}

/// A one-page PDF made with lopdf.
fn one_page_pdf() -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(dictionary! {}, b"".to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("pdf");
    out
}

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
