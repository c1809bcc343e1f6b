//! The HTTP API under `/api/v1` (CENTRAL.md, Contract): sign-in by e-mail code, applicants and
//! their documents, offices and availability, applications (hold, pay, cancel, reschedule),
//! payment notifications, and the hubs' sync ([`crate::sync`]).

use std::sync::Arc;

use antrian_proto::{ErrorBody, ErrorCode};
use antrian_rules::nik::{self, Sex};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Central;
use crate::booking::{self, Payment, QuotaKey, state};
use crate::error::{ApiError, ApiResult};
use crate::secrets;

type Shared = State<Arc<Central>>;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Antrian Pusat",
        description = "The national passport booking service: accounts, applicants, documents, quota, applications, payments, and the office hubs' sync (CENTRAL.md)."
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's routes and the OpenAPI document that describes them.
fn api_router() -> (Router<Arc<Central>>, utoipa::openapi::OpenApi) {
    use utoipa::OpenApi;
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(send_code))
        .routes(routes!(verify_code))
        .routes(routes!(add_applicant, list_applicants))
        .routes(routes!(upload_document, get_document))
        .routes(routes!(offices))
        .routes(routes!(availability))
        .routes(routes!(create_application, list_applications))
        .routes(routes!(get_application))
        .routes(routes!(cancel_application))
        .routes(routes!(reschedule_application))
        .routes(routes!(payment_notification))
        .routes(routes!(join_waitlist, list_waitlist))
        .routes(routes!(waiting_room))
        .routes(routes!(waiting_challenge))
        .routes(routes!(waiting_join))
        .routes(routes!(waiting_status))
        .routes(routes!(admin_waiting_room))
        .routes(routes!(admin_waiting_rate))
        .routes(routes!(leave_waitlist))
        .routes(routes!(crate::sync::appointments))
        .routes(routes!(crate::sync::visits))
        .split_for_parts()
}

/// The service's routes.
pub fn router(central: Arc<Central>) -> Router {
    let (api, doc) = api_router();
    let doc = Arc::new(doc);
    api.merge(crate::pages::routes(&central))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(|| async { ApiError::not_found("this address") })
        .with_state(central)
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// A JSON body; anything unreadable is 422 `invalid_request` naming what is wrong.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(ApiError::invalid(rejection.body_text())),
        }
    }
}

/// Query parameters; missing or malformed ones are 422 `invalid_request`, named.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(ApiError::invalid(rejection.body_text())),
        }
    }
}

/// Path segments; one that cannot be what it names (an id out of range) is not found.
pub struct Segments<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Segments<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Segments(value)),
            Err(rejection) => Err(ApiError::not_found(format!("this address ({})", rejection.body_text()))),
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// A signed-in applicant account (Bearer token from `/auth/verify`).
#[derive(Debug, Clone, Copy)]
pub struct Account(pub i64);

impl FromRequestParts<Arc<Central>> for Account {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, central: &Arc<Central>) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let client = central.pool.get().await?;
        let statement = client
            .prepare_cached("SELECT account_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .await?;
        let row = client.query_opt(&statement, &[&secrets::token_hash(token), &central.clock.now()]).await?;
        row.map(|r| Account(r.get(0))).ok_or_else(|| {
            ApiError::new(ErrorCode::Unauthorized, "this sign-in has ended or is not known: sign in again")
        })
    }
}

/// An office hub (token from `antrian-central hub add OFFICE`): its office.
#[derive(Debug, Clone)]
pub struct Hub(pub String);

impl FromRequestParts<Arc<Central>> for Hub {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, central: &Arc<Central>) -> Result<Self, Self::Rejection> {
        let token =
            bearer(parts).ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "a hub token is needed"))?;
        let client = central.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT office_id FROM hub_tokens WHERE token_hash = $1",
                &[&secrets::token_hash(token)],
            )
            .await?;
        row.map(|r| Hub(r.get(0))).ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthorized,
                "this hub token is not known: make one with `antrian-central hub add`",
            )
        })
    }
}

/// An administrator of the service (token from `antrian-central admin add NAME`).
#[derive(Debug, Clone)]
pub struct Admin(pub String);

impl FromRequestParts<Arc<Central>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, central: &Arc<Central>) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "an administrator's token is needed"))?;
        let client = central.pool.get().await?;
        let row = client
            .query_opt("SELECT name FROM admin_tokens WHERE token_hash = $1", &[&secrets::token_hash(token)])
            .await?;
        row.map(|r| Admin(r.get(0))).ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthorized,
                "this administrator's token is not known: make one with `antrian-central admin add NAME`",
            )
        })
    }
}

#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, body = Object, description = "{status, now}"), (status = 503, body = ErrorBody)))]
async fn health(State(central): Shared) -> ApiResult<Json<Value>> {
    let client = central.pool.get().await?;
    client.query_one("SELECT 1", &[]).await?;
    Ok(Json(json!({"status": "ok", "now": central.clock.now().to_rfc3339()})))
}

// --- Sign-in -----------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeRequest {
    pub(crate) email: String,
    /// The language of the e-mail: `id` (default) or `en`.
    #[serde(default)]
    pub(crate) lang: Option<String>,
}

/// An e-mail address as typed, checked and lower-cased.
pub(crate) fn email(text: &str) -> ApiResult<String> {
    let email = text.trim().to_lowercase();
    if email.len() > 254 || email.parse::<lettre::Address>().is_err() {
        return Err(ApiError::invalid(format!(
            "{text:?} is not an e-mail address; check it and send it again"
        )));
    }
    Ok(email)
}

fn code_hash(email: &str, code: &str) -> Vec<u8> {
    Sha256::digest(format!("{email}\n{code}").as_bytes()).to_vec()
}

/// `POST /auth/code {email}` → 202: a 6-digit code is mailed (one a minute per address).
#[utoipa::path(post, path = "/api/v1/auth/code", request_body = CodeRequest, responses((status = 202, description = "a 6-digit code is mailed"), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody, description = "rate_limited: one code a minute per address"), (status = 503, body = ErrorBody)))]
pub(crate) async fn send_code(
    State(central): Shared,
    Body(request): Body<CodeRequest>,
) -> ApiResult<StatusCode> {
    let email = email(&request.email)?;
    let limits = &central.config.limits;
    let now = central.clock.now();
    let code = format!("{:06}", rand::Rng::gen_range(&mut rand::rngs::OsRng, 0..1_000_000));
    let client = central.pool.get().await?;
    let resend_after = now - chrono::Duration::seconds(i64::from(limits.code_resend_seconds));
    let stored = client
        .execute(
            "INSERT INTO sign_in_codes (email, code_hash, sent_at, expires_at, attempts) VALUES ($1, $2, $3, $4, 0)
             ON CONFLICT (email) DO UPDATE SET code_hash = $2, sent_at = $3, expires_at = $4, attempts = 0
             WHERE sign_in_codes.sent_at <= $5",
            &[&email, &code_hash(&email, &code), &now, &(now + chrono::Duration::minutes(i64::from(limits.code_minutes))), &resend_after],
        )
        .await?;
    if stored == 0 {
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            format!(
                "a code was sent to {email} less than a minute ago: check your inbox (and spam), or ask again in a minute"
            ),
        ));
    }
    let lang = crate::i18n::Lang::parse(request.lang.as_deref());
    let letter = crate::letters::sign_in_code(lang, &code, limits.code_minutes);
    if let Err(error) = central.mailer.send(&central.config.mail.from, &email, &letter).await {
        tracing::error!(%error, "cannot send the sign-in code");
        // No code went out: the address may ask again at once.
        client.execute("DELETE FROM sign_in_codes WHERE email = $1", &[&email]).await?;
        return Err(ApiError::new(
            ErrorCode::Unavailable,
            "the code could not be sent just now; try again in a minute",
        ));
    }
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyRequest {
    pub(crate) email: String,
    pub(crate) code: String,
    /// The account's language for its e-mails from now on: `id` or `en` (unchanged if absent).
    #[serde(default)]
    pub(crate) lang: Option<String>,
}

/// `POST /auth/verify {email, code}` → `{token}`.
#[utoipa::path(post, path = "/api/v1/auth/verify", request_body = VerifyRequest, responses((status = 200, body = Object, description = "{token}: a Bearer token"), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody, description = "too_many_attempts"), (status = 503, body = ErrorBody)))]
pub(crate) async fn verify_code(
    State(central): Shared,
    Body(request): Body<VerifyRequest>,
) -> ApiResult<Json<Value>> {
    let email = email(&request.email)?;
    let now = central.clock.now();
    let mut client = central.pool.get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT code_hash, expires_at, attempts FROM sign_in_codes WHERE email = $1 FOR UPDATE",
            &[&email],
        )
        .await?;
    let Some(row) = row else {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "no code was asked for this address: ask for a code first",
        ));
    };
    let (hash, expires_at, attempts): (Vec<u8>, DateTime<Utc>, i32) = (row.get(0), row.get(1), row.get(2));
    if attempts >= central.config.limits.code_attempts as i32 {
        return Err(ApiError::new(ErrorCode::TooManyAttempts, "too many wrong codes: ask for a new code"));
    }
    if expires_at <= now {
        return Err(ApiError::new(ErrorCode::Unauthorized, "this code has expired: ask for a new code"));
    }
    if hash != code_hash(&email, request.code.trim()) {
        tx.execute("UPDATE sign_in_codes SET attempts = attempts + 1 WHERE email = $1", &[&email]).await?;
        tx.commit().await?;
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "that code is not right: check the 6 digits in the e-mail",
        ));
    }
    tx.execute("DELETE FROM sign_in_codes WHERE email = $1", &[&email]).await?;
    let account: i64 = tx
        .query_one(
            "INSERT INTO accounts (email, created_at, lang) VALUES ($1, $2, COALESCE($3, 'id'))
             ON CONFLICT (email) DO UPDATE SET lang = COALESCE($3, accounts.lang) RETURNING id",
            &[&email, &now, &request.lang.as_deref().map(|l| crate::i18n::Lang::parse(Some(l)).code())],
        )
        .await?
        .get(0);
    let token = secrets::new_token();
    let hours = i64::from(central.config.central.session_hours);
    tx.execute(
        "INSERT INTO sessions (token_hash, account_id, expires_at) VALUES ($1, $2, $3)",
        &[&secrets::token_hash(&token), &account, &(now + chrono::Duration::hours(hours))],
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({"token": token})))
}

// --- Applicants and documents --------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewApplicant {
    nik: String,
    name: String,
    sex: String,
    birth_place: String,
    birth_date: NaiveDate,
    mother_name: String,
    address: String,
    phone: String,
}

/// An applicant form as typed (the API's JSON or a page's form): what [`check_applicant`]
/// reads.
#[derive(Debug, Default)]
pub struct ApplicantFields<'a> {
    pub nik: &'a str,
    pub name: &'a str,
    pub sex: &'a str,
    pub birth_place: &'a str,
    /// `None`: the form's date could not be read.
    pub birth_date: Option<NaiveDate>,
    pub mother_name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
}

/// What is wrong with one field of the applicant form: the field, the key of the sentence the
/// pages show (`field_error.<key>` in the catalogues, with `{name}` places filled from
/// `args`), and the API's English message.
#[derive(Debug, Clone)]
pub struct Problem {
    pub field: &'static str,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub code: ErrorCode,
    pub english: String,
}

impl Problem {
    fn new(field: &'static str, key: &'static str, english: impl Into<String>) -> Problem {
        Problem { field, key, args: Vec::new(), code: ErrorCode::InvalidRequest, english: english.into() }
    }
}

/// A form every field of which is right: trimmed, the phone without spaces or dashes.
#[derive(Debug)]
pub struct CheckedApplicant {
    pub nik: String,
    pub name: String,
    pub sex: &'static str,
    pub birth_place: String,
    pub birth_date: NaiveDate,
    pub mother_name: String,
    pub address: String,
    pub phone: String,
}

/// Checks every field of an applicant form and says what is wrong with each (not only the
/// first): empty or too long texts, the phone's digits, a birth date that cannot be, and the
/// NIK — 16 digits that can be a NIK (`invalid_nik`), whose embedded birth date and sex
/// (digits 7–12, DDMMYY, day + 40 for women; `antrian_rules::nik`) match the form
/// (`nik_mismatch`, saying which of the two disagrees).
pub fn check_applicant(
    form: &ApplicantFields<'_>,
    today: NaiveDate,
) -> Result<CheckedApplicant, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut text = |field: &'static str, value: &str, max: usize| -> String {
        let value = value.trim();
        if value.is_empty() {
            problems.push(Problem::new(
                field,
                "empty",
                format!("{field} is empty: fill it in as on the KTP"),
            ));
        } else if value.chars().count() > max {
            let mut problem =
                Problem::new(field, "too_long", format!("{field} is longer than {max} characters"));
            problem.args.push(("max", max.to_string()));
            problems.push(problem);
        }
        value.to_owned()
    };
    let name = text("name", form.name, 100);
    let birth_place = text("birth_place", form.birth_place, 60);
    let mother_name = text("mother_name", form.mother_name, 100);
    let address = text("address", form.address, 300);
    let sex = match form.sex {
        "M" => Some((Sex::Male, "M")),
        "F" => Some((Sex::Female, "F")),
        other => {
            problems.push(Problem::new("sex", "sex", format!("sex {other:?}: use \"M\" or \"F\"")));
            None
        }
    };
    let birth_date = match form.birth_date {
        Some(date) if date <= today && date.year() >= 1900 => Some(date),
        _ => {
            problems.push(Problem::new(
                "birth_date",
                "birth_date",
                "birth_date is not a possible birth date: check it against the KTP",
            ));
            None
        }
    };
    let nik_text = form.nik.trim();
    match nik::embedded(nik_text) {
        Err(_) => {
            let mut problem = Problem::new(
                "nik",
                if nik_text.len() == 16 && nik_text.bytes().all(|b| b.is_ascii_digit()) {
                    "nik_impossible"
                } else {
                    "nik_digits"
                },
                antrian_rules::Refusal::InvalidNik.to_string(),
            );
            problem.code = ErrorCode::InvalidNik;
            problem.args.push(("count", nik_text.chars().count().to_string()));
            problems.push(problem);
        }
        Ok(found) => {
            if let (Some(date), Some((sex, _))) = (birth_date, sex)
                && nik::check_identity(nik_text, date, sex).is_err()
            {
                let date_differs = found.day != date.day()
                    || found.month != date.month()
                    || found.year2 != date.year().rem_euclid(100) as u32;
                let key = match (date_differs, found.sex != sex) {
                    (true, true) => "nik_date_sex",
                    (true, false) => "nik_date",
                    _ => "nik_sex",
                };
                let mut problem = Problem::new("nik", key, antrian_rules::Refusal::NikMismatch.to_string());
                problem.code = ErrorCode::NikMismatch;
                problem
                    .args
                    .push(("nik_date", format!("{:02}-{:02}-..{:02}", found.day, found.month, found.year2)));
                problem.args.push(("form_date", date.format("%d-%m-%Y").to_string()));
                problem.args.push(("digits", nik_text[6..12].to_owned()));
                problem.args.push(("nik_sex", if found.sex == Sex::Female { "F" } else { "M" }.to_owned()));
                problems.push(problem);
            }
        }
    }
    let phone: String = form.phone.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let digits = phone.strip_prefix('+').unwrap_or(&phone);
    if !(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        problems.push(Problem::new(
            "phone",
            "phone",
            "phone: 8 to 15 digits, e.g. 081234567890 or +6281234567890",
        ));
    }
    match (problems.is_empty(), sex, birth_date) {
        (true, Some((_, sex)), Some(birth_date)) => Ok(CheckedApplicant {
            nik: nik_text.to_owned(),
            name,
            sex,
            birth_place,
            birth_date,
            mother_name,
            address,
            phone,
        }),
        _ => Err(problems),
    }
}

/// `POST /applicants` → 201: a person of the account (at most 5), NIK checked.
#[utoipa::path(post, path = "/api/v1/applicants", request_body = NewApplicant, security(("bearer" = [])), responses((status = 201, body = Object, description = "{id, name, nik_last4, sex, birth_place, birth_date, documents}"), (status = 409, body = ErrorBody, description = "applicant_limit, already_exists"), (status = 422, body = ErrorBody, description = "invalid_nik, nik_mismatch, invalid_request"), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn add_applicant(
    State(central): Shared,
    Account(account): Account,
    Body(new): Body<NewApplicant>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let fields = ApplicantFields {
        nik: &new.nik,
        name: &new.name,
        sex: &new.sex,
        birth_place: &new.birth_place,
        birth_date: Some(new.birth_date),
        mother_name: &new.mother_name,
        address: &new.address,
        phone: &new.phone,
    };
    let checked = check_applicant(&fields, central.clock.now().date_naive()).map_err(|problems| {
        // The NIK's problem first: it is the one brokers' forms fail on.
        let first = problems.iter().find(|p| p.field == "nik").unwrap_or(&problems[0]);
        ApiError::new(first.code, first.english.clone())
    })?;
    Ok((StatusCode::CREATED, Json(insert_applicant(&central, account, &checked).await?)))
}

/// Stores a checked applicant for the account: 409 `already_exists` for a NIK it holds, 409
/// `applicant_limit` past `limits.applicants_per_account`. Answers `{id, name, nik_last4, …}`.
pub async fn insert_applicant(central: &Central, account: i64, new: &CheckedApplicant) -> ApiResult<Value> {
    let now = central.clock.now();
    let nik_hash = central.keys.nik_hash(&new.nik);
    let mut client = central.pool.get().await?;
    let tx = client.transaction().await?;
    // The account's row is the lock that keeps two requests from making a sixth applicant.
    tx.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", &[&account]).await?;
    let rows = tx.query("SELECT nik_hash FROM applicants WHERE account_id = $1", &[&account]).await?;
    if rows.iter().any(|r| r.get::<_, Vec<u8>>(0) == nik_hash) {
        return Err(ApiError::new(ErrorCode::AlreadyExists, "this NIK is already one of your applicants"));
    }
    let limit = central.config.limits.applicants_per_account;
    if rows.len() >= limit as usize {
        return Err(ApiError::new(
            ErrorCode::ApplicantLimit,
            format!("an account holds at most {limit} applicants; use another account's e-mail for more"),
        ));
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO applicants (account_id, nik_hash, nik_last4, nik_sealed, name, sex, birth_place, birth_date,
                mother_name, address, phone, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            &[
                &account,
                &nik_hash,
                &nik::last4(&new.nik),
                &central.keys.seal(&new.nik),
                &new.name,
                &new.sex,
                &new.birth_place,
                &new.birth_date,
                &new.mother_name,
                &new.address,
                &new.phone,
                &now,
            ],
        )
        .await?
        .get(0);
    tx.commit().await?;
    Ok(json!({"id": id, "name": new.name, "nik_last4": nik::last4(&new.nik), "sex": new.sex,
        "birth_place": new.birth_place, "birth_date": new.birth_date, "documents": []}))
}

/// `GET /applicants`: the account's applicants with the documents each has uploaded.
#[utoipa::path(get, path = "/api/v1/applicants", security(("bearer" = [])), responses((status = 200, body = Object, description = "[{id, name, nik_last4, sex, birth_place, birth_date, documents}]"), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn list_applicants(State(central): Shared, Account(account): Account) -> ApiResult<Json<Value>> {
    let client = central.pool.get().await?;
    let rows = client
        .query(
            "SELECT p.id, p.name, p.nik_last4, p.sex, p.birth_place, p.birth_date,
                    COALESCE(array_agg(d.kind ORDER BY d.kind) FILTER (WHERE d.kind IS NOT NULL), '{}')
             FROM applicants p LEFT JOIN documents d ON d.applicant_id = p.id
             WHERE p.account_id = $1 GROUP BY p.id ORDER BY p.id",
            &[&account],
        )
        .await?;
    let list = rows
        .iter()
        .map(|r| {
            json!({"id": r.get::<_, i64>(0), "name": r.get::<_, String>(1), "nik_last4": r.get::<_, String>(2),
                "sex": r.get::<_, String>(3), "birth_place": r.get::<_, String>(4),
                "birth_date": r.get::<_, NaiveDate>(5), "documents": r.get::<_, Vec<String>>(6)})
        })
        .collect();
    Ok(Json(Value::Array(list)))
}

/// The document kinds (CENTRAL.md, Document).
pub const DOCUMENT_KINDS: [&str; 4] = ["ktp", "kk", "birth_proof", "old_passport"];

/// Whether `body` starts as a file of `content_type` says it must.
fn looks_like(content_type: &str, body: &[u8]) -> bool {
    match content_type {
        "image/jpeg" => body.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => body.starts_with(b"\x89PNG\r\n\x1a\n"),
        "application/pdf" => body.starts_with(b"%PDF-"),
        _ => false,
    }
}

/// Reads a body of at most `max` bytes; `None` when it is longer. The rest of a body too long
/// is still read (up to 64 MB) and dropped, so that the phone sending it hears the answer
/// rather than a broken connection.
pub async fn read_limited(body: axum::body::Body, max: usize) -> ApiResult<Option<Vec<u8>>> {
    use futures_util::StreamExt;
    const DRAIN: usize = 64 * 1024 * 1024;
    let mut stream = body.into_data_stream();
    let (mut kept, mut seen) = (Vec::new(), 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid("the upload was broken off: send the file again"))?;
        seen += chunk.len();
        if seen <= max {
            kept.extend_from_slice(&chunk);
        } else if seen > DRAIN {
            break;
        }
    }
    Ok((seen <= max).then_some(kept))
}

/// `PUT /applicants/{id}/documents/{kind}` (the file as the body) → 201; 413 `too_large`,
/// 415 `unsupported_type`, 422 `unreadable`. A new upload of a kind replaces the old one.
#[utoipa::path(put, path = "/api/v1/applicants/{id}/documents/{kind}", params(("id" = i64, Path), ("kind" = String, Path, description = "ktp, kk, birth_proof or old_passport")), request_body(content = Vec<u8>, content_type = "image/jpeg", description = "the file (image/jpeg, image/png or application/pdf)"), security(("bearer" = [])), responses((status = 201, body = Object, description = "{kind, content_type, size}"), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody, description = "too_large"), (status = 415, body = ErrorBody, description = "unsupported_type"), (status = 422, body = ErrorBody, description = "unreadable"), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn upload_document(
    State(central): Shared,
    Account(account): Account,
    Segments((applicant, kind)): Segments<(i64, String)>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_lowercase())
        .unwrap_or_default();
    check_document_kind(&kind, &content_type)?;
    let bytes = read_limited(body, central.config.limits.document_max_bytes).await?;
    let answer = store_document(&central, account, applicant, &kind, content_type, bytes).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Refuses a kind that is not a document kind (404) and a type that is not a photo or a PDF
/// (415 `unsupported_type`), before the file is read.
pub fn check_document_kind(kind: &str, content_type: &str) -> ApiResult<()> {
    if !DOCUMENT_KINDS.contains(&kind) {
        return Err(ApiError::not_found(format!(
            "document kind {kind:?} (use ktp, kk, birth_proof or old_passport)"
        )));
    }
    if !["image/jpeg", "image/png", "application/pdf"].contains(&content_type) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedType,
            "send a photo (JPEG or PNG) or a PDF of the document",
        ));
    }
    Ok(())
}

/// Keeps a document of the account's applicant: `bytes` as read (`None`: over the limit, 413
/// `too_large`); empty or not what its type says, 422 `unreadable`; a photo is reduced and
/// turned upright, a PDF must open ([`crate::documents`]). A new upload of a kind replaces the
/// old one; a refused one changes nothing. Answers `{kind, content_type, size, received, …}`.
pub async fn store_document(
    central: &Central,
    account: i64,
    applicant: i64,
    kind: &str,
    content_type: String,
    bytes: Option<Vec<u8>>,
) -> ApiResult<Value> {
    check_document_kind(kind, &content_type)?;
    let max = central.config.limits.document_max_bytes;
    let bytes = bytes.ok_or_else(|| {
        ApiError::new(
            ErrorCode::TooLarge,
            format!(
                "the file is over {} MB: take the photo again at a lower size, or scan at 150 dpi",
                max / (1024 * 1024)
            ),
        )
    })?;
    if bytes.is_empty() || !looks_like(&content_type, &bytes) {
        return Err(ApiError::new(
            ErrorCode::Unreadable,
            "the file is empty or not the picture or PDF it says it is: take the photo again and upload it",
        )
        .because(if bytes.is_empty() { "empty" } else { "mismatch" }));
    }
    let client = central.pool.get().await?;
    let owned = client
        .query_opt("SELECT 1 FROM applicants WHERE id = $1 AND account_id = $2", &[&applicant, &account])
        .await?;
    if owned.is_none() {
        return Err(ApiError::not_found("applicant"));
    }
    let received = bytes.len();
    let prepared = tokio::task::spawn_blocking(move || crate::documents::prepare(&content_type, &bytes))
        .await
        .map_err(|_| ApiError::new(ErrorCode::Internal, "the file could not be processed"))??;
    client
        .execute(
            "INSERT INTO documents (applicant_id, kind, content_type, body, uploaded_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (applicant_id, kind) DO UPDATE SET content_type = $3, body = $4, uploaded_at = $5",
            &[&applicant, &kind, &prepared.content_type, &prepared.body, &central.clock.now()],
        )
        .await?;
    let mut answer = json!({"kind": kind, "content_type": prepared.content_type, "size": prepared.body.len(),
        "received": received});
    if prepared.content_type == "application/pdf" {
        answer["pages"] = json!(prepared.size.0);
    } else {
        answer["width"] = json!(prepared.size.0);
        answer["height"] = json!(prepared.size.1);
    }
    Ok(answer)
}

/// `GET /applicants/{id}/documents/{kind}`: the document as stored (a photo reduced and upright).
#[utoipa::path(get, path = "/api/v1/applicants/{id}/documents/{kind}", params(("id" = i64, Path), ("kind" = String, Path)),
    security(("bearer" = [])), responses((status = 200, description = "the stored file (image/jpeg or application/pdf)"),
        (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn get_document(
    State(central): Shared,
    Account(account): Account,
    Segments((applicant, kind)): Segments<(i64, String)>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let client = central.pool.get().await?;
    let row = client
        .query_opt(
            "SELECT d.content_type, d.body FROM documents d JOIN applicants p ON p.id = d.applicant_id
             WHERE d.applicant_id = $1 AND d.kind = $2 AND p.account_id = $3",
            &[&applicant, &kind, &account],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("document"))?;
    let (content_type, body): (String, Vec<u8>) = (row.get(0), row.get(1));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'".to_owned()),
        ],
        body,
    )
        .into_response())
}

// --- Offices and availability ---------------------------------------------------------------

/// `GET /offices`: every office with its services.
#[utoipa::path(get, path = "/api/v1/offices", responses((status = 200, body = Object, description = "[{id, name, address, timezone, services:[{id, name, name_en}]}]")))]
async fn offices(State(central): Shared) -> Json<Value> {
    Json(Value::Array(
        central
            .config
            .offices
            .iter()
            .map(|o| {
                json!({"id": o.id, "name": o.name, "address": o.address, "timezone": o.timezone,
                    "services": o.services.iter().map(|s| json!({"id": s.id, "name": s.name, "name_en": s.name_en})).collect::<Vec<_>>()})
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub(crate) struct AvailabilityQuery {
    pub(crate) service: String,
    pub(crate) date: NaiveDate,
}

pub(crate) fn office_of<'a>(central: &'a Central, id: &str) -> ApiResult<&'a crate::config::Office> {
    central.config.office(id).ok_or_else(|| ApiError::not_found(format!("office {id:?}")))
}

/// The office, if it offers `service`.
pub(crate) fn office_service<'a>(
    central: &'a Central,
    id: &str,
    service: &str,
) -> ApiResult<&'a crate::config::Office> {
    let office = office_of(central, id)?;
    if office.service(service).is_none() {
        return Err(ApiError::invalid(format!("office {} has no service {service:?}", office.id)));
    }
    Ok(office)
}

/// The bill for a passport type, refusing a type there is no fee for.
pub(crate) fn fee(central: &Central, passport_type: &str, fast_track: bool) -> ApiResult<i64> {
    central.config.fees.amount(passport_type, fast_track).ok_or_else(|| {
        ApiError::invalid(format!("passport_type {passport_type:?}: use \"ordinary\" or \"electronic\""))
    })
}

/// A released date inside the horizon with sessions: the office's time now, and its slots.
pub(crate) fn open_day(
    office: &crate::config::Office,
    now: DateTime<Utc>,
    date: NaiveDate,
) -> ApiResult<(chrono::NaiveDateTime, Vec<antrian_rules::Slot>)> {
    check_released(office, now, date)?;
    let local = office.local(now);
    office.calendar.check_horizon(local.date(), date).map_err(antrian_rules::Refusal::from)?;
    Ok((local, office.calendar.day_plan(date).map_err(antrian_rules::Refusal::from)?))
}

/// A slot of a released date that can be booked now: the office's time now, and the slot.
fn open_slot(
    office: &crate::config::Office,
    now: DateTime<Utc>,
    date: NaiveDate,
    slot: &str,
) -> ApiResult<(chrono::NaiveDateTime, antrian_rules::Slot)> {
    check_released(office, now, date)?;
    let local = office.local(now);
    Ok((local, office.calendar.bookable_slot(local, date, slot)?))
}

/// Refuses a date whose quota is not released yet (409 `not_released`, with the time).
fn check_released(office: &crate::config::Office, now: DateTime<Utc>, date: NaiveDate) -> ApiResult<()> {
    let released = office.released_at(date);
    if office.local(now) < released {
        return Err(ApiError::new(
            ErrorCode::NotReleased,
            format!(
                "the places for {date} open on {} at {} ({})",
                released.date(),
                released.format("%H:%M"),
                office.timezone
            ),
        ));
    }
    Ok(())
}

/// `GET /offices/{office}/availability?service=&date=` → `{slots:[{slot,capacity,booked,remaining}]}`;
/// unpaid holds count as booked.
#[utoipa::path(get, path = "/api/v1/offices/{office}/availability", params(("office" = String, Path), ("service" = String, Query), ("date" = String, Query, format = Date)), responses((status = 200, body = Object, description = "{office, service, date, slots:[{slot, end, capacity, booked, remaining}]}; holds count as booked"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "not_released, closed"), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn availability(
    State(central): Shared,
    Segments(office_id): Segments<String>,
    Params(query): Params<AvailabilityQuery>,
) -> ApiResult<Json<Value>> {
    let office = office_service(&central, &office_id, &query.service)?;
    let now = central.clock.now();
    let (local, plan) = open_day(office, now, query.date)?;
    let client = central.pool.get().await?;
    let rows = client
        .query(
            "SELECT q.slot, q.taken - (SELECT count(*) FROM applications a
                 WHERE a.office_id = q.office_id AND a.date = q.date AND a.slot = q.slot AND a.service = q.service
                   AND a.state = 'awaiting_payment' AND a.bill_expires_at <= $4)::int
             FROM quota q WHERE q.office_id = $1 AND q.date = $2 AND q.service = $3",
            &[&office_id, &query.date, &query.service, &now],
        )
        .await?;
    let taken: std::collections::HashMap<String, i32> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let slots: Vec<Value> = plan
        .iter()
        .filter(|s| s.capacity_for(&query.service) > 0)
        .map(|s| {
            let capacity = s.capacity_for(&query.service);
            let booked = taken.get(&s.label()).copied().unwrap_or(0).max(0) as u32;
            let begun = s.has_begun(query.date, local);
            let remaining = if begun { 0 } else { antrian_rules::quota::remaining(capacity, booked) };
            json!({"slot": s.label(), "end": antrian_rules::calendar::label(s.end), "capacity": capacity,
                "booked": booked, "remaining": remaining})
        })
        .collect();
    Ok(Json(json!({"office": office_id, "service": query.service, "date": query.date, "slots": slots})))
}

// --- Applications -------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewApplication {
    pub(crate) applicant: i64,
    pub(crate) office: String,
    pub(crate) service: String,
    pub(crate) passport_type: String,
    pub(crate) date: NaiveDate,
    pub(crate) slot: String,
    #[serde(default)]
    pub(crate) fast_track: bool,
    #[serde(default)]
    pub(crate) request_id: Option<String>,
    /// For a date behind a waiting room: the admission its status gave (`not_admitted`
    /// without it).
    #[serde(default)]
    pub(crate) admission: Option<String>,
}

/// The documents an application for `service` needs: KTP, KK, a proof of birth, and for a
/// replacement (`B`) the old passport.
pub(crate) fn needed_documents(service: &str) -> Vec<&'static str> {
    let mut needed = vec!["ktp", "kk", "birth_proof"];
    if service == "B" {
        needed.push("old_passport");
    }
    needed
}

/// `POST /applications` → 201 `{id, state:"awaiting_payment", bill:{code, amount, expires_at}}`:
/// a place of the slot is held until the bill expires.
#[utoipa::path(post, path = "/api/v1/applications", request_body = NewApplication, security(("bearer" = [])), responses((status = 201, body = Object, description = "the application: {id, state: awaiting_payment, bill:{code, amount, expires_at}, …}"), (status = 200, body = Object, description = "the same request_id again: the first application"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "quota_full, duplicate_booking, booking_limit, not_released, closed"), (status = 422, body = ErrorBody, description = "missing_documents, invalid_request"), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn create_application(
    State(central): Shared,
    Account(account): Account,
    Body(new): Body<NewApplication>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let office = office_service(&central, &new.office, &new.service)?;
    let amount = fee(&central, &new.passport_type, new.fast_track)?;
    if let Some(id) = &new.request_id
        && (id.is_empty() || id.len() > 100)
    {
        return Err(ApiError::invalid("request_id: 1 to 100 characters"));
    }
    let now = central.clock.now();
    let (local, slot) = open_slot(office, now, new.date, &new.slot)?;
    let guarded = crate::waiting::guarding(office, new.date, now).map(|(room, _)| room);
    if let Some(room) = &guarded {
        crate::waiting::check_admission(&central, room, account, new.admission.as_deref(), now)?;
    }
    let capacity = slot.capacity_for(&new.service) as i32;
    let key = QuotaKey {
        office: office.id.clone(),
        date: new.date,
        slot: slot.label(),
        service: new.service.clone(),
    };

    let mut client = central.pool.get().await?;
    if let Some(request_id) = &new.request_id {
        let earlier = client
            .query_opt(
                "SELECT office_id, application_id FROM application_requests WHERE account_id = $1 AND request_id = $2",
                &[&account, request_id],
            )
            .await?;
        if let Some(earlier) = earlier {
            let view =
                booking::view(&client, &central, &earlier.get::<_, String>(0), &earlier.get::<_, String>(1))
                    .await?;
            return Ok((StatusCode::OK, Json(view)));
        }
    }
    // One round trip for what is checked before any lock: the applicant, its documents, and
    // whether the slot has a place (a full slot is refused without waiting for its lock,
    // unless an unpaid hold of it has expired).
    let checks = client
        .prepare_cached(
            "SELECT p.nik_hash,
                    ARRAY(SELECT d.kind FROM documents d WHERE d.applicant_id = p.id),
                    COALESCE((SELECT q.taken < $7 OR EXISTS (SELECT 1 FROM applications a
                                WHERE a.office_id = q.office_id AND a.date = q.date AND a.slot = q.slot
                                  AND a.service = q.service AND a.state = 'awaiting_payment' AND a.bill_expires_at <= $8)
                              FROM quota q WHERE q.office_id = $3 AND q.date = $4 AND q.slot = $5 AND q.service = $6), true)
             FROM applicants p WHERE p.id = $1 AND p.account_id = $2",
        )
        .await?;
    let row = client
        .query_opt(
            &checks,
            &[&new.applicant, &account, &key.office, &key.date, &key.slot, &key.service, &capacity, &now],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("applicant"))?;
    let (nik_hash, uploaded, free): (Vec<u8>, Vec<String>, bool) = (row.get(0), row.get(1), row.get(2));
    let missing: Vec<&str> =
        needed_documents(&new.service).into_iter().filter(|k| !uploaded.iter().any(|u| u == k)).collect();
    if !missing.is_empty() {
        return Err(ApiError::new(
            ErrorCode::MissingDocuments,
            format!("upload these documents first: {}", missing.join(", ")),
        ));
    }
    let quota_full = || antrian_rules::Refusal::QuotaFull {
        service: key.service.clone(),
        slot: key.slot.clone(),
        date: key.date,
    };
    if !free {
        return Err(quota_full().into());
    }

    let tx = client.transaction().await?;
    booking::lock_nik(&tx, &nik_hash).await?;
    let dates: Vec<NaiveDate> = tx
        .query("SELECT date FROM nik_dates WHERE nik_hash = $1 AND date >= $2", &[&nik_hash, &local.date()])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    antrian_rules::nik::check_one_per_day(new.date, dates.contains(&new.date), false)?;
    antrian_rules::nik::check_active_limit(dates.len() as u32, central.config.limits.max_active_per_nik)?;
    let taken = booking::lock_quota(&tx, &central, &key, capacity, now).await?;
    if let Err(refusal) =
        antrian_rules::quota::check_place(&key.service, key.date, &slot, taken.max(0) as u32)
    {
        tx.commit().await?; // keeps the expiries the lock made
        return Err(refusal.into());
    }
    booking::add_taken(&tx, &key, 1).await?;
    let expires_at = now + chrono::Duration::minutes(i64::from(central.config.payments.minutes));
    let hold = booking::Hold {
        key: &key,
        account,
        applicant: new.applicant,
        nik_hash: &nik_hash,
        passport_type: &new.passport_type,
        fast_track: new.fast_track,
        amount,
        expires_at,
    };
    let (id, _) = booking::insert_hold(&tx, &central, &hold, now).await?;
    // (Taken meanwhile only by a waitlist offer to this NIK, which holds no NIK lock.)
    let inserted = tx
        .execute(
            "INSERT INTO nik_dates (nik_hash, date, office_id, application_id) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[&nik_hash, &key.date, &office.id, &id],
        )
        .await?;
    if inserted == 0 {
        return Err(antrian_rules::Refusal::DuplicateBooking { date: key.date, other: false }.into());
    }
    if let Some(request_id) = &new.request_id {
        tx.execute(
            "INSERT INTO application_requests (account_id, request_id, office_id, application_id) VALUES ($1, $2, $3, $4)",
            &[&account, request_id, &office.id, &id],
        )
        .await?;
    }
    tx.commit().await?;
    if let Some(room) = &guarded {
        crate::waiting::booked(&central, room, account).await?;
    }
    let view = booking::view(&client, &central, &office.id, &id).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The office and id of an application the account owns (404 otherwise: another account's
/// application is not said to exist).
pub(crate) async fn owned(central: &Central, account: i64, id: &str) -> ApiResult<String> {
    let office = id.split_once('.').map(|(office, _)| office).filter(|o| central.config.office(o).is_some());
    let office = office.ok_or_else(|| ApiError::not_found("application"))?;
    let client = central.pool.get().await?;
    let row = client
        .query_opt("SELECT account_id FROM applications WHERE office_id = $1 AND id = $2", &[&office, &id])
        .await?;
    match row {
        Some(row) if row.get::<_, i64>(0) == account => Ok(office.to_owned()),
        _ => Err(ApiError::not_found("application")),
    }
}

/// `GET /applications/{id}`.
#[utoipa::path(get, path = "/api/v1/applications/{id}", params(("id" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Object, description = "{id, state, office, service, date, slot, bill, booking_code, qr, history:[{state, at}]}"), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn get_application(
    State(central): Shared,
    Account(account): Account,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Value>> {
    let office = owned(&central, account, &id).await?;
    let client = central.pool.get().await?;
    Ok(Json(booking::view(&client, &central, &office, &id).await?))
}

/// `GET /applications`: the account's applications, newest first.
#[utoipa::path(get, path = "/api/v1/applications", security(("bearer" = [])), responses((status = 200, body = Object, description = "the account's applications, newest first"), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn list_applications(State(central): Shared, Account(account): Account) -> ApiResult<Json<Value>> {
    let client = central.pool.get().await?;
    let rows = client
        .query(
            "SELECT office_id, id FROM applications WHERE account_id = $1 ORDER BY created_at DESC",
            &[&account],
        )
        .await?;
    let mut list = Vec::new();
    for row in rows {
        list.push(
            booking::view(&client, &central, &row.get::<_, String>(0), &row.get::<_, String>(1)).await?,
        );
    }
    Ok(Json(Value::Array(list)))
}

/// `POST /applications/{id}/cancel`.
#[utoipa::path(post, path = "/api/v1/applications/{id}/cancel", params(("id" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Object, description = "the application, cancelled"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "expired, invalid_transition"), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn cancel_application(
    State(central): Shared,
    Account(account): Account,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Value>> {
    let office = owned(&central, account, &id).await?;
    booking::cancel(&central, &office, &id).await?;
    let client = central.pool.get().await?;
    Ok(Json(booking::view(&client, &central, &office, &id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Reschedule {
    pub(crate) date: NaiveDate,
    pub(crate) slot: String,
    /// As for a new application, for a date behind a waiting room.
    #[serde(default)]
    pub(crate) admission: Option<String>,
}

/// `POST /applications/{id}/reschedule {date, slot}`: a booked application moves once, up to
/// the day before its date (CENTRAL.md).
#[utoipa::path(post, path = "/api/v1/applications/{id}/reschedule", params(("id" = String, Path)), request_body = Reschedule, security(("bearer" = [])), responses((status = 200, body = Object, description = "the application, moved, with its new QR"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "quota_full, duplicate_booking, invalid_transition, cancelled, closed, not_released"), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn reschedule_application(
    State(central): Shared,
    Account(account): Account,
    Segments(id): Segments<String>,
    Body(to): Body<Reschedule>,
) -> ApiResult<Json<Value>> {
    let office_id = owned(&central, account, &id).await?;
    let office = office_of(&central, &office_id)?;
    let now = central.clock.now();
    let (local, slot) = open_slot(office, now, to.date, &to.slot)?;
    if let Some((room, _)) = crate::waiting::guarding(office, to.date, now) {
        crate::waiting::check_admission(&central, &room, account, to.admission.as_deref(), now)?;
    }
    let mut client = central.pool.get().await?;
    let row = client
        .query_one(
            "SELECT state, rescheduled, date, slot, service, nik_hash, booking_code FROM applications WHERE office_id = $1 AND id = $2",
            &[&office_id, &id],
        )
        .await?;
    let (current, rescheduled, date, old_slot, service, nik_hash, booking_code): (
        String,
        bool,
        NaiveDate,
        String,
        String,
        Vec<u8>,
        String,
    ) = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5), row.get(6));
    match current.as_str() {
        state::BOOKED => {}
        state::AWAITING_PAYMENT => {
            return Err(ApiError::new(
                ErrorCode::InvalidTransition,
                "pay the bill first; then the booking can be moved once",
            ));
        }
        state::CANCELLED => return Err(antrian_rules::Refusal::Cancelled.into()),
        other => {
            return Err(ApiError::new(
                ErrorCode::InvalidTransition,
                format!("an application that is {other} cannot be moved"),
            ));
        }
    }
    if rescheduled {
        return Err(antrian_rules::Refusal::AlreadyRescheduled.into());
    }
    if date <= local.date() {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            "a booking can be moved only up to the day before its date; come on the booked day, or cancel it",
        ));
    }
    if to.date == date && slot.label() == old_slot {
        return Err(antrian_rules::Refusal::SameSlot.into());
    }
    let old = QuotaKey { office: office_id.clone(), date, slot: old_slot, service: service.clone() };
    let new = QuotaKey { office: office_id.clone(), date: to.date, slot: slot.label(), service };
    let tx = client.transaction().await?;
    booking::lock_nik(&tx, &nik_hash).await?;
    if to.date != date {
        let other = tx
            .query_opt("SELECT 1 FROM nik_dates WHERE nik_hash = $1 AND date = $2", &[&nik_hash, &to.date])
            .await?;
        antrian_rules::nik::check_one_per_day(to.date, other.is_some(), true)?;
    }
    // Both quota rows, in key order (lock order, module doc of `booking`).
    let capacity = slot.capacity_for(&new.service) as i32;
    let taken_new = if old < new {
        booking::lock_quota_row_only(&tx, &old).await?;
        booking::lock_quota(&tx, &central, &new, capacity, now).await?
    } else {
        let taken = booking::lock_quota(&tx, &central, &new, capacity, now).await?;
        booking::lock_quota_row_only(&tx, &old).await?;
        taken
    };
    // The application itself, after the quota rows; it may have changed meanwhile.
    let still: String = tx
        .query_one(
            "SELECT state FROM applications WHERE office_id = $1 AND id = $2 FOR UPDATE",
            &[&office_id, &id],
        )
        .await?
        .get(0);
    if still != state::BOOKED {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!("the application is now {still}; nothing was moved"),
        ));
    }
    antrian_rules::quota::check_place(&new.service, new.date, &slot, taken_new.max(0) as u32)?;
    booking::add_taken(&tx, &old, -1).await?;
    booking::add_taken(&tx, &new, 1).await?;
    booking::give_back(&tx, &central, &old, now).await?;
    let qr = booking::sign_qr(&central, &office_id, &booking_code, &new.service, new.date, &new.slot)?;
    tx.execute(
        "UPDATE applications SET date = $3, slot = $4, qr = $5, rescheduled = true, reminded = false, updated_at = $6 WHERE office_id = $1 AND id = $2",
        &[&office_id, &id, &new.date, &new.slot, &qr, &now],
    )
    .await?;
    tx.execute(
        "UPDATE nik_dates SET date = $3 WHERE nik_hash = $1 AND application_id = $2",
        &[&nik_hash, &id, &new.date],
    )
    .await?;
    booking::history(&tx, &office_id, &id, "rescheduled", now).await?;
    booking::append_change(&tx, &office_id, &id, "upsert", now).await?;
    tx.commit().await?;
    Ok(Json(booking::view(&client, &central, &office_id, &id).await?))
}

// --- Payments -------------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Notification {
    channel: String,
    bill_code: String,
    amount: i64,
    paid_at: DateTime<chrono::FixedOffset>,
    reference: String,
}

/// The signature a channel puts on `body`: `sha256=<hex HMAC-SHA256>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes()))
}

/// `POST /payments/notify` from a payment channel, signed with its secret.
#[utoipa::path(post, path = "/api/v1/payments/notify", request_body = Notification, params(("X-Antrian-Signature" = String, Header, description = "sha256=<hex HMAC-SHA256 of the raw body with the channel's secret>")), responses((status = 200, body = Object, description = "{application, state: booked}; the same notification again: the same answer, no second effect"), (status = 401, body = ErrorBody, description = "bad_signature"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "expired, amount_mismatch, cancelled, invalid_transition"), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn payment_notification(
    State(central): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let bad_signature =
        || ApiError::new(ErrorCode::BadSignature, "the notification's signature does not match");
    // The channel is read from the body before the signature is checked, but nothing else is.
    let channel_id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("channel").and_then(Value::as_str).map(str::to_owned))
        .ok_or_else(bad_signature)?;
    let channel = central.config.channel(&channel_id).ok_or_else(bad_signature)?;
    let given = headers
        .get("x-antrian-signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("sha256="))
        .and_then(|hex| data_encoding::HEXLOWER_PERMISSIVE.decode(hex.as_bytes()).ok())
        .ok_or_else(bad_signature)?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(channel.secret.as_bytes()).expect("any key length");
    mac.update(&body);
    mac.verify_slice(&given).map_err(|_| bad_signature())?;
    let notification: Notification =
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid(format!("notification: {e}")))?;
    let office = notification
        .bill_code
        .get(..3)
        .and_then(|n| n.parse::<i32>().ok())
        .filter(|_| {
            notification.bill_code.len() == 15 && notification.bill_code.bytes().all(|b| b.is_ascii_digit())
        })
        .and_then(|n| central.offices_by_number.get(&n))
        .ok_or_else(|| {
            ApiError::new(ErrorCode::NotFound, format!("no bill {} is known", notification.bill_code))
        })?;
    let payment = Payment {
        channel: notification.channel,
        bill_code: notification.bill_code,
        amount: notification.amount,
        paid_at: notification.paid_at.with_timezone(&Utc),
        reference: notification.reference,
    };
    let (id, outcome) = booking::pay(&central, office, &payment).await?;
    use booking::Paid;
    match outcome {
        Paid::Booked => Ok(Json(json!({"application": id, "state": state::BOOKED}))),
        Paid::AmountMismatch => Err(ApiError::new(
            ErrorCode::AmountMismatch,
            "the amount paid is not the bill's amount; the application stays unpaid — refund this payment",
        )),
        Paid::Expired => Err(ApiError::new(
            ErrorCode::Expired,
            "the bill expired before it was paid and its place was given up — refund this payment",
        )),
        Paid::Cancelled => {
            Err(ApiError::new(ErrorCode::Cancelled, "the application was cancelled — refund this payment"))
        }
        Paid::AlreadyPaid => Err(ApiError::new(
            ErrorCode::InvalidTransition,
            "this bill was already paid by another payment — refund this one",
        )),
    }
}

// --- Waitlist -----------------------------------------------------------------------------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewWaitlistEntry {
    pub(crate) applicant: i64,
    pub(crate) office: String,
    pub(crate) service: String,
    pub(crate) passport_type: String,
    pub(crate) date: NaiveDate,
    #[serde(default)]
    pub(crate) fast_track: bool,
}

/// `POST /waitlist {applicant, office, service, passport_type, date, fast_track?}` → 201
/// `{id, state:"waiting", position}`: only for a date with every slot taken.
#[utoipa::path(post, path = "/api/v1/waitlist", request_body = NewWaitlistEntry, security(("bearer" = [])), responses((status = 201, body = Object, description = "{id, state: waiting, position}"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "already_exists, duplicate_booking, not_released, closed"), (status = 422, body = ErrorBody, description = "invalid_request: the date still has places"), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn join_waitlist(
    State(central): Shared,
    Account(account): Account,
    Body(new): Body<NewWaitlistEntry>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let office = office_service(&central, &new.office, &new.service)?;
    fee(&central, &new.passport_type, new.fast_track)?;
    let (local, slots) = open_day(office, central.clock.now(), new.date)?;
    let slots: Vec<_> = slots.into_iter().filter(|s| !s.has_begun(new.date, local)).collect();
    let join = crate::waitlist::Join {
        account,
        applicant: new.applicant,
        office: office.id.clone(),
        service: new.service,
        passport_type: new.passport_type,
        fast_track: new.fast_track,
        date: new.date,
    };
    let (id, position) = crate::waitlist::join(&central, join, &slots).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "state": "waiting", "position": position}))))
}

/// `GET /waitlist`: the account's entries, with their place in line or the offer made.
#[utoipa::path(get, path = "/api/v1/waitlist", security(("bearer" = [])), responses((status = 200, body = Object, description = "[{id, applicant, office, service, date, state, position, application}]"), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn list_waitlist(State(central): Shared, Account(account): Account) -> ApiResult<Json<Value>> {
    let client = central.pool.get().await?;
    let rows = client
        .query(
            "SELECT w.office_id, w.id, w.applicant_id, w.service, w.date, w.state, w.application_id,
                    (SELECT count(*) FROM waitlist o WHERE o.office_id = w.office_id AND o.service = w.service
                        AND o.date = w.date AND o.state = 'waiting' AND o.id <= w.id)
             FROM waitlist w WHERE w.account_id = $1 ORDER BY w.joined_at DESC",
            &[&account],
        )
        .await?;
    Ok(Json(Value::Array(
        rows.iter()
            .map(|r| {
                let state: String = r.get(5);
                json!({"id": format!("{}.{}", r.get::<_, String>(0), r.get::<_, i64>(1)), "applicant": r.get::<_, i64>(2),
                    "office": r.get::<_, String>(0), "service": r.get::<_, String>(3), "date": r.get::<_, NaiveDate>(4),
                    "position": if state == "waiting" { Some(r.get::<_, i64>(7)) } else { None },
                    "state": state, "application": r.get::<_, Option<String>>(6)})
            })
            .collect(),
    )))
}

/// `POST /waitlist/{id}/cancel`: leaves the waitlist (an offer already made stays an
/// application, to pay or cancel).
#[utoipa::path(post, path = "/api/v1/waitlist/{id}/cancel", params(("id" = String, Path)), security(("bearer" = [])), responses((status = 204), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn leave_waitlist(
    State(central): Shared,
    Account(account): Account,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    let (office, number) = id
        .rsplit_once('.')
        .and_then(|(office, n)| Some((office.to_owned(), n.parse::<i64>().ok()?)))
        .ok_or_else(|| ApiError::not_found("waitlist entry"))?;
    let client = central.pool.get().await?;
    let changed = client
        .execute(
            "UPDATE waitlist SET state = 'cancelled' WHERE office_id = $1 AND id = $2 AND account_id = $3 AND state = 'waiting'",
            &[&office, &number, &account],
        )
        .await?;
    let exists = client
        .query_opt(
            "SELECT 1 FROM waitlist WHERE office_id = $1 AND id = $2 AND account_id = $3",
            &[&office, &number, &account],
        )
        .await?;
    match (changed, exists) {
        (_, None) => Err(ApiError::not_found("waitlist entry")),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

// --- The waiting room (issue 15; `crate::waiting`) ------------------------------------------

/// `GET /offices/{office}/waiting-room`: the room in front of the office's next release.
#[utoipa::path(get, path = "/api/v1/offices/{office}/waiting-room", params(("office" = String, Path)), responses((status = 200, body = Object, description = "{release_at, prequeue_opens_at, open_until, state: before|prequeue|open, pow_bits, rate_per_minute, admission_minutes}"), (status = 404, body = ErrorBody)))]
pub(crate) async fn waiting_room(
    State(central): Shared,
    Segments(office): Segments<String>,
) -> ApiResult<Json<Value>> {
    let office = office_of(&central, &office)?;
    let now = central.clock.now();
    let (room, config) = crate::waiting::room_of(office, now)
        .ok_or_else(|| ApiError::not_found("waiting room of this office"))?;
    let opens = room.release_at - chrono::Duration::minutes(i64::from(config.prequeue_minutes));
    let state = if now < opens {
        "before"
    } else if now < room.release_at {
        "prequeue"
    } else {
        "open"
    };
    Ok(Json(json!({"office": office.id, "release_at": room.release_at.to_rfc3339(),
        "prequeue_opens_at": opens.to_rfc3339(),
        "open_until": (room.release_at + chrono::Duration::minutes(i64::from(config.open_minutes))).to_rfc3339(),
        "state": state, "pow_bits": config.pow_bits, "rate_per_minute": config.rate_per_minute,
        "admission_minutes": config.admission_minutes})))
}

/// `POST /offices/{office}/waiting-room/challenge` → `{challenge, bits}`: the proof of work to
/// join: a nonce with SHA-256(challenge + ":" + nonce) starting with `bits` zero bits.
#[utoipa::path(post, path = "/api/v1/offices/{office}/waiting-room/challenge", params(("office" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Object, description = "{challenge, bits}"), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn waiting_challenge(
    State(central): Shared,
    Account(account): Account,
    Segments(office): Segments<String>,
) -> ApiResult<Json<Value>> {
    let office = office_of(&central, &office)?;
    let now = central.clock.now();
    let (room, config) = crate::waiting::room_of(office, now)
        .ok_or_else(|| ApiError::not_found("waiting room of this office"))?;
    Ok(Json(
        json!({"challenge": crate::waiting::challenge(&central, &room, account, now), "bits": config.pow_bits}),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WaitingJoin {
    pub(crate) applicant: i64,
    pub(crate) challenge: String,
    pub(crate) nonce: String,
}

/// `POST /offices/{office}/waiting-room/join {applicant, challenge, nonce}` → 201 `{place,
/// status}`: one place per account and per NIK; the same account again gets the same place.
#[utoipa::path(post, path = "/api/v1/offices/{office}/waiting-room/join", params(("office" = String, Path)), request_body = WaitingJoin, security(("bearer" = [])), responses((status = 201, body = Object, description = "{place, status}"), (status = 403, body = ErrorBody, description = "forbidden: the proof of work is not done"), (status = 409, body = ErrorBody, description = "already_exists: the NIK holds a place with another account; not_released: the room is not open yet"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn waiting_join(
    State(central): Shared,
    Account(account): Account,
    Segments(office): Segments<String>,
    Body(join): Body<WaitingJoin>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let office = office_of(&central, &office)?;
    let (place, _) =
        crate::waiting::join(&central, office, account, join.applicant, (&join.challenge, &join.nonce))
            .await?;
    let token = crate::waiting::place_token(&central, &place);
    let status = crate::waiting::status(&central, &token).await?;
    Ok((StatusCode::CREATED, Json(json!({"place": token, "status": status}))))
}

#[derive(Deserialize)]
pub(crate) struct PlaceQuery {
    pub(crate) place: String,
}

/// `GET /waiting-room/status?place=` → `{state: prequeue|waiting|admitted|expired, position,
/// ahead, eta_seconds, poll_after, admission?}`, answered from the replica's snapshot.
#[utoipa::path(get, path = "/api/v1/waiting-room/status", params(("place" = String, Query)), responses((status = 200, body = Object, description = "{state, position, ahead, eta_seconds, poll_after, admission?}"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn waiting_status(
    State(central): Shared,
    Params(query): Params<PlaceQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(crate::waiting::status(&central, &query.place).await?))
}

/// `GET /admin/offices/{office}/waiting-room` (administrator): waiting, admitted, booked, the
/// rate and the time to drain.
#[utoipa::path(get, path = "/api/v1/admin/offices/{office}/waiting-room", params(("office" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn admin_waiting_room(
    State(central): Shared,
    _admin: Admin,
    Segments(office): Segments<String>,
) -> ApiResult<Json<Value>> {
    let office = office_of(&central, &office)?;
    Ok(Json(crate::waiting::overview(&central, office).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RateChange {
    pub(crate) rate_per_minute: u32,
}

/// `POST /admin/offices/{office}/waiting-room/rate {rate_per_minute}` (administrator): the
/// admission rate, changed live.
#[utoipa::path(post, path = "/api/v1/admin/offices/{office}/waiting-room/rate", params(("office" = String, Path)), request_body = RateChange, security(("bearer" = [])), responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn admin_waiting_rate(
    State(central): Shared,
    Admin(name): Admin,
    Segments(office): Segments<String>,
    Body(change): Body<RateChange>,
) -> ApiResult<Json<Value>> {
    let office = office_of(&central, &office)?;
    if change.rate_per_minute > 1_000_000 {
        return Err(ApiError::invalid("rate_per_minute: at most 1,000,000"));
    }
    crate::waiting::set_rate(&central, office, change.rate_per_minute).await?;
    tracing::info!(office = %office.id, admin = name, rate = change.rate_per_minute, "waiting room rate changed");
    Ok(Json(crate::waiting::overview(&central, office).await?))
}
