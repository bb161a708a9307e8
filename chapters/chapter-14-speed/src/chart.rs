//! The benchmark's chart: per runtime, its median time per event (blue)
//! and its own CPU per event (orange, thinner), on a logarithmic scale (the
//! bash original and a native runtime are a hundred times apart). Where the
//! two differ, the runtime was waiting: for the local Lambda, for a wake-up.
//! Written as plain SVG, so the book can show it and git can diff it.

use std::fmt::Write;

/// One row: a runtime, its median time per event and its own CPU per
/// event, in microseconds (the floor has no CPU figure of its own).
pub struct Bar {
    pub label: String,
    pub micros: f64,
    pub cpu_micros: Option<f64>,
}

const WIDTH: f64 = 760.0;
const LABEL_WIDTH: f64 = 300.0;
const BAR_HEIGHT: f64 = 34.0;
const TOP: f64 = 64.0;

/// The chart as an SVG document; `machine` says where it was measured.
pub fn svg(title: &str, machine: &str, bars: &[Bar]) -> String {
    let (low, high) = decades(bars);
    let plot = WIDTH - LABEL_WIDTH - 90.0;
    let x = |micros: f64| {
        LABEL_WIDTH + plot * (micros.max(low).log10() - low.log10()) / (high.log10() - low.log10())
    };
    let height = TOP + BAR_HEIGHT * bars.len() as f64 + 40.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="10" y="22" font-size="16" font-weight="bold">{}</text>"#,
        escape(title)
    );
    let _ = writeln!(
        out,
        r##"<text x="10" y="42" fill="#555">{}</text>"##,
        escape(machine)
    );
    let mut decade = low;
    while decade <= high * 1.0001 {
        let at = x(decade);
        let _ = writeln!(
            out,
            r##"<line x1="{at:.1}" y1="{TOP}" x2="{at:.1}" y2="{:.1}" stroke="#ddd"/><text x="{at:.1}" y="{:.1}" text-anchor="middle" fill="#555">{}</text>"##,
            height - 34.0,
            height - 18.0,
            duration_label(decade)
        );
        decade *= 10.0;
    }
    for (row, bar) in bars.iter().enumerate() {
        let y = TOP + BAR_HEIGHT * row as f64;
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_WIDTH - 8.0,
            y + 17.0,
            escape(&bar.label)
        );
        bar_rect(
            &mut out,
            y + 4.0,
            16.0,
            x(bar.micros),
            "#4a78b5",
            bar.micros,
        );
        if let Some(cpu) = bar.cpu_micros {
            bar_rect(&mut out, y + 22.0, 7.0, x(cpu), "#e08a2c", cpu);
        }
    }
    let _ = writeln!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555">blue: median time per event; orange: the runtime's own CPU per event (log scale)</text>"##,
        LABEL_WIDTH + plot / 2.0,
        height - 2.0
    );
    out.push_str("</svg>\n");
    out
}

/// One bar from the axis to `end`, labelled with its value.
fn bar_rect(out: &mut String, y: f64, height: f64, end: f64, colour: &str, micros: f64) {
    let _ = writeln!(
        out,
        r#"<rect x="{LABEL_WIDTH}" y="{y:.1}" width="{:.1}" height="{height:.1}" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="{}">{}</text>"#,
        (end - LABEL_WIDTH).max(1.0),
        end + 6.0,
        y + height - 2.0,
        if height > 10.0 { 13 } else { 10 },
        duration_label(micros)
    );
}

/// The powers of ten just below the smallest bar and just above the largest.
fn decades(bars: &[Bar]) -> (f64, f64) {
    let smallest = bars
        .iter()
        .map(|bar| bar.micros)
        .fold(f64::INFINITY, f64::min);
    let largest = bars.iter().map(|bar| bar.micros).fold(1.0, f64::max);
    let low = 10f64.powf(smallest.max(1.0).log10().floor());
    let high = 10f64.powf(largest.log10().ceil()).max(low * 10.0);
    (low, high)
}

/// A duration in microseconds, in the unit that reads best.
pub fn duration_label(micros: f64) -> String {
    if micros >= 1000.0 {
        format!("{:.1} ms", micros / 1000.0)
    } else {
        format!("{micros:.0} µs")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_as_long_as_their_logarithm_and_labelled() {
        let bars = [
            Bar {
                label: "slow <bash>".into(),
                micros: 30_000.0,
                cpu_micros: None,
            },
            Bar {
                label: "fast".into(),
                micros: 300.0,
                cpu_micros: Some(150.0),
            },
        ];
        let chart = svg("title", "a machine", &bars);
        assert!(chart.starts_with("<svg") && chart.ends_with("</svg>\n"));
        assert!(chart.contains("slow &lt;bash&gt;"));
        assert!(chart.contains(">30.0 ms<") && chart.contains(">300 µs<"));
        // 100 µs to 100 ms: three decades over 370 px; 300 µs is about a sixth of the way.
        let widths: Vec<f64> = chart
            .match_indices(r##"fill="#4a78b5""##)
            .map(|(at, _)| {
                let before = &chart[..at];
                let width = before.rsplit("width=\"").next().unwrap();
                width.split('"').next().unwrap().parse().unwrap()
            })
            .collect();
        assert_eq!(widths.len(), 2);
        assert_eq!(
            chart.matches(r##"fill="#e08a2c""##).count(),
            1,
            "one CPU bar"
        );
        assert!(chart.contains(">150 µs<"));
        assert!(
            (widths[0] / widths[1] - (2.477 / 0.477)).abs() < 0.05,
            "{widths:?}"
        );
    }
}
