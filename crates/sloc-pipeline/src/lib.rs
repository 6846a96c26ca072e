//! The commands' pipelines, between the command line and the libraries: the binary parses
//! flags, reads files, calls one function here and prints what comes back.
//!
//! - [`build`]: specs → plans → artifacts (rule files, manifests, Alertmanager fragments),
//!   merged for several specs.
//! - [`check`]: files → plans → what to fetch → the servers' answers → findings.
//! - [`budget`]: plans → queries → where each objective's budget stands (`status`) or how a
//!   calendar period went (`report`).
//!
//! No IO of its own: files come in as text, and servers are reached only through the
//! [`sloc_client::Client`]s the caller hands in.

pub mod budget;
pub mod build;
pub mod check;
pub mod ruler;
pub mod scenarios;
