//! # antrian-hub
//!
//! The one server of a passport office's LAN. It owns every appointment, ticket and counter,
//! serves the v1 API of `API.md` to kiosks, displays and staff, streams live events, and
//! serves the applicant's pages and the staff console. `ARCHITECTURE.md` at the top of the
//! repository follows one check-in through these modules.
//!
//! ## Layout
//! From the bottom up; a module uses only those above it in this list.
//! - [`config`]: `hub.toml`, checked as a whole at start; [`clock`]: the office clock;
//!   [`secrets`]: the booking-signing key and the keys for NIK hashes, status links and CSRF.
//! - [`engine`]: the queue rules, pure — call order, admission of a check-in, what each staff
//!   action does. The booking rules are the shared crate `antrian-rules`.
//! - [`store`]: storage behind operations named by aggregate; the only module that sees SQL.
//!   SQLite in WAL mode, one writer thread with group commit, a pool of readers.
//! - [`error`]: why an operation did not happen, each refusal with its API code.
//! - [`office`]: the narrow context operations take (configuration, clock, ticket links);
//!   [`throttle`]: login and booking-request limits; [`hub`]: the running hub that holds them.
//! - Operations, each run in one store transaction: [`queue`] (check-in, staff actions,
//!   views), [`appointments`], [`booking`], [`auth`] (users and devices), [`session`] (login),
//!   [`report`] (figures, CSV, PDF), [`summary`], [`retention`] (no-show and personal-data
//!   sweeps).
//! - Presentation: [`api`] (the axum router, role extractors, handlers, the SSE endpoint,
//!   OpenAPI, the one mapping of errors to answers); [`pages`] (booking, confirmation and
//!   ticket status pages) with [`confirmation`] (its content and PDF) and [`i18n`]; [`console`]
//!   (the staff console) with [`charts`].
//! - [`demo`]: the demo office's seed data and simulated day; [`cli`]: the `antrian-hub`
//!   commands.
//!
//! [`router`] joins the API, the pages and the console into one application; [`serve`]
//! takes an already-bound listener and a shutdown future, so tests run the real hub on
//! `127.0.0.1:0`.

pub mod api;
pub mod appointments;
pub mod auth;
pub mod backup;
pub mod booking;
pub mod charts;
pub mod cli;
pub mod clock;
pub mod config;
pub mod confirmation;
pub mod console;
pub mod demo;
pub mod engine;
pub mod error;
pub mod hub;
pub mod i18n;
pub mod office;
pub mod pages;
pub mod queue;
pub mod report;
pub mod retention;
pub mod secrets;
pub mod session;
pub mod skm;
pub mod store;
pub mod summary;
pub mod sync;
pub mod throttle;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, Request, header};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use hub::Hub;

/// The whole HTTP application: the API, the applicant's pages and the staff console, with
/// the headers every answer carries and one log line per request. Tests drive it with
/// `oneshot`, or through [`serve`].
pub fn router(hub: Arc<Hub>) -> Router {
    api::routes(&hub.config)
        .merge(pages::routes())
        .merge(console::routes())
        .merge(skm::pages::routes())
        .fallback(|| async { api::ApiError::not_found("this address") })
        .with_state(hub)
        .layer(axum::middleware::map_response(|mut response: axum::response::Response| async move {
            let headers = response.headers_mut();
            headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
            response
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    tracing::info_span!("request", method = %request.method(), path = %logged_path(request.uri().path()))
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

/// A path as the log keeps it: a ticket's status token (the QR on the ticket) is left out, so
/// that the log, with its times, cannot tie a survey answer or a status look to a ticket.
fn logged_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/t/", "/api/v1/status/", "/api/v1/survey/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}…{tail}").into();
        }
    }
    path.into()
}

/// Serves the hub on `listener` until `shutdown` resolves, then lets open requests finish and
/// ends the event streams.
pub async fn serve(
    listener: tokio::net::TcpListener,
    hub: Arc<Hub>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let address = listener.local_addr()?;
    if address.ip().is_unspecified() && hub.office.public_url().is_empty() {
        tracing::warn!(
            "hub.public_url is empty: ticket links will point to 127.0.0.1, which phones cannot reach; \
             set it to this server's LAN address"
        );
    }
    let shown = if address.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), address.port())
    } else {
        address
    };
    hub.office.set_public_url_if_unset(&format!("http://{shown}"));
    let app = router(hub.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let signal_hub = hub.clone();
    let sweeper = tokio::spawn(retention::sweep(hub.clone()));
    let sync = sync::start(hub.clone());
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            signal_hub.begin_shutdown();
        })
        .await;
    sweeper.abort();
    for task in sync {
        task.abort();
    }
    served
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_log_never_holds_a_ticket_token() {
        assert_eq!(super::logged_path("/t/20261125-D001-abcdef/survey"), "/t/…/survey");
        assert_eq!(super::logged_path("/api/v1/survey/20261125-D001-abcdef"), "/api/v1/survey/…");
        assert_eq!(super::logged_path("/api/v1/status/x"), "/api/v1/status/…");
        assert_eq!(super::logged_path("/api/v1/queue"), "/api/v1/queue");
    }
}
