//! Signing in with the e-mail code, the account's home (applicants, applications, waitlist),
//! the applicant form, and the documents with their thumbnails.

use std::sync::Arc;

use antrian_proto::ErrorCode;
use askama::Template;
use axum::body::Body as RawBody;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Frame, Shared, SignedIn, Visitor, fail, refusal_text, render, see_other};
use crate::Central;
use crate::api::{self, ApplicantFields, Body, CodeRequest, VerifyRequest};
use crate::error::ApiError;
use crate::i18n::{Texts, fill, short_date};

pub fn routes() -> Router<Arc<Central>> {
    Router::new()
        .route("/signin", get(signin_page).post(signin))
        .route("/signin/code", get(code_page).post(verify))
        .route("/signout", post(signout))
        .route("/home", get(home))
        .route("/applicants/new", get(new_applicant_page).post(new_applicant))
        .route("/applicants/{id}/documents", get(documents_page))
        .route("/applicants/{id}/documents/{kind}", post(upload).layer(DefaultBodyLimit::max(UPLOAD_DRAIN)))
        .route("/applicants/{id}/documents/{kind}/file", get(document_file))
}

/// A body larger than this is cut off rather than read to its end.
const UPLOAD_DRAIN: usize = 64 * 1024 * 1024;

// --- Sign-in --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    f: Frame,
    t: &'static Texts,
    email: String,
    error: Option<String>,
    notice: Option<String>,
    /// Where to go once signed in (a page of this site).
    next: String,
}

/// A page of this site to come back to after signing in; anything else is home.
fn local_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if local { next } else { "/home" }
}

#[derive(Deserialize)]
struct SigninQuery {
    #[serde(default)]
    next: Option<String>,
}

async fn signin_page(visitor: Visitor, Query(query): Query<SigninQuery>) -> Response {
    let next = local_next(query.next.as_deref().unwrap_or("")).to_owned();
    if visitor.account.is_some() {
        return see_other(&next);
    }
    let t = visitor.t;
    let notice = query.next.is_some().then(|| t.t("signin.to_continue").to_owned());
    render(
        &SigninPage { f: visitor.frame("signin.title"), t, email: String::new(), error: None, notice, next },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
struct EmailForm {
    email: String,
    #[serde(default)]
    next: String,
}

async fn signin(State(central): Shared, visitor: Visitor, Form(form): Form<EmailForm>) -> Response {
    let t = visitor.t;
    let next = local_next(&form.next).to_owned();
    let request = CodeRequest { email: form.email.clone(), lang: Some(visitor.lang.code().to_owned()) };
    let code_url = |notice: &str| {
        format!("/signin/code?email={}&next={}{notice}", url_encode(form.email.trim()), url_encode(&next))
    };
    match api::send_code(State(central), Body(request)).await {
        Ok(_) => see_other(&code_url("")),
        Err(error) if error.code == ErrorCode::RateLimited => see_other(&code_url("&again=1")),
        Err(error) => {
            let error = if error.code == ErrorCode::InvalidRequest {
                t.t("signin.bad_email").to_owned()
            } else {
                refusal_text(t, &error)
            };
            render(
                &SigninPage {
                    f: visitor.frame("signin.title"),
                    t,
                    email: form.email,
                    error: Some(error),
                    notice: None,
                    next,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// Percent-encodes a value for a query string.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "code.html")]
struct CodePage {
    f: Frame,
    t: &'static Texts,
    email: String,
    lead: String,
    error: Option<String>,
    notice: Option<String>,
    next: String,
}

#[derive(Deserialize)]
struct CodeQuery {
    #[serde(default)]
    email: String,
    #[serde(default)]
    again: Option<String>,
    #[serde(default)]
    next: String,
}

fn code_page_for(
    visitor: &Visitor,
    central: &Central,
    email: String,
    next: &str,
    (error, notice): (Option<String>, Option<String>),
) -> CodePage {
    let t = visitor.t;
    let minutes = central.config.limits.code_minutes.to_string();
    let lead = fill(t.t("code.lead"), &[("email", &email), ("minutes", &minutes)]);
    CodePage {
        f: visitor.frame("code.title"),
        t,
        email,
        lead,
        error,
        notice,
        next: local_next(next).to_owned(),
    }
}

async fn code_page(State(central): Shared, visitor: Visitor, Query(query): Query<CodeQuery>) -> Response {
    let notice = query.again.map(|_| visitor.t.t("code.already_sent").to_owned());
    render(&code_page_for(&visitor, &central, query.email, &query.next, (None, notice)), StatusCode::OK)
}

#[derive(Deserialize)]
struct CodeForm {
    email: String,
    code: String,
    #[serde(default)]
    next: String,
}

async fn verify(State(central): Shared, visitor: Visitor, Form(form): Form<CodeForm>) -> Response {
    let t = visitor.t;
    let next = local_next(&form.next).to_owned();
    let secure = central.public_url().starts_with("https://");
    let hours = central.config.central.session_hours;
    let request = VerifyRequest {
        email: form.email.clone(),
        code: form.code.chars().filter(char::is_ascii_digit).collect(),
        lang: Some(visitor.lang.code().to_owned()),
    };
    match api::verify_code(State(central.clone()), Body(request)).await {
        Ok(Json(answer)) => {
            let token = answer["token"].as_str().unwrap_or_default();
            let mut response = see_other(&next);
            let cookie = format!(
                "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
                super::SESSION_COOKIE,
                u64::from(hours) * 3600,
                if secure { "; Secure" } else { "" }
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(error) => {
            let message = match error.code {
                ErrorCode::TooManyAttempts => t.t("code.too_many"),
                ErrorCode::Unauthorized if error.message.contains("expired") => t.t("code.expired"),
                ErrorCode::Unauthorized if error.message.contains("no code") => t.t("code.none"),
                ErrorCode::Unauthorized | ErrorCode::InvalidRequest => t.t("code.wrong"),
                _ => return fail(t, error),
            };
            render(
                &code_page_for(&visitor, &central, form.email, &next, (Some(message.to_owned()), None)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

async fn signout(State(central): Shared, visitor: Visitor) -> Response {
    if let Some(token) = &visitor.token
        && let Ok(client) = central.pool.get().await
    {
        let _ = client
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&crate::secrets::token_hash(token)])
            .await;
    }
    let mut response = see_other("/signin");
    let clear = format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0", super::SESSION_COOKIE);
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

// --- Home -----------------------------------------------------------------------------------

struct ApplicantRow {
    id: i64,
    name: String,
    nik_last4: String,
    /// "2 of 3 documents".
    documents: String,
    ready: bool,
}

struct ApplicationRow {
    id: String,
    name: String,
    office: String,
    when: String,
    state: String,
    state_class: String,
}

struct WaitRow {
    id: String,
    name: String,
    office: String,
    date: String,
    status: String,
    waiting: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    f: Frame,
    t: &'static Texts,
    email: String,
    applicants: Vec<ApplicantRow>,
    can_add: bool,
    limit_text: String,
    applications: Vec<ApplicationRow>,
    waitlist: Vec<WaitRow>,
    notice: Option<String>,
}

#[derive(Deserialize)]
struct HomeQuery {
    #[serde(default)]
    joined: Option<i64>,
}

async fn home(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Query(query): Query<HomeQuery>,
) -> Response {
    let t = visitor.t;
    match home_data(&central, account, t).await {
        Ok((email, applicants, applications, waitlist)) => {
            let limit = central.config.limits.applicants_per_account;
            let page = HomePage {
                f: visitor.frame("home.title"),
                t,
                email,
                can_add: applicants.len() < limit as usize,
                limit_text: fill(t.t("home.limit"), &[("limit", &limit.to_string())]),
                applicants,
                applications,
                waitlist,
                notice: query.joined.map(|p| fill(t.t("waitlist.joined"), &[("position", &p.to_string())])),
            };
            render(&page, StatusCode::OK)
        }
        Err(error) => fail(t, error),
    }
}

type HomeData = (String, Vec<ApplicantRow>, Vec<ApplicationRow>, Vec<WaitRow>);

async fn home_data(central: &Central, account: i64, t: &'static Texts) -> Result<HomeData, ApiError> {
    let client = central.pool.get().await?;
    let email: String =
        client.query_one("SELECT email FROM accounts WHERE id = $1", &[&account]).await?.get(0);
    let applicants = client
        .query(
            "SELECT p.id, p.name, p.nik_last4, ARRAY(SELECT d.kind FROM documents d WHERE d.applicant_id = p.id)
             FROM applicants p WHERE p.account_id = $1 ORDER BY p.id",
            &[&account],
        )
        .await?
        .iter()
        .map(|r| {
            let kinds: Vec<String> = r.get(3);
            let needed = api::needed_documents("A");
            let have = needed.iter().filter(|k| kinds.iter().any(|u| u == *k)).count();
            ApplicantRow {
                id: r.get(0),
                name: r.get(1),
                nik_last4: r.get(2),
                documents: fill(
                    t.t("home.documents_count"),
                    &[("have", &have.to_string()), ("needed", &needed.len().to_string())],
                ),
                ready: have == needed.len(),
            }
        })
        .collect();
    let rows = client
        .query(
            "SELECT a.id, p.name, a.office_id, a.date, a.slot, a.state FROM applications a
             JOIN applicants p ON p.id = a.applicant_id WHERE a.account_id = $1 ORDER BY a.created_at DESC LIMIT 50",
            &[&account],
        )
        .await?;
    let applications = rows
        .iter()
        .map(|r| {
            let office: String = r.get(2);
            let state: String = r.get(5);
            ApplicationRow {
                id: r.get(0),
                name: r.get(1),
                office: central.config.office(&office).map_or(office.clone(), |o| o.name.clone()),
                when: format!("{}, {}", short_date(t, r.get::<_, NaiveDate>(3)), r.get::<_, String>(4)),
                state: t.t(&format!("state.{state}")).to_owned(),
                state_class: state,
            }
        })
        .collect();
    let waits = client
        .query(
            "SELECT w.office_id, w.id, p.name, w.date, w.state, w.application_id,
                    (SELECT count(*) FROM waitlist o WHERE o.office_id = w.office_id AND o.service = w.service
                        AND o.date = w.date AND o.state = 'waiting' AND o.id <= w.id)
             FROM waitlist w JOIN applicants p ON p.id = w.applicant_id
             WHERE w.account_id = $1 AND w.state IN ('waiting', 'offered') ORDER BY w.joined_at DESC",
            &[&account],
        )
        .await?;
    let waitlist = waits
        .iter()
        .map(|r| {
            let office: String = r.get(0);
            let state: String = r.get(4);
            let waiting = state == "waiting";
            WaitRow {
                id: format!("{office}.{}", r.get::<_, i64>(1)),
                name: r.get(2),
                office: central.config.office(&office).map_or(office.clone(), |o| o.name.clone()),
                date: t.long_date(r.get(3)),
                status: if waiting {
                    fill(t.t("waitlist.position"), &[("position", &r.get::<_, i64>(6).to_string())])
                } else {
                    t.t("waitlist.offered").to_owned()
                },
                waiting,
            }
        })
        .collect();
    Ok((email, applicants, applications, waitlist))
}

// --- The applicant form ---------------------------------------------------------------------

/// The form's values as typed, and the sentence for each field that is wrong.
#[derive(Debug, Default, Deserialize)]
pub struct ApplicantForm {
    #[serde(default)]
    nik: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_place: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    mother_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
}

struct Field {
    name: &'static str,
    label: String,
    hint: String,
    value: String,
    kind: &'static str,
    autocomplete: &'static str,
    inputmode: &'static str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "applicant.html")]
struct ApplicantPage {
    f: Frame,
    t: &'static Texts,
    fields: Vec<Field>,
    sex: String,
    sex_error: Option<String>,
    form_error: Option<String>,
    /// (field, sentence) for the summary at the top.
    summary: Vec<(String, String)>,
}

fn applicant_page(
    visitor: &Visitor,
    form: &ApplicantForm,
    problems: &[api::Problem],
    form_error: Option<String>,
) -> ApplicantPage {
    let t = visitor.t;
    let error_for = |field: &str| -> Option<String> {
        problems.iter().find(|p| p.field == field).map(|p| {
            let args: Vec<(&str, &str)> = p.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let sex_word =
                |code: &str| t.t(if code == "F" { "applicant.female" } else { "applicant.male" }).to_owned();
            let mut args = args;
            let nik_sex =
                p.args.iter().find(|(k, _)| *k == "nik_sex").map(|(_, v)| sex_word(v)).unwrap_or_default();
            args.push(("nik_sex_word", &nik_sex));
            fill(t.t(&format!("field_error.{}", p.key)), &args)
        })
    };
    let field = |name: &'static str,
                 value: &str,
                 kind: &'static str,
                 autocomplete: &'static str,
                 inputmode: &'static str| Field {
        name,
        label: t.t(&format!("applicant.{name}")).to_owned(),
        hint: t.t(&format!("applicant.{name}_hint")).to_owned(),
        value: value.to_owned(),
        kind,
        autocomplete,
        inputmode,
        error: error_for(name),
    };
    let fields = vec![
        field("nik", &form.nik, "text", "off", "numeric"),
        field("name", &form.name, "text", "name", "text"),
        field("birth_place", &form.birth_place, "text", "off", "text"),
        field("birth_date", &form.birth_date, "date", "bday", "text"),
        field("mother_name", &form.mother_name, "text", "off", "text"),
        field("address", &form.address, "text", "street-address", "text"),
        field("phone", &form.phone, "tel", "tel", "tel"),
    ];
    let sex_error = error_for("sex");
    let mut summary: Vec<(String, String)> =
        fields.iter().filter_map(|f| f.error.clone().map(|e| (f.name.to_owned(), e))).collect();
    if let Some(error) = &sex_error {
        summary.push(("sex-M".to_owned(), error.clone()));
    }
    ApplicantPage {
        f: visitor.frame("applicant.title"),
        t,
        fields,
        sex: form.sex.clone(),
        sex_error,
        form_error,
        summary,
    }
}

async fn new_applicant_page(SignedIn { visitor, .. }: SignedIn) -> Response {
    render(&applicant_page(&visitor, &ApplicantForm::default(), &[], None), StatusCode::OK)
}

async fn new_applicant(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Form(form): Form<ApplicantForm>,
) -> Response {
    let fields = ApplicantFields {
        nik: &form.nik,
        name: &form.name,
        sex: &form.sex,
        birth_place: &form.birth_place,
        birth_date: NaiveDate::parse_from_str(form.birth_date.trim(), "%Y-%m-%d").ok(),
        mother_name: &form.mother_name,
        address: &form.address,
        phone: &form.phone,
    };
    let checked = match api::check_applicant(&fields, central.clock.now().date_naive()) {
        Ok(checked) => checked,
        Err(problems) => {
            return render(
                &applicant_page(&visitor, &form, &problems, None),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match api::insert_applicant(&central, account, &checked).await {
        Ok(answer) => see_other(&format!("/applicants/{}/documents", answer["id"])),
        Err(error) if matches!(error.code, ErrorCode::AlreadyExists | ErrorCode::ApplicantLimit) => {
            let message = refusal_text(visitor.t, &error);
            render(&applicant_page(&visitor, &form, &[], Some(message)), StatusCode::CONFLICT)
        }
        Err(error) => fail(visitor.t, error),
    }
}

// --- Documents ------------------------------------------------------------------------------

struct DocumentRow {
    kind: &'static str,
    title: String,
    what: String,
    example: String,
    needed: String,
    /// Stored: "image" or "pdf", and when.
    stored: Option<(&'static str, String)>,
    error: Option<String>,
    saved: bool,
}

#[derive(Template)]
#[template(path = "documents.html")]
struct DocumentsPage {
    f: Frame,
    t: &'static Texts,
    applicant: i64,
    lead: String,
    documents: Vec<DocumentRow>,
    ready: bool,
}

#[derive(Deserialize)]
struct DocumentsQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn documents_page(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path(applicant): Path<i64>,
    Query(query): Query<DocumentsQuery>,
) -> Response {
    match documents_for(&central, &visitor, account, applicant, query.saved.as_deref(), None).await {
        Ok(page) => render(&page, StatusCode::OK),
        Err(error) => fail(visitor.t, error),
    }
}

async fn documents_for(
    central: &Central,
    visitor: &Visitor,
    account: i64,
    applicant: i64,
    saved: Option<&str>,
    error: Option<(&str, String)>,
) -> Result<DocumentsPage, ApiError> {
    let t = visitor.t;
    let client = central.pool.get().await?;
    let name: String = client
        .query_opt("SELECT name FROM applicants WHERE id = $1 AND account_id = $2", &[&applicant, &account])
        .await?
        .ok_or_else(|| ApiError::not_found("applicant"))?
        .get(0);
    let stored = client
        .query("SELECT kind, content_type, uploaded_at FROM documents WHERE applicant_id = $1", &[&applicant])
        .await?;
    // Written in Jakarta's time (WIB): an applicant is not tied to an office yet.
    let tz = chrono_tz::Asia::Jakarta;
    let documents: Vec<DocumentRow> = api::DOCUMENT_KINDS
        .iter()
        .map(|kind| {
            let found = stored.iter().find(|r| r.get::<_, String>(0) == *kind).map(|r| {
                let at: chrono::DateTime<chrono::Utc> = r.get(2);
                let shape = if r.get::<_, String>(1) == "application/pdf" { "pdf" } else { "image" };
                (
                    shape,
                    fill(
                        t.t("documents.stored_at"),
                        &[("at", &at.with_timezone(&tz).format("%d-%m-%Y %H:%M WIB").to_string())],
                    ),
                )
            });
            DocumentRow {
                kind,
                title: t.t(&format!("documents.{kind}")).to_owned(),
                what: t.t(&format!("documents.{kind}_what")).to_owned(),
                example: t.t(&format!("documents.{kind}_example")).to_owned(),
                needed: t
                    .t(if *kind == "old_passport" { "documents.needed_b" } else { "documents.needed" })
                    .to_owned(),
                stored: found,
                error: error.as_ref().filter(|(k, _)| k == kind).map(|(_, e)| e.clone()),
                saved: saved == Some(*kind),
            }
        })
        .collect();
    let ready = documents.iter().filter(|d| d.kind != "old_passport").all(|d| d.stored.is_some());
    let max = (central.config.limits.document_max_bytes / (1024 * 1024)).to_string();
    Ok(DocumentsPage {
        f: visitor.frame("documents.title"),
        t,
        applicant,
        lead: fill(t.t("documents.lead"), &[("name", &name), ("max", &max)]),
        documents,
        ready,
    })
}

/// `POST /applicants/{id}/documents/{kind}` (a form with one file, `file`): the same checks as
/// the API's upload; a refusal is shown beside that document, and nothing is stored.
async fn upload(
    State(central): Shared,
    SignedIn { visitor, account }: SignedIn,
    Path((applicant, kind)): Path<(i64, String)>,
    request: Request,
) -> Response {
    let t = visitor.t;
    let result = match read_upload(&central, request).await {
        Ok((content_type, bytes)) => {
            api::store_document(&central, account, applicant, &kind, content_type, bytes).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => see_other(&format!("/applicants/{applicant}/documents?saved={kind}#doc-{kind}")),
        Err(error) if error.code == ErrorCode::NotFound => fail(t, error),
        Err(error) => {
            let max = (central.config.limits.document_max_bytes / (1024 * 1024)).to_string();
            let message = fill(&refusal_text(t, &error), &[("max", &max)]);
            let status =
                StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            match documents_for(&central, &visitor, account, applicant, None, Some((&kind, message))).await {
                Ok(page) => render(&page, status),
                Err(error) => fail(t, error),
            }
        }
    }
}

/// The one file of an upload form: its type as the browser gave it, and its bytes (`None`:
/// over the limit; the rest is read and dropped, so the phone hears the answer).
async fn read_upload(central: &Central, request: Request) -> Result<(String, Option<Vec<u8>>), ApiError> {
    let max = central.config.limits.document_max_bytes;
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|_| ApiError::invalid("the upload was not a form with a file"))?;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| ApiError::invalid("the upload was broken off: send the file again"))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let content_type = field.content_type().unwrap_or("").to_lowercase();
        let (mut kept, mut seen) = (Vec::new(), 0usize);
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    seen += chunk.len();
                    if seen <= max {
                        kept.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => break,
                // Past the body limit (far past the document limit) or cut off.
                Err(_) if seen > max => break,
                Err(_) => return Err(ApiError::invalid("the upload was broken off: send the file again")),
            }
        }
        if field.file_name().is_some_and(str::is_empty) && seen == 0 {
            return Err(ApiError::invalid("choose a file first"));
        }
        return Ok((content_type, (seen <= max).then_some(kept)));
    }
    Err(ApiError::invalid("choose a file first"))
}

#[derive(Deserialize)]
struct FileQuery {
    #[serde(default)]
    thumb: Option<String>,
}

/// The stored document (for a thumbnail, `?thumb=1`: a photo reduced to 320 px wide).
async fn document_file(
    State(central): Shared,
    visitor: Visitor,
    Path((applicant, kind)): Path<(i64, String)>,
    Query(query): Query<FileQuery>,
) -> Response {
    let Some(account) = visitor.account else {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    };
    let response =
        api::get_document(State(central), api::Account(account), api::Segments((applicant, kind))).await;
    let response = match response {
        Ok(response) => response,
        Err(error) => return error.into_response(),
    };
    let is_image =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"image/"));
    if query.thumb.is_none() || !is_image {
        return response;
    }
    let bytes = match axum::body::to_bytes(response.into_body(), UPLOAD_DRAIN).await {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    match tokio::task::spawn_blocking(move || crate::documents::thumbnail(&bytes, 320)).await {
        Ok(Ok(jpeg)) => (
            [(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, no-store")],
            RawBody::from(jpeg),
        )
            .into_response(),
        _ => StatusCode::UNPROCESSABLE_ENTITY.into_response(),
    }
}
