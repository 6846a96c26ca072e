//! Sloth: `version: prometheus/v1` files and the `PrometheusServiceLevel` CRD (the same model
//! under `spec`, in camelCase). Facts: Sloth's `pkg/prometheus/api/v1/v1.go` and
//! `pkg/kubernetes/api/sloth/v1/types.go`.

use sloc_yaml::Node;

use crate::codes::*;
use crate::draft::{DraftSli, DraftSlo, DraftSpec, DraftTier, slug};
use crate::query::{Counter, counter, translate_window};
use crate::{Cx, Options, labels, pairs, text};

/// Sloth's alert windows for a 30-day period (its default catalog): the page alert fires on
/// either of two pairs, the ticket alert on either of two more. As shares of the period's
/// budget they apply to any period.
const PAGE: [(&str, &str, &str, &str); 2] = [("page-fast", "2", "1h", "5m"), ("page-slow", "5", "6h", "30m")];
const TICKET: [(&str, &str, &str, &str); 2] = [("ticket-fast", "10", "1d", "2h"), ("ticket-slow", "10", "3d", "6h")];

/// The keys of one model, in the spelling of the file (`error_query` or `errorQuery`).
struct Keys {
    crd: bool,
}

impl Keys {
    fn k(&self, snake: &'static str) -> &'static str {
        if !self.crd {
            return snake;
        }
        match snake {
            "slo_plugins" => "sloPlugins",
            "error_query" => "errorQuery",
            "total_query" => "totalQuery",
            "error_ratio_query" => "errorRatioQuery",
            "page_alert" => "pageAlert",
            "ticket_alert" => "ticketAlert",
            other => other,
        }
    }
}

pub(crate) fn read(cx: &mut Cx<'_>, doc: &Node, crd: bool, options: &Options) -> Vec<DraftSpec> {
    let keys = Keys { crd };
    let peer = "Sloth";
    let root = if crd {
        cx.unknown_keys(doc, &["apiVersion", "kind", "metadata", "spec"], peer);
        match doc.get("spec") {
            Some(spec) => spec,
            None => {
                cx.push(&CANNOT_IMPORT, doc.span.clone(), "this PrometheusServiceLevel has no `spec`", "");
                return Vec::new();
            }
        }
    } else {
        doc
    };
    let mut top: Vec<&'static str> = vec!["service", "labels", "slos", keys.k("slo_plugins")];
    if !crd {
        top.push("version");
    }
    cx.unknown_keys(root, &top, peer);
    let Some(service_node) = root.get("service") else {
        cx.push(&CANNOT_IMPORT, root.span.start..root.span.start, "this Sloth spec has no `service`", "");
        return Vec::new();
    };
    let service_name = service_node.as_scalar_text().unwrap_or_default();
    let service = slug(service_name);
    if service != service_name {
        cx.push(
            &APPROXIMATED,
            service_node.span.clone(),
            format!("the service `{service_name}` becomes `{service}`: sloc names are lower-case letters, digits, `-` and `_`"),
            "",
        );
    }
    plugins(cx, root.get(keys.k("slo_plugins")));
    let mut spec = DraftSpec { service, labels: labels(cx, pairs(root.get("labels"))), ..DraftSpec::default() };
    if let Some(metadata) = doc.get("metadata").filter(|_| crd) {
        spec.kubernetes = Some(crate::draft::DraftKubernetes {
            name: text(metadata, "name").map(str::to_string),
            namespace: text(metadata, "namespace").map(str::to_string),
            labels: pairs(metadata.get("labels")).into_iter().map(|(k, v, _)| (k, v)).collect(),
        });
    }
    spec.period = options.period.clone().filter(|p| p != "30d");
    for item in root.get("slos").and_then(Node::as_seq).unwrap_or_default() {
        if let Some(slo) = read_slo(cx, item, &keys, &spec) {
            spec.slos.push(slo);
        }
    }
    if spec.slos.is_empty() { Vec::new() } else { vec![spec] }
}

fn plugins(cx: &mut Cx<'_>, node: Option<&Node>) {
    let Some(node) = node else { return };
    let chain = node.get("chain").and_then(Node::as_seq).unwrap_or_default();
    for plugin in chain {
        let id = text(plugin, "id").unwrap_or("?");
        cx.push(
            &DROPPED,
            plugin.span.clone(),
            format!("the SLO plugin `{id}` runs Go code in Sloth: sloc does not run it"),
            "sloc's rules are fixed; add what the plugin did by hand if it mattered",
        );
    }
}

fn read_slo(cx: &mut Cx<'_>, node: &Node, keys: &Keys, spec: &DraftSpec) -> Option<DraftSlo> {
    cx.unknown_keys(node, &["name", "objective", "description", "labels", "sli", "alerting", "plugins"], "Sloth");
    let name_node = node.get("name")?;
    let original = name_node.as_scalar_text().unwrap_or_default();
    let name = slug(original);
    let origin = format!("Sloth SLO `{original}` of service `{}`, {}", spec.service, cx.at(&name_node.span));
    let objective_node = node.get("objective")?;
    let objective = objective_node.as_scalar_text().and_then(crate::percent);
    let Some(objective) = objective.filter(|o| o.is_positive() && *o < sloc_spec::Decimal::HUNDRED) else {
        cx.push(
            &CANNOT_IMPORT,
            objective_node.span.clone(),
            format!("the objective of `{original}` must be a percentage strictly between 0 and 100"),
            "Sloth accepts 100, a budget of zero: no error is allowed, so no burn rate is defined",
        );
        return None;
    };
    if let Some(p) = node.get("plugins") {
        plugins(cx, Some(p));
    }
    let sli_node = node.get("sli")?;
    let (sli, group_by) = read_sli(cx, sli_node, keys, original)?;
    let mut slo = DraftSlo {
        name,
        objective: objective.to_string(),
        description: text(node, "description").map(str::to_string),
        labels: labels(cx, pairs(node.get("labels"))),
        group_by,
        sli,
        origin,
        ..DraftSlo::default()
    };
    read_alerting(cx, node.get("alerting"), keys, &mut slo);
    crate::keep_tiers_that_fire(cx, &mut slo, spec.period.as_deref(), objective_node.span.clone());
    Some(slo)
}

/// The SLI and its `group_by`: recognised selectors when both queries are plain counters of one
/// metric grouped alike, else Sloth's own ratio as a `raw` expression.
fn read_sli(cx: &mut Cx<'_>, node: &Node, keys: &Keys, slo: &str) -> Option<(DraftSli, Vec<String>)> {
    if let Some(plugin) = node.get("plugin") {
        let id = text(plugin, "id").unwrap_or("?");
        cx.push(
            &CANNOT_IMPORT,
            plugin.span.clone(),
            format!("the SLI of `{slo}` is computed by the Sloth plugin `{id}` (Go code): sloc cannot import it"),
            "write the query the plugin builds as a `raw` SLI with `$window`",
        );
        return None;
    }
    if let Some(raw) = node.get("raw") {
        let query_node = raw.get(keys.k("error_ratio_query"))?;
        let query = window_query(cx, query_node)?;
        return Some((DraftSli::Raw(query), Vec::new()));
    }
    let Some(events) = node.get("events") else {
        cx.push(
            &CANNOT_IMPORT,
            node.span.clone(),
            format!("the SLI of `{slo}` has no `events`, `raw` or `plugin`"),
            "",
        );
        return None;
    };
    let errors_node = events.get(keys.k("error_query"))?;
    let total_node = events.get(keys.k("total_query"))?;
    let errors = window_query(cx, errors_node)?;
    let total = window_query(cx, total_node)?;
    let recognised = (counter(&errors), counter(&total));
    if let (
        Ok(Counter::Selector { selector: e, metric: me, group_by: ge }),
        Ok(Counter::Selector { selector: t, metric: mt, group_by: gt }),
    ) = &recognised
        && me == mt
        && ge == gt
    {
        return Some((DraftSli::Errors { errors: e.clone(), total: t.clone() }, ge.clone()));
    }
    for (q, n) in [(&recognised.0, errors_node), (&recognised.1, total_node)] {
        if let Err(message) = q {
            cx.push(&CANNOT_IMPORT, n.span.clone(), format!("the query does not parse as PromQL: {message}"), "");
            return None;
        }
    }
    cx.push(
        &APPROXIMATED,
        errors_node.span.clone(),
        "these queries are not both a `sum [by (…)] (rate(counter[{{.window}}]))` of one metric: imported as a `raw` SLI, their ratio",
        "a `raw` SLI reads the raw series over every window; as selectors, sloc derives the long windows cheaply",
    );
    Some((DraftSli::Raw(format!("({errors})\n/\n({total})")), Vec::new()))
}

/// A query with its `{{.window}}` as `$window`; any other template action is refused.
fn window_query(cx: &mut Cx<'_>, node: &Node) -> Option<String> {
    let raw = node.as_scalar_text().unwrap_or_default();
    match translate_window(raw) {
        Ok(q) if q.contains(sloc_spec::WINDOW_PLACEHOLDER) => Some(q.trim().to_string()),
        Ok(_) => {
            cx.push(
                &CANNOT_IMPORT,
                node.span.clone(),
                "a Sloth query must contain `{{.window}}`",
                "Sloth refuses such a query too",
            );
            None
        }
        Err((message, range)) => {
            let span = sloc_yaml::value_range_to_source(&cx.file.text, node, range);
            cx.push(&CANNOT_IMPORT, span, message, "");
            None
        }
    }
}

fn read_alerting(cx: &mut Cx<'_>, node: Option<&Node>, keys: &Keys, slo: &mut DraftSlo) {
    let mut tiers: Vec<DraftTier> = Vec::new();
    let Some(node) = node else {
        slo.tiers = Some(sloth_tiers(&PAGE, "critical").into_iter().chain(sloth_tiers(&TICKET, "warning")).collect());
        return;
    };
    cx.unknown_keys(node, &["name", "labels", "annotations", keys.k("page_alert"), keys.k("ticket_alert")], "Sloth");
    if let Some(name) = node.get("name") {
        let text = name.as_scalar_text().unwrap_or_default();
        if text.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && text.chars().all(|c| c.is_ascii_alphanumeric())
        {
            slo.alert_name = Some(text.to_string());
        } else {
            cx.push(
                &DROPPED,
                name.span.clone(),
                format!("the alert name `{text}` is not CamelCase: sloc's default name is used"),
                "",
            );
        }
    }
    slo.alert_labels = labels(cx, pairs(node.get("labels")));
    slo.annotations = pairs(node.get("annotations")).into_iter().map(|(k, v, _)| (k, v)).collect();
    for (key, windows, severity) in
        [(keys.k("page_alert"), &PAGE, "critical"), (keys.k("ticket_alert"), &TICKET, "warning")]
    {
        let alert = node.get(key);
        let disabled = alert.and_then(|a| text(a, "disable")) == Some("true");
        if !disabled {
            tiers.extend(sloth_tiers(windows, severity));
        }
        if let Some(alert) = alert {
            cx.unknown_keys(alert, &["disable", "labels", "annotations"], "Sloth");
            for (k, v, span) in pairs(alert.get("labels")).into_iter().chain(pairs(alert.get("annotations"))) {
                cx.push(
                    &DROPPED,
                    span,
                    format!("`{k}: {v}` of the {key}: sloc's tiers share the alert's labels and annotations"),
                    "route on `severity` (critical for the page tiers, warning for the ticket tiers) with `sloc build --format alertmanager`",
                );
            }
        }
    }
    if tiers.is_empty() {
        slo.disable = vec!["critical", "warning", "info"];
    } else {
        slo.tiers = Some(tiers);
    }
}

fn sloth_tiers(windows: &[(&str, &str, &str, &str)], severity: &'static str) -> Vec<DraftTier> {
    windows
        .iter()
        .map(|(name, budget, long, short)| DraftTier {
            name: name.to_string(),
            severity,
            long: long.to_string(),
            short: short.to_string(),
            threshold: ("budget", budget.to_string()),
            // Sloth's alerts have no `for`; sloc's per-severity defaults stay.
            for_: None,
        })
        .collect()
}
