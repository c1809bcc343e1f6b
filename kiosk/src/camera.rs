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

/// Frames from a webcam, read through `ffmpeg` (Video4Linux), decoded on their own thread.
/// Each booking QR seen is sent once; the same code again only after it left the picture
/// for a while, since the camera sees it in many frames in a row.
pub fn start(
    device: &str,
    wake: impl Fn() + Send + 'static,
) -> std::io::Result<std::sync::mpsc::Receiver<String>> {
    use std::io::Read;
    const W: usize = 640;
    const H: usize = 480;
    let mut child = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-f", "v4l2", "-video_size", "640x480", "-i", device])
        .args(["-vf", "fps=5,format=gray", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut stdout = child.stdout.take().ok_or_else(|| std::io::Error::other("no ffmpeg output"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new().name("antrian-camera".into()).spawn(move || {
        let mut frame = vec![0u8; W * H];
        let mut last: Option<(String, std::time::Instant)> = None;
        while stdout.read_exact(&mut frame).is_ok() {
            for text in decode_frame(W, H, &frame) {
                let repeat = last.as_ref().is_some_and(|(t, at)| *t == text && at.elapsed().as_secs() < 10);
                last = Some((text.clone(), std::time::Instant::now()));
                if !repeat {
                    if tx.send(text).is_err() {
                        let _ = child.kill();
                        return;
                    }
                    wake();
                }
            }
        }
        tracing::error!("the camera stopped sending frames");
        let _ = child.wait();
    })?;
    Ok(rx)
}
