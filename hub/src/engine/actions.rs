//! What staff may do to a ticket and a counter (ARCHITECTURE.md, "Ticket states and counter
//! actions"), and what each action does to the ticket: [`plan`] turns an action into a
//! [`Change`] that the store carries out with its visit, counts and events, or refuses it.
//! An action that does not fit the ticket's state is refused with `invalid_transition`, never
//! silently applied.

use antrian_proto::{CounterState, TicketState};
use chrono::NaiveDate;

use crate::config::Config;

/// What staff may do to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketAction {
    Call,
    Recall,
    Start,
    Finish,
    NoShow,
    Requeue,
    Cancel,
    Transfer,
}

impl TicketAction {
    pub fn verb(self) -> &'static str {
        match self {
            TicketAction::Call => "call",
            TicketAction::Recall => "recall",
            TicketAction::Start => "start",
            TicketAction::Finish => "finish",
            TicketAction::NoShow => "mark as no-show",
            TicketAction::Requeue => "requeue",
            TicketAction::Cancel => "cancel",
            TicketAction::Transfer => "transfer",
        }
    }
}

/// An action that does not fit the ticket's state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a ticket that is {}", action.verb(), state.as_str())]
pub struct InvalidTransition {
    pub state: TicketState,
    pub action: TicketAction,
}

/// Checks that `action` fits a ticket in `state`.
pub fn check_ticket_action(state: TicketState, action: TicketAction) -> Result<(), InvalidTransition> {
    use TicketAction as A;
    use TicketState as S;
    let allowed = match action {
        A::Call => matches!(state, S::Waiting),
        A::Recall | A::Start | A::NoShow => matches!(state, S::Called),
        // Finishing straight from "called" is allowed: staff often skip "start".
        A::Finish => matches!(state, S::Called | S::Serving),
        A::Requeue => matches!(state, S::NoShow),
        A::Cancel => matches!(state, S::Waiting | S::Called | S::Serving | S::NoShow),
        A::Transfer => matches!(state, S::Waiting | S::Called | S::Serving),
    };
    if allowed { Ok(()) } else { Err(InvalidTransition { state, action }) }
}

/// Where a ticket goes when it is finished at `current` stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterFinish {
    NextStage(String),
    Done,
}

/// The route's next stage after `current`, or done after the last. A stage outside the route
/// (reached by transfer) is followed by done.
pub fn after_finish(route: &[String], current: &str, next_stage: Option<&str>) -> AfterFinish {
    if let Some(next) = next_stage {
        return AfterFinish::NextStage(next.to_owned());
    }
    match route.iter().position(|s| s == current) {
        Some(i) if i + 1 < route.len() => AfterFinish::NextStage(route[i + 1].clone()),
        _ => AfterFinish::Done,
    }
}

/// What staff may do to a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterAction {
    Open,
    Pause,
    Close,
    /// Call next or call a specific ticket.
    Call,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CounterRefusal {
    #[error("counter still has ticket {0} called or in service; finish, no-show or transfer it first")]
    Busy(String),
}

/// The counter's state after `action`, given the ticket it holds (called or serving).
/// Calling opens a paused or closed counter: pressing "call next" means the clerk is there.
pub fn counter_after(action: CounterAction, holding: Option<&str>) -> Result<CounterState, CounterRefusal> {
    match (action, holding) {
        (CounterAction::Open, _) => Ok(CounterState::Open),
        (CounterAction::Pause | CounterAction::Close | CounterAction::Call, Some(ticket)) => {
            Err(CounterRefusal::Busy(ticket.to_owned()))
        }
        (CounterAction::Pause, None) => Ok(CounterState::Paused),
        (CounterAction::Close, None) => Ok(CounterState::Closed),
        (CounterAction::Call, None) => Ok(CounterState::Open),
    }
}

/// How a stage visit ended (a visit: one time a ticket queued at a stage, until it left it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitOutcome {
    /// The last stage of the route was finished.
    Done,
    /// Finished, on to the route's next stage (or one named by staff).
    NextStage,
    /// Moved to another stage or counter before it was finished.
    Transferred,
    /// Called, and did not come.
    NoShow,
    Cancelled,
    /// Still open when the office's day ended.
    DayClosed,
}

impl VisitOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitOutcome::Done => "done",
            VisitOutcome::NextStage => "next_stage",
            VisitOutcome::Transferred => "transferred",
            VisitOutcome::NoShow => "no_show",
            VisitOutcome::Cancelled => "cancelled",
            VisitOutcome::DayClosed => "day_closed",
        }
    }

    pub fn parse(text: &str) -> Option<VisitOutcome> {
        [Self::Done, Self::NextStage, Self::Transferred, Self::NoShow, Self::Cancelled, Self::DayClosed]
            .into_iter()
            .find(|o| o.as_str() == text)
    }

    /// Whether the applicant was served at the stage.
    pub fn served(self) -> bool {
        matches!(self, VisitOutcome::Done | VisitOutcome::NextStage)
    }
}

/// The staff actions on one ticket (API.md `/tickets/{id}/…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketOp {
    Recall,
    Start,
    Finish { next_stage: Option<String> },
    NoShow,
    Requeue,
    Cancel,
    Transfer { stage: String, counter: Option<String> },
}

impl TicketOp {
    pub fn action(&self) -> TicketAction {
        match self {
            TicketOp::Recall => TicketAction::Recall,
            TicketOp::Start => TicketAction::Start,
            TicketOp::Finish { .. } => TicketAction::Finish,
            TicketOp::NoShow => TicketAction::NoShow,
            TicketOp::Requeue => TicketAction::Requeue,
            TicketOp::Cancel => TicketAction::Cancel,
            TicketOp::Transfer { .. } => TicketAction::Transfer,
        }
    }
}

/// What happens to a ticket: decided here, carried out by the store (row, visit, waiting
/// counts, the counter it leaves, and the events, in one call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Called to `counter` (from waiting).
    Call { counter: String },
    /// Announced again at its counter.
    Recall,
    /// The applicant is at the counter: service starts.
    Start,
    /// Into the waiting queue of `stage` as of now (next stage, requeue, transfer); the current
    /// visit ends with `closing`, if it is still open.
    Enqueue { stage: String, reserved_counter: Option<String>, requeued: bool, closing: Option<VisitOutcome> },
    /// Out of the queues (done, no-show, cancelled); the current visit ends with `closing`.
    Leave { state: TicketState, closing: Option<VisitOutcome> },
    /// The office's day ended with the ticket still open (waiting, called or serving): it is
    /// closed, its visit ends `day_closed`, and a counter that held it closes too.
    CloseDay,
}

/// A ticket as the action rules see it.
#[derive(Debug, Clone, Copy)]
pub struct TicketFacts<'a> {
    pub number: &'a str,
    pub state: TicketState,
    pub stage: &'a str,
    pub service: &'a str,
}

/// Why a staff action on a ticket was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionRefusal {
    /// The action does not fit the ticket's state (`invalid_transition`).
    #[error("{transition} ({number})")]
    Transition { transition: InvalidTransition, number: String },
    /// A stage that is not configured (`invalid_request`).
    #[error("unknown stage {0:?}")]
    UnknownStage(String),
    /// A counter that is not configured (`invalid_request`).
    #[error("unknown counter {0:?}")]
    UnknownCounter(String),
    /// A transfer to a counter that does not serve the stage (`invalid_request`).
    #[error("counter {counter} does not serve stage {stage}")]
    NotServed { counter: String, stage: String },
}

/// What `op` does to `ticket` at this office, or why it cannot be done.
pub fn plan(ticket: TicketFacts<'_>, op: TicketOp, config: &Config) -> Result<Change, ActionRefusal> {
    check_ticket_action(ticket.state, op.action())
        .map_err(|transition| ActionRefusal::Transition { transition, number: ticket.number.to_owned() })?;
    let known_stage = |stage: &str| {
        if config.stage(stage).is_some() {
            Ok(())
        } else {
            Err(ActionRefusal::UnknownStage(stage.to_owned()))
        }
    };
    Ok(match op {
        TicketOp::Recall => Change::Recall,
        TicketOp::Start => Change::Start,
        TicketOp::Finish { next_stage } => {
            if let Some(stage) = &next_stage {
                known_stage(stage)?;
            }
            let route = config.service(ticket.service).map(|s| s.route.as_slice()).unwrap_or_default();
            match after_finish(route, ticket.stage, next_stage.as_deref()) {
                AfterFinish::NextStage(stage) => Change::Enqueue {
                    stage,
                    reserved_counter: None,
                    requeued: false,
                    closing: Some(VisitOutcome::NextStage),
                },
                AfterFinish::Done => {
                    Change::Leave { state: TicketState::Done, closing: Some(VisitOutcome::Done) }
                }
            }
        }
        TicketOp::NoShow => Change::Leave { state: TicketState::NoShow, closing: Some(VisitOutcome::NoShow) },
        // Back to the end of the stage's queue: a new visit, marked as requeued.
        TicketOp::Requeue => Change::Enqueue {
            stage: ticket.stage.to_owned(),
            reserved_counter: None,
            requeued: true,
            closing: None,
        },
        TicketOp::Cancel => Change::Leave {
            state: TicketState::Cancelled,
            // A no-show's visit is already closed as such.
            closing: (ticket.state != TicketState::NoShow).then_some(VisitOutcome::Cancelled),
        },
        TicketOp::Transfer { stage, counter } => {
            known_stage(&stage)?;
            if let Some(counter) = &counter {
                match config.counter(counter) {
                    None => return Err(ActionRefusal::UnknownCounter(counter.clone())),
                    Some(c) if !c.stages.contains(&stage) => {
                        return Err(ActionRefusal::NotServed { counter: counter.clone(), stage });
                    }
                    Some(_) => {}
                }
            }
            Change::Enqueue {
                stage,
                reserved_counter: counter,
                requeued: false,
                closing: Some(VisitOutcome::Transferred),
            }
        }
    })
}

/// Why a counter may not call a ticket.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallRefusal {
    /// The counter still holds a ticket (`counter_busy`).
    #[error(transparent)]
    Busy(#[from] CounterRefusal),
    /// The ticket is not waiting (`invalid_transition`).
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
    /// The counter does not serve the ticket's stage (`invalid_transition`).
    #[error("counter {counter} does not serve stage {stage}")]
    NotServed { counter: String, stage: String },
    /// Only another counter may call it (after a transfer to that counter) (`invalid_transition`).
    #[error("ticket {0} is reserved for another counter")]
    Reserved(String),
}

/// Whether `counter` (serving `counter_stages`, holding the ticket numbered `holding`) may call
/// a ticket out of order.
pub fn may_call(
    counter: &str,
    counter_stages: &[String],
    holding: Option<&str>,
    ticket: TicketFacts<'_>,
    reserved_for: Option<&str>,
) -> Result<(), CallRefusal> {
    counter_after(CounterAction::Call, holding)?;
    check_ticket_action(ticket.state, TicketAction::Call)?;
    if !counter_stages.iter().any(|s| s == ticket.stage) {
        return Err(CallRefusal::NotServed { counter: counter.to_owned(), stage: ticket.stage.to_owned() });
    }
    if reserved_for.is_some_and(|r| r != counter) {
        return Err(CallRefusal::Reserved(ticket.number.to_owned()));
    }
    Ok(())
}

/// A ticket's number: the service's prefix and its place in the service's day, from 001
/// (ARCHITECTURE.md, "Ticket").
pub fn ticket_number(prefix: &str, seq: u32) -> String {
    format!("{prefix}{seq:03}")
}

/// A ticket's id: its day and number, `YYYYMMDD-A001` (unique in an office's data).
pub fn ticket_id(day: NaiveDate, number: &str) -> String {
    format!("{}-{number}", day.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_checked_against_every_state() {
        use TicketAction as A;
        use TicketState as S;
        let states = [S::Waiting, S::Called, S::Serving, S::Done, S::NoShow, S::Cancelled, S::Closed];
        let allowed: &[(A, &[S])] = &[
            (A::Call, &[S::Waiting]),
            (A::Recall, &[S::Called]),
            (A::Start, &[S::Called]),
            (A::Finish, &[S::Called, S::Serving]),
            (A::NoShow, &[S::Called]),
            (A::Requeue, &[S::NoShow]),
            (A::Cancel, &[S::Waiting, S::Called, S::Serving, S::NoShow]),
            (A::Transfer, &[S::Waiting, S::Called, S::Serving]),
        ];
        for (action, ok_states) in allowed {
            for state in states {
                let result = check_ticket_action(state, *action);
                assert_eq!(result.is_ok(), ok_states.contains(&state), "{action:?} on {state:?}");
            }
        }
        let error = check_ticket_action(S::Done, A::Finish).expect_err("refused");
        assert_eq!(error.to_string(), "cannot finish a ticket that is done");
    }

    #[test]
    fn finishing_follows_the_route() {
        let route = vec!["berkas".to_owned(), "wawancara".to_owned()];
        assert_eq!(after_finish(&route, "berkas", None), AfterFinish::NextStage("wawancara".into()));
        assert_eq!(after_finish(&route, "wawancara", None), AfterFinish::Done);
        assert_eq!(after_finish(&route, "pengambilan", None), AfterFinish::Done);
        assert_eq!(
            after_finish(&route, "wawancara", Some("berkas")),
            AfterFinish::NextStage("berkas".into())
        );
    }

    #[test]
    fn a_busy_counter_cannot_call_pause_or_close() {
        assert_eq!(counter_after(CounterAction::Call, None), Ok(CounterState::Open));
        assert_eq!(counter_after(CounterAction::Pause, None), Ok(CounterState::Paused));
        assert_eq!(counter_after(CounterAction::Close, None), Ok(CounterState::Closed));
        assert_eq!(counter_after(CounterAction::Open, Some("A001")), Ok(CounterState::Open));
        for action in [CounterAction::Call, CounterAction::Pause, CounterAction::Close] {
            assert!(matches!(counter_after(action, Some("A001")), Err(CounterRefusal::Busy(_))));
        }
    }
    fn facts(state: TicketState, stage: &'static str, service: &'static str) -> TicketFacts<'static> {
        TicketFacts { number: "A001", state, stage, service }
    }

    #[test]
    fn each_action_plans_its_change() {
        let config = Config::demo();
        let called = facts(TicketState::Called, "berkas", "A");
        let finish = |next: Option<&str>| TicketOp::Finish { next_stage: next.map(str::to_owned) };
        assert_eq!(
            plan(called, finish(None), &config),
            Ok(Change::Enqueue {
                stage: "wawancara".into(),
                reserved_counter: None,
                requeued: false,
                closing: Some(VisitOutcome::NextStage)
            })
        );
        let interview = facts(TicketState::Serving, "wawancara", "A");
        assert_eq!(
            plan(interview, finish(None), &config),
            Ok(Change::Leave { state: TicketState::Done, closing: Some(VisitOutcome::Done) })
        );
        assert_eq!(
            plan(called, TicketOp::NoShow, &config),
            Ok(Change::Leave { state: TicketState::NoShow, closing: Some(VisitOutcome::NoShow) })
        );
        let missed = facts(TicketState::NoShow, "berkas", "A");
        assert_eq!(
            plan(missed, TicketOp::Requeue, &config),
            Ok(Change::Enqueue {
                stage: "berkas".into(),
                reserved_counter: None,
                requeued: true,
                closing: None
            })
        );
        assert_eq!(
            plan(missed, TicketOp::Cancel, &config),
            Ok(Change::Leave { state: TicketState::Cancelled, closing: None }),
            "a no-show's visit is already closed"
        );
        assert_eq!(
            plan(called, TicketOp::Cancel, &config),
            Ok(Change::Leave { state: TicketState::Cancelled, closing: Some(VisitOutcome::Cancelled) })
        );
        let transfer = TicketOp::Transfer { stage: "wawancara".into(), counter: Some("5".into()) };
        assert_eq!(
            plan(called, transfer, &config),
            Ok(Change::Enqueue {
                stage: "wawancara".into(),
                reserved_counter: Some("5".into()),
                requeued: false,
                closing: Some(VisitOutcome::Transferred)
            })
        );
    }

    #[test]
    fn each_refusal_of_an_action_is_named() {
        let config = Config::demo();
        let waiting = facts(TicketState::Waiting, "berkas", "A");
        let refused = plan(waiting, TicketOp::Start, &config).expect_err("not called yet");
        assert_eq!(refused.to_string(), "cannot start a ticket that is waiting (A001)");
        assert!(matches!(refused, ActionRefusal::Transition { .. }));
        let called = facts(TicketState::Called, "berkas", "A");
        assert_eq!(
            plan(called, TicketOp::Finish { next_stage: Some("kasir".into()) }, &config),
            Err(ActionRefusal::UnknownStage("kasir".into()))
        );
        assert_eq!(
            plan(called, TicketOp::Transfer { stage: "kasir".into(), counter: None }, &config),
            Err(ActionRefusal::UnknownStage("kasir".into()))
        );
        assert_eq!(
            plan(called, TicketOp::Transfer { stage: "berkas".into(), counter: Some("99".into()) }, &config),
            Err(ActionRefusal::UnknownCounter("99".into()))
        );
        // Counter 8 serves pickups only.
        assert_eq!(
            plan(called, TicketOp::Transfer { stage: "berkas".into(), counter: Some("8".into()) }, &config),
            Err(ActionRefusal::NotServed { counter: "8".into(), stage: "berkas".into() })
        );
    }

    #[test]
    fn a_counter_calls_out_of_order_only_what_it_may() {
        let berkas = vec!["berkas".to_owned()];
        let waiting = facts(TicketState::Waiting, "berkas", "A");
        assert_eq!(may_call("2", &berkas, None, waiting, None), Ok(()));
        assert_eq!(may_call("2", &berkas, None, waiting, Some("2")), Ok(()));
        assert!(matches!(may_call("2", &berkas, Some("A009"), waiting, None), Err(CallRefusal::Busy(_))));
        let called = facts(TicketState::Called, "berkas", "A");
        assert!(matches!(may_call("2", &berkas, None, called, None), Err(CallRefusal::Transition(_))));
        let interview = facts(TicketState::Waiting, "wawancara", "A");
        assert_eq!(
            may_call("2", &berkas, None, interview, None).map_err(|e| e.to_string()),
            Err("counter 2 does not serve stage wawancara".into())
        );
        assert_eq!(
            may_call("2", &berkas, None, waiting, Some("5")),
            Err(CallRefusal::Reserved("A001".into()))
        );
    }

    #[test]
    fn numbers_and_ids_follow_the_day_and_the_service() {
        assert_eq!(ticket_number("A", 1), "A001");
        assert_eq!(ticket_number("P", 1000), "P1000");
        let day = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        assert_eq!(ticket_id(day, "A001"), "20261125-A001");
        assert_eq!(VisitOutcome::parse("next_stage"), Some(VisitOutcome::NextStage));
        assert_eq!(VisitOutcome::parse("lost"), None);
    }
}
