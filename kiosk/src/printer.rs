//! Sending a ticket PDF to the printer: CUPS through `lp`, or a folder of PDF files.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::config::PrinterTarget;

/// How long `lp` may take to accept a job.
const LP_TIMEOUT: Duration = Duration::from_secs(15);

/// Prints `pdf`; `name` names the job (and the file). Returns what the printer said: the CUPS
/// request id, or the file written.
pub fn print(target: &PrinterTarget, name: &str, pdf: &[u8]) -> anyhow::Result<String> {
    match target {
        PrinterTarget::None => bail!("no printer configured"),
        PrinterTarget::Folder(dir) => write_file(dir, name, pdf),
        PrinterTarget::Cups(printer) => lp(printer.as_deref(), name, pdf),
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
        let path = print(&target, "2026-11-25 A001", b"%PDF-1.7 test").expect("written");
        assert!(path.ends_with("2026-11-25_A001.pdf"), "{path}");
        assert_eq!(std::fs::read(&path).expect("read"), b"%PDF-1.7 test");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("tiket")).expect("dir").flatten().collect();
        assert_eq!(names.len(), 1, "no partial file left behind");
    }

    #[test]
    fn no_printer_is_an_error_not_a_silent_success() {
        assert!(print(&PrinterTarget::None, "x", b"pdf").is_err());
    }
}
