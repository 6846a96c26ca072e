//! `sloc status` and `sloc report`: plans → queries through the client → the budget views.

use std::collections::BTreeMap;

use sloc_budget::report::Report;
use sloc_budget::status::{ServerState, Status};
use sloc_budget::{Matrix, Source, Vector};
use sloc_client::{Client, ClientError};
use sloc_plan::Plan;
use sloc_spec::Spec;

use crate::check::optional;

/// The client as the budget views' source: instant queries run concurrently.
struct Server<'a>(&'a Client);

impl Source for Server<'_> {
    type Error = ClientError;

    fn instant(&self, queries: Vec<(String, Option<f64>)>) -> Vec<Result<Vector, ClientError>> {
        self.0.run_all(queries, |c, (q, t)| c.query_at(&q, t))
    }

    fn range(&self, query: &str, start: f64, end: f64, step: f64) -> Result<Matrix, ClientError> {
        self.0.query_range(query, start, end, step)
    }
}

/// The loaded groups and their intervals, when the server serves its rules.
fn loaded_groups(client: &Client) -> Result<Option<Vec<(String, f64)>>, ClientError> {
    Ok(optional(client.rules())?.map(|groups| groups.into_iter().map(|g| (g.name, g.interval)).collect()))
}

/// Every objective of `specs` as the server sees it now.
pub fn status(specs: &[Spec], client: &Client) -> Result<Vec<Status>, ClientError> {
    let plans: Vec<Plan> = specs.iter().map(sloc_plan::plan).collect();
    let alerts = optional(client.alerts())?.unwrap_or_default();
    let server = ServerState {
        alerts: alerts.into_iter().map(|a| (a.labels, a.state, a.active_at)).collect(),
        groups: loaded_groups(client)?,
    };
    sloc_budget::status::status(&plans, &Server(client), &server)
}

/// Why a report could not be made.
#[derive(Debug)]
pub enum ReportError {
    /// The period cannot be answered (in the future, older than the retention).
    Period(String),
    Server(ClientError),
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportError::Period(m) => f.write_str(m),
            ReportError::Server(e) => write!(f, "{e}"),
        }
    }
}

impl From<ClientError> for ReportError {
    fn from(e: ClientError) -> Self {
        ReportError::Server(e)
    }
}

/// The report of `specs` over `[from, to)`, after checking the server still holds that period.
pub fn report(specs: &[Spec], client: &Client, from: i64, to: i64, now: i64) -> Result<Report, ReportError> {
    let plans: Vec<Plan> = specs.iter().map(sloc_plan::plan).collect();
    let retention = optional(client.flags())?
        .and_then(|flags| sloc_live::prometheus::retention(&flags))
        .map(|d| (d.millis() / 1000) as i64);
    sloc_budget::report::check_period(from, to, now, retention).map_err(ReportError::Period)?;
    let intervals: BTreeMap<String, f64> = loaded_groups(client)?.unwrap_or_default().into_iter().collect();
    Ok(sloc_budget::report::report(&plans, &Server(client), from, to, &intervals)?)
}
