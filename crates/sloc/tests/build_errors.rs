//! `sloc build` on every broken spec: all problems of a file at once, located, exit code 1,
//! nothing written.

mod common;

use common::{root, run, sloc};

#[test]
fn broken_specs() {
    insta::glob!("../../../fixtures/build-errors", "*.slo.yaml", |path| {
        let relative = path.strip_prefix(root()).unwrap().to_str().unwrap().to_string();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.yml");
        let result = run(&mut sloc(&["build", &relative, "-o", out.to_str().unwrap()]));
        assert_eq!(result.code, 1, "{relative} must be rejected with exit code 1");
        assert!(!out.exists(), "nothing is written when the spec has errors");
        assert!(result.stderr.contains(&format!("{relative}:")), "every problem is located in {relative}");
        insta::assert_snapshot!(result.transcript());
    });
}
