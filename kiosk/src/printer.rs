//! Sending a ticket PDF to the printer: CUPS through `lp`, or a folder of PDF files.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::config::PrinterTarget;

/// How long `lp` may take to accept a job.
const LP_TIMEOUT: Duration = Duration::from_secs(15);
/// How often CUPS is asked whether the job has printed.
const POLL: Duration = Duration::from_millis(200);

/// Prints `pdf`; `name` names the job (and the file). Returns what the printer said: the CUPS
/// request id, or the file written.
///
/// A CUPS job counts as printed only when CUPS has finished it, not when it is queued: a
/// thermal printer out of paper or switched off holds the job, and a job left waiting would
/// come out later in the hand of the next applicant. So a job not finished within
/// `print_timeout`, or held by a stopped printer, is cancelled and reported as not printed.
pub fn print(
    target: &PrinterTarget,
    name: &str,
    pdf: &[u8],
    print_timeout: Duration,
) -> anyhow::Result<String> {
    match target {
        PrinterTarget::None => bail!("no printer configured"),
        PrinterTarget::Folder(dir) => write_file(dir, name, pdf),
        PrinterTarget::Cups(printer) => {
            let said = lp(printer.as_deref(), name, pdf)?;
            if let Some(job) = job_id(&said) {
                wait_printed(job, print_timeout)?;
            }
            Ok(said)
        }
    }
}

/// The job id in `lp`'s answer: "request id is PDF-7 (1 file(s))" → "PDF-7".
fn job_id(said: &str) -> Option<&str> {
    said.split_whitespace().skip_while(|w| *w != "is").nth(1)
}

/// Waits until CUPS no longer holds `job`; cancels it when its printer is stopped or time
/// runs out.
fn wait_printed(job: &str, timeout: Duration) -> anyhow::Result<()> {
    // CUPS names jobs `<printer>-<number>`.
    let printer = job.rsplit_once('-').map_or(job, |(printer, _)| printer);
    let deadline = Instant::now() + timeout;
    loop {
        if !pending(printer, job)? {
            return Ok(());
        }
        if let Some(reason) = stopped(printer) {
            cancel(job);
            bail!("printer {printer} is stopped ({reason}); job {job} cancelled");
        }
        if Instant::now() > deadline {
            cancel(job);
            bail!("printer {printer} did not print job {job} in {} s; job cancelled", timeout.as_secs());
        }
        std::thread::sleep(POLL);
    }
}

/// Whether CUPS has still to finish `job` on `printer`.
fn pending(printer: &str, job: &str) -> anyhow::Result<bool> {
    let output = Command::new("lpstat")
        .args(["-W", "not-completed", "-o", printer])
        .output()
        .context("cannot run lpstat (is CUPS installed?)")?;
    if !output.status.success() {
        bail!("lpstat failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .any(|line| line.split_whitespace().next() == Some(job)))
}

/// Why `printer` is stopped, if it is (`lpstat -p`: "printer X disabled since …", then the
/// reason on the next line).
fn stopped(printer: &str) -> Option<String> {
    let output = Command::new("lpstat").args(["-p", printer]).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    let first = lines.next()?;
    first.contains(" disabled").then(|| {
        let reason = lines.next().map(str::trim).unwrap_or_default();
        if reason.is_empty() { "disabled".to_owned() } else { reason.to_owned() }
    })
}

fn cancel(job: &str) {
    match Command::new("cancel").arg(job).output() {
        Ok(output) if output.status.success() => tracing::warn!(job, "unprinted ticket job cancelled"),
        other => tracing::error!(job, ?other, "could not cancel an unprinted ticket job"),
    }
}

fn write_file(dir: &Path, name: &str, pdf: &[u8]) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    let path = dir.join(format!("{safe}.pdf"));
    // Written beside and renamed, so a half-written ticket is never picked up.
    let partial = dir.join(format!(".{safe}.pdf.part"));
    std::fs::write(&partial, pdf).with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path.display().to_string())
}

fn lp(printer: Option<&str>, title: &str, pdf: &[u8]) -> anyhow::Result<String> {
    let mut command = Command::new("lp");
    if let Some(printer) = printer {
        command.args(["-d", printer]);
    }
    let mut child = command
        .args(["-t", title, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run lp (is CUPS installed?)")?;
    child.stdin.take().context("lp stdin")?.write_all(pdf).context("sending the ticket to lp")?;
    let deadline = Instant::now() + LP_TIMEOUT;
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("lp did not answer in {} s", LP_TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output()?;
    let said = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() {
        bail!("lp failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(said)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_printer_writes_whole_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = PrinterTarget::Folder(dir.path().join("tiket"));
        let path =
            print(&target, "2026-11-25 A001", b"%PDF-1.7 test", Duration::from_secs(1)).expect("written");
        assert!(path.ends_with("2026-11-25_A001.pdf"), "{path}");
        assert_eq!(std::fs::read(&path).expect("read"), b"%PDF-1.7 test");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("tiket")).expect("dir").flatten().collect();
        assert_eq!(names.len(), 1, "no partial file left behind");
    }

    #[test]
    fn no_printer_is_an_error_not_a_silent_success() {
        assert!(print(&PrinterTarget::None, "x", b"pdf", Duration::from_secs(1)).is_err());
    }

    #[test]
    fn the_job_id_is_read_from_lp() {
        assert_eq!(job_id("request id is PDF-7 (1 file(s))"), Some("PDF-7"));
        assert_eq!(
            job_id("request id is Kiosk-Printer_80mm-1234 (0 file(s))"),
            Some("Kiosk-Printer_80mm-1234")
        );
        assert_eq!(job_id(""), None);
    }
}
