//! `sloc import --compare`: an old rule file (a peer's generated rules) and the rules sloc
//! compiles from the imported spec, run through the same synthetic burns in promtool.
//!
//! For every objective and every one of its tiers, one burn: a clean history as long as the
//! objective's longest window, then errors at 1.1× the tier's threshold for a quarter longer
//! than sloc needs to fire, then a clean rest. Both rule files get the same input series; at
//! every evaluation a check expects no firing alert, so promtool prints every firing `ALERTS`
//! sample it found (`got:`), which gives each alert's fire and reset minutes. The alerts of an
//! objective are compared by severity (Sloth's page and ticket, Pyrra's and sloc's severities),
//! and each difference is explained by what sloc is known to do differently (its `for:`, its
//! long windows averaged from the 5m base rate) or reported as unexplained.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use sloc_plan::{Objective, Plan};
use sloc_promql::format_duration;
use sloc_rulefile::{Group, Rule, RuleFile, RuleKind};

use crate::burns::{
    BurnTiming, alerts_and_their_inputs, at, minutes, names_read, number, plan_series, write_input_series,
};

/// The rule file sloc compiles from the imported specs, as the tests load it.
pub const SLOC_RULES: &str = "sloc.rules.yml";
/// The old rules, reduced to their alerts and the recordings these read.
pub const OLD_RULES: &str = "old.rules.yml";

/// Which rule file a run loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Old,
    Sloc,
}

/// A sloc tier of the objective a burn is about: what the explanations need.
#[derive(Debug, Clone)]
struct TierFacts {
    name: String,
    severity: String,
    for_minutes: f64,
    /// The long window is averaged from the 5m base rate (not an exact `rate` over it).
    derived_long: bool,
    derived_short: bool,
    /// The labels every firing alert of the tier carries (the plan's).
    alert_labels: Vec<(String, String)>,
}

/// One synthetic burn of one objective, above one of its tiers' threshold.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub service: String,
    pub slo: String,
    /// The sloc tier whose threshold the burn exceeds by 10%.
    pub tier: String,
    pub severity: String,
    /// The tier's factor, windows and the burn's error ratio, for the heading.
    pub heading: String,
    /// Minutes between evaluations: the precision of every time the burn gives.
    pub resolution: f64,
    /// How much later a window summed from 5m rates crosses a threshold than a raw `rate`.
    lag: f64,
    /// Where the burn starts, minutes from the test's start.
    start: f64,
    checks: Vec<f64>,
    tiers: Vec<TierFacts>,
    /// The promtool test, loading [`OLD_RULES`] or [`SLOC_RULES`].
    pub tests: [(Side, String); 2],
}

/// Everything `--compare` runs: two rule files and a test per side and burn.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// `(file name, YAML)`: [`SLOC_RULES`] and [`OLD_RULES`].
    pub rule_files: Vec<(String, String)>,
    pub scenarios: Vec<Scenario>,
    /// Objectives that get no burn, with why.
    pub skipped: Vec<(String, String)>,
    old_alerts: Vec<OldAlert>,
    /// Every compared objective and the label sets of its sloc tiers' alerts: a burn's
    /// series may burn another objective that reads them too.
    objectives: Vec<(ObjectiveId, Vec<TierFacts>)>,
}

/// An imported objective, as the comparison names it: the sloc spec's service and slo.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ObjectiveId {
    service: String,
    slo: String,
}

impl std::fmt::Display for ObjectiveId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.service, self.slo)
    }
}

/// What an old alert's labels say of the objective it belongs to, in the peer's own names:
/// Sloth's `sloth_service`, `sloth_slo` and `sloth_id` (`<service>-<slo>`); Pyrra's `slo`
/// and, when prometheus-operator enforces it, `namespace` (which the importer takes for the
/// service).
#[derive(Debug, Clone, Default, PartialEq)]
struct PeerIdentity {
    service: Option<String>,
    slo: Option<String>,
    id: Option<String>,
}

impl PeerIdentity {
    fn of(labels: &BTreeMap<String, String>) -> PeerIdentity {
        let get = |k: &str| labels.get(k).cloned();
        let sloth = ["sloth_service", "sloth_slo", "sloth_id"].iter().any(|k| labels.contains_key(*k));
        if sloth {
            PeerIdentity { service: get("sloth_service"), slo: get("sloth_slo"), id: get("sloth_id") }
        } else {
            let slo = get("slo");
            PeerIdentity { service: slo.as_ref().and_then(|_| get("namespace")), slo, id: None }
        }
    }

    fn is_empty(&self) -> bool {
        *self == PeerIdentity::default()
    }

    /// Whether the alert can be `o`'s. Its service is read only when `by_service` (the
    /// import may have renamed every service with `--service`).
    fn matches(&self, o: &ObjectiveId, by_service: bool) -> bool {
        let service_ok = |s: &str| !by_service || sloc_spec::slug(s) == o.service;
        if self.service.as_deref().is_some_and(|s| !service_ok(s))
            || self.slo.as_deref().is_some_and(|s| !same_name(s, &o.slo))
        {
            return false;
        }
        match (&self.id, &self.service, &self.slo) {
            (Some(id), None, _) | (Some(id), _, None) => {
                let id = sloc_spec::slug(id);
                id.strip_suffix(&o.slo).and_then(|s| s.strip_suffix('-')).is_some_and(service_ok)
            }
            _ => true,
        }
    }
}

/// An alerting rule of the old file: its name, static labels, `for` and what it is taken for.
#[derive(Debug, Clone)]
struct OldAlert {
    name: String,
    labels: Vec<(String, String)>,
    for_minutes: f64,
    severity: Option<String>,
    identity: PeerIdentity,
}

/// The severity an old alert stands for: Sloth's `sloth_severity` (page, ticket) first, then a
/// `severity` label naming one.
fn severity_of(labels: &BTreeMap<String, String>) -> Option<String> {
    let named = |v: &str| match v.to_ascii_lowercase().as_str() {
        "critical" | "page" | "pager" | "paging" => Some("critical"),
        "warning" | "ticket" => Some("warning"),
        "info" | "review" => Some("info"),
        _ => None,
    };
    labels
        .get("sloth_severity")
        .and_then(|v| named(v))
        .or_else(|| labels.get("severity").and_then(|v| named(v)))
        .map(str::to_string)
}

/// Whether an old rule's objective label (the peer's name) is the imported objective's.
fn same_name(peer: &str, imported: &str) -> bool {
    sloc_spec::slug(peer) == imported
}

/// The burns of every objective of `plans` and the rule files they load. `old` is the old
/// rule file's groups; `sources` names the specs in the generated files' headers.
pub fn generate(plans: &[Plan], old: &[Group], sources: &str) -> Result<Comparison, sloc_compiler::InternalError> {
    let is_alert = |r: &Rule| matches!(r.kind, RuleKind::Alert(_));
    let old_groups = vec![one_group(alerts_and_their_inputs(old, is_alert))];
    let old_alerts = old_groups
        .iter()
        .flat_map(|g| &g.rules)
        .filter(|r| is_alert(r))
        .map(|r| {
            let labels: BTreeMap<String, String> = r.labels.iter().cloned().collect();
            OldAlert {
                name: r.name().to_string(),
                labels: r.labels.clone(),
                for_minutes: r.for_.map_or(0.0, minutes),
                severity: severity_of(&labels),
                identity: PeerIdentity::of(&labels),
            }
        })
        .collect();
    let header = format!("Generated by `sloc import --compare`: {sources}, reduced to what the alerts read.");
    let mut sloc_groups = Vec::new();
    let mut out = Comparison {
        rule_files: Vec::new(),
        scenarios: Vec::new(),
        skipped: Vec::new(),
        old_alerts,
        objectives: Vec::new(),
    };
    for plan in plans {
        for objective in &plan.objectives {
            out.objectives.push((
                ObjectiveId { service: objective.service.clone(), slo: objective.name.clone() },
                tier_facts(objective),
            ));
            let group = sloc_compiler::compile_objective(objective)?;
            sloc_groups.extend(alerts_and_their_inputs(std::slice::from_ref(&group), is_alert));
            match plan_series(objective) {
                Ok(series) => {
                    for tier in 0..objective.tiers.len() {
                        out.scenarios.push(scenario(objective, tier, &series));
                    }
                }
                Err(why) => out.skipped.push((format!("{} {}", objective.service, objective.name), why)),
            }
        }
    }
    let old_file = RuleFile { groups: old_groups };
    let sloc_file = RuleFile { groups: sloc_groups };
    out.rule_files.push((SLOC_RULES.into(), sloc_file.to_yaml(&sloc_compiler::header(sources))));
    out.rule_files.push((OLD_RULES.into(), old_file.to_yaml(&header)));
    Ok(out)
}

/// The old rules as one group, every recording before the rules that read it, evaluated at
/// the tests' interval as sloc's are. promtool evaluates groups in no fixed order: an alert
/// evaluated before the recordings it reads would see the previous evaluation's values, and
/// none at all once evaluations are further apart than the 5m lookback.
fn one_group(groups: Vec<Group>) -> Group {
    let rules: Vec<Rule> = groups.into_iter().flat_map(|g| g.rules).collect();
    let reads: Vec<Vec<String>> = rules.iter().map(names_read).collect();
    // Depth: 0 for rules reading raw series only, else one more than the recordings read. At
    // most one pass per rule settles it; a cycle (which Prometheus would not resolve either)
    // stops there.
    let mut depth = vec![0usize; rules.len()];
    for _ in 0..rules.len() {
        let mut changed = false;
        for i in 0..rules.len() {
            let d = rules
                .iter()
                .enumerate()
                .filter(|(_, r)| matches!(&r.kind, RuleKind::Record(n) if reads[i].contains(n)))
                .map(|(j, _)| depth[j] + 1)
                .max()
                .unwrap_or(0);
            if d > depth[i] {
                depth[i] = d;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut order: Vec<usize> = (0..rules.len()).collect();
    order.sort_by_key(|&i| depth[i]);
    Group { name: "old-rules".into(), interval: None, rules: order.into_iter().map(|i| rules[i].clone()).collect() }
}

fn scenario(o: &Objective, index: usize, series: &crate::burns::SeriesPlan) -> Scenario {
    let tier = &o.tiers[index];
    // The same burn and steps as `sloc test`'s.
    let timing = BurnTiming::of(tier);
    let BurnTiming { long, short, above, step, eval, lag, .. } = timing;
    let longest = o.tiers.iter().map(|t| minutes(t.long)).fold(long, f64::max);
    let expected = timing.onset(above) + timing.for_;
    let steps = |m: f64| (m / step).ceil() as u64;
    let (history, burn) = (steps(longest), steps(1.25 * expected + 2.0 * eval));
    let start = history as f64 * step;
    let stop = start + burn as f64 * step;
    // Long enough for every tier of the burn's severity to reset (their short windows drain).
    let drain = o.tiers.iter().filter(|t| t.severity == tier.severity).map(|t| minutes(t.short)).fold(short, f64::max);
    let end = stop + 1.5 * drain + lag + 4.0 * eval;
    let rest = steps(end - stop) + 1;
    let first = ((start - 2.0 * eval) / eval).floor() * eval;
    let checks: Vec<f64> =
        (0..).map(|i| first + i as f64 * eval).take_while(|t| *t <= end).filter(|t| *t >= 0.0).collect();
    let groups: Vec<Vec<(String, String)>> = if o.group_by.is_empty() {
        vec![Vec::new()]
    } else {
        vec![o.group_by.iter().map(|g| (g.clone(), "burning".to_string())).collect()]
    };
    let test = |rules: &str| -> String {
        let mut y = String::new();
        let _ = writeln!(
            y,
            "# Generated by `sloc import --compare`: {} {}, errors at 1.1x the {} tier's threshold from {}.",
            o.service,
            o.name,
            tier.name,
            at(start)
        );
        let _ = writeln!(y, "rule_files:\n  - {rules}\nevaluation_interval: {}\ntests:", at(eval));
        let _ = writeln!(y, "  - interval: {}\n    input_series:", at(step));
        write_input_series(&mut y, series, &groups, above, (history, burn, rest));
        let _ = writeln!(y, "    promql_expr_test:");
        for t in &checks {
            // An empty expectation fails wherever an alert fires: promtool then prints them.
            let _ = writeln!(y, "      - expr: 'ALERTS{{alertstate=\"firing\"}}'\n        eval_time: {}", at(*t));
            let _ = writeln!(y, "        exp_samples: []");
        }
        y
    };
    Scenario {
        service: o.service.clone(),
        slo: o.name.clone(),
        tier: tier.name.clone(),
        severity: tier.severity().to_string(),
        heading: format!(
            "errors at 1.1x the `{}` tier's threshold ({}x the budget over {} and {}: an error ratio of {})",
            tier.name,
            tier.factor,
            format_duration(tier.long),
            format_duration(tier.short),
            number(above)
        ),
        resolution: eval,
        lag,
        start,
        tiers: tier_facts(o),
        tests: [(Side::Old, test(OLD_RULES)), (Side::Sloc, test(SLOC_RULES))],
        checks,
    }
}

fn tier_facts(o: &Objective) -> Vec<TierFacts> {
    o.tiers
        .iter()
        .map(|t| TierFacts {
            name: t.name.clone(),
            severity: t.severity().to_string(),
            for_minutes: minutes(t.for_),
            derived_long: o.reads_base_recordings(t.long),
            derived_short: o.reads_base_recordings(t.short),
            alert_labels: t.alert_label_set(o),
        })
        .collect()
}

/// The severity of the first tier whose alerts carry `labels`.
fn sloc_severity(tiers: &[TierFacts], labels: &BTreeMap<String, String>) -> Option<String> {
    tiers.iter().find(|t| t.alert_labels.iter().all(|(k, v)| labels.get(k) == Some(v))).map(|t| t.severity.clone())
}

/// Firing `ALERTS` samples by evaluation minute, as read from promtool's failures.
pub type Firing = BTreeMap<u64, Vec<BTreeMap<String, String>>>;

/// Reads promtool's report of a compare test: every failed check's time and the samples it
/// got. A run that reports anything else (a rule file it rejects) is an error with its text.
pub fn read_firing(promtool_output: &str) -> Result<Firing, String> {
    let mut firing = Firing::new();
    let mut time: Option<u64> = None;
    for line in promtool_output.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("expr: ") {
            let t = rest.rsplit_once(", time: ").map(|(_, t)| t.trim_end_matches(',')).unwrap_or_default();
            let parsed = sloc_promql::parse_duration(t).map_err(|_| format!("promtool reported a time `{t}`"))?;
            time = Some(parsed.millis() / 60_000);
        } else if let Some(got) = line.strip_prefix("got: ") {
            let t = time.ok_or("promtool reported samples without a time")?;
            firing.entry(t).or_default().extend(read_samples(got)?);
        }
    }
    // A rule file promtool rejects fails without a single check's report.
    if promtool_output.contains("FAILED") && time.is_none() || promtool_output.contains(", err: ") {
        return Err(promtool_output.trim().to_string());
    }
    Ok(firing)
}

/// `{__name__="ALERTS", a="b"} 1E+00, {…} 1E+00`: label sets in Go's quoting.
fn read_samples(text: &str) -> Result<Vec<BTreeMap<String, String>>, String> {
    let bad = || format!("cannot read promtool's samples `{text}`");
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == ',') {
            chars.next();
        }
        match chars.next() {
            None => return Ok(out),
            Some('{') => {}
            Some(_) => return Err(bad()),
        }
        let mut labels = BTreeMap::new();
        loop {
            while chars.peek().is_some_and(|c| *c == ' ' || *c == ',') {
                chars.next();
            }
            if chars.peek() == Some(&'}') {
                chars.next();
                break;
            }
            let name: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
            if chars.next() != Some('=') || chars.next() != Some('"') {
                return Err(bad());
            }
            let mut value = String::new();
            loop {
                match chars.next().ok_or_else(bad)? {
                    '"' => break,
                    '\\' => match chars.next().ok_or_else(bad)? {
                        'n' => value.push('\n'),
                        't' => value.push('\t'),
                        c => value.push(c),
                    },
                    c => value.push(c),
                }
            }
            labels.insert(name.trim().to_string(), value);
        }
        // The sample's value (always 1 for ALERTS).
        while chars.peek().is_some_and(|c| *c != ',') {
            chars.next();
        }
        out.push(labels);
    }
}

/// What one side's alerts of one severity did during a burn, in minutes from its start.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub fire: f64,
    /// The last reset; `None` when still firing at the end.
    pub reset: Option<f64>,
    /// Resolved and fired again meanwhile: `(resolved, fired again)`.
    pub gaps: Vec<(f64, f64)>,
}

/// One line of the table: a severity on each side during one burn (`None`: never fired).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub severity: String,
    pub old: Option<Seen>,
    pub sloc: Option<Seen>,
    pub explanation: String,
    pub explained: bool,
}

/// The rows of one burn, the other objectives its series burn too, and old alerts that fired
/// but could not be attributed.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub rows: Vec<Row>,
    /// Other compared objectives whose alerts fired during the burn: their SLIs read the
    /// series it writes, so both rule sets are right to alert.
    pub also_burnt: Vec<AlsoBurnt>,
    /// Old alerts that fired and belong to no compared objective, or name no known severity.
    pub unattributed: Vec<String>,
}

/// Another objective's alerts that fired during a burn: each side's, by severity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlsoBurnt {
    pub objective: String,
    pub old: Vec<(String, Seen)>,
    pub sloc: Vec<(String, Seen)>,
}

/// Whose an alert is, seen from one burn.
enum Owner<'a> {
    /// The burnt objective's, with its severity.
    Own(String),
    /// Another compared objective's.
    Other(&'a ObjectiveId, String),
    /// Nobody's that the comparison knows, or of no known severity: described.
    Stranger(String),
}

impl Comparison {
    /// Compares what fired on each side during `scenario`.
    pub fn outcome(&self, scenario: &Scenario, old: &Firing, sloc: &Firing) -> Outcome {
        let own = ObjectiveId { service: scenario.service.clone(), slo: scenario.slo.clone() };
        // Old alerts are told apart by their service too when one names a compared objective's
        // service (the import may have renamed every service with `--service`).
        let by_service = old.values().flatten().filter_map(|l| PeerIdentity::of(l).service).any(|s| {
            let s = sloc_spec::slug(&s);
            self.objectives.iter().any(|(id, _)| id.service == s)
        });
        let old_owner = |labels: &BTreeMap<String, String>| self.old_owner(&own, labels, by_service);
        let sloc_owner = |labels: &BTreeMap<String, String>| match sloc_severity(&scenario.tiers, labels) {
            Some(sev) => Some(Owner::Own(sev)),
            None => self
                .objectives
                .iter()
                .filter(|(id, _)| *id != own)
                .find_map(|(id, tiers)| sloc_severity(tiers, labels).map(|sev| Owner::Other(id, sev))),
        };
        let mut unattributed = BTreeSet::new();
        let old_timeline = timeline(scenario, old, |l| match old_owner(l) {
            Owner::Own(sev) => Some(sev),
            Owner::Stranger(what) => {
                unattributed.insert(what);
                None
            }
            Owner::Other(..) => None,
        });
        let sloc_timeline = timeline(scenario, sloc, |l| match sloc_owner(l) {
            Some(Owner::Own(sev)) => Some(sev),
            _ => None,
        });
        // Another objective's alerts, by objective and severity.
        fn other(owner: Option<Owner<'_>>) -> Option<(&ObjectiveId, String)> {
            match owner {
                Some(Owner::Other(id, sev)) => Some((id, sev)),
                _ => None,
            }
        }
        let old_others = timeline(scenario, old, |l| other(Some(old_owner(l))));
        let sloc_others = timeline(scenario, sloc, |l| other(sloc_owner(l)));
        let mut also_burnt: BTreeMap<String, AlsoBurnt> = BTreeMap::new();
        for (side, others) in [(Side::Old, old_others), (Side::Sloc, sloc_others)] {
            for ((id, sev), (seen, _)) in others {
                let entry = also_burnt
                    .entry(id.to_string())
                    .or_insert_with(|| AlsoBurnt { objective: id.to_string(), ..AlsoBurnt::default() });
                let list = if side == Side::Old { &mut entry.old } else { &mut entry.sloc };
                list.push((sev, seen));
            }
        }
        let severities: BTreeSet<&String> =
            old_timeline.keys().chain(sloc_timeline.keys()).chain([&scenario.severity]).collect();
        let mut severities: Vec<&String> = severities.into_iter().collect();
        severities.sort_by_key(|s| severity_order(s));
        let rows = severities
            .into_iter()
            .map(|sev| {
                let old = old_timeline.get(sev).map(|(seen, _)| seen.clone());
                let sloc = sloc_timeline.get(sev).map(|(seen, _)| seen.clone());
                let old_for = old_timeline.get(sev).map_or(0.0, |(_, first)| self.old_for(first));
                let (explanation, explained) =
                    self.explain(scenario, sev, old.as_ref(), sloc.as_ref(), old_for, by_service);
                Row { severity: sev.clone(), old, sloc, explanation, explained }
            })
            .collect();
        let also_burnt = also_burnt
            .into_values()
            .map(|mut a| {
                a.old.sort_by_key(|(s, _)| severity_order(s));
                a.sloc.sort_by_key(|(s, _)| severity_order(s));
                a
            })
            .collect();
        Outcome { rows, also_burnt, unattributed: unattributed.into_iter().collect() }
    }

    /// Whose a firing old alert is: the burnt objective's when its labels say so or say
    /// nothing, another compared objective's when they name it alone.
    fn old_owner<'a>(&'a self, own: &ObjectiveId, labels: &BTreeMap<String, String>, by_service: bool) -> Owner<'a> {
        let identity = PeerIdentity::of(labels);
        if identity.is_empty() || identity.matches(own, by_service) {
            return match severity_of(labels) {
                Some(sev) => Owner::Own(sev),
                None => Owner::Stranger(format!("{} (of no known severity)", describe(labels))),
            };
        }
        match self.objectives.iter().find(|(id, _)| identity.matches(id, by_service)) {
            Some((id, _)) => match severity_of(labels) {
                Some(sev) => Owner::Other(id, sev),
                None => Owner::Stranger(format!("{} (of no known severity)", describe(labels))),
            },
            None => Owner::Stranger(format!("{} (of no compared objective)", describe(labels))),
        }
    }

    /// The `for` of the old alert that fired first: the rule whose name and labels it carries.
    fn old_for(&self, labels: &BTreeMap<String, String>) -> f64 {
        self.old_alerts
            .iter()
            .find(|a| {
                labels.get("alertname") == Some(&a.name) && a.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            })
            .map_or(0.0, |a| a.for_minutes)
    }

    /// Whether the old rules have an alert of `severity` for the objective at all.
    fn old_has(&self, s: &Scenario, severity: &str, by_service: bool) -> bool {
        let own = ObjectiveId { service: s.service.clone(), slo: s.slo.clone() };
        self.old_alerts.iter().any(|a| {
            a.severity.as_deref() == Some(severity) && (a.identity.is_empty() || a.identity.matches(&own, by_service))
        })
    }

    fn explain(
        &self,
        s: &Scenario,
        severity: &str,
        old: Option<&Seen>,
        sloc: Option<&Seen>,
        old_for: f64,
        by_service: bool,
    ) -> (String, bool) {
        // Each side's times fall on evaluations; the model of the windows is good to a minute or two.
        let tolerance = s.resolution + 2.0;
        let lag = s.lag;
        // The sloc tier that fires first at this severity: the tested tier when it has it.
        let tier = s
            .tiers
            .iter()
            .find(|t| t.severity == severity && t.name == s.tier)
            .or_else(|| s.tiers.iter().find(|t| t.severity == severity));
        match (old, sloc) {
            (None, None) => (format!("neither fires: the burn is too short for {severity}"), false),
            (None, Some(_)) if !self.old_has(s, severity, by_service) => {
                (format!("the old rules have no {severity} alert for this objective"), true)
            }
            (None, Some(_)) => ("the old rules never fire during this burn".into(), false),
            (Some(_), None) if tier.is_none() => {
                (format!("sloc has no {severity} tier for this objective (see the import's notes)"), true)
            }
            (Some(_), None) => ("sloc never fires during this burn".into(), false),
            (Some(old), Some(sloc)) => {
                let (old_fire, old_reset, sloc_fire, sloc_reset) = (old.fire, old.reset, sloc.fire, sloc.reset);
                let Some(tier) = tier else { return ("no sloc tier of this severity".into(), false) };
                let mut reasons = Vec::new();
                let mut expected = 0.0;
                // A pending alert fires at the first evaluation its `for` has passed.
                let waited = |f: f64| (f / s.resolution).ceil() * s.resolution;
                if tier.for_minutes != old_for {
                    expected += waited(tier.for_minutes) - waited(old_for);
                    reasons.push(if tier.for_minutes > old_for {
                        format!("sloc's `for: {}`", at(tier.for_minutes))
                    } else {
                        format!("the old alert's `for: {}`", at(old_for))
                    });
                }
                if tier.derived_long {
                    expected += lag;
                    reasons.push("sloc's long window averaged from 5m rates".into());
                }
                let fire = sloc_fire - old_fire;
                let as_expected = !reasons.is_empty() && (fire - expected).abs() <= tolerance;
                let fire_ok = as_expected || fire.abs() <= tolerance;
                let reset_expected = if tier.derived_short { lag } else { 0.0 };
                let reset_ok = match (old_reset, sloc_reset) {
                    (Some(a), Some(b)) => ((b - a) - reset_expected).abs() <= tolerance || (b - a).abs() <= tolerance,
                    (None, None) => true,
                    _ => false,
                };
                let shown = |d: f64| {
                    if d.abs() < 0.5 {
                        "0m".to_string()
                    } else {
                        format!("{}{}", if d < 0.0 { "-" } else { "+" }, at(d.abs()))
                    }
                };
                let within = format!("times to the {} evaluation step", at(s.resolution));
                let mut text = if as_expected {
                    format!(
                        "fires {} {}: {} ({within})",
                        at(fire.abs()),
                        if fire < 0.0 { "earlier" } else { "later" },
                        reasons.join(" and ")
                    )
                } else if fire_ok {
                    format!("fires at the same time ({within})")
                } else {
                    format!(
                        "fires {} apart, unexplained: compare sloc's `{}` tier with the old alert's windows",
                        shown(fire),
                        tier.name
                    )
                };
                if !reset_ok {
                    let apart = match (old_reset, sloc_reset) {
                        (Some(a), Some(b)) => format!("{} apart", shown(b - a)),
                        _ => "on one side only".to_string(),
                    };
                    let _ = write!(text, "; resets {apart}, unexplained");
                }
                // A side that resolves and fires again within its `for`: an `or` of window pairs
                // (Sloth's, Pyrra's) hands the alert to a new series when the first pair stops,
                // which waits out `for` again.
                let mut flaps_ok = true;
                for (side, seen, for_) in [("old", old, old_for), ("sloc", sloc, tier.for_minutes)] {
                    for (resolved, again) in &seen.gaps {
                        let handover = for_ > 0.0 && again - resolved <= waited(for_) + tolerance;
                        flaps_ok &= handover;
                        let _ = write!(
                            text,
                            "; {side} resolves at +{} and fires again at +{}{}",
                            at(*resolved),
                            at(*again),
                            if handover {
                                format!(
                                    " (its conditions hand over to a new series, which waits out `for: {}` again)",
                                    at(for_)
                                )
                            } else {
                                ", unexplained".to_string()
                            }
                        );
                    }
                }
                (text, fire_ok && reset_ok && flaps_ok)
            }
        }
    }

    /// The whole comparison as a table, one block per objective and burn.
    pub fn render(&self, outcomes: &[Outcome]) -> String {
        let mut out = String::new();
        let when = |t: Option<f64>, never: &str| t.map_or(never.to_string(), |m| format!("+{}", at(m)));
        let mut last = None;
        for (s, outcome) in self.scenarios.iter().zip(outcomes) {
            if last != Some((&s.service, &s.slo)) {
                let _ = writeln!(out, "\n{} {}", s.service, s.slo);
                last = Some((&s.service, &s.slo));
            }
            let _ = writeln!(out, "  {}", s.heading);
            let mut table = vec![[
                "severity".to_string(),
                "old fires".into(),
                "sloc fires".into(),
                "old resets".into(),
                "sloc resets".into(),
                "difference".into(),
            ]];
            for row in &outcome.rows {
                let fire = |side: &Option<Seen>| when(side.as_ref().map(|s| s.fire), "never");
                let reset = |side: &Option<Seen>| match side {
                    None => "-".to_string(),
                    Some(s) => when(s.reset, "still firing"),
                };
                let mark = if row.explained { "" } else { "DIFFERS: " };
                table.push([
                    row.severity.clone(),
                    fire(&row.old),
                    fire(&row.sloc),
                    reset(&row.old),
                    reset(&row.sloc),
                    format!("{mark}{}", row.explanation),
                ]);
            }
            let widths: Vec<usize> =
                (0..6).map(|c| table.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
            for row in &table {
                let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
                let _ = writeln!(out, "    {}", cells.join("  ").trim_end());
            }
            for AlsoBurnt { objective, old, sloc } in &outcome.also_burnt {
                let side = |alerts: &[(String, Seen)]| {
                    if alerts.is_empty() {
                        return "nothing".to_string();
                    }
                    let fired: Vec<String> =
                        alerts.iter().map(|(sev, seen)| format!("{sev} +{}", at(seen.fire))).collect();
                    fired.join(", ")
                };
                let _ = writeln!(
                    out,
                    "    also fired: the alerts of `{objective}` (old: {}; sloc: {}), as both rule sets should: that \
                     objective reads the series this burn writes",
                    side(old),
                    side(sloc)
                );
            }
            for alert in &outcome.unattributed {
                let _ = writeln!(out, "    also fired in the old rules: {alert}");
            }
        }
        for (slo, why) in &self.skipped {
            let _ = writeln!(out, "\n{slo}: not compared, {why}");
        }
        let rows: Vec<&Row> = outcomes.iter().flat_map(|o| &o.rows).collect();
        let differ = rows.iter().filter(|r| !r.explained).count();
        let _ = writeln!(
            out,
            "\n{} burns, {} rows: {} explained, {} unexplained (times are from each burn's start)",
            self.scenarios.len(),
            rows.len(),
            rows.len() - differ,
            differ
        );
        out
    }
}

/// Most severe first.
fn severity_order(severity: &str) -> usize {
    ["critical", "warning", "info"].iter().position(|x| *x == severity).unwrap_or(3)
}

/// Per severity: what fired from the burn's start on, and the labels of the first alert that
/// fired.
fn timeline<K: Ord>(
    s: &Scenario,
    firing: &Firing,
    mut severity: impl FnMut(&BTreeMap<String, String>) -> Option<K>,
) -> BTreeMap<K, (Seen, BTreeMap<String, String>)> {
    let mut at_times: BTreeMap<K, BTreeMap<u64, BTreeMap<String, String>>> = BTreeMap::new();
    for (t, samples) in firing {
        for labels in samples {
            if let Some(sev) = severity(labels) {
                at_times.entry(sev).or_default().entry(*t).or_insert_with(|| labels.clone());
            }
        }
    }
    at_times
        .into_iter()
        .filter_map(|(sev, times)| {
            let (&fire, first) = times.iter().find(|(t, _)| (**t as f64) >= s.start)?;
            let relative = |t: u64| t as f64 - s.start;
            let mut seen = Seen { fire: relative(fire), reset: None, gaps: Vec::new() };
            let mut resolved: Option<u64> = None;
            for c in s.checks.iter().map(|c| c.round() as u64).filter(|c| *c > fire) {
                match (times.contains_key(&c), resolved) {
                    (false, None) => resolved = Some(c),
                    (true, Some(r)) => {
                        seen.gaps.push((relative(r), relative(c)));
                        resolved = None;
                    }
                    _ => {}
                }
            }
            seen.reset = resolved.map(relative);
            Some((sev, (seen, first.clone())))
        })
        .collect()
}

fn describe(labels: &BTreeMap<String, String>) -> String {
    let name = labels.get("alertname").cloned().unwrap_or_default();
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "__name__" | "alertname" | "alertstate"))
        .map(|(k, v)| format!("{k}={}", sloc_promql::quote_string(v)))
        .collect();
    format!("{name}{{{}}}", rest.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promtool_samples_are_read_with_go_quoting() {
        let got = r#"{__name__="ALERTS", alertname="A", alertstate="firing", x="a\"b,c}"} 1E+00, {__name__="ALERTS", alertname="B"} 1E+00"#;
        let samples = read_samples(got).unwrap();
        assert_eq!(samples.len(), 2);
        assert_eq!(samples[0]["x"], "a\"b,c}");
        assert_eq!(samples[1]["alertname"], "B");
    }

    #[test]
    fn sloth_and_pyrra_severities() {
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert_eq!(severity_of(&labels(&[("severity", "pageteam"), ("sloth_severity", "page")])).unwrap(), "critical");
        assert_eq!(severity_of(&labels(&[("sloth_severity", "ticket")])).unwrap(), "warning");
        assert_eq!(severity_of(&labels(&[("severity", "warning")])).unwrap(), "warning");
        assert_eq!(severity_of(&labels(&[("severity", "slack")])), None);
        assert!(same_name("Requests Availability", "requests-availability"));
        assert!(!same_name("requests_availability", "requests-availability"));
    }

    #[test]
    fn old_alerts_name_their_objective_in_the_peers_labels() {
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let id = |service: &str, slo: &str| ObjectiveId { service: service.into(), slo: slo.into() };
        let sloth = PeerIdentity::of(&labels(&[("sloth_service", "My Service"), ("sloth_slo", "Requests")]));
        assert!(sloth.matches(&id("my-service", "requests"), true));
        assert!(!sloth.matches(&id("other", "requests"), true));
        // The import renamed the service (`--service`): the SLO name alone decides.
        assert!(sloth.matches(&id("other", "requests"), false));
        assert!(!sloth.matches(&id("other", "latency"), false));
        // `sloth_id` alone is `<service>-<slo>`.
        let by_id = PeerIdentity::of(&labels(&[("sloth_id", "shop-api-requests")]));
        assert!(by_id.matches(&id("shop-api", "requests"), true));
        assert!(!by_id.matches(&id("shop", "api-latency"), true));
        // Pyrra: `slo`, and the namespace that prometheus-operator enforces (the importer's
        // service); a `namespace` label without `slo` is no identity.
        let pyrra = PeerIdentity::of(&labels(&[("slo", "api-errors"), ("namespace", "monitoring")]));
        assert!(pyrra.matches(&id("monitoring", "api-errors"), true));
        assert!(!pyrra.matches(&id("shop", "api-errors"), true));
        assert!(PeerIdentity::of(&labels(&[("namespace", "monitoring")])).is_empty());
    }
}
