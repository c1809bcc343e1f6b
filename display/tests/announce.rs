//! The `announce` command for installers, with espeak-ng: one call as a WAV file that is not
//! silent and 2–8 s long.

use std::process::Command;

fn espeak_installed() -> bool {
    let found = Command::new("espeak-ng").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        antrian_proto::skip::missing("espeak-ng is not installed", "apt-get install espeak-ng");
    }
    found
}

#[test]
fn one_call_renders_to_a_wav_of_speech() {
    if !espeak_installed() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("call.wav");
    let output = Command::new(env!("CARGO_BIN_EXE_antrian-display"))
        .args(["announce", "--number", "A012", "--counter", "3", "--wav"])
        .arg(&wav)
        .output()
        .expect("run antrian-display");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("Nomor antrean A dua belas, silakan menuju loket tiga")
    );
    let mut reader = hound::WavReader::open(&wav).expect("a WAV file");
    let spec = reader.spec();
    let samples: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>().expect("samples");
    let seconds = samples.len() as f64 / f64::from(spec.sample_rate);
    assert!((2.0..=8.0).contains(&seconds), "{seconds:.2} s");
    // Speech after the chime: the second half is not silent either.
    let chime = antrian_display::announce::chime().len();
    let speech = &samples[chime..];
    let rms = (speech.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / speech.len() as f64).sqrt();
    assert!(rms > 300.0, "speech RMS {rms:.0}: silent?");
}
