//! `sloc explain CODE`: a code's documentation, from its doc comment.

use clap::Args;

use crate::{Output, exit};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code such as `S004`, or its name such as `objective-out-of-range`.
    code: Option<String>,
    /// List every code with its one-line summary.
    #[arg(long, conflicts_with = "code")]
    all: bool,
}

pub fn run(args: &ExplainArgs, out: &mut Output) -> u8 {
    let codes = crate::report::all_codes();
    match &args.code {
        Some(wanted) if !args.all => {
            let found = codes.iter().find(|c| c.code.eq_ignore_ascii_case(wanted) || c.name == wanted);
            match found {
                Some(c) => {
                    out.stdout.push_str(&format!(
                        "# {} {} ({})\n\n{}\n\n{}\n",
                        c.code,
                        c.name,
                        c.severity,
                        c.summary,
                        c.documentation()
                    ));
                    exit::OK
                }
                None => {
                    out.error(format!("unknown code `{wanted}`; `sloc explain --all` lists them"));
                    exit::USAGE
                }
            }
        }
        _ => {
            // Columns as wide as their longest entry, so that long names never push a row out.
            let name_width = codes.iter().map(|c| c.name.len()).max().unwrap_or(0);
            let severity_width = codes.iter().map(|c| c.severity.as_str().len()).max().unwrap_or(0);
            for c in codes {
                out.stdout.push_str(&format!(
                    "{:<6} {:<name_width$}  {:<severity_width$}  {}\n",
                    c.code,
                    c.name,
                    c.severity.as_str(),
                    c.summary
                ));
            }
            exit::OK
        }
    }
}
