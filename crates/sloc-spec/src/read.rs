//! Reads a spec from YAML text, collecting every problem instead of stopping at the first.

use std::ops::Range;

use sloc_diagnostics::{Diagnostic, PROMQL_SYNTAX, YAML_SYNTAX};
use sloc_promql::{Duration, Expr, parse_duration};
use sloc_yaml::{Node, Spanned, Value, parse_documents, unknown_keys, value_range_to_source};

use crate::codes::*;
use crate::{
    Alerting, Decimal, Kubernetes, Label, Labels, LatencySli, Query, Receivers, ServiceAlerting, Sli, Slo, Spec,
    ThresholdSli, Tier, TierSpec, WINDOW_PLACEHOLDER,
};

/// The alert label that tells apart two tiers of one severity (set only for tiers named apart
/// from their severity). Not `tier`, which teams use for a service's tier (Sloth's examples do).
pub const TIER_LABEL: &str = "slo_tier";

/// Labels sloc sets on generated series or alerts.
pub const RESERVED_LABELS: [&str; 4] = ["slo", "service", "severity", TIER_LABEL];

const SPEC_KEYS: &[&str] =
    &["service", "period", "interval", "exact", "labels", "kubernetes", "alerting", "tiers", "slos"];
const SERVICE_ALERTING_KEYS: &[&str] = &["receivers"];
const KUBERNETES_KEYS: &[&str] = &["name", "namespace", "labels"];
const SLO_KEYS: &[&str] = &[
    "name",
    "objective",
    "description",
    "group_by",
    "exact",
    "period",
    "labels",
    "tiers",
    "traffic",
    "sli",
    "alerting",
];
const TIER_KEYS: &[&str] = &["name", "severity", "long", "short", "factor", "budget", "for"];
const SLI_KEYS: &[&str] = &["errors", "good", "total", "latency", "threshold", "raw"];
const LATENCY_KEYS: &[&str] = &["histogram", "threshold", "matchers", "native"];
const THRESHOLD_KEYS: &[&str] = &["value", "below", "above"];
const ALERTING_KEYS: &[&str] = &["name", "labels", "annotations", "disable", "for", "receivers"];

/// Does this YAML document look like an SLO spec (rather than a Prometheus rule file)?
pub fn is_spec(root: &Node) -> bool {
    root.get("slos").is_some() || (root.get("service").is_some() && root.get("groups").is_none())
}

/// Reads a spec. Returns the spec when its structure is complete (it may still carry errors in
/// the diagnostics) and every problem found.
pub fn parse_spec(text: &str) -> (Option<Spec>, Vec<Diagnostic>) {
    let mut reader = Reader { text, diagnostics: Vec::new() };
    let spec = match parse_documents(text) {
        Err(e) => {
            let at = e.offset.unwrap_or(0);
            reader.diagnostics.push(
                Diagnostic::new(&YAML_SYNTAX, at..at, e.message).with_help("fix the YAML syntax at this position"),
            );
            None
        }
        Ok(docs) => match docs.as_slice() {
            [] => {
                reader.push(
                    Diagnostic::new(&MISSING_FIELD, 0..0, "the spec is empty")
                        .with_help("a spec needs `service:` and `slos:`"),
                );
                None
            }
            [root] => reader.spec(root),
            [_, second, ..] => {
                reader.push(
                    Diagnostic::new(
                        &WRONG_TYPE,
                        second.span.clone(),
                        "a spec file holds one service, but this file has several YAML documents",
                    )
                    .with_help("split the services into one file each"),
                );
                None
            }
        },
    };
    (spec, reader.diagnostics)
}

struct Reader<'t> {
    text: &'t str,
    diagnostics: Vec<Diagnostic>,
}

/// A mapping whose unknown keys have been reported.
struct Fields<'n> {
    node: &'n Node,
    entries: &'n [(Node, Node)],
    /// Keys that an unknown key was taken for: not reported again as missing.
    suggested: Vec<&'static str>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, _)| k.as_scalar_text() == Some(key)).map(|(_, v)| v)
    }

    /// Where to point when a key is missing: the first key of the mapping.
    fn anchor(&self) -> Range<usize> {
        self.entries.first().map_or(self.node.span.clone(), |(k, _)| k.span.clone())
    }
}

impl<'t> Reader<'t> {
    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        self.push(
            Diagnostic::new(&WRONG_TYPE, node.span.clone(), format!("{what} must be {expected}, not {}", node.kind()))
                .with_label(format!("expected {expected}")),
        );
    }

    fn fields<'n>(&mut self, node: &'n Node, what: &str, allowed: &[&'static str]) -> Option<Fields<'n>> {
        let Some(entries) = node.as_map() else {
            self.wrong_type(node, what, "a mapping");
            return None;
        };
        let mut suggested = Vec::new();
        for (key, suggestion) in unknown_keys(entries, allowed) {
            suggested.extend(suggestion);
            let name = key.as_scalar_text().unwrap_or("?");
            let mut d = Diagnostic::new(&UNKNOWN_KEY, key.span.clone(), format!("unknown key `{name}` in {what}"))
                .with_label("not a known key");
            d = match suggestion {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("expected one of: {}", allowed.join(", "))),
            };
            self.push(d);
        }
        Some(Fields { node, entries, suggested })
    }

    fn required<'n>(&mut self, fields: &Fields<'n>, key: &str, what: &str) -> Option<&'n Node> {
        let node = fields.get(key);
        if node.is_none() && !fields.suggested.contains(&key) {
            self.push(
                Diagnostic::new(&MISSING_FIELD, fields.anchor(), format!("{what} has no `{key}`"))
                    .with_label(format!("`{key}` missing here")),
            );
        }
        node
    }

    /// A scalar read as text (numbers and booleans as written, for labels).
    /// A string as Prometheus and Alertmanager read one: any scalar, as written (`on`, `Y`
    /// and `0x10` are names, never booleans or numbers).
    fn text(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match node.as_scalar_text() {
            Some(t) => Some(Spanned::new(t.to_string(), node.span.clone())),
            None => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b, _) => Some(b),
            _ => {
                self.wrong_type(node, what, "true or false");
                None
            }
        }
    }

    fn duration(&mut self, node: &Node, what: &str) -> Option<Spanned<Duration>> {
        let text = self.text(node, what)?;
        match parse_duration(&text.value) {
            Ok(d) if d.is_zero() => {
                self.push(
                    Diagnostic::new(&INVALID_DURATION, node.span.clone(), format!("{what} must be longer than 0"))
                        .with_label("zero"),
                );
                None
            }
            Ok(d) => Some(Spanned::new(d, node.span.clone())),
            Err(message) => {
                self.push(
                    Diagnostic::new(&INVALID_DURATION, node.span.clone(), format!("invalid {what}: {message}"))
                        .with_label("not a Prometheus duration"),
                );
                None
            }
        }
    }

    fn number(&mut self, node: &Node, what: &str) -> Option<Spanned<Decimal>> {
        let parsed = match &node.value {
            Value::Number(n) => Decimal::parse(n),
            _ => None,
        };
        if parsed.is_none() {
            self.wrong_type(node, what, "a number");
        }
        parsed.map(|d| Spanned::new(d, node.span.clone()))
    }

    fn name(&mut self, node: &Node, what: &str, valid: fn(&str) -> bool, rule: &str) -> Option<Spanned<String>> {
        let name = self.text(node, what)?;
        if !valid(&name.value) {
            self.push(
                Diagnostic::new(
                    &INVALID_NAME,
                    node.span.clone(),
                    format!("{what} `{}` is not valid: {rule}", name.value),
                )
                .with_label("invalid name"),
            );
        }
        Some(name)
    }

    fn label_name(&mut self, node: &Node, what: &str, reserved: bool) -> Option<Spanned<String>> {
        let name = self.text(node, what)?;
        if !sloc_promql::is_label_name(&name.value) {
            self.push(
                Diagnostic::new(
                    &INVALID_LABEL_NAME,
                    node.span.clone(),
                    format!("`{}` is not a valid label name", name.value),
                )
                .with_label("invalid label name")
                .with_help("label names are letters, digits and `_`, not starting with a digit"),
            );
        } else if reserved && RESERVED_LABELS.contains(&name.value.as_str()) {
            self.push(
                Diagnostic::new(
                    &RESERVED_LABEL,
                    node.span.clone(),
                    format!("{what} `{}` would overwrite the label sloc sets", name.value),
                )
                .with_label("reserved by sloc")
                .with_help(format!(
                    "sloc sets {} itself; choose another name",
                    RESERVED_LABELS.map(|l| format!("`{l}`")).join(", ")
                )),
            );
        }
        Some(name)
    }

    fn labels(&mut self, node: &Node, what: &str, reserved: bool) -> Labels {
        let Some(entries) = node.as_map() else {
            if node.value != Value::Null {
                self.wrong_type(node, what, "a mapping of names to values");
            }
            return Labels::default();
        };
        let mut labels = Vec::new();
        // Alert labels and annotations are Go templates, which Prometheus parses on load; the
        // spec's and objectives' labels end up on the alerts too.
        let templated = matches!(what, "label" | "alert label" | "annotation");
        for (key, value_node) in entries {
            let name = self.label_name(key, &format!("{what} name"), reserved);
            let value = self.text(value_node, &format!("{what} value"));
            if let (true, Some(name), Some(_)) = (templated, &name, &value)
                && let Some(finding) = sloc_template::template_finding(self.text, value_node, &name.value)
            {
                self.push(finding);
            }
            if let (Some(name), Some(value)) = (name, value) {
                labels.push(Label { name, value });
            }
        }
        Labels(labels)
    }

    fn spec(&mut self, root: &Node) -> Option<Spec> {
        let fields = self.fields(root, "the spec", SPEC_KEYS)?;
        let service = self
            .required(&fields, "service", "the spec")
            .and_then(|n| self.name(n, "service name", valid_slug, "use letters, digits, `-` and `_`"));
        let period = fields.get("period").and_then(|n| self.duration(n, "period"));
        let interval = fields.get("interval").and_then(|n| self.duration(n, "interval"));
        let exact = fields.get("exact").and_then(|n| self.boolean(n, "exact")).unwrap_or(false);
        let labels = fields.get("labels").map(|n| self.labels(n, "label", true)).unwrap_or_default();
        let period_value = period.as_ref().map_or(crate::DEFAULT_PERIOD, |p| p.value);
        let tiers = fields.get("tiers").and_then(|n| self.tiers(n));

        let mut slos = Vec::new();
        if let Some(list) = self.required(&fields, "slos", "the spec") {
            match list.as_seq() {
                Some([]) => self.push(
                    Diagnostic::new(&MISSING_FIELD, list.span.clone(), "the spec has no objectives")
                        .with_help("add at least one entry under `slos:`"),
                ),
                Some(items) => {
                    for item in items {
                        if let Some(slo) = self.slo(item, period_value, tiers.as_deref()) {
                            slos.push(slo);
                        }
                    }
                }
                None => self.wrong_type(list, "`slos`", "a list of objectives"),
            }
        }
        crate::checks::on_slos(&slos, &mut self.diagnostics);
        let kubernetes = fields.get("kubernetes").and_then(|n| self.kubernetes(n));
        let alerting = fields.get("alerting").and_then(|n| self.service_alerting(n)).unwrap_or_default();
        Some(Spec { service: service?, period, interval, exact, labels, kubernetes, alerting, tiers, slos })
    }

    fn service_alerting(&mut self, node: &Node) -> Option<ServiceAlerting> {
        let fields = self.fields(node, "the service's `alerting`", SERVICE_ALERTING_KEYS)?;
        let receivers = fields.get("receivers").map(|n| self.receivers(n)).unwrap_or_default();
        Some(ServiceAlerting { receivers })
    }

    /// `{critical: name, ...}`: Alertmanager receiver names are any non-empty string.
    fn receivers(&mut self, node: &Node) -> Receivers {
        let mut out = Vec::new();
        match node.as_map() {
            Some(entries) => {
                for (k, v) in entries {
                    let tier = self.tier(k);
                    let name = self.text(v, "a receiver name");
                    if let Some(name) = &name
                        && name.value.trim().is_empty()
                    {
                        self.push(
                            Diagnostic::new(&WRONG_TYPE, v.span.clone(), "a receiver name cannot be empty")
                                .with_label("empty name")
                                .with_help("name a receiver of your alertmanager.yml, such as `oneflow-pager`"),
                        );
                        continue;
                    }
                    if let (Some(tier), Some(name)) = (tier, name) {
                        out.push((tier, name));
                    }
                }
            }
            None => self.wrong_type(node, "`receivers`", "a mapping of tiers to receiver names"),
        }
        Receivers(out)
    }

    fn kubernetes(&mut self, node: &Node) -> Option<Kubernetes> {
        let fields = self.fields(node, "`kubernetes`", KUBERNETES_KEYS)?;
        let name = fields.get("name").and_then(|n| self.text(n, "the manifest name"));
        let namespace = fields.get("namespace").and_then(|n| self.text(n, "the namespace"));
        // Kubernetes label keys (`app.kubernetes.io/part-of`) are not Prometheus label names.
        let mut labels = Vec::new();
        match fields.get("labels").map(|n| (n, n.as_map())) {
            Some((_, Some(entries))) => {
                for (k, v) in entries {
                    if let (Some(name), Some(value)) =
                        (self.text(k, "a manifest label name"), self.text(v, "a manifest label value"))
                    {
                        labels.push(Label { name, value });
                    }
                }
            }
            Some((n, None)) => self.wrong_type(n, "manifest labels", "a mapping of names to values"),
            None => {}
        }
        Some(Kubernetes { name, namespace, labels: Labels(labels) })
    }

    fn slo(&mut self, node: &Node, period: Duration, spec_tiers: Option<&[TierSpec]>) -> Option<Slo> {
        let fields = self.fields(node, "an objective", SLO_KEYS)?;
        let name = self.required(&fields, "name", "this objective").and_then(|n| {
            self.name(n, "objective name", valid_slo_name, "use lower-case letters, digits, `-` and `_`")
        });
        let what = name.as_ref().map_or_else(|| "this objective".to_string(), |n| format!("objective `{}`", n.value));
        let objective = self.required(&fields, "objective", &what).and_then(|n| self.objective(n));
        let description = fields.get("description").and_then(|n| {
            let text = self.text(n, "description")?;
            // It is written into every alert's `description` annotation, a Go template.
            if let Some(finding) = sloc_template::template_finding(self.text, n, "description") {
                self.push(finding);
            }
            Some(text)
        });
        let exact = fields.get("exact").and_then(|n| self.boolean(n, "exact"));
        let traffic = fields.get("traffic").and_then(|n| self.traffic(n));
        let group_by = fields.get("group_by").map(|n| self.group_by(n)).unwrap_or_default();
        let own_period = fields.get("period").and_then(|n| self.duration(n, "period"));
        let labels = fields.get("labels").map(|n| self.labels(n, "label", true)).unwrap_or_default();
        let tiers = fields.get("tiers").and_then(|n| self.tiers(n));
        let alerting = fields.get("alerting").and_then(|n| self.alerting(n)).unwrap_or_default();
        let sli = self.required(&fields, "sli", &what).and_then(|n| self.sli(n));
        let period = own_period.as_ref().map_or(period, |p| p.value);
        let slo = Slo {
            name: name?,
            objective: objective?,
            description,
            group_by,
            exact,
            period: own_period,
            labels,
            tiers,
            traffic,
            sli: sli?,
            alerting,
        };
        let resolved = crate::resolve_tiers(slo.tiers.as_deref().or(spec_tiers), &slo.alerting, period);
        crate::checks::on_slo(&slo, &resolved, &mut self.diagnostics);
        Some(slo)
    }

    fn objective(&mut self, node: &Node) -> Option<Spanned<Decimal>> {
        let text = node.as_scalar_text().unwrap_or_default();
        let Some(value) = Decimal::parse(text.trim().trim_end_matches('%')) else {
            self.wrong_type(node, "objective", "a percentage such as 99.9 or \"99.9%\"");
            return None;
        };
        if value <= Decimal::ZERO || value >= Decimal::HUNDRED {
            let mut d = Diagnostic::new(
                &OBJECTIVE_OUT_OF_RANGE,
                node.span.clone(),
                format!("objective {value} is not strictly between 0 and 100"),
            )
            .with_label("out of range");
            d = if value > Decimal::ZERO && value <= Decimal::ONE {
                d.with_help(format!("objectives are percentages: did you mean {}?", value.mul_ratio(100, 1)))
            } else if value == Decimal::HUNDRED {
                d.with_help("100% leaves no error budget: no failure is allowed, so every alert would fire on the first one; aim below 100, e.g. 99.9")
            } else {
                d.with_help("write the objective in percent, e.g. 99.9")
            };
            self.push(d);
            return None;
        }
        if value <= Decimal::ONE {
            self.push(
                Diagnostic::new(
                    &OBJECTIVE_OUT_OF_RANGE,
                    node.span.clone(),
                    format!("objective {value}% looks like a ratio written as a percentage"),
                )
                .with_label("1% or less")
                .with_help(format!("objectives are percentages: did you mean {}?", value.mul_ratio(100, 1))),
            );
            return None;
        }
        Some(Spanned::new(value, node.span.clone()))
    }

    /// `20/h` → 20 events per hour.
    fn traffic(&mut self, node: &Node) -> Option<Spanned<Decimal>> {
        let text = node.as_scalar_text().unwrap_or_default();
        let per_hour = text.split_once('/').and_then(|(n, unit)| {
            let n = Decimal::parse(n.trim())?;
            let (num, den) = match unit.trim() {
                "s" => (3600, 1),
                "m" => (60, 1),
                "h" => (1, 1),
                "d" => (1, 24),
                _ => return None,
            };
            Some(n.mul_ratio(num, den))
        });
        match per_hour {
            Some(rate) if rate.is_positive() => Some(Spanned::new(rate, node.span.clone())),
            _ => {
                self.wrong_type(node, "traffic", "a positive rate such as 20/h or 5/m");
                None
            }
        }
    }

    fn group_by(&mut self, node: &Node) -> Vec<Spanned<String>> {
        let Some(items) = node.as_seq() else {
            self.wrong_type(node, "`group_by`", "a list of label names");
            return Vec::new();
        };
        items.iter().filter_map(|i| self.label_name(i, "group_by label", true)).collect()
    }

    /// `tiers:`, a list of `{name, severity, long, short, factor | budget, for}`.
    fn tiers(&mut self, node: &Node) -> Option<Vec<TierSpec>> {
        let Some(items) = node.as_seq() else {
            self.wrong_type(node, "`tiers`", "a list of tiers such as {severity: critical, long: 1h, factor: 14.4}");
            return None;
        };
        if items.is_empty() {
            self.push(
                Diagnostic::new(&INVALID_TIER, node.span.clone(), "`tiers` is empty: the objectives would never alert")
                    .with_label("no tiers")
                    .with_help("list at least one tier, or leave `tiers` out for the workbook's three"),
            );
            return None;
        }
        let mut tiers: Vec<TierSpec> = Vec::new();
        for item in items {
            let Some(fields) = self.fields(item, "a tier", TIER_KEYS) else { continue };
            let name = fields
                .get("name")
                .and_then(|n| self.name(n, "tier name", valid_slo_name, "use lower-case letters, digits, `-` and `_`"));
            let severity = self.required(&fields, "severity", "this tier").and_then(|n| self.tier(n));
            let long = self.required(&fields, "long", "this tier").and_then(|n| self.duration(n, "long window"));
            let short = fields.get("short").and_then(|n| self.duration(n, "short window"));
            let factor = fields.get("factor").and_then(|n| self.number(n, "factor"));
            let budget = fields.get("budget").and_then(|n| self.number(n, "budget"));
            let for_ = fields.get("for").and_then(|n| self.duration(n, "`for`"));
            let (Some(severity), Some(long)) = (severity, long) else { continue };
            match (&factor, &budget) {
                (Some(_), Some(b)) => self.push(
                    Diagnostic::new(&INVALID_TIER, b.span.clone(), "a tier takes `factor` or `budget`, not both")
                        .with_label("second way to say the threshold")
                        .with_help("keep one: `factor` is a burn rate, `budget` a percent of the period's budget"),
                ),
                (None, None) => self.push(
                    Diagnostic::new(&INVALID_TIER, item.span.clone(), "this tier has no `factor` or `budget`")
                        .with_label("no threshold")
                        .with_help("add `factor: 14.4` (a burn rate) or `budget: 2` (percent of the period's budget)"),
                ),
                _ => {}
            }
            for value in factor.iter().chain(&budget) {
                if !value.value.is_positive() {
                    self.push(
                        Diagnostic::new(&INVALID_TIER, value.span.clone(), "the threshold must be above 0")
                            .with_label("not positive"),
                    );
                }
            }
            if let Some(s) = short.as_ref().filter(|s| s.value >= long.value) {
                self.push(
                    Diagnostic::new(
                        &INVALID_TIER,
                        s.span.clone(),
                        "the short window must be shorter than the long one",
                    )
                    .with_label("not shorter than `long`")
                    .with_help("leave `short` out for long / 12"),
                );
            }
            let tier = TierSpec { name, severity, long, short, factor, budget, for_ };
            crate::checks::on_tier(&tier, &mut self.diagnostics);
            let tier_name =
                |t: &TierSpec| t.name.as_ref().map_or(t.severity.value.name().to_string(), |n| n.value.clone());
            if let Some(first) = tiers.iter().find(|t| tier_name(t) == tier_name(&tier)) {
                let span = tier.name.as_ref().map_or(tier.severity.span.clone(), |n| n.span.clone());
                let first_span = first.name.as_ref().map_or(first.severity.span.clone(), |n| n.span.clone());
                self.push(
                    Diagnostic::new(&INVALID_TIER, span, format!("two tiers are named `{}`", tier_name(&tier)))
                        .with_label("second use")
                        .with_related(first_span, "first use")
                        .with_help("give tiers of one severity each a `name`"),
                );
                continue;
            }
            tiers.push(tier);
        }
        Some(tiers)
    }

    fn alerting(&mut self, node: &Node) -> Option<Alerting> {
        let fields = self.fields(node, "`alerting`", ALERTING_KEYS)?;
        let name = fields.get("name").and_then(|n| {
            self.name(n, "alert name", valid_alert_name, "use CamelCase: a capital letter, then letters and digits")
        });
        let labels = fields.get("labels").map(|n| self.labels(n, "alert label", true)).unwrap_or_default();
        let annotations = fields.get("annotations").map(|n| self.labels(n, "annotation", false)).unwrap_or_default();
        let disable = match fields.get("disable") {
            Some(n) => match n.as_seq() {
                Some(items) => items.iter().filter_map(|i| self.tier(i)).collect(),
                None => {
                    self.wrong_type(n, "`disable`", "a list of tiers");
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let mut for_ = Vec::new();
        if let Some(n) = fields.get("for") {
            match n.as_map() {
                Some(entries) => {
                    for (k, v) in entries {
                        if let (Some(tier), Some(d)) = (self.tier(k), self.duration(v, "`for`")) {
                            for_.push((tier, d));
                        }
                    }
                }
                None => self.wrong_type(n, "`for`", "a mapping of tiers to durations"),
            }
        }
        let receivers = fields.get("receivers").map(|n| self.receivers(n)).unwrap_or_default();
        Some(Alerting { name, labels, annotations, disable, for_, receivers })
    }

    fn tier(&mut self, node: &Node) -> Option<Spanned<Tier>> {
        let text = node.as_scalar_text().unwrap_or_default();
        match Tier::parse(text) {
            Some(t) => Some(Spanned::new(t, node.span.clone())),
            None => {
                self.push(
                    Diagnostic::new(&WRONG_TYPE, node.span.clone(), format!("`{text}` is not an alert tier"))
                        .with_label("unknown tier")
                        .with_help("tiers are critical, warning and info"),
                );
                None
            }
        }
    }

    fn sli(&mut self, node: &Node) -> Option<Sli> {
        let fields = self.fields(node, "`sli`", SLI_KEYS)?;
        let present: Vec<&str> = SLI_KEYS.iter().copied().filter(|k| fields.get(k).is_some()).collect();
        let kind = match present.as_slice() {
            ["errors", "total"] => "errors",
            ["good", "total"] => "good",
            ["latency"] => "latency",
            ["threshold"] => "threshold",
            ["raw"] => "raw",
            ["errors"] | ["good"] => {
                self.push(
                    Diagnostic::new(
                        &MISSING_FIELD,
                        fields.anchor(),
                        format!("the `{}` SLI has no `total`", present[0]),
                    )
                    .with_label("`total` missing")
                    .with_help("add `total:`, the counter of all events"),
                );
                return None;
            }
            _ => {
                let message = if present.is_empty() {
                    "the SLI has no kind".to_string()
                } else {
                    format!("the SLI mixes kinds: {}", present.join(", "))
                };
                self.push(
                    Diagnostic::new(&SLI_KIND, node.span.clone(), message)
                        .with_label("exactly one kind expected")
                        .with_help("use `errors` + `total`, `good` + `total`, `latency`, `threshold` or `raw`"),
                );
                return None;
            }
        };
        let get = |k: &str| fields.get(k).expect("present keys were listed above");
        match kind {
            "errors" | "good" => {
                let bad = self.events_query(get(kind), kind);
                let total = self.events_query(get("total"), "total");
                let (bad, total) = (bad?, total?);
                let sli =
                    if kind == "errors" { Sli::Errors { errors: bad, total } } else { Sli::Good { good: bad, total } };
                crate::checks::on_sli(&sli, &mut self.diagnostics);
                Some(sli)
            }
            "latency" => self.latency(get("latency")).map(|latency| Sli::Latency { latency }),
            "threshold" => self.threshold(get("threshold")).map(|threshold| Sli::Threshold { threshold }),
            _ => {
                let raw = self.query(get("raw"), "raw SLI")?;
                if !raw.text.contains(WINDOW_PLACEHOLDER) {
                    self.push(
                        Diagnostic::new(&MISSING_WINDOW, raw.span(), "the raw SLI has no `$window`")
                            .with_label("no `$window` here")
                            .with_help("write `[$window]` where the range goes, e.g. rate(errors_total[$window])"),
                    );
                    return None;
                }
                Some(Sli::Raw { raw })
            }
        }
    }

    /// Parses a PromQL query, with `$window` standing for a range.
    fn query(&mut self, node: &Node, what: &str) -> Option<Query> {
        let text = self.text(node, what)?;
        let expr = self.parse_promql(node, &text.value)?;
        let kind = match expr.value_type() {
            sloc_promql::ValueType::Vector => None,
            sloc_promql::ValueType::Matrix => Some("a range vector"),
            sloc_promql::ValueType::Scalar => Some("a number"),
            sloc_promql::ValueType::String => Some("a string"),
        };
        if let Some(kind) = kind {
            self.push(
                Diagnostic::new(
                    &SLI_NOT_VECTOR,
                    node.span.clone(),
                    format!("the {what} is {kind}, not an instant vector"),
                )
                .with_label(kind)
                .with_help("wrap ranges in a function such as sum(rate(errors_total[$window]))"),
            );
            return None;
        }
        let is_selector = matches!(expr, Expr::VectorSelector(_)) && !text.value.contains(WINDOW_PLACEHOLDER);
        Some(Query { text: text.value, node: node.clone(), is_selector })
    }

    fn parse_promql(&mut self, node: &Node, text: &str) -> Option<Expr> {
        // `$window` is replaced by a range of the same length, so offsets stay put.
        let sample = text.replace(WINDOW_PLACEHOLDER, "5000000s");
        match sloc_promql::parse(&sample) {
            Ok(expr) => Some(expr),
            Err(e) => {
                let span = value_range_to_source(self.text, node, e.span.clone());
                self.push(
                    Diagnostic::new(&PROMQL_SYNTAX, span, format!("invalid PromQL: {}", e.message))
                        .with_label("here")
                        .with_related(node.span.clone(), "in this expression"),
                );
                None
            }
        }
    }

    fn events_query(&mut self, node: &Node, what: &str) -> Option<Query> {
        let query = self.query(node, &format!("`{what}`"))?;
        if !query.is_selector && !query.text.contains(WINDOW_PLACEHOLDER) {
            self.push(
                Diagnostic::new(&MISSING_WINDOW, query.span(), format!("`{what}` is neither a selector nor an expression with `$window`"))
                    .with_label("fixed ranges here")
                    .with_help("give a plain selector such as `requests_total{code=~\"5..\"}` (sloc adds rate() and the windows), or write `[$window]` where the range goes"),
            );
            return None;
        }
        Some(query)
    }

    fn latency(&mut self, node: &Node) -> Option<LatencySli> {
        let fields = self.fields(node, "`latency`", LATENCY_KEYS)?;
        let histogram = self.required(&fields, "histogram", "the latency SLI").and_then(|n| {
            let name = self.name(n, "histogram", sloc_promql::is_metric_name, "use a metric name")?;
            if let Some(base) = name.value.strip_suffix("_bucket") {
                self.push(
                    Diagnostic::new(&INVALID_NAME, n.span.clone(), "give the histogram's name without `_bucket`")
                        .with_label("ends in `_bucket`")
                        .with_help(format!(
                            "write `histogram: {base}`; sloc reads {base}_bucket and {base}_count (or {base} itself with `native: true`)"
                        )),
                );
                return None;
            }
            Some(name)
        });
        let threshold =
            self.required(&fields, "threshold", "the latency SLI").and_then(|n| self.duration(n, "latency threshold"));
        let matchers = match fields.get("matchers") {
            Some(n) => Some(self.matchers(n)?),
            None => None,
        };
        let native = match fields.get("native") {
            Some(n) => self.boolean(n, "`native`")?,
            None => false,
        };
        Some(LatencySli { histogram: histogram?, threshold: threshold?, matchers, native })
    }

    fn matchers(&mut self, node: &Node) -> Option<Query> {
        let text = self.text(node, "`matchers`")?;
        let inner = text.value.trim().trim_start_matches('{').trim_end_matches('}');
        let probe = format!("m{{{inner}}}");
        if let Err(e) = sloc_promql::parse(&probe) {
            // Error offsets are in `m{inner}`; `inner` starts `lead` bytes into the value.
            let lead = text.value.len() - text.value.trim_start().trim_start_matches('{').len();
            let shift = |o: usize| (o.saturating_sub(2) + lead).min(text.value.len());
            let span = value_range_to_source(self.text, node, shift(e.span.start)..shift(e.span.end));
            self.push(
                Diagnostic::new(&PROMQL_SYNTAX, span, format!("invalid label matchers: {}", e.message))
                    .with_label("here")
                    .with_help("write matchers as in PromQL: endpoint=\"/api\", code!~\"5..\""),
            );
            return None;
        }
        Some(Query { text: inner.to_string(), node: node.clone(), is_selector: false })
    }

    fn threshold(&mut self, node: &Node) -> Option<ThresholdSli> {
        let fields = self.fields(node, "`threshold`", THRESHOLD_KEYS)?;
        let value = self.required(&fields, "value", "the threshold SLI").and_then(|n| self.query(n, "threshold value"));
        let below = fields.get("below").and_then(|n| self.number(n, "`below`"));
        let above = fields.get("above").and_then(|n| self.number(n, "`above`"));
        if fields.get("below").is_some() == fields.get("above").is_some() {
            self.push(
                Diagnostic::new(
                    &THRESHOLD_BOUND,
                    fields.anchor(),
                    "the threshold SLI needs exactly one of `below` and `above`",
                )
                .with_label("one bound expected")
                .with_help("`below: 0.5` makes a slice good when the value is under 0.5"),
            );
            return None;
        }
        Some(ThresholdSli { value: value?, below, above })
    }
}

fn valid_slug(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A foreign name (a peer's service, objective or tier) as a name sloc accepts: lower-case
/// letters, digits, `-` and `_` (anything else becomes `-`). `sloc import` names objectives
/// with it, and `--compare` finds them again in the old rules' labels.
pub fn slug(name: &str) -> String {
    let slug: String = name
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '-' })
        .collect();
    let slug = slug.trim_matches('-').to_string();
    if slug.is_empty() { "unnamed".to_string() } else { slug }
}

fn valid_slo_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn valid_alert_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric())
}
