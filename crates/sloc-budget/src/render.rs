//! Status and reports as text: tables for people (with colour when asked), Markdown for a
//! review document, JSON for scripts, and the budget burn-down as SVG.

use crate::report::{Compliance, Report};
use crate::status::Status;
use crate::time::format_time;

/// How a table is printed for people.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// ANSI colours (a terminal without `NO_COLOR`).
    pub color: bool,
    /// The terminal's width: columns are dropped, least useful first, to fit.
    pub width: Option<usize>,
    /// Unix seconds now, to say how long alerts have been active.
    pub now: i64,
}

#[derive(Clone, Copy, PartialEq)]
enum Tone {
    Plain,
    Good,
    Warn,
    Bad,
}

struct Cell {
    text: String,
    tone: Tone,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), tone: Tone::Plain }
}

fn toned(text: impl Into<String>, tone: Tone) -> Cell {
    Cell { text: text.into(), tone }
}

/// `99.953%`: as many decimals as an objective of this precision needs.
pub fn percent(ratio: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, ratio * 100.0)
}

/// Decimals that show an SLI against `objective`: 3 for 99.9%, 2 for 99% and 95%.
fn sli_decimals(objective: f64) -> usize {
    let budget = (1.0 - objective).max(1e-9);
    ((-budget.log10() - 1e-9).ceil().max(0.0) as usize).min(6)
}

/// `6.05M`, `12.3k`, `987`.
pub fn count(n: f64) -> String {
    let (value, unit) = match n.abs() {
        a if a >= 1e9 => (n / 1e9, "G"),
        a if a >= 1e6 => (n / 1e6, "M"),
        a if a >= 1e4 => (n / 1e3, "k"),
        _ => return format!("{}", n.round()),
    };
    format!("{value:.3}").trim_end_matches('0').trim_end_matches('.').to_string() + unit
}

/// `6d 9h`, `3h 20m`, `45m`, `30s`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    let (d, h, m) = (s / 86_400, s / 3600 % 24, s / 60 % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) if d < 100 => format!("{d}d {h}h"),
        (d, _, _) => format!("{d}d"),
    }
}

fn name(service: &str, slo: &str, labels: &crate::Labels) -> String {
    let groups: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if groups.is_empty() { format!("{service}/{slo}") } else { format!("{service}/{slo} {}", groups.join(",")) }
}

/// The status table: one line per objective and group, the notes below it.
pub fn status_table(rows: &[Status], style: Style) -> String {
    // The tiers' long windows: the burn rates that decide the alerts (JSON has every window).
    let mut windows: Vec<(u64, String)> = Vec::new();
    for r in rows {
        for w in &r.long_windows {
            let millis = sloc_promql::parse_duration(w).map_or(0, |d| d.millis());
            if !windows.iter().any(|(_, n)| n == w) {
                windows.push((millis, w.clone()));
            }
        }
    }
    windows.sort();
    let mut header = vec!["OBJECTIVE", "TARGET", "SLI", "BUDGET"];
    let burn_headers: Vec<String> = windows.iter().map(|(_, w)| format!("BURN {w}")).collect();
    header.extend(burn_headers.iter().map(String::as_str));
    header.extend(["ALERTS", "RUNS OUT", "EVENTS"]);
    let mut table: Vec<Vec<Cell>> = Vec::new();
    let mut notes = Vec::new();
    for r in rows {
        let decimals = sli_decimals(r.objective);
        let name = name(&r.service, &r.slo, &r.labels);
        let mut line = vec![
            cell(name.clone()),
            cell(format!("{} {}", percent(r.objective, decimals.saturating_sub(2)), r.period)),
        ];
        let missing =
            || if r.invalid_data.is_some() { toned("invalid", Tone::Bad) } else { toned("no data", Tone::Warn) };
        line.push(match r.sli {
            Some(sli) => toned(percent(sli, decimals), if sli >= r.objective { Tone::Good } else { Tone::Bad }),
            None => missing(),
        });
        line.push(match r.budget_remaining {
            Some(b) => toned(
                percent(b, 1),
                if b < 0.0 {
                    Tone::Bad
                } else if b < 0.25 {
                    Tone::Warn
                } else {
                    Tone::Good
                },
            ),
            None => missing(),
        });
        for (_, w) in &windows {
            line.push(match r.burn_rates.get(w).copied().flatten() {
                Some(b) => toned(format!("{b:.2}"), if b > 1.0 { Tone::Warn } else { Tone::Plain }),
                None => cell("-"),
            });
        }
        // The most severe active tier (tiers are listed most severe first), and how many more.
        let active: Vec<(&String, &String)> =
            r.tiers.iter().filter_map(|t| r.alerts.get(t).filter(|s| *s != "inactive").map(|s| (t, s))).collect();
        line.push(match active.first() {
            None => cell("-"),
            Some((severity, state)) => {
                let since = r
                    .alerts_since
                    .get(*severity)
                    .and_then(|t| crate::time::parse_time(t).ok())
                    .map(|t| format!(" {}", duration((style.now - t) as f64)))
                    .unwrap_or_default();
                let more = if active.len() > 1 { format!(" +{}", active.len() - 1) } else { String::new() };
                let tone = if active.iter().any(|(_, s)| *s == "firing") { Tone::Bad } else { Tone::Warn };
                toned(format!("{severity} {state}{since}{more}"), tone)
            }
        });
        line.push(match r.time_to_exhaustion {
            Some(0.0) => toned("spent", Tone::Bad),
            Some(s) if s < 3.0 * 86_400.0 => toned(duration(s), Tone::Warn),
            Some(s) if s > 365.0 * 86_400.0 => cell("> 1y"),
            Some(s) => cell(duration(s)),
            None => cell("-"),
        });
        line.push(cell(r.events.map_or("-".to_string(), count)));
        if let Some(invalid) = &r.invalid_data {
            notes.push(format!(
                "{name}: invalid data from the server ({invalid}): check the recording rules and the SLI"
            ));
        }
        if let Some(missing) = &r.missing_rules {
            notes.push(format!("{name}: {missing}"));
        } else if r.no_data {
            notes.push(format!("{name}: no data (no traffic over the period, or the rules have not run yet)"));
        }
        if r.too_few_events {
            notes.push(format!("{name}: too few events over the period: a single failure spends the budget"));
        }
        table.push(line);
    }
    let mut out = render_table(&header, table, style, &["EVENTS"]);
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            out.push_str(&note);
            out.push('\n');
        }
    }
    out
}

/// Columns, each as wide as its widest cell; when a width is given and the table is wider,
/// the droppable columns go first, then the burn rates but the first.
fn render_table(header: &[&str], mut rows: Vec<Vec<Cell>>, style: Style, droppable: &[&str]) -> String {
    let mut keep: Vec<bool> = vec![true; header.len()];
    let widths = |rows: &[Vec<Cell>]| -> Vec<usize> {
        (0..header.len())
            .map(|i| rows.iter().map(|r| r[i].text.chars().count()).chain([header[i].len()]).max().unwrap_or(0))
            .collect()
    };
    let width = widths(&rows);
    let total = |keep: &[bool]| -> usize { width.iter().zip(keep).filter(|(_, k)| **k).map(|(w, _)| w + 2).sum() };
    if let Some(limit) = style.width {
        // The longest windows go first; the shortest (the page's) stays.
        let burns: Vec<usize> = (0..header.len()).filter(|i| header[*i].starts_with("BURN ")).skip(1).collect();
        let order: Vec<usize> =
            (0..header.len()).filter(|i| droppable.contains(&header[*i])).chain(burns.into_iter().rev()).collect();
        for i in order {
            if total(&keep) <= limit {
                break;
            }
            keep[i] = false;
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<(String, Tone)>| {
        let last = cells.len().saturating_sub(1);
        for (i, ((text, tone), w)) in
            cells.into_iter().zip(width.iter().zip(&keep).filter(|(_, k)| **k).map(|(w, _)| *w)).enumerate()
        {
            let pad = if i == last { 0 } else { w + 2 - text.chars().count() };
            let colored = match (style.color, tone) {
                (true, Tone::Good) => format!("\x1b[32m{text}\x1b[0m"),
                (true, Tone::Warn) => format!("\x1b[33m{text}\x1b[0m"),
                (true, Tone::Bad) => format!("\x1b[31m{text}\x1b[0m"),
                _ => text,
            };
            out.push_str(&colored);
            out.push_str(&" ".repeat(pad));
        }
        out.truncate(out.trim_end_matches(' ').len());
        out.push('\n');
    };
    line(header.iter().zip(&keep).filter(|(_, k)| **k).map(|(h, _)| (h.to_string(), Tone::Plain)).collect());
    for row in rows.drain(..) {
        line(row.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| (c.text, c.tone)).collect());
    }
    out
}

/// The tiers that fired, most severe first, and for how long.
fn firing_text(c: &Compliance, tiers: &[String]) -> String {
    let fired: Vec<String> = tiers
        .iter()
        .filter_map(|t| c.firing_minutes.get(t).filter(|m| **m > 0.0).map(|m| format!("{t} {}", duration(m * 60.0))))
        .collect();
    if fired.is_empty() { "-".into() } else { fired.join(", ") }
}

fn report_rows(report: &Report) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for o in &report.objectives {
        let line = |c: &Compliance, gaps: Option<f64>| -> Vec<Cell> {
            let decimals = sli_decimals(o.objective);
            vec![
                cell(name(&o.service, &o.slo, &c.labels)),
                cell(percent(o.objective, decimals.saturating_sub(2))),
                match (c.sli, &c.invalid_data) {
                    (Some(s), _) => toned(percent(s, decimals), if s >= o.objective { Tone::Good } else { Tone::Bad }),
                    (None, Some(_)) => toned("invalid", Tone::Bad),
                    (None, None) => toned("no data", Tone::Warn),
                },
                match c.budget_consumed {
                    Some(b) => toned(percent(b, 1), if b > 1.0 { Tone::Bad } else { Tone::Plain }),
                    None => cell("-"),
                },
                cell(c.events.map_or("-".to_string(), count)),
                cell(firing_text(c, &o.tiers)),
                cell(
                    c.worst_day
                        .as_ref()
                        .map_or("-".to_string(), |d| format!("{} ({})", d.date, percent(d.sli, decimals))),
                ),
                cell(gaps.map_or(String::new(), |g| if g > 0.0 { duration(g * 60.0) } else { "none".into() })),
                cell(match (&c.invalid_data, o.weighting) {
                    (Some(what), _) => format!("invalid data from the server: {what}"),
                    (None, crate::report::Weighting::Time) => "time-weighted: the objective records only ratios".into(),
                    _ => String::new(),
                }),
            ]
        };
        rows.push(line(&o.total, Some(o.gap_minutes)));
        for g in &o.groups {
            rows.push(line(g, None));
        }
    }
    rows
}

const REPORT_HEADER: &[&str] =
    &["OBJECTIVE", "TARGET", "SLI", "BUDGET SPENT", "EVENTS", "FIRING", "WORST DAY", "DATA GAPS", "NOTES"];

/// The report for people.
pub fn report_table(report: &Report, style: Style) -> String {
    let mut out = format!("SLO report from {} to {}\n\n", report.from, report.to);
    out.push_str(&render_table(REPORT_HEADER, report_rows(report), style, &["NOTES"]));
    out
}

/// The report as Markdown, for a monthly review document.
pub fn report_markdown(report: &Report) -> String {
    let mut out = format!("# SLO report: {} to {}\n\n", report.from, report.to);
    out.push_str(&format!("| {} |\n", REPORT_HEADER.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(REPORT_HEADER.len())));
    for row in report_rows(report) {
        let cells: Vec<String> = row.into_iter().map(|c| c.text.replace('|', "\\|")).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    let gaps: Vec<String> = report
        .objectives
        .iter()
        .flat_map(|o| {
            o.gaps.iter().map(move |g| {
                format!("- {}/{}: {} to {} ({})", o.service, o.slo, g.from, g.to, duration(g.minutes * 60.0))
            })
        })
        .collect();
    if !gaps.is_empty() {
        out.push_str(&format!("\n## Data gaps\n\n{}\n", gaps.join("\n")));
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const COLORS: &[&str] = &["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

/// The budget left over the period, one line per objective, against the even spend (dashed).
pub fn burn_down_svg(report: &Report) -> String {
    let from = crate::time::parse_time(&report.from).unwrap_or(0) as f64;
    let to = crate::time::parse_time(&report.to).unwrap_or(1) as f64;
    let legend: Vec<String> = report
        .objectives
        .iter()
        .map(|o| {
            // Without events the line stays at 100%: the legend says why.
            let end = match (o.total.sli, o.burn_down.last()) {
                (Some(_), Some((_, v))) => format!(" {}", percent(*v, 1)),
                _ => " no data".to_string(),
            };
            format!("{}/{}{end}", o.service, o.slo)
        })
        .collect();
    // The legend's column is as wide as its longest entry (7.5 px a character bounds 12 px
    // sans-serif), so that no name is cut at the edge; the plot keeps its width.
    let legend_width = legend.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64 * 7.5;
    let (plot, left, top, bottom) = (620.0, 60.0, 40.0, 40.0);
    // Tall enough for a legend row per objective.
    let h = (top + 16.0 * legend.len() as f64 + 20.0).max(420.0);
    let right = 30.0 + legend_width + 10.0;
    let w = (left + plot + right).ceil();
    // The last day the period holds: `[from, to)` ends the second before `to`.
    let first_day = report.from.get(..10).unwrap_or_default().to_string();
    let last_day = format_time(to as i64 - 1).get(..10).unwrap_or_default().to_string();
    let days = if first_day == last_day { first_day.clone() } else { format!("{first_day} to {last_day}") };
    let lowest = report
        .objectives
        .iter()
        .flat_map(|o| o.burn_down.iter().map(|(_, v)| *v))
        .fold(0.0_f64, f64::min)
        .max(-10.0)
        .floor();
    let x = |t: f64| left + (t - from) / (to - from).max(1.0) * (w - left - right);
    let y = |v: f64| top + (1.0 - v.clamp(lowest, 1.0)) / (1.0 - lowest) * (h - top - bottom);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <title>Error budget remaining, {} to {}</title>\n<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"24\" font-size=\"15\">Error budget remaining, {}</text>\n",
        escape(&report.from),
        escape(&report.to),
        escape(&days)
    );
    // Horizontal grid every quarter of the budget, and the period's ends.
    let mut v = 1.0;
    while v >= lowest - 1e-9 {
        let yy = y(v);
        let color = if v.abs() < 1e-9 { "#888" } else { "#ddd" };
        svg.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"{color}\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{:.0}%</text>\n",
            w - right,
            left - 6.0,
            yy + 4.0,
            v * 100.0
        ));
        v -= if 1.0 - lowest > 2.0 { 0.5 } else { 0.25 };
    }
    svg.push_str(&format!(
        "<text x=\"{left}\" y=\"{:.1}\">{}</text>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
        h - 14.0,
        escape(&first_day),
        w - right,
        h - 14.0,
        escape(&last_day)
    ));
    svg.push_str(&format!(
        "<path class=\"ideal\" d=\"M{:.1},{:.1} L{:.1},{:.1}\" stroke=\"#999\" stroke-dasharray=\"6 4\" fill=\"none\"/>\n",
        x(from),
        y(1.0),
        x(to),
        y(0.0)
    ));
    for (i, o) in report.objectives.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let label = format!("{}/{}", o.service, o.slo);
        // A stretch without data (the report's gaps) is shaded and breaks the line: a segment
        // that crosses one is not drawn, rather than drawn as a flat budget.
        let gaps: Vec<(f64, f64)> = o
            .gaps
            .iter()
            .filter_map(|g| {
                Some((crate::time::parse_time(&g.from).ok()? as f64, crate::time::parse_time(&g.to).ok()? as f64))
            })
            .collect();
        for (start, end) in &gaps {
            svg.push_str(&format!(
                "<rect class=\"gap\" x=\"{:.1}\" y=\"{top}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\" fill-opacity=\"0.12\"><title>{}: no data</title></rect>\n",
                x(*start),
                (x(*end) - x(*start)).max(1.0),
                h - top - bottom,
                escape(&label)
            ));
        }
        let d: Vec<String> = o
            .burn_down
            .iter()
            .enumerate()
            .map(|(k, (t, v))| {
                let previous = if k > 0 { o.burn_down[k - 1].0 as f64 } else { f64::INFINITY };
                let crosses_gap = gaps.iter().any(|(start, end)| previous < *end && (*t as f64) > *start);
                format!("{}{:.1},{:.1}", if k == 0 || crosses_gap { "M" } else { "L" }, x(*t as f64), y(*v))
            })
            .collect();
        svg.push_str(&format!(
            "<path class=\"series\" data-slo=\"{}\" d=\"{}\" stroke=\"{color}\" stroke-width=\"2\" fill=\"none\"/>\n",
            escape(&label),
            d.join(" ")
        ));
        let ly = top + 16.0 * i as f64;
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"3\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            w - right + 14.0,
            ly - 4.0,
            w - right + 30.0,
            ly,
            escape(&legend[i])
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_at_a_glance() {
        assert_eq!(count(6_048_000.0), "6.048M");
        assert_eq!(count(12_300.0), "12.3k");
        assert_eq!(count(987.0), "987");
        assert_eq!(duration(6.0 * 86_400.0 + 9.5 * 3600.0), "6d 9h");
        assert_eq!(duration(3.0 * 3600.0 + 20.0 * 60.0), "3h 20m");
        assert_eq!(duration(3.0 * 3600.0), "3h");
        assert_eq!(duration(28.0 * 86_400.0), "28d");
        assert_eq!(sli_decimals(0.999), 3);
        assert_eq!(sli_decimals(0.95), 2);
        assert_eq!(sli_decimals(0.99), 2);
        assert_eq!(percent(0.99953, 3), "99.953%");
    }
}
