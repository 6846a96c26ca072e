//! `sloc test` and `sloc import --compare`: plans → generated burns → promtool (through the
//! [`Promtool`] the caller hands in) → verdicts.

use sloc_rulefile::Group;
use sloc_scenarios::compare::{Comparison, Outcome, Side};
use sloc_scenarios::{Promtool, burns};
use sloc_spec::Spec;

/// A spec to test: its name in messages, the folder its files go to, the spec.
pub struct SpecToTest<'a> {
    pub source: String,
    pub stem: String,
    pub spec: &'a Spec,
}

/// The generated tests of some specs: every file (`<stem>/<name>`, text) and the tests among
/// them, with what each proves.
#[derive(Debug, Default)]
pub struct GeneratedTests {
    pub files: Vec<(String, String)>,
    /// `(source, "<slo> <tier>", test file path)`.
    pub tests: Vec<(String, String, String)>,
    /// `(source, slo, why)`: objectives no synthetic series can feed.
    pub skipped: Vec<(String, String, String)>,
}

/// Plans each spec once and generates its tests: one rule file and one test per objective
/// and tier, in the folder `<stem>/`.
pub fn generate_tests(specs: &[SpecToTest<'_>]) -> Result<GeneratedTests, String> {
    let mut out = GeneratedTests::default();
    for s in specs {
        let plan = sloc_plan::plan(s.spec);
        let generated = burns::generate(&plan, &s.source).map_err(|e| e.to_string())?;
        let path = |name: &str| format!("{}/{name}", s.stem);
        out.files.extend(generated.rule_files.iter().map(|(name, yaml)| (path(name), yaml.clone())));
        out.files.extend(generated.tests.iter().map(|t| (path(&t.file_name), t.yaml.clone())));
        out.tests.extend(
            generated.tests.iter().map(|t| (s.source.clone(), format!("{} {}", t.slo, t.tier), path(&t.file_name))),
        );
        out.skipped.extend(generated.skipped.into_iter().map(|(slo, why)| (s.source.clone(), slo, why)));
    }
    Ok(out)
}

/// Why a comparison could not be made.
#[derive(Debug)]
pub enum CompareError {
    /// The rules could not be generated or promtool could not be run (exit 2).
    Run(String),
    /// promtool refused a side's rules (exit 1): which side, and its report.
    Rejected(Side, String),
}

/// The comparison and what each of its burns gave.
pub struct Compared {
    pub comparison: Comparison,
    pub outcomes: Vec<Outcome>,
}

/// Runs the old rules and the rules compiled from `specs` through the same burns.
pub fn compare(
    specs: &[Spec],
    old: &[Group],
    sources: &str,
    promtool: &dyn Promtool,
) -> Result<Compared, CompareError> {
    let plans: Vec<_> = specs.iter().map(sloc_plan::plan).collect();
    let comparison =
        sloc_scenarios::compare::generate(&plans, old, sources).map_err(|e| CompareError::Run(e.to_string()))?;
    let mut files = comparison.rule_files.clone();
    let mut tests = Vec::new();
    for (i, scenario) in comparison.scenarios.iter().enumerate() {
        for (side, yaml) in &scenario.tests {
            let name = format!("{i}.{}.test.yml", if *side == Side::Old { "old" } else { "sloc" });
            files.push((name.clone(), yaml.clone()));
            tests.push((*side, name));
        }
    }
    let names: Vec<String> = tests.iter().map(|(_, n)| n.clone()).collect();
    let runs = promtool.test_rules(&files, &names).map_err(CompareError::Run)?;
    let mut firing = Vec::new();
    for ((side, _), run) in tests.iter().zip(runs) {
        let f = sloc_scenarios::compare::read_firing(&run.output).map_err(|r| CompareError::Rejected(*side, r))?;
        firing.push(f);
    }
    let outcomes = comparison
        .scenarios
        .iter()
        .zip(firing.chunks(2))
        .map(|(s, pair)| comparison.outcome(s, &pair[0], &pair[1]))
        .collect();
    Ok(Compared { comparison, outcomes })
}
