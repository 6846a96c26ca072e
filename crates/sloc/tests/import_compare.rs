//! `sloc import --compare`: a rule file in the shape Sloth generates (recorded error ratios per
//! window, a page and a ticket alert each OR-ing two window pairs), written here for
//! `fixtures/import/compare/orders.sloth.yaml`, against the rules sloc compiles from its
//! import, through the same burns in real promtool.

mod common;

use common::{root, run, sloc};

fn fixture(name: &str) -> String {
    root().join("fixtures/import/compare").join(name).to_str().unwrap().to_string()
}

/// One table row: the severity and the four times (minutes from the burn's start; `None` for
/// "never" or "-").
#[derive(Debug)]
struct Row {
    severity: String,
    old_fires: Option<f64>,
    sloc_fires: Option<f64>,
    old_resets: Option<f64>,
    sloc_resets: Option<f64>,
    text: String,
}

fn minutes(cell: &str) -> Option<f64> {
    let d = cell.strip_prefix('+')?;
    let mut total = 0.0;
    let mut number = String::new();
    for c in d.chars() {
        if c.is_ascii_digit() {
            number.push(c);
        } else {
            let n: f64 = number.parse().unwrap();
            number.clear();
            total += n * match c {
                'd' => 1440.0,
                'h' => 60.0,
                'm' => 1.0,
                _ => panic!("unit {c} in {cell}"),
            };
        }
    }
    Some(total)
}

/// The rows under each burn heading, by the tier the burn is about.
fn table(stdout: &str) -> Vec<(String, Vec<Row>)> {
    let mut burns: Vec<(String, Vec<Row>)> = Vec::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("  errors at 1.1x the `") {
            burns.push((rest.split('`').next().unwrap().to_string(), Vec::new()));
        } else if let Some(row) = line.strip_prefix("    ") {
            let cells: Vec<&str> = row.split_whitespace().collect();
            if cells[0] == "severity" || !matches!(cells[0], "critical" | "warning" | "info") {
                continue;
            }
            burns.last_mut().unwrap().1.push(Row {
                severity: cells[0].to_string(),
                old_fires: minutes(cells[1]),
                sloc_fires: minutes(cells[2]),
                old_resets: minutes(cells[3]),
                sloc_resets: minutes(cells[4]),
                text: row.to_string(),
            });
        }
    }
    burns
}

#[test]
fn sloth_rules_and_sloc_fire_within_the_documented_difference() {
    let out =
        run(&mut sloc(&["import", &fixture("orders.sloth.yaml"), "--compare", &fixture("orders.sloth-rules.yml")]));
    assert_eq!(out.code, 0, "{}", out.transcript());
    assert!(out.stderr.contains("the specs are not printed with --compare"), "{}", out.stderr);
    let burns = table(&out.stdout);
    let tiers: Vec<&str> = burns.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(tiers, ["page-fast", "page-slow", "ticket-fast", "ticket-slow"], "{}", out.stdout);
    // By hand: a burn at 1.1x a tier's threshold crosses it over the long window W after
    // W / 1.1 (the old rules' raw `rate`), 2.5m later for sloc's windows averaged from 5m rates;
    // then each side's `for` (old: none on the page, 10m on the ticket; sloc: its 2m default on
    // the page tiers, the ticket's 10m carried over). Times fall on evaluations (1m, 6m, 10m,
    // 10m apart), which the margins allow.
    let cases = [
        ("page-fast", "critical", 60.0, 0.0, 2.0, 1.0),
        ("page-slow", "critical", 360.0, 0.0, 2.0, 6.0),
        ("ticket-fast", "warning", 1440.0, 10.0, 10.0, 10.0),
        ("ticket-slow", "warning", 4320.0, 10.0, 10.0, 10.0),
    ];
    for ((tier, rows), (name, severity, window, old_for, sloc_for, step)) in burns.iter().zip(cases) {
        assert_eq!(tier, name);
        assert_eq!(rows.len(), 1, "one severity fires in the {tier} burn: {rows:?}");
        let row = &rows[0];
        assert_eq!(row.severity, severity, "{row:?}");
        let old = row.old_fires.unwrap_or_else(|| panic!("old never fires: {row:?}"));
        let new = row.sloc_fires.unwrap_or_else(|| panic!("sloc never fires: {row:?}"));
        let old_expected = window / 1.1 + old_for;
        let sloc_expected = window / 1.1 + 2.5 + sloc_for;
        assert!((old - old_expected).abs() <= 2.0 * step, "{tier}: old fires at {old}, expected {old_expected}");
        assert!(new >= old, "{tier}: sloc fires before the old rules: {row:?}");
        assert!((new - sloc_expected).abs() <= 2.0 * step, "{tier}: sloc fires at {new}, expected {sloc_expected}");
        // Both reset once the short window drains after the burn, at the same evaluation.
        assert!(row.old_resets.is_some() && row.old_resets == row.sloc_resets, "{row:?}");
        assert!(!row.text.contains("DIFFERS"), "{row:?}");
    }
    // Sloth's ticket alert ORs 2h/1d with 6h/3d: when the first pair stops, the second one's
    // series is new and waits out `for: 10m` again, so the old ticket resolves and re-fires.
    let ticket = &burns[2].1[0].text;
    assert!(ticket.contains("old resolves at +1d4h10m and fires again at +1d4h20m"), "{ticket}");
    assert!(out.stdout.contains("4 burns, 4 rows: 4 explained, 0 unexplained"), "{}", out.stdout);
}

#[test]
fn a_drifted_rule_file_is_an_unexplained_difference_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let slos = dir.path().join("slos");
    let out = run(&mut sloc(&[
        "import",
        &fixture("orders.sloth.yaml"),
        "-o",
        slos.to_str().unwrap(),
        "--compare",
        &fixture("orders.sloth-rules-drifted.yml"),
    ]));
    assert_eq!(out.code, 1, "{}", out.transcript());
    assert!(slos.join("orders.slo.yaml").exists(), "the specs are written with -o");
    let burns = table(&out.stdout);
    // The fast page pair was edited to 10x: the old page fires at 1h x 10 / 15.84, about 38m.
    let page = &burns[0].1[0];
    assert_eq!(page.old_fires, Some(38.0), "{page:?}");
    assert!(page.text.contains("DIFFERS: fires +22m apart, unexplained"), "{page:?}");
    // No ticket alert in the old file: a difference, explained.
    for (tier, rows) in &burns[2..] {
        assert!(rows[0].text.contains("the old rules have no warning alert for this objective"), "{tier}: {rows:?}");
        assert_eq!(rows[0].old_fires, None);
    }
    assert!(out.stdout.contains("unexplained (times are from each burn's start)"), "{}", out.stdout);
}

#[test]
fn compare_refuses_what_it_cannot_run() {
    let out = run(&mut sloc(&["import", &fixture("orders.sloth.yaml"), "--compare", &fixture("orders.sloth.yaml")]));
    assert_eq!(out.code, 1, "{}", out.transcript());
    assert!(out.stderr.contains("--compare needs a Prometheus rule file"), "{}", out.stderr);
    let missing = run(&mut sloc(&["import", &fixture("orders.sloth.yaml"), "--compare", "/nonexistent/rules.yml"]));
    assert_eq!(missing.code, 2, "{}", missing.transcript());
    // An old file promtool would reject: its error, located, and exit 1; nothing is run.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("old.yml");
    std::fs::write(
        &broken,
        "groups:
  - name: g
    rules:
      - alert: A
        expr: rate(x[5m] > 1
",
    )
    .unwrap();
    let rejected = run(&mut sloc(&["import", &fixture("orders.sloth.yaml"), "--compare", broken.to_str().unwrap()]));
    assert_eq!(rejected.code, 1, "{}", rejected.transcript());
    assert!(rejected.stderr.contains("old.yml:5:"), "located in the old file: {}", rejected.stderr);
    assert!(rejected.stdout.is_empty(), "no table: {}", rejected.stdout);
    // Without promtool on the PATH: a usage error, exit 2.
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = sloc(&["import", &fixture("orders.sloth.yaml"), "--compare", &fixture("orders.sloth-rules.yml")]);
    cmd.env("PATH", empty.path());
    let refused = run(&mut cmd);
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    assert!(refused.stderr.contains("--compare runs promtool, which is not on the PATH"), "{}", refused.stderr);
}

/// Two services with an SLO of the same name, the same alert name and (a copy-paste) the same
/// series, as in Sloth's own multifile example: each old alert belongs to the objective its
/// `sloth_service` and `sloth_slo` name, and another objective's alerts fired by the shared
/// series are listed apart, never folded into a row.
#[test]
fn old_alerts_belong_to_their_own_service_and_shared_series_are_said() {
    let out =
        run(&mut sloc(&["import", &fixture("shared.sloth.yaml"), "--compare", &fixture("shared.sloth-rules.yml")]));
    assert_eq!(out.code, 0, "{}", out.transcript());
    assert!(out.stdout.contains("4 burns, 4 rows: 4 explained, 0 unexplained"), "{}", out.stdout);
    let blocks: Vec<&str> = out.stdout.split("\npayments requests\n").collect();
    assert_eq!(blocks.len(), 2, "{}", out.stdout);
    let (checkout, payments) = (blocks[0], blocks[1]);
    for (tier, rows) in table(checkout).iter().chain(&table(payments)) {
        assert_eq!(rows.len(), 1, "{tier}: only the page fires for the burnt objective: {rows:?}");
        assert_eq!(rows[0].severity, "critical");
        assert!(!rows[0].text.contains("DIFFERS"), "{tier}: {rows:?}");
    }
    // payments' 99.95% objective burns at 10x checkout's rate on checkout's series: its own
    // page fires early on both sides, and is said to.
    let also = "also fired: the alerts of `payments requests` (old: critical +6m; sloc: critical +10m)";
    assert!(checkout.contains(also), "{checkout}");
    assert_eq!(checkout.matches("also fired: the alerts of `payments requests`").count(), 2, "{checkout}");
    assert!(checkout.contains("also fired in the old rules: LegacyShopErrors{"), "{checkout}");
    assert!(checkout.contains("(of no compared objective)"), "{checkout}");
    // checkout's 99.5% objective does not burn on payments' 10x smaller error ratio.
    assert!(!payments.contains("also fired"), "{payments}");
}
