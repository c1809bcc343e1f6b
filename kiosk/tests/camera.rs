//! Feature `camera`: booking QR codes read from webcam frames. Frames here are rendered: a
//! signed booking QR placed, small and off-centre, in a larger grey picture with a noisy
//! background, as a camera sees a phone screen or a paper held up to it.
#![cfg(feature = "camera")]

use antrian_kiosk::camera::{decode_frame, decode_image};
use antrian_proto::qr::{BookingClaim, QrSigner};
use chrono::{NaiveDate, NaiveTime};
use image::{GrayImage, Luma};

fn booking_qr() -> String {
    QrSigner::from_secret_bytes(&[3; 32])
        .sign(&BookingClaim {
            booking_code: "K7M2P9QX4T".into(),
            office: "kanim-jaksel".into(),
            service: "A".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
            slot: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        })
        .expect("sign")
}

/// A 640×480 frame: mottled grey, the code pasted at (x, y).
fn frame_with(code: &GrayImage, x: u32, y: u32) -> GrayImage {
    let mut frame = GrayImage::from_fn(640, 480, |px, py| Luma([150 + ((px * 7 + py * 13) % 40) as u8]));
    image::imageops::overlay(&mut frame, code, i64::from(x), i64::from(y));
    frame
}

#[test]
fn a_booking_qr_in_a_camera_frame_is_read_exactly() {
    let text = booking_qr();
    let code = qrcode::QrCode::new(text.as_bytes()).expect("encode");
    let rendered = code.render::<Luma<u8>>().module_dimensions(4, 4).build();
    assert!(rendered.width() < 400, "the code fits in the frame");
    let frame = frame_with(&rendered, 150, 40);
    let found = decode_frame(640, 480, frame.as_raw());
    assert_eq!(found, vec![text.clone()]);
    assert_eq!(decode_image(&image::DynamicImage::ImageLuma8(frame)), vec![text]);
}

#[test]
fn a_frame_without_a_code_or_a_short_buffer_reads_nothing() {
    let empty = frame_with(&GrayImage::new(1, 1), 0, 0);
    assert!(decode_frame(640, 480, empty.as_raw()).is_empty());
    assert!(decode_frame(640, 480, &[0u8; 100]).is_empty(), "a truncated frame is not read past its end");
}
