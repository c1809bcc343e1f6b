//! The screen through egui_kittest's accessibility tree: after a `called` event the number
//! and the counter are on screen; the connection mark shows when the hub is away.

use antrian_display::state::DisplayState;
use antrian_display::ui::{self, Theme};
use antrian_proto::events::CalledEvent;
use antrian_proto::{EventEnvelope, HubEvent};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn called(id: u64, number: &str, counter: &str) -> EventEnvelope {
    EventEnvelope {
        id,
        event: HubEvent::Called(CalledEvent {
            ticket_id: format!("t-{number}"),
            number: number.into(),
            counter: counter.into(),
            counter_name: format!("Loket {counter}"),
            stage: "berkas".into(),
            at: chrono::DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time"),
            recall: 0,
        }),
    }
}

fn harness(state: DisplayState) -> Harness<'static, DisplayState> {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time");
    Harness::builder().with_size([1920.0, 1080.0]).build_ui_state(
        move |ui, state: &mut DisplayState| {
            ui::draw(
                ui,
                &ui::Frame { state, now, highlight: true, running_text: "Waspada calo!", theme: Theme::Dark },
            )
        },
        state,
    )
}

#[test]
fn a_call_shows_its_number_and_counter() {
    let mut state = DisplayState {
        office_name: "Kantor Imigrasi Jakarta Selatan".into(),
        connected: true,
        ..Default::default()
    };
    state.apply(&called(1, "A011", "2"));
    state.apply(&called(2, "A012", "3"));
    let mut harness = harness(state);
    harness.run();
    assert!(harness.query_all_by_label("A012").count() >= 1);
    harness.get_by_label("Silakan menuju Loket 3");
    harness.get_by_label("Rabu, 25 November 2026 09:05");
    harness.get_by_label("Kantor Imigrasi Jakarta Selatan");
    assert!(harness.query_by_label_contains("terputus").is_none(), "connected: no warning");
    // A newer call replaces it as the latest; the older one moves to the recent list.
    harness.state_mut().apply(&called(3, "B001", "5"));
    harness.run();
    assert!(harness.query_all_by_label("B001").count() >= 1);
    harness.get_by_label("Silakan menuju Loket 5");
    assert!(harness.query_by_label("Silakan menuju Loket 3").is_none(), "the latest call changed");
    assert!(harness.query_all_by_label("A012").count() >= 1, "A012 is still listed");
}

#[test]
fn a_lost_connection_is_marked_and_the_last_state_stays() {
    let mut state = DisplayState { office_name: "Kantor".into(), connected: false, ..Default::default() };
    state.apply(&called(1, "C007", "1"));
    let mut harness = harness(state);
    harness.run();
    harness.get_by_label_contains("Koneksi terputus");
    assert!(harness.query_all_by_label("C007").count() >= 1, "the last state stays on screen");
}
