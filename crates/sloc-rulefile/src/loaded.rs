//! Rule groups as a server runs them, in the shape of `/api/v1/rules`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A rule group as the server runs it (`/api/v1/rules`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LoadedGroup {
    pub name: String,
    #[serde(default)]
    pub file: String,
    /// Seconds.
    #[serde(default)]
    pub interval: f64,
    #[serde(default)]
    pub evaluation_time: f64,
    #[serde(default)]
    pub rules: Vec<LoadedRule>,
}

/// A rule as the server runs it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LoadedRule {
    pub name: String,
    pub query: String,
    /// `recording` or `alerting`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `for`, in seconds (alerting rules).
    #[serde(default)]
    pub duration: f64,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// `ok`, `err` or `unknown` (not evaluated yet).
    #[serde(default)]
    pub health: String,
    #[serde(default)]
    pub last_error: String,
}
