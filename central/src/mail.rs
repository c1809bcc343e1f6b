//! Outgoing mail: a real SMTP server (`smtp://host:port`, plain SMTP as to a local relay) or
//! one `.eml` file per message in a folder (`file:DIR`, development and tests), through lettre.

use std::path::PathBuf;

use anyhow::Context;
use lettre::message::{Attachment, Mailbox, MultiPart, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mailer::Smtp(_) => "Mailer::Smtp",
            Mailer::File(_) => "Mailer::File",
        })
    }
}

impl Mailer {
    /// From `[mail] transport`.
    pub fn from_transport(transport: &str) -> anyhow::Result<Mailer> {
        if let Some(dir) = transport.strip_prefix("file:") {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create mail folder {}", dir.display()))?;
            return Ok(Mailer::File(AsyncFileTransport::new(dir)));
        }
        let rest =
            transport.strip_prefix("smtp://").context("mail.transport: smtp://host:port or file:DIR")?;
        let (host, port) = rest.trim_end_matches('/').rsplit_once(':').unwrap_or((rest, "25"));
        let port: u16 =
            port.parse().with_context(|| format!("mail.transport: port {port:?} is not a number"))?;
        Ok(Mailer::Smtp(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port).build()))
    }

    /// Sends a letter: text and HTML as alternatives, and its PDF attached if it has one.
    pub async fn send(&self, from: &str, to: &str, letter: &crate::letters::Letter) -> anyhow::Result<()> {
        let body = MultiPart::alternative_plain_html(letter.text.clone(), letter.html.clone());
        let body = match &letter.attachment {
            Some((name, bytes)) => MultiPart::mixed().multipart(body).singlepart(
                Attachment::new(name.clone()).body(bytes.clone(), ContentType::parse("application/pdf")?),
            ),
            None => body,
        };
        let message = Message::builder()
            .from(from.parse::<Mailbox>().context("mail.from")?)
            .to(to.parse::<Mailbox>().context("recipient")?)
            .subject(&letter.subject)
            .multipart(body)?;
        match self {
            Mailer::Smtp(smtp) => {
                smtp.send(message).await.context("the mail server refused the message")?;
            }
            Mailer::File(file) => {
                file.send(message).await.context("cannot write the message file")?;
            }
        }
        Ok(())
    }
}
