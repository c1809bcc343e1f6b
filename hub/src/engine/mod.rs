//! # The queue engine
//!
//! The office's queue rules as pure functions: no I/O, no clock, no storage. An operation
//! loads what a decision needs, asks the engine, and has the store carry out the answer in the
//! same transaction. Each rule's source is ARCHITECTURE.md.
//!
//! - [`order`]: the call order within a stage (priority, effective time, queue order), "call
//!   next" for a counter, a ticket's place and estimated wait.
//! - [`admission`]: check-in (the office, the date, the arrival window, reprints, the effective
//!   time) and the walk-in quota.
//! - [`actions`]: what staff may do to a ticket or a counter and what each action changes;
//!   ticket numbers.

pub mod actions;
pub mod admission;
pub mod order;

pub use actions::{
    ActionRefusal, AfterFinish, CallRefusal, Change, CounterAction, CounterRefusal, InvalidTransition,
    TicketAction, TicketFacts, TicketOp, VisitOutcome,
};
pub use admission::{Admission, ArrivalWindow, CheckinRefusal, Presented, SlotTimes, WalkInRefusal};
pub use order::{PriorityPolicy, QueueEntry};
