//! The spoken call: a chime, then the sentence in Indonesian through espeak-ng's Indonesian
//! voice, queued so that a new call never cuts one off.
//!
//! What is spoken is what is still happening (issue 18, item 2): after a lost link the
//! display catches up on every call at once, and speaking them all would take minutes and put
//! the next live call that far behind. So a call is spoken only if it was recent when it
//! arrived ([`FRESH`]) and its ticket is still at the counter when its turn comes; the
//! screen shows every call either way.
//!
//! Without espeak-ng the display still chimes and says so once at start; without a player
//! (`aplay`, `paplay`) it logs instead of playing.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use antrian_proto::events::CalledEvent;
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

/// How old a call may be when it reaches the display and still be spoken.
pub const FRESH: chrono::Duration = chrono::Duration::seconds(60);

/// How long the announcer waits after a call arrives for more: a burst of calls replayed
/// after a lost link is applied to the screen in far less, so each is judged on what
/// happened after it.
pub const SETTLE: Duration = Duration::from_millis(200);

/// Whether a call is worth saying: `fresh` when it arrives (it is recent), `current` when its
/// turn comes (its ticket is still at the counter).
pub trait Policy: Send + 'static {
    fn fresh(&self, call: &CalledEvent) -> bool;
    fn current(&self, call: &CalledEvent) -> bool;
}

/// Announcements in order, one at a time, on their own thread: `announce` never blocks.
pub struct Announcer {
    queue: mpsc::Sender<CalledEvent>,
}

impl Announcer {
    pub fn start(mut speaker: impl Speaker, policy: impl Policy) -> Announcer {
        let (queue, calls) = mpsc::channel::<CalledEvent>();
        std::thread::Builder::new()
            .name("antrian-announcer".into())
            .spawn(move || {
                let mut waiting: VecDeque<CalledEvent> = VecDeque::new();
                let take = |call: CalledEvent, waiting: &mut VecDeque<CalledEvent>| {
                    if policy.fresh(&call) {
                        waiting.push_back(call);
                    } else {
                        tracing::info!(number = %call.number, "an old call is shown, not spoken");
                    }
                };
                // Takes what arrives until nothing has for `SETTLE`.
                let settle = |waiting: &mut VecDeque<CalledEvent>| {
                    while let Ok(more) = calls.recv_timeout(SETTLE) {
                        take(more, waiting);
                    }
                };
                while let Ok(call) = calls.recv() {
                    take(call, &mut waiting);
                    // Let a burst arrive (and reach the screen) before judging it.
                    settle(&mut waiting);
                    while let Some(next) = waiting.pop_front() {
                        while let Ok(more) = calls.try_recv() {
                            take(more, &mut waiting);
                        }
                        if !policy.current(&next) {
                            tracing::info!(number = %next.number, "a call no longer current is not spoken");
                            continue;
                        }
                        speaker.say(&crate::words::call_sentence(
                            &next.number,
                            &next.counter,
                            &next.counter_name,
                        ));
                        // A short pause between calls, so they do not run together.
                        std::thread::sleep(Duration::from_millis(300));
                        if let Ok(more) = calls.try_recv() {
                            take(more, &mut waiting);
                            settle(&mut waiting);
                        }
                    }
                }
            })
            .map(|_| ())
            .unwrap_or_else(|error| tracing::error!(%error, "cannot start the announcer"));
        Announcer { queue }
    }

    pub fn announce(&self, call: CalledEvent) {
        if self.queue.send(call).is_err() {
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

    /// Says everything, or only the calls whose numbers are in `current`, and only those not
    /// in `stale`.
    struct Only {
        current: Option<Vec<String>>,
        stale: Vec<String>,
    }

    impl Policy for Only {
        fn fresh(&self, call: &CalledEvent) -> bool {
            !self.stale.contains(&call.number)
        }
        fn current(&self, call: &CalledEvent) -> bool {
            self.current.as_ref().is_none_or(|c| c.contains(&call.number))
        }
    }

    fn call(number: &str) -> CalledEvent {
        CalledEvent {
            ticket_id: format!("t-{number}"),
            number: number.into(),
            counter: "3".into(),
            counter_name: "Loket 3".into(),
            stage: "berkas".into(),
            at: chrono::DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time"),
            recall: 0,
        }
    }

    #[test]
    fn five_quick_calls_are_five_announcements_in_order_none_cut_off() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let announcer = Announcer::start(Recorder(log.clone()), Only { current: None, stale: Vec::new() });
        let numbers: Vec<String> = (1..=5).map(|i| format!("A00{i}")).collect();
        let texts: Vec<String> =
            numbers.iter().map(|n| crate::words::call_sentence(n, "3", "Loket 3")).collect();
        for number in &numbers {
            announcer.announce(call(number));
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

    /// Issue 18, item 2: ten calls replayed after a lost link, all missed meanwhile (no longer
    /// current), and two calls too old to speak, then a live call: only the live one is said,
    /// at once.
    #[test]
    fn only_calls_still_happening_are_spoken_and_a_live_call_is_not_kept_waiting() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let stale: Vec<String> = vec!["C001".into(), "C002".into()];
        let policy = Only { current: Some(vec!["C099".into(), "C001".into()]), stale };
        let announcer = Announcer::start(Recorder(log.clone()), policy);
        for i in 1..=12 {
            announcer.announce(call(&format!("C{i:03}")));
        }
        let sent = Instant::now();
        announcer.announce(call("C099"));
        let deadline = Instant::now() + Duration::from_secs(5);
        while log.lock().expect("lock").is_empty() {
            assert!(Instant::now() < deadline, "the live call was never spoken");
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(400));
        let log = log.lock().expect("lock");
        let said: Vec<&String> = log.iter().map(|(t, _, _)| t).collect();
        assert_eq!(
            said,
            [&crate::words::call_sentence("C099", "3", "Loket 3")],
            "C001 is current but too old"
        );
        assert!(
            log[0].1.duration_since(sent) < Duration::from_secs(1),
            "spoken within a second, not after the backlog"
        );
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
