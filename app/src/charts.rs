//! Bar charts as SVG text, drawn on the server so the organizer's dashboard
//! shows them before (and without) the WebAssembly.

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A vertical bar chart: one bar per label, value printed above it.
pub fn bars(title: &str, labels: &[String], values: &[f64]) -> String {
    let n = labels.len().max(1);
    let (w, h, top, bottom, left) = (640.0, 240.0, 24.0, 44.0, 8.0);
    let max = values.iter().cloned().fold(0.0_f64, f64::max).max(1.0);
    let slot = (w - left * 2.0) / n as f64;
    let bar = (slot * 0.7).max(1.0);
    let plot = h - top - bottom;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\" class=\"chart\"><title>{t}</title>",
        t = esc(title)
    );
    // Thin out labels so they never overlap on long series.
    let every = (n as f64 / 16.0).ceil().max(1.0) as usize;
    for (i, (label, v)) in labels.iter().zip(values).enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let bh = plot * v / max;
        let y = top + plot - bh;
        out.push_str(&format!("<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"#b71c1c\"><title>{}: {}</title></rect>", esc(label), fmt(*v)));
        if *v > 0.0 && n <= 40 {
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                y - 4.0,
                fmt(*v)
            ));
        }
        if i % every == 0 {
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                h - bottom + 16.0,
                esc(label)
            ));
        }
    }
    out.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{x2}\" y2=\"{y:.1}\" stroke=\"#888\"/></svg>",
        y = top + plot,
        x2 = w - left
    ));
    out
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_bar_per_value_and_labels_escaped() {
        let svg = super::bars(
            "Lượt thi <theo ngày>",
            &["13/11".into(), "14/11".into(), "15/11".into()],
            &[3.0, 0.0, 7.0],
        );
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("&lt;theo ngày&gt;"));
        assert!(svg.contains(">7<"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
