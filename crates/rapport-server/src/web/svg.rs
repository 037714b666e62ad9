//! Charts drawn as SVG on the server: nothing is fetched from anywhere else. Every label
//! is escaped; the output is safe to embed in a page.

use std::fmt::Write;

/// Escapes text for SVG/HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A line chart of scores 0–100 over days; gaps where the score is unknown.
pub fn trend(points: &[(String, Option<u8>)], title: &str) -> String {
    let (w, h, pad) = (320.0_f64, 120.0_f64, 24.0_f64);
    let n = points.len().max(2) as f64 - 1.0;
    let x = |i: usize| pad + (w - 2.0 * pad) * (i as f64) / n;
    let y = |s: u8| h - pad - (h - 2.0 * pad) * f64::from(s) / 100.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for s in [0u8, 50, 100] {
        let _ = write!(
            svg,
            r#"<line x1="{pad}" x2="{}" y1="{y}" y2="{y}" class="grid"/><text x="2" y="{}" class="axis">{s}</text>"#,
            w - pad,
            y(s) + 4.0,
            y = y(s)
        );
    }
    let mut path = String::new();
    let mut pen_down = false;
    for (i, (_, s)) in points.iter().enumerate() {
        match s {
            Some(s) => {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(*s)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        let _ = write!(svg, r#"<path d="{}" class="line"/>"#, path.trim_end());
    }
    for (i, (day, s)) in points.iter().enumerate() {
        if let Some(s) = s {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" class="dot"><title>{}: {s}</title></circle>"#,
                x(i),
                y(*s),
                esc(day)
            );
        }
    }
    if let (Some((first, _)), Some((last, _))) = (points.first(), points.last()) {
        let _ = write!(
            svg,
            r#"<text x="{pad}" y="{}" class="axis">{}</text><text x="{}" y="{}" class="axis" text-anchor="end">{}</text>"#,
            h - 4.0,
            esc(first),
            w - pad,
            h - 4.0,
            esc(last)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal bar chart of labelled counts.
pub fn bars(items: &[(String, f64)], title: &str) -> String {
    let row = 26.0_f64;
    let (w, label_w) = (320.0_f64, 110.0_f64);
    let h = row * items.len().max(1) as f64 + 8.0;
    let max = items
        .iter()
        .map(|(_, v)| *v)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let bw = (w - label_w - 40.0) * v / max;
        let _ = write!(
            svg,
            r#"<text x="0" y="{}" class="label">{}</text><rect x="{label_w}" y="{y}" width="{bw:.1}" height="{}" class="bar"/><text x="{:.1}" y="{}" class="value">{}</text>"#,
            y + 16.0,
            esc(label),
            row - 8.0,
            label_w + bw + 4.0,
            y + 16.0,
            format_number(*v)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn format_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A person at the centre with their ties around: line width by strength.
pub fn ego(center: &str, around: &[(String, f64)], title: &str) -> String {
    let (w, h) = (360.0_f64, 300.0_f64);
    let (cx, cy, r) = (w / 2.0, h / 2.0, 110.0_f64);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart graph" viewBox="0 0 {w} {h}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    let n = around.len().max(1) as f64;
    let points: Vec<(f64, f64)> = (0..around.len())
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect();
    for ((_, strength), (x, y)) in around.iter().zip(&points) {
        let _ = write!(
            svg,
            r#"<line x1="{cx}" y1="{cy}" x2="{x:.1}" y2="{y:.1}" class="edge" stroke-width="{:.1}"/>"#,
            strength.clamp(0.5, 6.0)
        );
    }
    for ((name, strength), (x, y)) in around.iter().zip(&points) {
        let _ = write!(
            svg,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="6" class="node"><title>{}: strength {strength:.1}</title></circle><text x="{x:.1}" y="{:.1}" class="label" text-anchor="middle">{}</text>"#,
            esc(name),
            y + 18.0,
            esc(name)
        );
    }
    let _ = write!(
        svg,
        r#"<circle cx="{cx}" cy="{cy}" r="10" class="node me"/><text x="{cx}" y="{:.1}" class="label strong" text-anchor="middle">{}</text></svg>"#,
        cy + 26.0,
        esc(center)
    );
    svg
}

/// One person on a stakeholder grid: name, power 1–5, interest 1–5, attitude −2..2.
pub type GridPerson = (String, u8, u8, i8);

/// How many people one cell of the grid shows as dots; more are counted on a last dot.
const DOTS_PER_CELL: usize = 9;

/// A name's initials as a dot's label: the first letters of its first and last words.
fn initials(name: &str) -> String {
    let mut words = name.split_whitespace();
    let first = words.next().and_then(|w| w.chars().next());
    let last = words.next_back().and_then(|w| w.chars().next());
    first
        .into_iter()
        .chain(last)
        .flat_map(char::to_uppercase)
        .collect()
}

/// The power × interest grid: 5 × 5 cells in four quadrants, each person a dot with their
/// initials in the cell of their power and interest, coloured by attitude (opposed,
/// neutral, supportive), their name and levels in the dot's tooltip. People sharing a
/// cell sit side by side, three to a row; past nine, the last dot counts the rest.
pub fn stakeholder_grid(people: &[GridPerson], title: &str) -> String {
    let (w, h, pad) = (400.0_f64, 400.0_f64, 40.0_f64);
    let cell = (w - 2.0 * pad) / 5.0;
    let left = |interest: u8| pad + cell * f64::from(interest.clamp(1, 5) - 1);
    let top = |power: u8| h - pad - cell * f64::from(power.clamp(1, 5));
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart grid-map" viewBox="0 0 {w} {h}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    let mid_x = pad + (w - 2.0 * pad) / 2.0;
    let mid_y = pad + (h - 2.0 * pad) / 2.0;
    let span = w - 2.0 * pad;
    let half = span / 2.0;
    for (qx, qy, label) in [
        (pad, pad, "keep satisfied"),
        (mid_x, pad, "manage closely"),
        (pad, mid_y, "monitor"),
        (mid_x, mid_y, "keep informed"),
    ] {
        let _ = write!(
            svg,
            r#"<rect x="{qx}" y="{qy}" width="{half}" height="{half}" class="quadrant"/><text x="{}" y="{}" class="qlabel">{label}</text>"#,
            qx + 6.0,
            qy + 14.0
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{mid_x}" y="{}" class="axis" text-anchor="middle">interest →</text><text x="14" y="{mid_y}" class="axis" transform="rotate(-90 14 {mid_y})" text-anchor="middle">power →</text>"#,
        h - 10.0
    );
    let mut cells: std::collections::BTreeMap<(u8, u8), Vec<&GridPerson>> = Default::default();
    for p in people {
        cells.entry((p.1, p.2)).or_default().push(p);
    }
    let step = cell / 3.0;
    for ((power, interest), here) in cells {
        let shown = if here.len() > DOTS_PER_CELL {
            DOTS_PER_CELL - 1
        } else {
            here.len()
        };
        let at = |k: usize| {
            (
                left(interest) + step * (k % 3) as f64 + step / 2.0,
                // The quadrant's label sits in the top cells' first row: fill from below.
                top(power) + cell - step * (k / 3) as f64 - step / 2.0,
            )
        };
        for (k, (name, _, _, attitude)) in here.iter().take(shown).enumerate() {
            let (cx, cy) = at(k);
            let mood = match attitude {
                a if *a < 0 => "opposed",
                0 => "neutral",
                _ => "supportive",
            };
            let _ = write!(
                svg,
                r#"<g class="stake {mood}"><title>{}: power {power}, interest {interest}, attitude {attitude:+}</title><circle cx="{cx:.1}" cy="{cy:.1}" r="10" class="node"/><text x="{cx:.1}" y="{:.1}" class="initials" text-anchor="middle">{}</text></g>"#,
                esc(name),
                cy + 3.5,
                esc(&initials(name))
            );
        }
        if here.len() > shown {
            let (cx, cy) = at(shown);
            let rest = here.len() - shown;
            let _ = write!(
                svg,
                r#"<g class="stake more"><title>{rest} more: power {power}, interest {interest}</title><circle cx="{cx:.1}" cy="{cy:.1}" r="10" class="node"/><text x="{cx:.1}" y="{:.1}" class="initials" text-anchor="middle">+{rest}</text></g>"#,
                cy + 3.5
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        let s = bars(&[("<script>".into(), 3.0)], "a\"b");
        assert!(!s.contains("<script>"));
        assert!(s.contains("&lt;script&gt;"));
        assert!(s.contains("a&quot;b"));
    }

    #[test]
    fn grid_places_and_escapes_people() {
        let s = stakeholder_grid(
            &[("<b>A</b>".into(), 5, 5, -1), ("Bea Bold".into(), 1, 1, 2)],
            "g",
        );
        assert_eq!(s.matches("<circle").count(), 2);
        assert!(s.contains("&lt;b&gt;A&lt;/b&gt;: power 5, interest 5, attitude -1"));
        assert!(s.contains(">BB</text>") && s.contains("stake opposed"));
        assert!(s.contains("manage closely") && s.contains("monitor"));
        let e = ego("Me & you", &[("X".into(), 3.0)], "e");
        assert!(e.contains("Me &amp; you") && e.contains("<line"));
    }

    #[test]
    fn grid_cells_hold_nine_dots_and_count_the_rest() {
        let crowd: Vec<GridPerson> = (0..12)
            .map(|n| (format!("Person {n}"), 4, 4, 0))
            .chain([("Zed Zero".to_string(), 1, 5, 1)])
            .collect();
        let s = stakeholder_grid(&crowd, "g");
        assert_eq!(
            s.matches("<circle").count(),
            10,
            "9 in the crowded cell, 1 alone"
        );
        assert!(s.contains(">+4</text>"), "8 shown, the ninth dot counts 4");
        // No two dots at the same place.
        let mut centres: Vec<&str> = s
            .split("<circle ")
            .skip(1)
            .map(|c| c.split(" r=").next().unwrap_or_default())
            .collect();
        let n = centres.len();
        centres.sort();
        centres.dedup();
        assert_eq!(centres.len(), n);
        assert_eq!(initials("María José  de la Cruz"), "MC");
        assert_eq!(initials("Ünal"), "Ü");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn trend_draws_known_points_and_skips_gaps() {
        let s = trend(
            &[
                ("d1".into(), Some(80)),
                ("d2".into(), None),
                ("d3".into(), Some(40)),
            ],
            "t",
        );
        assert_eq!(s.matches("<circle").count(), 2);
        assert_eq!(s.matches('M').count(), 2, "a gap lifts the pen: {s}");
    }
}
