//! Booking QR codes read from a webcam frame (feature `camera`), for kiosks without a USB
//! scanner. A frame is a grey image; rqrr finds and decodes the QR codes in it.

/// The texts of the QR codes found in a `width` × `height` grey frame (one byte per pixel).
pub fn decode_frame(width: usize, height: usize, gray: &[u8]) -> Vec<String> {
    if width == 0 || height == 0 || gray.len() < width * height {
        return Vec::new();
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| gray[y * width + x]);
    image
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text.trim().to_ascii_uppercase()))
        .collect()
}

/// The same for an image file (PNG), e.g. a frame saved by a camera tool.
pub fn decode_image(image: &image::DynamicImage) -> Vec<String> {
    let gray = image.to_luma8();
    decode_frame(gray.width() as usize, gray.height() as usize, gray.as_raw())
}
