//! The v1 HTTP API of `API.md`, built by [`router`] so most tests need no socket. The
//! OpenAPI document is generated from the handlers' annotations by utoipa and served at
//! `/api/v1/openapi.json`.
//!
//! ## Layout
//! - [`error`]: `ApiError`, the one place where operations' errors become answers.
//! - [`extract`]: who is calling (one extractor per role) and JSON bodies and query strings
//!   whose errors get the API's shape.
//! - [`once`]: a mutating request acts once per `request_id`.
//! - [`describe`]: the OpenAPI document of this office: its ids as enums, so that what the
//!   document allows, the hub takes.
//! - Handlers, by what they serve: `office` (health, the office, appointments, a ticket's
//!   status), `queue` (check-in, walk-ins, the queue, counter and ticket actions), `bookings`
//!   (the applicant's booking endpoints), `staff` (login, users, devices, summary, reports,
//!   the display board), `events` (the live event stream).
//!
//! A handler checks its input, runs one operation in one store transaction (or one read) and
//! shapes the answer; it holds no rule and no SQL.

mod bookings;
pub mod describe;
pub mod error;
mod events;
pub mod extract;
mod office;
pub mod once;
mod queue;
mod staff;
mod survey;

pub use error::{ApiError, ApiResult};

use std::sync::Arc;

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::hub::Hub;

#[derive(OpenApi)]
#[openapi(
    info(title = "Antrian hub", description = "Queue, check-in and live events of one passport office."),
    modifiers(&BearerAuth),
    components(schemas(crate::report::Format)),
    tags((name = "antrian"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Answers every operation may give, documented once for all: `invalid_request` (422) where a
/// body or query parameters are read, `unauthorized` (401) where a token is asked for, and
/// `unavailable` (503) when the storage fails.
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = || ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
        let answer = |text: &str| {
            ResponseBuilder::new().description(text).content("application/json", error()).build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let reads_input = operation.request_body.is_some()
                    || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let responses = &mut operation.responses.responses;
                if reads_input {
                    responses
                        .entry("422".into())
                        .or_insert_with(|| answer("invalid_request: a malformed body or parameter").into());
                }
                if secured {
                    responses
                        .entry("401".into())
                        .or_insert_with(|| answer("unauthorized: no valid token").into());
                }
                responses
                    .entry("503".into())
                    .or_insert_with(|| answer("unavailable: the storage cannot be read or written").into());
            }
        }
    }
}

/// The API routes and the OpenAPI document describing them.
fn api_router() -> (Router<Arc<Hub>>, utoipa::openapi::OpenApi) {
    let router = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(office::health))
        .routes(routes!(staff::login))
        .routes(routes!(staff::logout))
        .routes(routes!(office::offices))
        .routes(routes!(office::create_appointments))
        .routes(routes!(bookings::availability))
        .routes(routes!(bookings::calendar))
        .routes(routes!(bookings::create_booking))
        .routes(routes!(bookings::get_booking))
        .routes(routes!(bookings::cancel_booking))
        .routes(routes!(bookings::reschedule))
        .routes(routes!(queue::checkin))
        .routes(routes!(queue::walkin))
        .routes(routes!(queue::queue))
        .routes(routes!(queue::counters))
        .routes(routes!(queue::call_next))
        .routes(routes!(queue::call_ticket))
        .routes(routes!(queue::pause_counter))
        .routes(routes!(queue::open_counter))
        .routes(routes!(queue::close_counter))
        .routes(routes!(queue::recall))
        .routes(routes!(queue::start))
        .routes(routes!(queue::finish))
        .routes(routes!(queue::no_show))
        .routes(routes!(queue::requeue))
        .routes(routes!(queue::cancel_ticket))
        .routes(routes!(queue::transfer))
        .routes(routes!(office::status))
        .routes(routes!(events::events))
        .routes(routes!(staff::revoke_device))
        .routes(routes!(staff::devices))
        .routes(routes!(staff::add_user))
        .routes(routes!(staff::pickups_ready))
        .routes(routes!(staff::summary))
        .routes(routes!(staff::daily_report))
        .routes(routes!(office::board))
        .routes(routes!(survey::survey, survey::answer))
        .routes(routes!(survey::counter_survey))
        .routes(routes!(survey::skm_report))
        .routes(routes!(survey::handle_complaint));
    let (router, mut doc) = router.split_for_parts();
    // The paths exist only now: the common answers are added to them here.
    CommonAnswers.modify(&mut doc);
    (router, doc)
}

/// The OpenAPI document of the hub.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().1
}

/// The API's routes, with the OpenAPI document of this office at `/api/v1/openapi.json`.
pub fn routes(config: &crate::config::Config) -> Router<Arc<Hub>> {
    let (api, doc) = api_router();
    let doc = Arc::new(describe::for_office(&doc, config));
    api.route(
        "/api/v1/openapi.json",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    )
}

/// This hub serves one office: any other office in a path is not found.
pub(crate) fn check_office(hub: &Hub, office: &str) -> ApiResult<()> {
    if office == hub.config.office.id {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("office {office:?}")))
    }
}
