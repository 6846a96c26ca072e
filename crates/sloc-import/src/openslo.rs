//! OpenSLO: `openslo/v1` (`SLO`, `SLI`, `Service`, `DataSource`, `AlertPolicy`,
//! `AlertCondition`; references resolved across every input document) and Sloth's `openslo/v1alpha`
//! dialect. Facts: the OpenSLO specification's README and go-sdk `pkg/openslo/v1`.

use std::ops::Range;

use sloc_spec::Decimal;
use sloc_yaml::Node;

use crate::codes::*;
use crate::draft::{DraftSli, DraftSlo, DraftSpec, DraftTier};
use crate::query::{Counter, Part, counter, events_sli, translate_window};
use crate::{Cx, text};
use sloc_spec::slug;

/// Every OpenSLO v1 document of the inputs, by kind and name, with the file it is in.
pub(crate) struct Catalog<'a> {
    entries: Vec<(&'a str, &'a str, String, &'a Node)>,
}

impl<'a> Catalog<'a> {
    pub fn new(files: impl Iterator<Item = (&'a sloc_diagnostics::SourceFile, &'a Vec<Node>)>) -> Self {
        let mut entries = Vec::new();
        for (file, docs) in files {
            for doc in docs.iter().filter(|d| crate::detect(d) == Some(crate::Format::OpenSlo)) {
                let (Some(kind), Some(name)) = (text(doc, "kind"), doc.get("metadata").and_then(|m| text(m, "name")))
                else {
                    continue;
                };
                entries.push((kind, name, file.name.clone(), doc));
            }
        }
        Catalog { entries }
    }

    fn get(&self, kind: &str, name: &str) -> Option<(&'a Node, &str)> {
        self.entries.iter().find(|(k, n, _, _)| *k == kind && *n == name).map(|(_, _, f, d)| (*d, f.as_str()))
    }
}

/// A node of this file or of another one: findings about another file's node point at the
/// reference in this one.
struct Here<'n> {
    node: &'n Node,
    local: bool,
    reference: Range<usize>,
}

impl Here<'_> {
    fn span(&self, n: &Node) -> Range<usize> {
        if self.local { n.span.clone() } else { self.reference.clone() }
    }
}

pub(crate) fn read(cx: &mut Cx<'_>, doc: &Node, catalog: &Catalog<'_>) -> Vec<DraftSpec> {
    match text(doc, "kind") {
        Some("SLO") => {}
        // Read where an SLO refers to them.
        Some("SLI" | "Service" | "DataSource" | "AlertPolicy" | "AlertCondition" | "AlertNotificationTarget") => {
            return Vec::new();
        }
        Some(other) => {
            let span = doc.get("kind").map_or(doc.span.clone(), |k| k.span.clone());
            cx.push(&UNKNOWN_FORMAT, span, format!("the OpenSLO kind `{other}` is not one sloc imports"), "");
            return Vec::new();
        }
        None => return Vec::new(),
    }
    let metadata = doc.get("metadata");
    let name_node = metadata.and_then(|m| m.get("name"));
    let here = name_node.map_or(doc.span.clone(), |n| n.span.clone());
    let original = name_node.and_then(Node::as_scalar_text).unwrap_or("unnamed");
    let Some(spec) = doc.get("spec") else {
        cx.push(&CANNOT_IMPORT, here, format!("the SLO `{original}` has no `spec`"), "");
        return Vec::new();
    };
    cx.unknown_keys(
        spec,
        &[
            "description",
            "service",
            "indicator",
            "indicatorRef",
            "timeWindow",
            "budgetingMethod",
            "objectives",
            "alertPolicies",
        ],
        "OpenSLO",
    );
    let service = text(spec, "service").map_or_else(|| "openslo".to_string(), slug);
    let period = time_window(cx, spec.get("timeWindow"));
    let method = text(spec, "budgetingMethod").unwrap_or("Occurrences");
    let tiers = alert_policies(cx, spec.get("alertPolicies"), catalog);
    let labels: Vec<(String, String)> = metadata
        .and_then(|m| m.get("labels"))
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| {
            let key = k.as_scalar_text()?.to_string();
            // OpenSLO label values may be lists.
            let value = match v.as_seq() {
                Some(items) => items.iter().filter_map(Node::as_scalar_text).collect::<Vec<_>>().join(","),
                None => v.as_scalar_text()?.to_string(),
            };
            Some((key, value, k.span.clone()))
        })
        .map(|(k, v, s)| {
            if !sloc_promql::is_label_name(&k) {
                let renamed: String = k.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
                cx.push(&APPROXIMATED, s, format!("the label `{k}` becomes `{renamed}`, a Prometheus label name"), "");
                (renamed, v)
            } else {
                (k, v)
            }
        })
        .collect();
    let objectives = spec.get("objectives").and_then(Node::as_seq).unwrap_or_default();
    if objectives.is_empty() {
        cx.push(&CANNOT_IMPORT, spec.span.clone(), format!("the SLO `{original}` has no `objectives`"), "");
        return Vec::new();
    }
    let mut slos = Vec::new();
    for (i, objective) in objectives.iter().enumerate() {
        let indicator = objective.get("indicator").or(objective.get("indicatorRef")).map(|_| objective).unwrap_or(spec);
        let Some(sli) = resolve_sli(cx, indicator, catalog) else { continue };
        let suffix = if objectives.len() > 1 {
            Some(text(objective, "displayName").map_or_else(|| (i + 1).to_string(), slug))
        } else {
            None
        };
        let name = suffix.map_or_else(|| slug(original), |s| format!("{}-{s}", slug(original)));
        let Some(target) = target(cx, objective) else { continue };
        let Some((sli, group_by, objective_percent)) = read_objective(cx, &sli, objective, method, target) else {
            continue;
        };
        let mut slo = DraftSlo {
            name,
            objective: objective_percent.to_string(),
            description: crate::description(cx, spec),
            period: period.clone(),
            labels: labels.clone(),
            group_by,
            sli,
            tiers: tiers.clone(),
            origin: format!("OpenSLO SLO `{original}`, objective {}, {}", i + 1, cx.at(&objective.span)),
            ..DraftSlo::default()
        };
        crate::keep_tiers_that_fire(cx, &mut slo, None, objective.span.clone());
        slos.push(slo);
    }
    if slos.is_empty() {
        return Vec::new();
    }
    vec![DraftSpec { service, slos, ..DraftSpec::default() }]
}

/// The objective's target as a percentage: `target` (a ratio) or `targetPercent`.
fn target(cx: &mut Cx<'_>, objective: &Node) -> Option<Decimal> {
    let value = match (objective.get("target"), objective.get("targetPercent")) {
        (Some(t), _) => t.as_scalar_text().and_then(Decimal::parse).map(|d| d.mul_ratio(100, 1)),
        (None, Some(p)) => p.as_scalar_text().and_then(Decimal::parse),
        (None, None) => {
            cx.push(&CANNOT_IMPORT, objective.span.clone(), "this objective has no `target` or `targetPercent`", "");
            return None;
        }
    };
    match value {
        Some(v) if v.is_positive() && v < Decimal::HUNDRED => Some(v),
        _ => {
            let span = objective
                .get("target")
                .or(objective.get("targetPercent"))
                .map_or(objective.span.clone(), |n| n.span.clone());
            cx.push(
                &CANNOT_IMPORT,
                span,
                "the target must lie strictly between 0 and 1 (or 0 and 100 for `targetPercent`)",
                "",
            );
            None
        }
    }
}

/// The rolling period of `timeWindow[0]`; a calendar window is alerted on as a rolling one.
fn time_window(cx: &mut Cx<'_>, node: Option<&Node>) -> Option<String> {
    let window = node.and_then(Node::as_seq).and_then(|w| w.first())?;
    let duration_node = window.get("duration")?;
    let duration = duration_node.as_scalar_text().unwrap_or_default().trim().to_string();
    let (number, unit) = duration.split_at(duration.find(|c: char| !c.is_ascii_digit()).unwrap_or(duration.len()));
    let count: u64 = number.parse().unwrap_or(1);
    let period = match unit {
        "M" => Some(format!("{}d", 30 * count)),
        "Q" => Some(format!("{}d", 90 * count)),
        "Y" => Some(format!("{}d", 365 * count)),
        _ => None,
    };
    if let Some(p) = &period {
        cx.push(
            &APPROXIMATED,
            duration_node.span.clone(),
            format!("`{duration}` has no fixed length: sloc alerts over a rolling {p}"),
            "`sloc report --month YYYY-MM` gives the compliance of each calendar month",
        );
    }
    if window.get("calendar").is_some() || text(window, "isRolling") == Some("false") {
        cx.push(
            &APPROXIMATED,
            window.span.clone(),
            format!(
                "a calendar window: sloc alerts over a rolling {}, which burns the budget alike",
                period.as_deref().unwrap_or(&duration)
            ),
            "`sloc report --from --to` gives the compliance of each calendar period",
        );
    }
    match period {
        Some(p) => Some(p),
        None if sloc_promql::parse_duration(&duration).is_ok() => Some(duration),
        None => {
            cx.push(
                &DROPPED,
                duration_node.span.clone(),
                format!("`{duration}` is not a duration: the period stays 30d"),
                "",
            );
            None
        }
    }
}

/// The SLI of an SLO or an objective: inline (`indicator`) or a reference to an `SLI` document.
fn resolve_sli<'n>(cx: &mut Cx<'_>, node: &'n Node, catalog: &'n Catalog<'n>) -> Option<Here<'n>> {
    if let Some(inline) = node.get("indicator") {
        return Some(Here { node: inline, local: true, reference: inline.span.clone() });
    }
    let Some(reference) = node.get("indicatorRef") else {
        cx.push(&CANNOT_IMPORT, node.span.clone(), "no `indicator` or `indicatorRef`", "");
        return None;
    };
    let name = reference.as_scalar_text().unwrap_or_default();
    match catalog.get("SLI", name) {
        Some((doc, file)) => Some(Here { node: doc, local: file == cx.file.name, reference: reference.span.clone() }),
        None => {
            cx.push(
                &CANNOT_IMPORT,
                reference.span.clone(),
                format!("no SLI named `{name}` among the inputs"),
                "give the file that defines it to `sloc import` too",
            );
            None
        }
    }
}

/// The sloc SLI of one objective, its `group_by`, and the objective in percent.
fn read_objective(
    cx: &mut Cx<'_>,
    sli: &Here<'_>,
    objective: &Node,
    method: &str,
    target: Decimal,
) -> Option<(DraftSli, Vec<String>, Decimal)> {
    let spec = sli.node.get("spec")?;
    if let Some(threshold) = spec.get("thresholdMetric") {
        let query = metric_query(cx, sli, threshold)?;
        let op = text(objective, "op").unwrap_or("lt");
        let value = text(objective, "value")?.to_string();
        let bound = if op.starts_with('g') { "above" } else { "below" };
        if op.ends_with('e') {
            cx.push(
                &APPROXIMATED,
                objective.span.clone(),
                format!("`op: {op}` counts the bound itself as good; sloc's `{bound}` does not"),
                "",
            );
        }
        if method != "Timeslices" {
            cx.push(
                &APPROXIMATED,
                objective.span.clone(),
                "a threshold metric is counted in time slices (one per rule evaluation)",
                "",
            );
        }
        return Some((DraftSli::Threshold { value: query, bound, limit: value }, Vec::new(), target));
    }
    let Some(ratio) = spec.get("ratioMetric") else {
        cx.push(&CANNOT_IMPORT, sli.span(spec), "the SLI has no `ratioMetric` or `thresholdMetric`", "");
        return None;
    };
    let is_counter = text(ratio, "counter") != Some("false");
    if let Some(raw) = ratio.get("raw") {
        let q = metric_query(cx, sli, raw)?;
        if !q.contains(sloc_spec::WINDOW_PLACEHOLDER) {
            cx.push(
                &CANNOT_IMPORT,
                sli.span(raw),
                "a raw ratio query needs `{{.window}}` for sloc to evaluate it over each window",
                "",
            );
            return None;
        }
        let raw = if text(ratio, "rawType") == Some("success") { format!("1 - ({q})") } else { q };
        return Some((DraftSli::Raw(raw), Vec::new(), target));
    }
    let total_node = ratio.get("total")?;
    let total = metric_query(cx, sli, total_node)?;
    let (side, node) = match (ratio.get("good"), ratio.get("bad")) {
        (Some(g), _) => ("good", g),
        (None, Some(b)) => ("bad", b),
        (None, None) => {
            cx.push(&CANNOT_IMPORT, sli.span(ratio), "the ratio has no `good` or `bad`", "");
            return None;
        }
    };
    let part = metric_query(cx, sli, node)?;
    let recognise = |q: &str| counter(q).ok();
    let (p, t) = (recognise(&part), recognise(&total));
    // The query over a window, as an expression: selectors become `sum(rate(…[$window]))`.
    let windowed = |c: &Option<Counter>, q: &str| -> Option<String> {
        match c {
            Some(Counter::Selector { selector, group_by, .. }) if is_counter => {
                let by = if group_by.is_empty() { String::new() } else { format!(" by ({})", group_by.join(", ")) };
                Some(format!("sum{by} (rate({selector}[$window]))"))
            }
            Some(Counter::Selector { selector, group_by, .. }) => {
                let by = if group_by.is_empty() { String::new() } else { format!(" by ({})", group_by.join(", ")) };
                Some(format!("sum{by} (avg_over_time({selector}[$window]))"))
            }
            _ if q.contains(sloc_spec::WINDOW_PLACEHOLDER) => Some(q.to_string()),
            _ => None,
        }
    };
    if method == "Timeslices" {
        let slice = objective
            .get("timeSliceWindow")
            .and_then(Node::as_scalar_text)
            .map(|w| if w.chars().all(|c| c.is_ascii_digit()) { format!("{w}m") } else { w.to_string() });
        let slice_target = objective.get("timeSliceTarget").and_then(Node::as_scalar_text).and_then(Decimal::parse);
        let (Some(slice), Some(slice_target)) = (slice, slice_target) else {
            cx.push(
                &CANNOT_IMPORT,
                objective.span.clone(),
                "a Timeslices objective needs `timeSliceTarget` and `timeSliceWindow`",
                "",
            );
            return None;
        };
        let (Some(pw), Some(tw)) = (windowed(&p, &part), windowed(&t, &total)) else {
            cx.push(
                &CANNOT_IMPORT,
                sli.span(node),
                "these queries are neither counters nor expressions with `{{.window}}`",
                "",
            );
            return None;
        };
        let ratio_expr = format!("({pw})\n/\n({tw})").replace(sloc_spec::WINDOW_PLACEHOLDER, &slice);
        let value = if side == "good" { ratio_expr } else { format!("1 - {ratio_expr}") };
        cx.push(
            &APPROXIMATED,
            objective.span.clone(),
            format!("time slices: a slice is good when its ratio over {slice} exceeds {slice_target} (OpenSLO counts equal as good); sloc takes one slice per rule evaluation"),
            "",
        );
        return Some((
            DraftSli::Threshold { value, bound: "above", limit: slice_target.to_string() },
            Vec::new(),
            target,
        ));
    }
    if method == "RatioTimeslices" {
        cx.push(
            &APPROXIMATED,
            objective.span.clone(),
            "RatioTimeslices averages each slice's ratio; sloc weighs every event alike (Occurrences)",
            "",
        );
    }
    let which = if side == "good" { Part::Good } else { Part::Errors };
    if is_counter && let Some((sli, group_by)) = events_sli(which, &part, &total) {
        return Some((sli, group_by, target));
    }
    let (Some(pw), Some(tw)) = (windowed(&p, &part), windowed(&t, &total)) else {
        cx.push(
            &CANNOT_IMPORT,
            sli.span(node),
            "these queries are neither counters (a selector, or `sum` of one) nor expressions with `{{.window}}`",
            "sloc must evaluate the ratio over each alert window",
        );
        return None;
    };
    if !is_counter {
        cx.push(&APPROXIMATED, sli.span(ratio), "`counter: false`: the gauges are averaged over each window", "");
    }
    let raw = if side == "good" { format!("1 - ({pw})\n/\n({tw})") } else { format!("({pw})\n/\n({tw})") };
    Some((DraftSli::Raw(raw), Vec::new(), target))
}

/// A `metricSource`'s Prometheus query, with `{{.window}}` translated. Another data source is
/// refused.
fn metric_query(cx: &mut Cx<'_>, sli: &Here<'_>, holder: &Node) -> Option<String> {
    let Some(source) = holder.get("metricSource") else {
        cx.push(&CANNOT_IMPORT, sli.span(holder), "no `metricSource`", "");
        return None;
    };
    let kind = text(source, "type").map(str::to_string);
    if let Some(kind) = &kind
        && !kind.eq_ignore_ascii_case("prometheus")
    {
        cx.push(
            &CANNOT_IMPORT,
            sli.span(source),
            format!("the data source is `{kind}`: sloc compiles PromQL for Prometheus only"),
            "",
        );
        return None;
    }
    let query_node = source.get("spec").and_then(|s| s.get("query").or(s.get("promql")))?;
    let query = query_node.as_scalar_text().unwrap_or_default();
    match translate_window(query) {
        Ok(q) => Some(q.trim().to_string()),
        Err((message, _)) => {
            cx.push(&CANNOT_IMPORT, sli.span(query_node), message, "");
            None
        }
    }
}

/// The burn-rate conditions of the alert policies, as sloc tiers: OpenSLO has one window per
/// condition; sloc adds a short window of a twelfth, as the workbook does.
fn alert_policies(cx: &mut Cx<'_>, node: Option<&Node>, catalog: &Catalog<'_>) -> Option<Vec<DraftTier>> {
    let policies = node.and_then(Node::as_seq).unwrap_or_default();
    let mut tiers = Vec::new();
    for entry in policies {
        // A reference is `alertPolicyRef: NAME`, or in older files the bare name.
        let reference = entry.get("alertPolicyRef").and_then(Node::as_scalar_text).or(entry.as_scalar_text());
        let policy = match reference {
            Some(name) => match catalog.get("AlertPolicy", name) {
                Some((doc, _)) => doc,
                None => {
                    cx.push(
                        &DROPPED,
                        entry.span.clone(),
                        format!("no AlertPolicy named `{name}` among the inputs: sloc's workbook tiers instead"),
                        "",
                    );
                    continue;
                }
            },
            None => entry,
        };
        let Some(spec) = policy.get("spec") else { continue };
        if text(spec, "alertWhenNoData") == Some("true") {
            cx.push(
                &DROPPED,
                entry.span.clone(),
                "`alertWhenNoData` has no sloc equivalent",
                "`sloc check` reports SLI selectors that match no series (C008)",
            );
        }
        for c in spec.get("conditions").and_then(Node::as_seq).unwrap_or_default() {
            let condition = match c.get("conditionRef").and_then(Node::as_scalar_text) {
                Some(name) => match catalog.get("AlertCondition", name) {
                    Some((doc, _)) => doc,
                    None => {
                        cx.push(
                            &DROPPED,
                            c.span.clone(),
                            format!("no AlertCondition named `{name}` among the inputs"),
                            "",
                        );
                        continue;
                    }
                },
                None => c,
            };
            let name = condition.get("metadata").and_then(|m| text(m, "name")).unwrap_or("condition");
            let Some(cspec) = condition.get("spec") else { continue };
            let Some(cond) = cspec.get("condition") else { continue };
            if text(cond, "kind") != Some("burnrate") {
                cx.push(
                    &DROPPED,
                    entry.span.clone(),
                    format!("the condition `{name}` is not a burn rate: left out"),
                    "",
                );
                continue;
            }
            let (Some(threshold), Some(long)) = (text(cond, "threshold"), text(cond, "lookbackWindow")) else {
                continue;
            };
            let Ok(long_d) = sloc_promql::parse_duration(long) else { continue };
            let severity = match text(cspec, "severity").unwrap_or("").to_ascii_lowercase().as_str() {
                "critical" | "page" | "high" | "p1" => "critical",
                "info" | "low" | "review" => "info",
                _ => "warning",
            };
            cx.push(
                &APPROXIMATED,
                entry.span.clone(),
                format!("the condition `{name}` ({threshold}x over {long}) gets a short window of {}: sloc's alerts need both to burn", crate::minutes(long_d.millis() / 12)),
                "",
            );
            tiers.push(DraftTier {
                name: slug(name),
                severity,
                long: long.to_string(),
                short: crate::minutes(long_d.millis() / 12),
                threshold: ("factor", threshold.to_string()),
                for_: text(cond, "alertAfter").map(str::to_string),
            });
        }
    }
    let mut seen: Vec<String> = Vec::new();
    tiers.retain(|t| {
        let fresh = !seen.contains(&t.name);
        seen.push(t.name.clone());
        fresh
    });
    (!tiers.is_empty()).then_some(tiers)
}

/// Sloth's OpenSLO dialect (`openslo/v1alpha`): `ratioMetrics` of good over total per
/// objective, a window in days. Sloth generates no alerts for it; sloc's tiers are added.
pub(crate) fn read_v1alpha(cx: &mut Cx<'_>, doc: &Node) -> Vec<DraftSpec> {
    let metadata = doc.get("metadata");
    let name_node = metadata.and_then(|m| m.get("name"));
    let original = name_node.and_then(Node::as_scalar_text).unwrap_or("unnamed");
    let Some(spec) = doc.get("spec") else { return Vec::new() };
    cx.unknown_keys(spec, &["service", "description", "budgetingMethod", "objectives", "timeWindows"], "Sloth");
    let service = text(spec, "service").map_or_else(|| "openslo".to_string(), slug);
    let period = spec
        .get("timeWindows")
        .and_then(Node::as_seq)
        .and_then(|w| w.first())
        .and_then(|w| text(w, "count"))
        .map(|c| format!("{c}d"));
    let objectives = spec.get("objectives").and_then(Node::as_seq).unwrap_or_default();
    let mut slos = Vec::new();
    for (i, objective) in objectives.iter().enumerate() {
        let Some(metrics) = objective.get("ratioMetrics") else {
            cx.push(&CANNOT_IMPORT, objective.span.clone(), "this objective has no `ratioMetrics`", "");
            continue;
        };
        let query = |side: &str| metrics.get(side).and_then(|s| s.get("query"));
        let (Some(good_node), Some(total_node)) = (query("good"), query("total")) else { continue };
        let (Ok(good), Ok(total)) = (
            translate_window(good_node.as_scalar_text().unwrap_or_default()),
            translate_window(total_node.as_scalar_text().unwrap_or_default()),
        ) else {
            cx.push(
                &CANNOT_IMPORT,
                good_node.span.clone(),
                "only `{{.window}}` can be translated in these queries",
                "",
            );
            continue;
        };
        let Some(target) = text(objective, "target").and_then(Decimal::parse).map(|t| t.mul_ratio(100, 1)) else {
            continue;
        };
        let (sli, group_by) = events_sli(Part::Good, &good, &total)
            .unwrap_or_else(|| (DraftSli::Raw(format!("1 - ({})\n/\n({})", good.trim(), total.trim())), Vec::new()));
        let name = if objectives.len() > 1 { format!("{}-{i}", slug(original)) } else { slug(original) };
        let mut slo = DraftSlo {
            name,
            objective: target.to_string(),
            description: crate::description(cx, spec),
            period: period.clone(),
            group_by,
            sli,
            origin: format!("Sloth OpenSLO SLO `{original}`, objective {}, {}", i + 1, cx.at(&objective.span)),
            ..DraftSlo::default()
        };
        crate::keep_tiers_that_fire(cx, &mut slo, None, objective.span.clone());
        slos.push(slo);
    }
    if slos.is_empty() {
        return Vec::new();
    }
    cx.push(
        &APPROXIMATED,
        name_node.map_or(doc.span.clone(), |n| n.span.clone()),
        "Sloth generates no alerts for OpenSLO specs: sloc adds its three workbook tiers",
        "disable them with `alerting: {disable: [...]}` if you only want the recordings",
    );
    vec![DraftSpec { service, slos, ..DraftSpec::default() }]
}
