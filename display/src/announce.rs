//! The spoken call: a chime, then the sentence in Indonesian through espeak-ng's Indonesian
//! voice, queued so that a new call never cuts one off and none is dropped.
//!
//! Without espeak-ng the display still chimes and says so once at start; without a player
//! (`aplay`, `paplay`) it logs instead of playing.

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};

/// espeak-ng writes 22,050 Hz mono 16-bit; the chime is made to match.
pub const RATE: u32 = 22_050;

/// A two-tone chime ("ding-dong"), about 0.9 s.
pub fn chime() -> Vec<i16> {
    let mut samples = Vec::new();
    for (frequency, seconds) in [(880.0f32, 0.45f32), (660.0, 0.45)] {
        let count = (RATE as f32 * seconds) as usize;
        for i in 0..count {
            let t = i as f32 / RATE as f32;
            let envelope = (-4.0 * t).exp() * (1.0 - (-200.0 * t).exp());
            let value = (2.0 * std::f32::consts::PI * frequency * t).sin() * envelope * 0.6;
            samples.push((value * i16::MAX as f32) as i16);
        }
    }
    samples.extend(std::iter::repeat_n(0, (RATE / 5) as usize));
    samples
}

/// Whether a command runs here.
pub fn available(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// The sentence spoken by espeak-ng's Indonesian voice, as samples.
pub fn speak(text: &str) -> anyhow::Result<Vec<i16>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("speech.wav");
    let status = Command::new("espeak-ng")
        .args(["-v", "id", "-s", "135", "-w"])
        .arg(&path)
        .arg(text)
        .status()
        .context("espeak-ng is not installed")?;
    if !status.success() {
        bail!("espeak-ng failed: {status}");
    }
    let mut reader = hound::WavReader::open(&path)?;
    let spec = reader.spec();
    if spec.sample_rate != RATE || spec.channels != 1 {
        bail!("unexpected espeak-ng output: {} Hz, {} channels", spec.sample_rate, spec.channels);
    }
    Ok(reader.samples::<i16>().collect::<Result<_, _>>()?)
}

/// Chime and (when espeak-ng is there) the spoken sentence.
pub fn announcement(text: &str, with_speech: bool) -> anyhow::Result<Vec<i16>> {
    let mut samples = chime();
    if with_speech {
        samples.extend(speak(text)?);
    }
    Ok(samples)
}

pub fn write_wav(path: &Path, samples: &[i16]) -> anyhow::Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer =
        hound::WavWriter::create(path, spec).with_context(|| format!("cannot write {}", path.display()))?;
    for sample in samples {
        writer.write_sample(*sample)?;
    }
    writer.finalize()?;
    Ok(())
}

/// Plays a WAV file to the end through the first player found.
pub fn play(path: &Path) -> anyhow::Result<()> {
    for (player, args) in [("aplay", &["-q"][..]), ("paplay", &[][..])] {
        if let Ok(status) = Command::new(player).args(args).arg(path).status()
            && status.success()
        {
            return Ok(());
        }
    }
    bail!("no sound player (aplay or paplay) could play {}", path.display())
}

/// Something that says a sentence and returns when it is finished.
pub trait Speaker: Send + 'static {
    fn say(&mut self, text: &str);
}

/// The real speaker: chime + espeak-ng, played to the end.
pub struct SystemSpeaker {
    with_speech: bool,
}

impl SystemSpeaker {
    pub fn new() -> Self {
        let with_speech = available("espeak-ng");
        if !with_speech {
            tracing::warn!("espeak-ng is not installed: calls are announced by the chime only");
        }
        SystemSpeaker { with_speech }
    }
}

impl Default for SystemSpeaker {
    fn default() -> Self {
        SystemSpeaker::new()
    }
}

impl Speaker for SystemSpeaker {
    fn say(&mut self, text: &str) {
        let result = (|| -> anyhow::Result<()> {
            let samples = announcement(text, self.with_speech)?;
            let dir = tempfile::tempdir()?;
            let path = dir.path().join("call.wav");
            write_wav(&path, &samples)?;
            play(&path)
        })();
        if let Err(error) = result {
            tracing::warn!(%error, text, "announcement not played");
        }
    }
}

/// Announcements in order, one at a time, on their own thread: `announce` never blocks and
/// nothing queued is dropped.
pub struct Announcer {
    queue: mpsc::Sender<String>,
}

impl Announcer {
    pub fn start(mut speaker: impl Speaker) -> Announcer {
        let (queue, calls) = mpsc::channel::<String>();
        std::thread::Builder::new()
            .name("antrian-announcer".into())
            .spawn(move || {
                while let Ok(text) = calls.recv() {
                    speaker.say(&text);
                    // A short pause between calls, so they do not run together.
                    std::thread::sleep(Duration::from_millis(300));
                }
            })
            .map(|_| ())
            .unwrap_or_else(|error| tracing::error!(%error, "cannot start the announcer"));
        Announcer { queue }
    }

    pub fn announce(&self, text: String) {
        if self.queue.send(text).is_err() {
            tracing::error!("the announcer has stopped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    struct Recorder(Arc<Mutex<Vec<(String, Instant, Instant)>>>);

    impl Speaker for Recorder {
        fn say(&mut self, text: &str) {
            let start = Instant::now();
            std::thread::sleep(Duration::from_millis(80));
            self.0.lock().expect("lock").push((text.to_owned(), start, Instant::now()));
        }
    }

    #[test]
    fn five_quick_calls_are_five_announcements_in_order_none_cut_off() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let announcer = Announcer::start(Recorder(log.clone()));
        let texts: Vec<String> =
            (1..=5).map(|i| crate::words::call_sentence(&format!("A00{i}"), "3", "Loket 3")).collect();
        for text in &texts {
            announcer.announce(text.clone());
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while log.lock().expect("lock").len() < 5 {
            assert!(Instant::now() < deadline, "announcements were dropped");
            std::thread::sleep(Duration::from_millis(20));
        }
        let log = log.lock().expect("lock");
        let said: Vec<&String> = log.iter().map(|(t, _, _)| t).collect();
        assert_eq!(said, texts.iter().collect::<Vec<_>>());
        for pair in log.windows(2) {
            assert!(pair[1].1 >= pair[0].2, "a call started before the previous one finished");
        }
    }

    #[test]
    fn the_chime_is_audible_and_short() {
        let samples = chime();
        let seconds = samples.len() as f32 / RATE as f32;
        assert!((0.8..1.5).contains(&seconds), "{seconds} s");
        let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!(peak > 10_000, "peak {peak}");
    }
}
