//! Pyrra `pyrra.dev/v1alpha1` `ServiceLevelObjective`. Facts: Pyrra's
//! `kubernetes/api/v1alpha1/servicelevelobjective_types.go` and `slo/rules.go` (its four
//! burn-rate tiers, scaled from a 28-day window).

use sloc_yaml::Node;

use crate::codes::*;
use crate::draft::{DraftSli, DraftSlo, DraftSpec, DraftTier};
use crate::query::{histogram, selector};
use crate::{Cx, Options, labels, minutes, pairs, text};
use sloc_spec::slug;

/// Pyrra's tiers as fractions of the SLO window: (name, default severity key, long, short,
/// `for`, factor), from `slo/rules.go: Windows()`: 1h/5m/2m at 14x for 28 days, and so on.
const TIERS: [(&str, &str, u64, u64, u64, &str); 4] = [
    ("fast-burn", "fastBurn", 672, 8064, 20_160, "14"),
    ("medium-burn", "mediumBurn", 112, 1344, 2688, "7"),
    ("slow-burn", "slowBurn", 28, 336, 672, "2"),
    ("long-term-burn", "longTermBurn", 7, 112, 224, "1"),
];
const DEFAULT_SEVERITIES: [&str; 4] = ["critical", "critical", "warning", "warning"];

pub(crate) fn read(cx: &mut Cx<'_>, doc: &Node, options: &Options) -> Vec<DraftSpec> {
    let peer = "Pyrra";
    cx.unknown_keys(doc, &["apiVersion", "kind", "metadata", "spec", "status"], peer);
    let metadata = doc.get("metadata");
    let Some(spec) = doc.get("spec") else {
        cx.push(&CANNOT_IMPORT, doc.span.clone(), "this ServiceLevelObjective has no `spec`", "");
        return Vec::new();
    };
    cx.unknown_keys(
        spec,
        &[
            "description",
            "target",
            "window",
            "indicator",
            "alerting",
            "partial_response_strategy",
            "performanceOverAccuracy",
            "ruleOutput",
        ],
        peer,
    );
    let name_node = metadata.and_then(|m| m.get("name"));
    let original = name_node.and_then(Node::as_scalar_text).unwrap_or("unnamed");
    let namespace = metadata.and_then(|m| text(m, "namespace"));
    let service = match (&options.service, namespace) {
        (Some(s), _) => slug(s),
        (None, Some(ns)) => slug(ns),
        (None, None) => {
            cx.push(
                &APPROXIMATED,
                name_node.map_or(doc.span.clone(), |n| n.span.clone()),
                "Pyrra has no service and this objective no namespace: the service is `pyrra`",
                "name the service with `sloc import --service NAME`",
            );
            "pyrra".to_string()
        }
    };
    let here = name_node.map_or(doc.span.clone(), |n| n.span.clone());
    let Some(target_node) = spec.get("target") else {
        cx.push(&CANNOT_IMPORT, spec.span.clone(), format!("`{original}` has no `target`"), "");
        return Vec::new();
    };
    let target = target_node.as_scalar_text().and_then(crate::percent);
    let Some(target) = target.filter(|t| t.is_positive() && *t < sloc_spec::Decimal::HUNDRED) else {
        cx.push(
            &CANNOT_IMPORT,
            target_node.span.clone(),
            "the target must be a percentage strictly between 0 and 100",
            "",
        );
        return Vec::new();
    };
    if target < sloc_spec::Decimal::ONE {
        cx.push(
            &APPROXIMATED,
            target_node.span.clone(),
            format!(
                "a target of {target} is read as {target}%, as Pyrra reads it (a ratio would be written {})",
                target.mul_ratio(100, 1)
            ),
            "",
        );
    }
    let Some(window_node) = spec.get("window") else {
        cx.push(&CANNOT_IMPORT, spec.span.clone(), format!("`{original}` has no `window`"), "");
        return Vec::new();
    };
    let window_text = window_node.as_scalar_text().unwrap_or_default();
    let Ok(window) = sloc_promql::parse_duration(window_text) else {
        cx.push(&CANNOT_IMPORT, window_node.span.clone(), format!("`{window_text}` is not a duration"), "");
        return Vec::new();
    };
    let Some(indicator) = spec.get("indicator") else {
        cx.push(&CANNOT_IMPORT, spec.span.clone(), format!("`{original}` has no `indicator`"), "");
        return Vec::new();
    };
    let Some((sli, group_by)) = read_indicator(cx, indicator, original) else { return Vec::new() };

    let mut slo_labels = Vec::new();
    let mut manifest_labels = Vec::new();
    for (k, v, span) in pairs(metadata.and_then(|m| m.get("labels"))) {
        match k.strip_prefix("pyrra.dev/") {
            Some(label) => slo_labels.push((label.to_string(), v, span)),
            None => manifest_labels.push((k, v)),
        }
    }
    let mut annotations = Vec::new();
    for (k, v, span) in pairs(metadata.and_then(|m| m.get("annotations"))) {
        match k.strip_prefix("pyrra.dev/") {
            Some(a) => annotations.push((a.to_string(), v)),
            None => cx.push(
                &DROPPED,
                span,
                format!("the annotation `{k}` has no `pyrra.dev/` prefix: Pyrra does not copy it to alerts either"),
                "",
            ),
        }
    }
    let mut slo = DraftSlo {
        name: slug(original),
        objective: target.to_string(),
        description: crate::description(cx, spec),
        period: Some(window_text.to_string()),
        labels: labels(cx, slo_labels),
        group_by,
        sli,
        annotations,
        origin: format!("Pyrra ServiceLevelObjective `{original}`, {}", cx.at(&here)),
        ..DraftSlo::default()
    };
    for key in ["partial_response_strategy", "performanceOverAccuracy", "ruleOutput"] {
        if let Some(n) = spec.get(key) {
            cx.push(&DROPPED, n.span.clone(), format!("`{key}` has no sloc equivalent: left out"), "sloc derives long windows from 5m recordings by default, which is what Pyrra's performance mode aims at");
        }
    }
    read_alerting(cx, spec.get("alerting"), window.millis(), here.clone(), &mut slo);
    crate::keep_tiers_that_fire(cx, &mut slo, None, target_node.span.clone());
    let kubernetes =
        crate::draft::DraftKubernetes { name: None, namespace: namespace.map(str::to_string), labels: manifest_labels };
    vec![DraftSpec { service, kubernetes: Some(kubernetes), slos: vec![slo], ..DraftSpec::default() }]
}

fn read_alerting(cx: &mut Cx<'_>, node: Option<&Node>, window: u64, here: std::ops::Range<usize>, slo: &mut DraftSlo) {
    let severities: Vec<(String, String)> = node
        .and_then(|n| n.get("severities"))
        .map_or_else(Vec::new, |s| pairs(Some(s)).into_iter().map(|(k, v, _)| (k, v)).collect());
    if let Some(node) = node {
        cx.unknown_keys(
            node,
            &["disabled", "burnrates", "absent", "name", "absentName", "severities", "burnRateType"],
            "Pyrra",
        );
        let off = |k: &str| text(node, k);
        if let Some(kind) = node.get("burnRateType").filter(|k| k.as_scalar_text() == Some("dynamic")) {
            cx.push(
                &APPROXIMATED,
                kind.span.clone(),
                "Pyrra's dynamic burn rates scale each threshold by the traffic of its window: sloc's thresholds are static",
                "at steady traffic they agree; a quiet hour alerts on fewer errors in sloc",
            );
        }
        if off("disabled") == Some("true") || off("burnrates") == Some("false") {
            slo.disable = vec!["critical", "warning", "info"];
        }
        if let Some(name) = off("name") {
            slo.alert_name = Some(name.to_string());
        }
        if off("absent") != Some("false") {
            cx.push(
                &DROPPED,
                node.span.start..node.span.start,
                "Pyrra's absent alerts (`SLOMetricAbsent`) have no sloc equivalent: left out",
                "`sloc check` reports SLI selectors that match no series (C008)",
            );
        }
    } else {
        cx.push(
            &DROPPED,
            here.clone(),
            "Pyrra's absent alerts (`SLOMetricAbsent`) have no sloc equivalent: left out",
            "`sloc check` reports SLI selectors that match no series (C008)",
        );
    }
    // Pyrra names every SLO's alerts `ErrorBudgetBurn`: keep it, so that routes still match.
    if slo.alert_name.is_none() {
        slo.alert_name = Some("ErrorBudgetBurn".to_string());
    }
    if !slo.disable.is_empty() {
        return;
    }
    let mut tiers = Vec::new();
    for (i, (name, key, long, short, for_, factor)) in TIERS.iter().enumerate() {
        let wanted = severities.iter().find(|(k, _)| k == key).map_or(DEFAULT_SEVERITIES[i], |(_, v)| v.as_str());
        let severity = match sloc_spec::Tier::parse(wanted) {
            Some(t) => t.name(),
            None => {
                cx.push(
                    &APPROXIMATED,
                    here.clone(),
                    format!("the severity `{wanted}` of Pyrra's {key} tier is none of sloc's: the tier is `warning`"),
                    "sloc's severities are critical, warning and info",
                );
                "warning"
            }
        };
        tiers.push(DraftTier {
            name: name.to_string(),
            severity,
            long: minutes(window / long),
            short: minutes(window / short),
            threshold: ("factor", factor.to_string()),
            for_: Some(minutes(window / for_)),
        });
    }
    slo.tiers = Some(tiers);
}

/// The selector `text` parsed.
fn read_indicator(cx: &mut Cx<'_>, node: &Node, slo: &str) -> Option<(DraftSli, Vec<String>)> {
    let metric = |cx: &mut Cx<'_>, n: &Node, side: &str| -> Option<String> {
        let holder = format!("the indicator of `{slo}`");
        let side_node = crate::required(cx, n, side, &holder)?;
        crate::required_text(cx, side_node, "metric", &format!("`{side}` of {holder}"))
    };
    // A label sloc sets on every series of the objective (`service`, `slo`, …) cannot also be
    // a grouping: refused, naming it.
    let grouping = |cx: &mut Cx<'_>, n: &Node| -> Option<Vec<String>> {
        let mut out = Vec::new();
        for g in n.get("grouping").and_then(Node::as_seq).unwrap_or_default() {
            let Some(label) = g.as_scalar_text() else { continue };
            if sloc_spec::RESERVED_LABELS.contains(&label) {
                cx.push(
                    &CANNOT_IMPORT,
                    g.span.clone(),
                    format!("Pyrra groups by `{label}`, a label sloc sets on every series of the objective"),
                    "group by another label, or relabel the series so that they carry it under another name",
                );
                return None;
            }
            out.push(label.to_string());
        }
        Some(out)
    };
    if let Some(ratio) = node.get("ratio") {
        let (errors, total) = (metric(cx, ratio, "errors")?, metric(cx, ratio, "total")?);
        if let (Some((e, eo)), Some((t, to))) = (with_offset(&errors), with_offset(&total)) {
            let by = by_clause(&grouping(cx, ratio)?);
            cx.push(
                &APPROXIMATED,
                ratio.span.clone(),
                format!(
                    "the metrics are read `offset {eo}`: imported as a `raw` SLI reading each window with the offset"
                ),
                "",
            );
            return Some((
                DraftSli::Raw(format!(
                    "sum{by} (rate({e}[$window] offset {eo}))\n/\nsum{by} (rate({t}[$window] offset {to}))"
                )),
                Vec::new(),
            ));
        }
        let (Some(e), Some(t)) = (selector(&errors), selector(&total)) else {
            cx.push(
                &CANNOT_IMPORT,
                ratio.span.clone(),
                format!("the metrics of `{slo}` are not vector selectors"),
                "Pyrra requires selectors too",
            );
            return None;
        };
        if e.name == t.name {
            return Some((DraftSli::Errors { errors, total }, grouping(cx, ratio)?));
        }
        let by = by_clause(&grouping(cx, ratio)?);
        cx.push(
            &APPROXIMATED,
            ratio.span.clone(),
            "errors and total read different metrics: imported as a `raw` SLI, their ratio",
            "",
        );
        return Some((
            DraftSli::Raw(format!("sum{by} (rate({errors}[$window]))\n/\nsum{by} (rate({total}[$window]))")),
            Vec::new(),
        ));
    }
    if let Some(latency) = node.get("latency") {
        let (success, total) = (metric(cx, latency, "success")?, metric(cx, latency, "total")?);
        let group_by = grouping(cx, latency)?;
        if let Some(sli) = histogram(&success, &total) {
            return Some((sli, group_by));
        }
        cx.push(
            &APPROXIMATED,
            latency.span.clone(),
            "the success and total metrics are not one histogram's `_bucket{…, le}` and `_count{…}` with the same matchers: imported as good over total events",
            "",
        );
        let same_metric = selector(&success).and_then(|s| s.name) == selector(&total).and_then(|t| t.name);
        if same_metric {
            return Some((DraftSli::Good { good: success, total }, group_by));
        }
        let by = by_clause(&group_by);
        return Some((
            DraftSli::Raw(format!("1 - (sum{by} (rate({success}[$window]))\n/\nsum{by} (rate({total}[$window])))")),
            Vec::new(),
        ));
    }
    if let Some(native) = node.get("latencyNative") {
        let total = metric(cx, native, "total")?;
        let latency = crate::required_text(cx, native, "latency", &format!("the native latency of `{slo}`"))?;
        let Ok(threshold) = sloc_promql::parse_duration(&latency) else {
            let span = native.get("latency").map_or(native.span.clone(), |n| n.span.clone());
            cx.push(&CANNOT_IMPORT, span, format!("`{latency}` is not a duration"), "");
            return None;
        };
        let group_by = grouping(cx, native)?;
        // A plain selector of the histogram: sloc's native latency SLI, the same computation.
        if let Some(vs) = selector(&total).filter(|vs| vs.name.is_some()) {
            let matchers: Vec<String> =
                vs.matchers.matchers.iter().filter(|m| m.name != "__name__").map(|m| m.to_string()).collect();
            let sli = DraftSli::Latency {
                histogram: vs.name.clone().unwrap_or_default(),
                threshold: sloc_promql::format_duration(threshold),
                matchers: (!matchers.is_empty()).then(|| matchers.join(", ")),
                native: true,
            };
            return Some((sli, group_by));
        }
        let seconds = sloc_spec::Decimal::from_int(threshold.millis() as i64).mul_ratio(1, 1000);
        let by = by_clause(&group_by);
        cx.push(
            &APPROXIMATED,
            native.span.clone(),
            "a native histogram read through an expression: imported as a `raw` SLI with `histogram_fraction`, as Pyrra computes it",
            "",
        );
        return Some((
            DraftSli::Raw(format!("1 - histogram_fraction(0, {seconds}, sum{by} (rate({total}[$window])))")),
            Vec::new(),
        ));
    }
    if let Some(gauge) = node.get("bool_gauge") {
        let m = crate::required_text(cx, gauge, "metric", &format!("the bool_gauge of `{slo}`"))?;
        let by = by_clause(&grouping(cx, gauge)?);
        return Some((
            DraftSli::Raw(format!(
                "(sum{by} (count_over_time({m}[$window])) - sum{by} (sum_over_time({m}[$window])))\n/\nsum{by} (count_over_time({m}[$window]))"
            )),
            Vec::new(),
        ));
    }
    cx.push(
        &CANNOT_IMPORT,
        node.span.clone(),
        format!("`{slo}` has none of the indicators ratio, latency, latencyNative, bool_gauge"),
        "",
    );
    None
}

/// `metric{…} offset 1m` as the selector and the offset, when the text is exactly that.
fn with_offset(metric: &str) -> Option<(String, String)> {
    let (sel, offset) = metric.rsplit_once(" offset ")?;
    let offset = offset.trim();
    selector(sel)?;
    sloc_promql::parse_duration(offset).ok()?;
    Some((sel.trim().to_string(), offset.to_string()))
}

fn by_clause(group_by: &[String]) -> String {
    if group_by.is_empty() { String::new() } else { format!(" by ({})", group_by.join(", ")) }
}
