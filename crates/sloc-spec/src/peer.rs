//! Other tools' SLO specs, recognised by content: `sloc lint` leaves them to `sloc import`,
//! which reads them. A neutral place both read from.

use sloc_diagnostics::declare_code;
use sloc_yaml::Node;

declare_code! {
    /// ## What it does
    /// Tells `sloc lint` that a file is another tool's SLO spec (Sloth, Pyrra, OpenSLO), not a
    /// broken sloc spec or rule file: it is not linted, and `sloc import` converts it.
    ///
    /// ## Example
    /// A file starting `version: "prometheus/v1"` with `service:` and `slos:` is a Sloth spec;
    /// `sloc import payments.yaml -o slos/` writes `slos/payments.slo.yaml`.
    pub PEER_SPEC = ("I005", "peer-spec", Info, "another tool's SLO spec, which `sloc import` converts");
}

/// A format `sloc import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Sloth `version: prometheus/v1`.
    Sloth,
    /// Sloth's Kubernetes CRD, `sloth.slok.dev/v1` `PrometheusServiceLevel`.
    SlothCrd,
    /// Sloth's OpenSLO dialect, `openslo/v1alpha` `SLO`.
    OpenSloV1Alpha,
    /// Pyrra `pyrra.dev/v1alpha1` `ServiceLevelObjective`.
    Pyrra,
    /// OpenSLO `openslo/v1` (`SLO`, `SLI`, `Service`, `DataSource`, `AlertPolicy`, …).
    OpenSlo,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Sloth => "a Sloth spec (prometheus/v1)",
            Format::SlothCrd => "a Sloth PrometheusServiceLevel",
            Format::OpenSloV1Alpha => "a Sloth OpenSLO v1alpha spec",
            Format::Pyrra => "a Pyrra ServiceLevelObjective",
            Format::OpenSlo => "an OpenSLO v1 document",
        }
    }
}

/// The format of one document, by its `version`, `apiVersion` and `kind`.
pub fn detect(doc: &Node) -> Option<Format> {
    let text = |k: &str| doc.get(k).and_then(Node::as_scalar_text).map(str::trim);
    let kind = text("kind");
    match (text("version"), text("apiVersion")) {
        (Some("prometheus/v1"), _) => Some(Format::Sloth),
        (_, Some("sloth.slok.dev/v1")) if kind == Some("PrometheusServiceLevel") => Some(Format::SlothCrd),
        (_, Some("openslo/v1alpha")) if kind == Some("SLO") => Some(Format::OpenSloV1Alpha),
        (_, Some(v)) if v.starts_with("pyrra.dev/") && kind == Some("ServiceLevelObjective") => Some(Format::Pyrra),
        (_, Some("openslo/v1")) => Some(Format::OpenSlo),
        _ => None,
    }
}

/// The peer format of a file's documents (a YAML stream, or a top-level list), from its
/// first document: for `sloc lint`, which leaves such files to `sloc import`.
pub fn detect_file(docs: &[Node]) -> Option<Format> {
    let first = docs.first()?;
    match &first.value {
        sloc_yaml::Value::Seq(items) => items.first().and_then(detect),
        _ => detect(first),
    }
}
