//! Bar charts as SVG markup for the report page: drawn on the server, so the page needs no
//! script and the charts look the same in every browser. Labels are escaped.

/// Escapes text for SVG/HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const COLORS: [&str; 3] = ["#0b3d91", "#f2b600", "#0a7d38"];

/// A grouped bar chart: one group per (label, values), one colour per series in `legend`.
pub fn bars(title: &str, legend: &[&str], groups: &[(String, Vec<f64>)]) -> String {
    let (width, height, left, bottom, top) = (640.0, 240.0, 36.0, 28.0, 34.0);
    let plot_w = width - left - 10.0;
    let plot_h = height - bottom - top;
    let max = groups.iter().flat_map(|(_, v)| v.iter().copied()).fold(0.0f64, f64::max).max(1.0);
    let series = groups.first().map_or(1, |(_, v)| v.len()).max(1);
    let slot = plot_w / groups.len().max(1) as f64;
    let bar = slot * 0.8 / series as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <text x=\"{left}\" y=\"18\" font-size=\"14\" font-weight=\"700\" fill=\"#1a1a1a\">{t}</text>",
        t = escape(title)
    );
    for (j, name) in legend.iter().enumerate() {
        let x = width - 150.0;
        let y = 10.0 + j as f64 * 14.0;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{y}\" width=\"10\" height=\"10\" fill=\"{c}\"/><text x=\"{tx}\" y=\"{ty}\" font-size=\"11\" fill=\"#1a1a1a\">{n}</text>",
            c = COLORS[j % COLORS.len()],
            tx = x + 14.0,
            ty = y + 9.0,
            n = escape(name)
        ));
    }
    let base = top + plot_h;
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{base}\" x2=\"{x2}\" y2=\"{base}\" stroke=\"#5b6270\"/>",
        x2 = left + plot_w
    ));
    for (i, (label, values)) in groups.iter().enumerate() {
        for (j, value) in values.iter().enumerate() {
            let h = value / max * plot_h;
            let x = left + i as f64 * slot + slot * 0.1 + j as f64 * bar;
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{c}\"><title>{v}</title></rect>",
                y = base - h,
                w = bar * 0.92,
                c = COLORS[j % COLORS.len()],
                v = value
            ));
            if *value > 0.0 {
                svg.push_str(&format!(
                    "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"10\" fill=\"#1a1a1a\">{value}</text>",
                    y = base - h - 3.0
                ));
            }
        }
        svg.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{y}\" font-size=\"11\" fill=\"#5b6270\">{l}</text>",
            x = left + i as f64 * slot + slot * 0.1,
            y = base + 16.0,
            l = escape(label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_one_bar_per_value_and_escapes_labels() {
        let svg =
            bars("Per <jam>", &["a", "b"], &[("08".into(), vec![4.0, 7.0]), ("09".into(), vec![0.0, 2.0])]);
        assert_eq!(svg.matches("<rect").count(), 2 + 4, "two legend boxes and four bars");
        assert!(svg.contains("Per &lt;jam&gt;") && !svg.contains("<jam>"));
    }
}
