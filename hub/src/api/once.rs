//! Mutating device and staff requests may carry a `request_id` (API.md): the same id from the
//! same caller returns the first answer again instead of acting twice. The answer is looked up
//! and, after acting, remembered in the same store transaction as the action itself, so a
//! retry after a lost answer can never act a second time. An id already used for a different
//! request (another endpoint, another ticket or counter) is refused, not answered with
//! someone else's result.

use std::sync::Arc;

use antrian_proto::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{ApiError, ApiResult};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::hub::Hub;
use crate::office::Office;
use crate::store::Write;

/// Runs `job` once per (caller, request_id) and gives its typed answer; a repeated request
/// gets the first answer back. `request` names what is asked (e.g. `ticket:finish:20261125-A001`).
pub async fn once<T, F>(
    hub: &Arc<Hub>,
    caller: &Caller,
    request_id: Option<String>,
    request: String,
    job: F,
) -> ApiResult<T>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    F: FnOnce(&mut Write<'_>, &Office, i64) -> Result<T> + Send + 'static,
{
    if let Some(id) = &request_id
        && (id.is_empty() || id.chars().count() > 64)
    {
        return Err(ApiError::invalid("request_id must be 1-64 characters"));
    }
    let key = caller.idempotency_key();
    let office = hub.office.clone();
    let answer = hub
        .store
        .write(move |tx| {
            let now = office.clock.now_ms();
            if let Some(id) = &request_id
                && let Some((asked, first)) = tx.read().idempotency().answer(&key, id)?
            {
                let reused = || {
                    Error::refused(
                        ErrorCode::IdempotencyConflict,
                        format!("request_id {id:?} was already used for another request; send a new one"),
                    )
                };
                if !asked.is_empty() && asked != request {
                    return Err(reused());
                }
                return serde_json::from_str(&first).map_err(|_| reused());
            }
            let answer = job(tx, &office, now)?;
            if let Some(id) = &request_id {
                let text = serde_json::to_string(&answer).map_err(Error::internal)?;
                tx.idempotency().remember(&key, id, &request, &text, now)?;
            }
            Ok(answer)
        })
        .await?;
    Ok(answer)
}
