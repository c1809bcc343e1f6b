//! The screen through egui_kittest's accessibility tree: after a `called` event the number
//! and the counter are on screen; the connection mark shows when the hub is away.

use antrian_display::state::DisplayState;
use antrian_display::ui::{self, Theme};
use antrian_proto::CounterState;
use antrian_proto::events::{CalledEvent, CounterEvent};
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
    harness_sized(state, [1920.0, 1080.0])
}

fn harness_sized(state: DisplayState, size: [f32; 2]) -> Harness<'static, DisplayState> {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").expect("time");
    Harness::builder().with_size(size).build_ui_state(
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

#[test]
fn the_number_and_its_counter_stay_on_one_line_on_any_screen() {
    // A portrait TV, a small monitor and the usual landscape TV; a long counter name.
    for size in [
        [1080.0, 1920.0],
        [1080.0, 1350.0],
        [1080.0, 1080.0],
        [1024.0, 600.0],
        [800.0, 600.0],
        [1920.0, 1080.0],
    ] {
        let office = "Kantor Imigrasi Kelas I Khusus TPI Jakarta Selatan";
        let mut state = DisplayState { office_name: office.into(), connected: true, ..Default::default() };
        for counter in 1..=10 {
            let (state_now, ticket) = match counter {
                1 => (CounterState::Closed, None),
                2 => (CounterState::Paused, None),
                n => (CounterState::Open, Some(format!("A{n:03}"))),
            };
            state.apply(&EventEnvelope {
                id: counter,
                event: HubEvent::Counter(CounterEvent {
                    counter: counter.to_string(),
                    state: state_now,
                    ticket_id: ticket.as_ref().map(|t| format!("t-{t}")),
                    ticket,
                }),
            });
        }
        for (id, name, count) in [
            ("berkas", "Pemeriksaan Berkas", 7),
            ("foto", "Foto & Wawancara", 12),
            ("ambil", "Pengambilan Paspor", 3),
        ] {
            state.stage_names.insert(id.into(), name.into());
            state.waiting.insert(id.into(), count);
        }
        // A full list of recent calls.
        for (n, id) in (90..98).enumerate() {
            state.apply(&called(id, &format!("B{:03}", n + 1), &(n + 3).to_string()));
        }
        let mut call = called(100, "W123", "12");
        if let HubEvent::Called(c) = &mut call.event {
            c.counter_name = "Loket Pengambilan Paspor 12".into();
        }
        state.apply(&call);
        let mut harness = harness_sized(state, size);
        harness.run();
        let [width, height] = size;
        // The largest of the labels showing the number is the latest call.
        let number = harness
            .query_all_by_label("W123")
            .map(|n| n.rect())
            .max_by(|a, b| a.height().total_cmp(&b.height()))
            .expect("the number is shown");
        // Side by side on a landscape screen, full width on a portrait one.
        let panel = if height > width { width } else { width / 2.0 };
        assert!(number.width() <= panel, "{size:?}: the number fits its panel: {number:?}");
        assert!(number.height() <= height * 0.4, "{size:?}: the number is one line: {number:?}");
        assert!(number.height() >= width.min(height) * 0.15, "{size:?}: and still large: {number:?}");
        let sentence = harness.get_by_label("Silakan menuju Loket Pengambilan Paspor 12").rect();
        assert!(sentence.width() <= panel, "{size:?}: the sentence fits: {sentence:?}");
        assert!(sentence.height() <= height * 0.08, "{size:?}: the sentence is one line: {sentence:?}");
        // Every counter's tile whole on screen, its name on one line.
        for counter in 1..=10 {
            let tile = harness.get_by_label(&format!("Loket {counter}")).rect();
            assert!(tile.height() <= height * 0.05, "{size:?}: Loket {counter} on one line: {tile:?}");
            assert!(
                tile.right() <= width && tile.bottom() <= height,
                "{size:?}: Loket {counter} on screen: {tile:?}"
            );
        }
        harness.get_by_label("Istirahat");
        // The waiting counts and the running text along the bottom: on screen, and apart
        // (on a square screen the counts were drawn under the running text).
        let running = harness.get_by_label("Waspada calo!").rect();
        assert!(running.bottom() <= height + 0.5, "{size:?}: running text on screen: {running:?}");
        for stage in ["Pemeriksaan Berkas: 7", "Foto & Wawancara: 12", "Pengambilan Paspor: 3"] {
            let count = harness.get_by_label_contains(stage).rect();
            assert!(
                count.bottom() <= running.top() + 0.5 && count.right() <= width + 0.5,
                "{size:?}: {stage} {count:?} on screen, above the running text {running:?}"
            );
        }
        // The office name gives way to the clock (beside it, or on a row of its own), at a
        // readable size.
        let name = harness.get_by_label(office).rect();
        let clock = harness.get_by_label("Rabu, 25 November 2026 09:05").rect();
        assert!(!name.intersects(clock), "{size:?}: name {name:?} and clock {clock:?} apart");
        assert!(name.height() >= clock.height() * 0.8, "{size:?}: name {name:?} readable beside {clock:?}");
    }
}
