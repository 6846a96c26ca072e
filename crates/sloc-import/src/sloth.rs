//! Sloth: `version: prometheus/v1` files and the `PrometheusServiceLevel` CRD (the same model
//! under `spec`, in camelCase). Facts: Sloth's `pkg/prometheus/api/v1/v1.go` and
//! `pkg/kubernetes/api/sloth/v1/types.go`.

use sloc_yaml::Node;

use crate::codes::*;
use crate::draft::{DraftSli, DraftSlo, DraftSpec, DraftTier};
use crate::query::{Part, counter, events_sli, translate_window};
use crate::{Cx, Options, labels, pairs, text};
use sloc_spec::slug;

/// Sloth's alert windows for a 30-day period (its default catalog): the page alert fires on
/// either of two pairs, the ticket alert on either of two more. As shares of the period's
/// budget they apply to any period.
const PAGE: [(&str, &str, &str, &str); 2] = [("page-fast", "2", "1h", "5m"), ("page-slow", "5", "6h", "30m")];
const TICKET: [(&str, &str, &str, &str); 2] = [("ticket-fast", "10", "1d", "2h"), ("ticket-slow", "10", "3d", "6h")];

const ALERT_FOR_PLUGIN: &str = "sloth.dev/contrib/alert_for/v1";

/// The keys of one model: snake_case in `prometheus/v1`, camelCase in the CRD. Sloth's own
/// examples mix them (`errorRatioQuery` in a `prometheus/v1` file), so both are read in both.
struct Keys {
    crd: bool,
}

const CAMEL: [(&str, &str); 6] = [
    ("slo_plugins", "sloPlugins"),
    ("error_query", "errorQuery"),
    ("total_query", "totalQuery"),
    ("error_ratio_query", "errorRatioQuery"),
    ("page_alert", "pageAlert"),
    ("ticket_alert", "ticketAlert"),
];

impl Keys {
    /// The model's own spelling of a key, for messages.
    fn k(&self, snake: &'static str) -> &'static str {
        let camel = CAMEL.iter().find(|(s, _)| *s == snake).map_or(snake, |(_, c)| c);
        if self.crd { camel } else { snake }
    }

    fn get<'n>(&self, node: &'n Node, snake: &'static str) -> Option<&'n Node> {
        let camel = CAMEL.iter().find(|(s, _)| *s == snake).map_or(snake, |(_, c)| c);
        node.get(snake).or_else(|| node.get(camel))
    }

    fn required<'n>(&self, cx: &mut Cx<'_>, node: &'n Node, snake: &'static str, holder: &str) -> Option<&'n Node> {
        let found = self.get(node, snake);
        if found.is_none() {
            let key = self.k(snake);
            cx.push(&CANNOT_IMPORT, node.span.start..node.span.start, format!("{holder} has no `{key}`"), "");
        }
        found
    }

    /// `known` in both spellings, for the unknown-key notes.
    fn known(known: &[&'static str]) -> Vec<&'static str> {
        let mut all = known.to_vec();
        all.extend(known.iter().filter_map(|k| CAMEL.iter().find(|(s, _)| s == k).map(|(_, c)| *c)));
        all
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
    let mut top: Vec<&'static str> = Keys::known(&["service", "labels", "slos", "slo_plugins"]);
    if !crd {
        top.push("version");
    }
    cx.unknown_keys(root, &top, peer);
    let Some(service_node) = root.get("service") else {
        cx.push(&CANNOT_IMPORT, root.span.start..root.span.start, "this Sloth spec has no `service`", "");
        return Vec::new();
    };
    let service_name = service_node.as_scalar_text().unwrap_or_default();
    if service_name.trim().is_empty() {
        // Sloth refuses it too.
        cx.push(&CANNOT_IMPORT, service_node.span.clone(), "the `service` is empty", "name the service");
        return Vec::new();
    }
    let service = slug(service_name);
    if service != service_name {
        cx.push(
            &APPROXIMATED,
            service_node.span.clone(),
            format!("the service `{service_name}` becomes `{service}`: sloc names are lower-case letters, digits, `-` and `_`"),
            "",
        );
    }
    plugins(cx, keys.get(root, "slo_plugins"));
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
        // What alert_for does, a `for` on the page and ticket alerts, is read from those alerts.
        if id == ALERT_FOR_PLUGIN {
            continue;
        }
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
    let name_node = crate::required(cx, node, "name", "this SLO")?;
    let original = name_node.as_scalar_text().unwrap_or_default();
    let name = slug(original);
    let origin = format!("Sloth SLO `{original}` of service `{}`, {}", spec.service, cx.at(&name_node.span));
    let objective_node = crate::required(cx, node, "objective", &format!("the SLO `{original}`"))?;
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
    let sli_node = crate::required(cx, node, "sli", &format!("the SLO `{original}`"))?;
    let (sli, group_by) = read_sli(cx, sli_node, keys, original)?;
    let mut slo = DraftSlo {
        name,
        objective: objective.to_string(),
        description: crate::description(cx, node),
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
        let query_node = keys.required(cx, raw, "error_ratio_query", &format!("the raw SLI of `{slo}`"))?;
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
    let holder = format!("the events SLI of `{slo}`");
    let errors_node = keys.required(cx, events, "error_query", &holder)?;
    let total_node = keys.required(cx, events, "total_query", &holder)?;
    let errors = window_query(cx, errors_node)?;
    let total = window_query(cx, total_node)?;
    if let Some(sli) = events_sli(Part::Errors, &errors, &total) {
        return Some(sli);
    }
    let recognised = (counter(&errors), counter(&total));
    for (q, n, key) in [(&recognised.0, errors_node, "error_query"), (&recognised.1, total_node, "total_query")] {
        if let Err(message) = q {
            cx.push(&CANNOT_IMPORT, n.span.clone(), format!("`{key}` cannot be imported: {message}"), "");
            return None;
        }
    }
    cx.push(
        &APPROXIMATED,
        errors_node.span.clone(),
        "these queries are neither a `sum [by (…)] (rate(counter[{{.window}}]))` of one metric nor a histogram's latency: imported as a `raw` SLI, their ratio",
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
        slo.tiers = Some(
            sloth_tiers(&PAGE, "critical", None).into_iter().chain(sloth_tiers(&TICKET, "warning", None)).collect(),
        );
        return;
    };
    cx.unknown_keys(node, &Keys::known(&["name", "labels", "annotations", "page_alert", "ticket_alert"]), "Sloth");
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
    for (snake, windows, severity) in [("page_alert", &PAGE, "critical"), ("ticket_alert", &TICKET, "warning")] {
        let key = keys.k(snake);
        let alert = keys.get(node, snake);
        let disabled = alert.and_then(|a| text(a, "disable")) == Some("true");
        let Some(alert) = alert else {
            tiers.extend(sloth_tiers(windows, severity, None));
            continue;
        };
        cx.unknown_keys(alert, &["disable", "for", "labels", "annotations"], "Sloth");
        // `for` on an alert (Sloth's alert_for plugin) holds both of its window pairs.
        let for_ = alert.get("for").and_then(|f| {
            let value = f.as_scalar_text().unwrap_or_default();
            if sloc_promql::parse_duration(value).is_ok() {
                return Some(value.to_string());
            }
            cx.push(&DROPPED, f.span.clone(), format!("`for: {value}` is not a duration: sloc's default is used"), "");
            None
        });
        if !disabled {
            tiers.extend(sloth_tiers(windows, severity, for_));
        }
        for (k, v, span) in pairs(alert.get("labels")).into_iter().chain(pairs(alert.get("annotations"))) {
            // The workbook's own severities are what sloc sets anyway.
            if k == "severity" && v == severity {
                continue;
            }
            cx.push(
                &DROPPED,
                span,
                format!("`{k}: {v}` of the {key}: sloc's tiers share the alert's labels and annotations"),
                "route on `severity` (critical for the page tiers, warning for the ticket tiers) with `sloc build --format alertmanager`",
            );
        }
    }
    if tiers.is_empty() {
        slo.disable = vec!["critical", "warning", "info"];
    } else {
        slo.tiers = Some(tiers);
    }
}

fn sloth_tiers(windows: &[(&str, &str, &str, &str)], severity: &'static str, for_: Option<String>) -> Vec<DraftTier> {
    windows
        .iter()
        .map(|(name, budget, long, short)| DraftTier {
            name: name.to_string(),
            severity,
            long: long.to_string(),
            short: short.to_string(),
            threshold: ("budget", budget.to_string()),
            // Without `for`, Sloth's alerts fire at once; sloc's per-severity defaults stay.
            for_: for_.clone(),
        })
        .collect()
}
