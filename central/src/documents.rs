//! What is kept of an uploaded document (CENTRAL.md, Document): a photo (JPEG or PNG) is
//! decoded, turned upright by its EXIF orientation, reduced to at most 2,000 px on its long
//! side and stored as JPEG; a PDF must open and have a page, and is stored as sent. Anything
//! that cannot be read is refused with what to do. Decoding runs off the async workers.

use std::io::Cursor;

use antrian_proto::ErrorCode;
use image::{ImageDecoder, ImageReader, Limits};

use crate::error::{ApiError, ApiResult};

/// The long side of a stored photo, in pixels.
pub const LONG_SIDE: u32 = 2_000;

/// A document as stored.
#[derive(Debug)]
pub struct Prepared {
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// Photos: width and height as stored; PDFs: the page count and 0.
    pub size: (u32, u32),
}

fn unreadable(what: &str) -> ApiError {
    ApiError::new(ErrorCode::Unreadable, what.to_owned())
}

/// Checks and prepares `body` sent as `content_type` (`image/jpeg`, `image/png` or
/// `application/pdf`, already checked).
pub fn prepare(content_type: &str, body: &[u8]) -> ApiResult<Prepared> {
    if content_type == "application/pdf" {
        let pages = lopdf::Document::load_mem(body).map(|d| d.get_pages().len()).unwrap_or(0);
        if pages == 0 {
            return Err(unreadable(
                "the PDF cannot be opened (it may be damaged or cut short): save or scan it again and upload it",
            )
            .because("pdf"));
        }
        return Ok(Prepared {
            content_type: "application/pdf",
            body: body.to_vec(),
            size: (pages as u32, 0),
        });
    }
    let cannot_read = || {
        unreadable(
            "the photo cannot be read (it may be damaged or not a JPEG or PNG): take it again and upload it",
        )
        .because("photo")
    };
    let mut reader = ImageReader::new(Cursor::new(body)).with_guessed_format().map_err(|_| cannot_read())?;
    // A JPEG cut short (an upload broken off) still decodes, as grey: its end-of-image marker
    // must be there (0xFF 0xD9 occurs nowhere else in the compressed data but a thumbnail's).
    if reader.format() == Some(image::ImageFormat::Jpeg)
        && !body[body.len().saturating_sub(64)..].windows(2).any(|w| w == [0xFF, 0xD9])
    {
        return Err(cannot_read());
    }
    // A photo of up to 100 megapixels, never more memory than that needs.
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| cannot_read())?;
    let orientation = decoder.orientation().ok();
    let mut picture = image::DynamicImage::from_decoder(decoder).map_err(|_| cannot_read())?;
    if let Some(orientation) = orientation {
        picture.apply_orientation(orientation);
    }
    if picture.width().max(picture.height()) > LONG_SIDE {
        picture = picture.resize(LONG_SIDE, LONG_SIDE, image::imageops::FilterType::Triangle);
    }
    let picture = image::DynamicImage::ImageRgb8(picture.to_rgb8());
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&picture)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot encode the photo: {e}")))?;
    Ok(Prepared { content_type: "image/jpeg", body: out, size: (picture.width(), picture.height()) })
}

/// A stored photo reduced to `width` px wide, as JPEG, for the applicant's thumbnail.
pub fn thumbnail(stored: &[u8], width: u32) -> ApiResult<Vec<u8>> {
    let picture = image::load_from_memory(stored)
        .map_err(|_| unreadable("the stored photo cannot be read: upload it again"))?;
    let picture = picture.thumbnail(width, width.saturating_mul(4));
    let picture = image::DynamicImage::ImageRgb8(picture.to_rgb8());
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&picture)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot encode the thumbnail: {e}")))?;
    Ok(out)
}
