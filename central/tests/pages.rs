//! The applicant's pages as an attacker or a careless link would use them: another account's
//! applicant, documents and application are not found through the pages either, and nothing
//! changes; a form posted from another site is refused; a page opened signed out leads to the
//! sign-in and back to it; a refused upload stores nothing.

mod common;

use common::*;

/// A client that keeps no cookies and follows no redirects, so every answer is seen.
fn browserless() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_things_cannot_be_reached_through_the_pages() {
    let Some(service) = Service::start(20).await else { return };
    let a = service.replica(CLOCK).await;
    let http = http();
    let tokens = sign_in(&service, &a, &["korban@example.test".into(), "penyusup@example.test".into()]).await;
    let (victim, intruder) = (&tokens[0], &tokens[1]);
    let applicant = ready_applicant(&http, &a, victim, 1).await;
    let (status, hold) =
        send(http.post(a.api("/applications")).bearer_auth(victim).json(&application(applicant, "09:00")))
            .await;
    assert_eq!(status, 201, "{hold}");
    let id = hold["id"].as_str().expect("id");
    let web = browserless();
    let as_intruder = |request: reqwest::RequestBuilder| {
        request.header("Cookie", format!("antrian_sesi={intruder}")).header("Origin", a.url.clone())
    };
    for path in [
        format!("/applicants/{applicant}/documents"),
        format!("/applicants/{applicant}/documents/ktp/file"),
        format!("/applicants/{applicant}/documents/ktp/file?thumb=1"),
        format!("/apply/{applicant}"),
        format!("/apply/{applicant}/kanim-jaksel?service=A&type=ordinary"),
        format!("/applications/{id}"),
        format!("/applications/{id}/live"),
        format!("/applications/{id}/pdf"),
        format!("/applications/{id}/move"),
    ] {
        let answer = as_intruder(web.get(format!("{}{path}", a.url))).send().await.expect("get");
        assert_eq!(answer.status(), 404, "GET {path} by another account");
    }
    let answer = as_intruder(web.post(format!("{}/applications/{id}/cancel", a.url)))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .expect("post");
    assert_eq!(answer.status(), 404, "cancel by another account");
    let answer = as_intruder(web.post(format!("{}/applicants/{applicant}/documents/kk", a.url)))
        .multipart(
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(PNG.to_vec())
                    .file_name("kk.png")
                    .mime_str("image/png")
                    .expect("mime"),
            ),
        )
        .send()
        .await
        .expect("upload");
    assert_eq!(answer.status(), 404, "upload to another account's applicant");
    let (_, still) = send(http.get(a.api(&format!("/applications/{id}"))).bearer_auth(victim)).await;
    assert_eq!(still["state"], "awaiting_payment", "nothing changed");

    // The owner's own cancel needs its confirmation ticked; then it works.
    let as_owner = |request: reqwest::RequestBuilder| {
        request.header("Cookie", format!("antrian_sesi={victim}")).header("Origin", a.url.clone())
    };
    let answer = as_owner(web.post(format!("{}/applications/{id}/cancel", a.url)))
        .form(&[("confirm", "")])
        .send()
        .await
        .expect("post");
    assert_eq!(answer.status(), 303);
    assert!(answer.headers()["location"].to_str().expect("location").ends_with("?confirm=1#cancel-h"));
    let (_, still) = send(http.get(a.api(&format!("/applications/{id}"))).bearer_auth(victim)).await;
    assert_eq!(still["state"], "awaiting_payment", "not cancelled without the confirmation");

    // A form from another site is refused, whatever its cookie.
    for (origin, fetch_site) in
        [(Some("http://evil.example"), None), (None, Some("cross-site")), (Some("null"), Some("same-site"))]
    {
        let mut request = web
            .post(format!("{}/applications/{id}/cancel", a.url))
            .header("Cookie", format!("antrian_sesi={victim}"))
            .form(&[("confirm", "yes")]);
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("Sec-Fetch-Site", site);
        }
        let answer = request.send().await.expect("post");
        assert_eq!(answer.status(), 403, "origin {origin:?}, sec-fetch-site {fetch_site:?}");
    }
    let (_, still) = send(http.get(a.api(&format!("/applications/{id}"))).bearer_auth(victim)).await;
    assert_eq!(still["state"], "awaiting_payment", "nothing changed");
    let answer = as_owner(web.post(format!("{}/applications/{id}/cancel", a.url)))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .expect("post");
    assert_eq!(answer.status(), 303);
    let (_, cancelled) = send(http.get(a.api(&format!("/applications/{id}"))).bearer_auth(victim)).await;
    assert_eq!(cancelled["state"], "cancelled");

    // Signed out, a page leads to the sign-in, which leads back to it.
    let answer = web.get(format!("{}/applications/{id}", a.url)).send().await.expect("get");
    assert_eq!(answer.status(), 303);
    let to = answer.headers()["location"].to_str().expect("location").to_owned();
    assert_eq!(to, format!("/signin?next=%2Fapplications%2F{id}"));
    let page = web.get(format!("{}{to}", a.url)).send().await.expect("get").text().await.expect("html");
    assert!(page.contains(&format!("name=\"next\" value=\"/applications/{id}\"")), "{page}");
    let email = "korban@example.test";
    let answer = web
        .post(format!("{}/signin", a.url))
        .header("Origin", a.url.clone())
        .form(&[("email", email), ("next", &format!("/applications/{id}"))])
        .send()
        .await
        .expect("post");
    assert_eq!(answer.status(), 303);
    let code = service.mailed_codes().get(email).cloned().expect("code");
    let answer = web
        .post(format!("{}/signin/code", a.url))
        .header("Origin", a.url.clone())
        .form(&[("email", email), ("code", &code), ("next", &format!("/applications/{id}"))])
        .send()
        .await
        .expect("post");
    assert_eq!(answer.status(), 303);
    assert_eq!(answer.headers()["location"], format!("/applications/{id}").as_str());
    // Another site as the place to come back to is not followed.
    let answer = web
        .get(format!("{}/signin?next=//evil.example/", a.url))
        .header("Cookie", format!("antrian_sesi={victim}"))
        .send()
        .await
        .expect("get");
    assert_eq!(answer.headers()["location"], "/home");
}
