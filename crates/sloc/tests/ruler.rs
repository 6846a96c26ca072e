//! `sloc ruler` against a fake Mimir ruler that implements the configuration API as Grafana
//! Mimir's "HTTP API" reference documents it (docs/sources/mimir/references/http-api/index.md):
//! groups per tenant (`X-Scope-OrgID`) and namespace, `GET <prefix>/config/v1/rules[/{ns}]`
//! answering YAML (404 "no rule groups found" when there are none), `POST
//! <prefix>/config/v1/rules/{ns}` with one group as `application/yaml` answering 202, `DELETE`
//! of a group or a namespace answering 202. Faults are scripted per test.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use common::fake_server::{FakeServer, answer};
use common::{root, run, sloc, write};

/// (tenant, namespace) → groups as (name, YAML as posted), in order.
type Store = BTreeMap<(String, String), Vec<(String, String)>>;

#[derive(Default)]
struct State {
    store: Store,
    /// Answers to give instead of the API's, first come first served: (method, status, body).
    faults: Vec<(&'static str, u16, String)>,
    require_tenant: bool,
}

/// The ruler: its state, behind the fake server that answers each request from it.
struct FakeRuler {
    server: FakeServer,
    url: String,
    state: Arc<Mutex<State>>,
}

fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&segment[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

impl FakeRuler {
    fn start(prefix: &'static str) -> FakeRuler {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let server = FakeServer::start(move |request| {
            let (head, body) = request.split_once("\r\n\r\n").unwrap_or((request, ""));
            let mut lines = head.lines();
            let mut parts = lines.next().unwrap_or("").split_whitespace();
            let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let headers: BTreeMap<String, String> = lines
                .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string())))
                .collect();
            let (status, text) = respond(&shared, prefix, method, target, &headers, body);
            let reason = match status {
                200 => "200 OK",
                202 => "202 Accepted",
                400 => "400 Bad Request",
                401 => "401 Unauthorized",
                404 => "404 Not Found",
                429 => "429 Too Many Requests",
                _ => "503 Service Unavailable",
            };
            answer(reason, "Content-Type: application/yaml\r\n", text.as_bytes())
        });
        let url = server.url.clone();
        FakeRuler { server, url, state }
    }

    fn groups(&self, tenant: &str, namespace: &str) -> Vec<String> {
        let state = self.state.lock().unwrap();
        let key = (tenant.to_string(), namespace.to_string());
        state.store.get(&key).map(|g| g.iter().map(|(n, _)| n.clone()).collect()).unwrap_or_default()
    }

    /// Every request's first line: "METHOD path".
    fn seen(&self) -> Vec<String> {
        let requests = self.server.requests();
        requests.iter().map(|r| r.lines().next().unwrap_or("").trim_end_matches(" HTTP/1.1").to_string()).collect()
    }

    fn put(&self, tenant: &str, namespace: &str, name: &str) {
        let yaml = format!("name: {name}\nrules:\n  - record: x:y:sum\n    expr: sum(x)\n");
        let mut state = self.state.lock().unwrap();
        state.store.entry((tenant.into(), namespace.into())).or_default().push((name.into(), yaml));
    }
}

fn respond(
    state: &Mutex<State>,
    prefix: &str,
    method: &str,
    target: &str,
    headers: &BTreeMap<String, String>,
    body: &str,
) -> (u16, String) {
    let mut state = state.lock().unwrap();
    if let Some(i) = state.faults.iter().position(|(m, _, _)| *m == method) {
        let (_, status, answer) = state.faults.remove(i);
        return (status, answer);
    }
    let tenant = headers.get("x-scope-orgid").cloned();
    if state.require_tenant && tenant.is_none() {
        return (401, "no org id\n".into());
    }
    let tenant = tenant.unwrap_or_else(|| "anonymous".into());
    let Some(rest) = target.strip_prefix(prefix) else { return (404, "404 page not found\n".into()) };
    let segments: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(decode).collect();
    let indent = |yaml: &str| -> String {
        yaml.lines()
            .enumerate()
            .map(|(i, l)| if i == 0 { format!("  - {l}\n") } else { format!("    {l}\n") })
            .collect()
    };
    match (method, segments.as_slice()) {
        ("GET", []) | ("GET", [_]) => {
            let mut out = String::new();
            for ((t, ns), groups) in &state.store {
                if *t != tenant || segments.first().is_some_and(|s| s != ns) || groups.is_empty() {
                    continue;
                }
                out.push_str(&format!("{ns}:\n"));
                for (_, yaml) in groups {
                    out.push_str(&indent(yaml));
                }
            }
            if out.is_empty() { (404, "no rule groups found\n".into()) } else { (200, out) }
        }
        ("POST", [ns]) => {
            if headers.get("content-type").map(String::as_str) != Some("application/yaml") {
                return (400, "unsupported content type\n".into());
            }
            let Some(name) = body.lines().find_map(|l| l.strip_prefix("name: ")) else {
                return (400, "a group needs a name\n".into());
            };
            let name = name.trim_matches('"').to_string();
            let groups = state.store.entry((tenant, ns.clone())).or_default();
            match groups.iter_mut().find(|(n, _)| *n == name) {
                Some(existing) => existing.1 = body.to_string(),
                None => groups.push((name, body.to_string())),
            }
            (202, String::new())
        }
        ("DELETE", [ns, group]) => {
            if let Some(groups) = state.store.get_mut(&(tenant, ns.clone())) {
                groups.retain(|(n, _)| n != group);
            }
            (202, String::new())
        }
        ("DELETE", [ns]) => {
            state.store.remove(&(tenant, ns.clone()));
            (202, String::new())
        }
        _ => (404, "404 page not found\n".into()),
    }
}

const ONEFLOW_GROUPS: [&str; 5] = [
    "sloc-oneflow-availability",
    "sloc-oneflow-latency",
    "sloc-oneflow-cost-efficiency",
    "sloc-oneflow-provider-reliability",
    "sloc-oneflow-user-experience",
];

#[test]
fn load_diff_and_sync_keep_a_namespace_in_step() {
    let ruler = FakeRuler::start("/prometheus/config/v1/rules");
    let at = |action: &str, files: &[&str], extra: &[&str]| {
        let mut args = vec!["ruler", action, "--address", &ruler.url, "--id", "team-a"];
        args.extend(extra);
        args.extend(files);
        run(&mut sloc(&args))
    };
    // Another tenant and another namespace, which nothing here may touch.
    ruler.put("team-b", "oneflow", "theirs");
    ruler.put("team-a", "ops", "node-alerts");

    let spec = "rules/oneflow.slo.yaml";
    let before = at("diff", &[spec], &[]);
    assert_eq!(before.code, 1, "{}", before.transcript());
    assert!(before.stdout.contains("# oneflow/sloc-oneflow-availability: not on the ruler"), "{}", before.stdout);
    let loaded = at("load", &[spec], &[]);
    assert_eq!(loaded.code, 0, "{}", loaded.transcript());
    assert_eq!(ruler.groups("team-a", "oneflow"), ONEFLOW_GROUPS);
    assert!(loaded.stderr.contains("created oneflow/sloc-oneflow-latency\n"), "{}", loaded.stderr);
    let same = at("diff", &[spec], &[]);
    assert_eq!((same.code, same.stdout.as_str()), (0, ""), "{}", same.transcript());
    assert!(same.stderr.contains("0 groups to change, 5 unchanged"), "{}", same.stderr);

    // The objective changes: one group differs, and only it is sent again.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(spec)).unwrap().replacen("objective: 99.9", "objective: 99.5", 1);
    let changed = write(dir.path(), "oneflow.slo.yaml", &text);
    let diff = at("diff", &[&changed], &[]);
    assert_eq!(diff.code, 1, "{}", diff.transcript());
    assert!(diff.stdout.contains("# oneflow/sloc-oneflow-availability: differs"), "{}", diff.stdout);
    assert!(
        diff.stdout.contains("\n-") && diff.stdout.contains("\n+") && diff.stdout.contains("0.995"),
        "{}",
        diff.stdout
    );
    assert_eq!(diff.stdout.matches("\n# ").count() + 1, 1, "one group differs: {}", diff.stdout);
    // `sloc check --ruler` reads the same API: clean for the loaded spec, drift for the changed.
    let check =
        |file: &str| run(&mut sloc(&["check", "--ruler", &ruler.url, "--id", "team-a", "--format", "json", file]));
    let clean = check(spec);
    assert_eq!((clean.code, clean.stdout.trim()), (0, "[]"), "{}", clean.transcript());
    let drift = check(&changed);
    assert_eq!(drift.code, 1, "{}", drift.transcript());
    assert!(
        drift.stdout.contains("\"C002\"") && drift.stdout.contains("sloc-oneflow-availability"),
        "{}",
        drift.stdout
    );
    let posts_before = ruler.seen().iter().filter(|r| r.starts_with("POST")).count();
    let reloaded = at("load", &[&changed], &[]);
    assert_eq!(reloaded.code, 0, "{}", reloaded.transcript());
    let posts = ruler.seen().iter().filter(|r| r.starts_with("POST")).count() - posts_before;
    assert_eq!(posts, 1, "only the changed group is sent");

    // A group the inputs no longer hold: sync --dry-run shows it, sync deletes it, and nothing
    // of another namespace or tenant.
    ruler.put("team-a", "oneflow", "retired");
    let loaded = at("load", &[&changed], &[]);
    assert!(loaded.stderr.contains("kept oneflow/retired: on the ruler only (sync deletes it)"), "{}", loaded.stderr);
    let dry = at("sync", &[&changed], &["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.transcript());
    assert!(dry.stdout.contains("# oneflow/retired: on the ruler only: sync deletes it"), "{}", dry.stdout);
    assert!(ruler.groups("team-a", "oneflow").contains(&"retired".to_string()), "--dry-run changes nothing");
    let synced = at("sync", &[&changed], &[]);
    assert_eq!(synced.code, 0, "{}", synced.transcript());
    assert!(synced.stderr.contains("deleted oneflow/retired"), "{}", synced.stderr);
    assert_eq!(ruler.groups("team-a", "oneflow"), ONEFLOW_GROUPS);
    assert_eq!(ruler.groups("team-a", "ops"), ["node-alerts"]);
    assert_eq!(ruler.groups("team-b", "oneflow"), ["theirs"]);
    assert_eq!(at("diff", &[&changed], &[]).code, 0);

    // The global layer only, for a ruler fed by the clusters' leaves: the base recordings go.
    let layered = at("diff", &[&changed], &["--layer", "global"]);
    assert_eq!(layered.code, 1, "{}", layered.transcript());
    assert!(layered.stdout.contains("\n-  - record: slo:sli_total:rate5m\n"), "{}", layered.stdout);
    assert!(!layered.stdout.contains("\n+  - record: slo:sli_total:rate5m"), "{}", layered.stdout);

    // list, and delete of a group and of a namespace.
    let listed = run(&mut sloc(&["ruler", "list", "--address", &ruler.url, "--id", "team-a"]));
    assert_eq!(listed.code, 0, "{}", listed.transcript());
    assert!(listed.stdout.contains("oneflow\tsloc-oneflow-availability\t18 rules\n"), "{}", listed.stdout);
    assert!(listed.stdout.contains("ops\tnode-alerts\t1 rule\n"), "{}", listed.stdout);
    let one = run(&mut sloc(&[
        "ruler",
        "delete",
        "--address",
        &ruler.url,
        "--id",
        "team-a",
        "--namespace",
        "oneflow",
        "sloc-oneflow-latency",
    ]));
    assert_eq!(one.code, 0, "{}", one.transcript());
    assert!(!ruler.groups("team-a", "oneflow").contains(&"sloc-oneflow-latency".to_string()));
    assert_eq!(ruler.groups("team-a", "oneflow").len(), 4, "only that group");
    let deleted = run(&mut sloc(&["ruler", "delete", "--address", &ruler.url, "--id", "team-a", "--namespace", "ops"]));
    assert_eq!(deleted.code, 0, "{}", deleted.transcript());
    assert!(ruler.groups("team-a", "ops").is_empty());
    assert_eq!(ruler.groups("team-b", "oneflow"), ["theirs"]);
}

#[test]
fn rule_files_name_their_namespace_and_fields_that_cannot_be_sent_are_refused() {
    let ruler = FakeRuler::start("/api/v1/rules");
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "node alerts.yml",
        "groups:\n  - name: node\n    interval: 30s\n    rules:\n      - alert: NodeDown\n        expr: up{job=\"node\"} == 0\n        for: 5m\n        labels: {severity: critical}\n",
    );
    // Cortex's path, and a namespace that needs escaping.
    let loaded = run(&mut sloc(&["ruler", "load", "--address", &ruler.url, "--prefix", "/api/v1/rules", &rules]));
    assert_eq!(loaded.code, 0, "{}", loaded.transcript());
    assert!(ruler.seen().contains(&"POST /api/v1/rules/node%20alerts".to_string()), "{:?}", ruler.seen());
    assert_eq!(ruler.groups("anonymous", "node alerts"), ["node"]);
    let same = run(&mut sloc(&["ruler", "diff", "--address", &ruler.url, "--prefix", "/api/v1/rules", &rules]));
    assert_eq!(same.code, 0, "the ruler's YAML reads back as the same group: {}", same.transcript());

    let limited = write(
        dir.path(),
        "limited.yml",
        "groups:\n  - name: capped\n    limit: 10\n    rules:\n      - record: a:b:sum\n        expr: sum(a)\n",
    );
    let refused = run(&mut sloc(&["ruler", "load", "--address", &ruler.url, "--prefix", "/api/v1/rules", &limited]));
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    assert!(
        refused.stderr.contains("group `capped` has `limit`, which sloc ruler cannot send yet"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("limited.yml:3:5"), "located at the field: {}", refused.stderr);
    assert!(ruler.groups("anonymous", "limited").is_empty(), "nothing is sent");
}

#[test]
fn the_ruler_s_refusals_are_explained_and_never_leak_a_secret() {
    let ruler = FakeRuler::start("/prometheus/config/v1/rules");
    ruler.state.lock().unwrap().require_tenant = true;
    let dir = tempfile::tempdir().unwrap();
    let token = write(dir.path(), "token", "s3cret-token-value\n");
    let base = |action: &'static str| -> Vec<String> {
        ["ruler", action, "--address", &ruler.url, "--bearer-token-file", &token]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let args = |mut v: Vec<String>, more: &[&str]| -> Vec<String> {
        v.extend(more.iter().map(|s| s.to_string()));
        v
    };
    let go = |v: Vec<String>| run(&mut sloc(&v.iter().map(String::as_str).collect::<Vec<_>>()));

    // No tenant where one is needed.
    let no_tenant = go(args(base("load"), &["rules/oneflow.slo.yaml"]));
    assert_eq!(no_tenant.code, 2, "{}", no_tenant.transcript());
    assert!(no_tenant.stderr.contains("pass --id TENANT"), "{}", no_tenant.stderr);

    // A 400 with control characters: shown escaped and cut, exit 2.
    let hostile = format!("bad group \x1b[31mred{}\n", "x".repeat(5000));
    ruler.state.lock().unwrap().faults.push(("POST", 400, hostile));
    let refused = go(args(base("load"), &["--id", "team-a", "rules/oneflow.slo.yaml"]));
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    assert!(refused.stderr.contains("HTTP 400: bad group") && !refused.stderr.contains('\x1b'), "{}", refused.stderr);
    assert!(refused.stderr.len() < 1500, "the answer is cut: {} bytes", refused.stderr.len());

    // 503 and 429 are retried within the bound; the load then succeeds.
    ruler.state.lock().unwrap().faults.extend([("POST", 503, String::new()), ("GET", 429, String::new())]);
    let retried = go(args(base("load"), &["--id", "team-a", "rules/oneflow.slo.yaml"]));
    assert_eq!(retried.code, 0, "{}", retried.transcript());
    assert_eq!(ruler.groups("team-a", "oneflow"), ONEFLOW_GROUPS);

    // A ruler whose API is off, or a wrong prefix: 404 says what to check.
    let off = go(args(base("list"), &["--id", "team-a", "--prefix", "/nothing"]));
    assert_eq!(off.code, 2, "{}", off.transcript());
    assert!(off.stderr.contains("-ruler.enable-api") && off.stderr.contains("--prefix"), "{}", off.stderr);

    for run in [&no_tenant, &refused, &retried, &off] {
        assert!(!run.stdout.contains("s3cret") && !run.stderr.contains("s3cret"), "{}", run.transcript());
    }
}

/// The rules sent are judged for the ruler's target: by default the newest Mimir, which takes
/// Prometheus 3's syntax; `--target` names an older one, which refuses it before anything is sent.
#[test]
fn rules_are_judged_for_the_ruler_s_target() {
    let ruler = FakeRuler::start("/api/v1/rules");
    let rules = root().join("fixtures/targets/trim-operators.yml");
    let rules = rules.to_str().unwrap();
    let load = |extra: &[&str]| {
        let mut args = vec!["ruler", "load", "--address", &ruler.url, "--prefix", "/api/v1/rules"];
        args.extend(extra);
        args.push(rules);
        run(&mut sloc(&args))
    };
    let old = load(&["--target", "mimir@3.10"]);
    assert_eq!(old.code, 2, "{}", old.transcript());
    assert!(old.stderr.contains("the trim operator `</` or `>/` needs Prometheus 3.11 or later"), "{}", old.stderr);
    assert!(ruler.groups("anonymous", "trim-operators").is_empty(), "nothing is sent");
    let newest = load(&[]);
    assert_eq!(newest.code, 0, "{}", newest.transcript());
    assert_eq!(ruler.groups("anonymous", "trim-operators"), ["g"]);
}
