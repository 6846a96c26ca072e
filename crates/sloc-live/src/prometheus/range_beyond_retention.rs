use promql_parser::parser::{Expr, Offset};
use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_promql::{Duration, format_duration};

use super::{LiveFile, Snapshot};

declare_code! {
    /// ## What it does
    /// Reports a rule of a rule file that reads further back than the server keeps data
    /// (`--storage.tsdb.retention.time`, from `/api/v1/status/flags`): a range
    /// (`rate(x[45d])`), a subquery (`max_over_time(x[40d:1h])`) or an `offset`, added up.
    /// For SLO specs, C006 compares the period instead.
    ///
    /// ## Why it matters
    /// The rule silently computes over less data than it says: a `[45d]` average on a server
    /// that keeps 15 days is a 15-day average.
    ///
    /// ## Example
    /// ```yaml
    /// expr: avg_over_time(code_verb:apiserver_request_total:increase1h[30d]) * 24 * 30
    /// ```
    /// on a server started with `--storage.tsdb.retention.time=15d`.
    ///
    /// ## Fix
    /// Raise the retention, or shorten the range.
    pub CODE = ("C012", "range-beyond-retention", Warning, "a rule reads further back than the server keeps data");
}

/// How far back an expression reads, and the part that reads furthest.
fn look_back(expr: &Expr, shift: u64, deepest: &mut (u64, String)) {
    let offset = |o: &Option<Offset>| match o {
        Some(Offset::Pos(d)) => d.as_millis() as u64,
        _ => 0,
    };
    let mut note = |millis: u64, what: String| {
        if millis > deepest.0 {
            *deepest = (millis, what);
        }
    };
    match expr {
        Expr::MatrixSelector(m) => {
            note(
                shift + m.range.as_millis() as u64 + offset(&m.vs.offset),
                format!("[{}]", sloc_plan::window_name(Duration(m.range.as_millis() as u64))),
            );
        }
        Expr::VectorSelector(vs) if vs.offset.is_some() => {
            note(shift + offset(&vs.offset), format!("offset {}", format_duration(Duration(offset(&vs.offset)))));
        }
        Expr::Subquery(sq) => {
            let own = shift + sq.range.as_millis() as u64 + offset(&sq.offset);
            note(own, format!("[{}:]", sloc_plan::window_name(Duration(sq.range.as_millis() as u64))));
            look_back(&sq.expr, own, deepest);
        }
        Expr::Aggregate(a) => {
            look_back(&a.expr, shift, deepest);
            if let Some(p) = &a.param {
                look_back(p, shift, deepest);
            }
        }
        Expr::Unary(u) => look_back(&u.expr, shift, deepest),
        Expr::Binary(b) => {
            look_back(&b.lhs, shift, deepest);
            look_back(&b.rhs, shift, deepest);
        }
        Expr::Paren(p) => look_back(&p.expr, shift, deepest),
        Expr::Call(c) => c.args.args.iter().for_each(|a| look_back(a, shift, deepest)),
        _ => {}
    }
}

pub(crate) fn run(file: &LiveFile, snapshot: &Snapshot, out: &mut Vec<Diagnostic>) {
    let Some(retention) = snapshot.retention else { return };
    for rule in file.groups.iter().flat_map(|g| &g.rules) {
        let Ok(expr) = sloc_promql::parse(&rule.expr) else { continue };
        let mut deepest = (0, String::new());
        look_back(&expr, 0, &mut deepest);
        if deepest.0 > retention.millis() {
            out.push(
                Diagnostic::new(
                    &CODE,
                    rule.expr_span.clone(),
                    format!(
                        "`{}` reads {} back (`{}`), more than the {} the server keeps",
                        rule.name,
                        sloc_plan::window_name(Duration(deepest.0)),
                        deepest.1,
                        sloc_plan::window_name(retention)
                    ),
                )
                .with_label("reads beyond the retention")
                .with_help("raise --storage.tsdb.retention.time, or shorten the range"),
            );
        }
    }
}
