//! A syntax check of Go `text/template`, as Prometheus parses alert labels and annotations.
//! It checks what makes Prometheus refuse a rule file: actions that never close, strings that
//! never end, unbalanced control blocks, unknown functions, empty actions.

use std::ops::Range;

use sloc_diagnostics::{Diagnostic, declare_code};
use sloc_yaml::Node;

declare_code! {
    /// ## What it does
    /// Reports an alert label or annotation that is not a valid Go template: an unclosed
    /// `{{`, an unbalanced `{{ if }}`/`{{ end }}`, an unknown function.
    ///
    /// ## Why it matters
    /// Prometheus refuses to load the file.
    ///
    /// ## Example
    /// ```yaml
    /// summary: "{{ $labels.instance is down"
    /// ```
    pub TEMPLATE = ("R008", "template", Error, "an alert label or annotation template that does not parse");
}

/// Go's builtins and Prometheus' template functions (2.x and 3.x).
const FUNCTIONS: &[&str] = &[
    "and",
    "call",
    "html",
    "index",
    "slice",
    "js",
    "len",
    "not",
    "or",
    "print",
    "printf",
    "println",
    "urlquery",
    "eq",
    "ge",
    "gt",
    "le",
    "lt",
    "ne",
    "args",
    "first",
    "humanize",
    "humanize1024",
    "humanizeDuration",
    "humanizePercentage",
    "humanizeTimestamp",
    "label",
    "match",
    "query",
    "reReplaceAll",
    "safeHtml",
    "sortByLabel",
    "stripPort",
    "stripDomain",
    "strvalue",
    "title",
    "toLower",
    "toUpper",
    "toTime",
    "toDuration",
    "now",
    "value",
    "graphLink",
    "tableLink",
    "pathPrefix",
    "externalURL",
    "parseDuration",
    "safeHtml",
];

const OPENERS: &[&str] = &["if", "range", "with", "define", "block"];
const KEYWORDS: &[&str] =
    &["if", "range", "with", "define", "block", "else", "end", "template", "nil", "true", "false", "break", "continue"];

/// A template problem: its message and its byte range in the template text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub message: String,
    pub span: Range<usize>,
}

/// `R008` for an alert label or annotation (the YAML scalar `value` of `key`) that is not a
/// valid Go template, located in the file; rule files and specs alike.
pub fn template_finding(text: &str, value: &Node, key: &str) -> Option<Diagnostic> {
    let e = check_template(value.as_scalar_text()?).err()?;
    let at = sloc_yaml::value_range_to_source(text, value, e.span);
    Some(
        Diagnostic::new(&TEMPLATE, at, format!("invalid template in `{key}`: {}", e.message))
            .with_label("here")
            .with_help("alert labels and annotations are Go templates: {{ $labels.name }}, {{ $value | humanize }}"),
    )
}

/// The variables Prometheus declares before an alert's template (`$` is Go's own).
const PREDEFINED_VARIABLES: &[&str] = &["$", "$labels", "$externalLabels", "$externalURL", "$value"];

/// Checks a template; returns the first problem, as Go's parser does.
pub fn check_template(text: &str) -> Result<(), TemplateError> {
    let mut blocks: Vec<(&str, Range<usize>)> = Vec::new();
    // Go's parser rejects a variable that is not declared: the predefined ones, then those
    // the template declares (`$x := ...`), visible until the `{{end}}` of their block.
    let mut variables: Vec<&str> = PREDEFINED_VARIABLES.to_vec();
    let mut scopes: Vec<usize> = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find("{{") {
        let open = at + found;
        let mut body_start = open + 2;
        if text[body_start..].starts_with("- ")
            || text[body_start..].starts_with("-\t")
            || text[body_start..].starts_with("-\n")
        {
            body_start += 1;
        }
        let close = find_close(text, body_start).map_err(|(message, span)| TemplateError { message, span })?;
        let Some((body_end, after)) = close else {
            return Err(TemplateError { message: "unclosed action: `{{` without `}}`".into(), span: open..open + 2 });
        };
        let body = text[body_start..body_end].trim();
        let action = open..after;
        at = after;
        if body.starts_with("/*") {
            if !body.ends_with("*/") {
                return Err(TemplateError { message: "unclosed comment".into(), span: action });
            }
            continue;
        }
        if body.is_empty() {
            return Err(TemplateError {
                message: "missing value for command: empty action `{{ }}`".into(),
                span: action,
            });
        }
        let words = words(body);
        let first = words.first().copied().unwrap_or_default();
        if OPENERS.contains(&first) {
            blocks.push((first, action.clone()));
            scopes.push(variables.len());
            if matches!(first, "define" | "block") {
                // A named template starts with only `$` defined.
                variables.push("\0");
            }
        } else if first == "end" {
            if blocks.pop().is_none() {
                return Err(TemplateError {
                    message: "unexpected {{end}}: no {{if}}, {{range}} or {{with}} to close".into(),
                    span: action,
                });
            }
            variables.truncate(scopes.pop().unwrap_or(PREDEFINED_VARIABLES.len()));
        } else if first == "else" && !matches!(blocks.last(), Some(("if" | "range" | "with", _))) {
            return Err(TemplateError {
                message: "unexpected {{else}} outside {{if}}, {{range}} or {{with}}".into(),
                span: action,
            });
        }
        for (i, word) in words.iter().enumerate() {
            let at_command = i == 0 || matches!(words[i - 1], "|" | "(" | "if" | "range" | "with" | "else");
            let is_identifier = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if at_command && is_identifier && !KEYWORDS.contains(word) && !FUNCTIONS.contains(word) {
                return Err(TemplateError { message: format!("function \"{word}\" not defined"), span: action });
            }
        }
        check_variables(&words, &mut variables).map_err(|message| TemplateError { message, span: action.clone() })?;
    }
    if let Some((name, span)) = blocks.pop() {
        return Err(TemplateError {
            message: format!("unexpected EOF: {{{{{name}}}}} is never closed with {{{{end}}}}"),
            span,
        });
    }
    Ok(())
}

/// Declares the variables an action declares and rejects those it uses undeclared.
fn check_variables<'t>(words: &[&'t str], variables: &mut Vec<&'t str>) -> Result<(), String> {
    let is_declared = |variables: &[&str], name: &str| {
        // Variables after a `define` marker belong to that template, which sees only `$`.
        let visible = match variables.iter().rposition(|v| *v == "\0") {
            Some(marker) => &variables[marker + 1..],
            None => variables,
        };
        name == "$" || visible.contains(&name)
    };
    let skip = usize::from(words.first().is_some_and(|w| matches!(*w, "if" | "range" | "with" | "else")));
    let skip = skip + usize::from(words.get(1).is_some_and(|w| *w == "if" || *w == "with") && skip == 1);
    let leading: Vec<&str> =
        words[skip.min(words.len())..].iter().take_while(|w| w.starts_with('$')).copied().collect();
    let assigns = words.get(skip + leading.len()).copied();
    let declared = if matches!(assigns, Some(":=")) { leading.len() } else { 0 };
    for (i, word) in words.iter().enumerate() {
        let Some(name) = variable_name(word) else { continue };
        if i >= skip && i < skip + declared {
            continue;
        }
        if !is_declared(variables, name) {
            return Err(format!("undefined variable \"{name}\""));
        }
    }
    variables.extend(leading.iter().take(declared).filter_map(|w| variable_name(w)));
    Ok(())
}

/// `$labels.instance` → `$labels`; a word that is not a variable → `None`.
fn variable_name(word: &str) -> Option<&str> {
    let rest = word.strip_prefix('$')?;
    let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
    Some(&word[..1 + len])
}

type CloseResult = Result<Option<(usize, usize)>, (String, Range<usize>)>;

/// The end of an action's body and the byte after its `}}`, skipping strings.
fn find_close(text: &str, from: usize) -> CloseResult {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'`' | b'\'' => {
                let quote = bytes[i];
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    if bytes[i] == b'\\' && quote != b'`' {
                        i += 1;
                    }
                    if bytes[i.min(bytes.len() - 1)] == b'\n' && quote != b'`' {
                        break;
                    }
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] != quote {
                    return Err(("unterminated quoted string in action".into(), start..start + 1));
                }
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                let body_end = if i > from && bytes[i - 1] == b'-' && i >= 2 && bytes[i - 2].is_ascii_whitespace() {
                    i - 1
                } else {
                    i
                };
                return Ok(Some((body_end, i + 2)));
            }
            _ => {}
        }
        i += 1;
    }
    Ok(None)
}

/// The action's words: identifiers, variables, fields, literals and the `|` `(` separators.
fn words(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() || c == b')' || c == b',' {
            i += 1;
            continue;
        }
        let start = i;
        if c == b'|' || c == b'(' || c == b'=' {
            i += 1;
        } else if c == b':' && bytes.get(i + 1) == Some(&b'=') {
            i += 2;
        } else if c == b'"' || c == b'`' || c == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != c {
                if bytes[i] == b'\\' && c != b'`' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        } else {
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !b"|()=".contains(&bytes[i])
                && (bytes[i] != b':' || bytes.get(i + 1) != Some(&b'='))
            {
                i += 1;
            }
        }
        out.push(&body[start..i]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_prometheus_accepts() {
        for ok in [
            "plain text",
            "{{ $labels.instance }} is down",
            "{{ $value | humanizePercentage }}",
            "{{- if gt $value 1.0 -}}high{{ else }}low{{ end }}",
            "{{ range query \"up\" }}{{ .Labels.job }}{{ end }}",
            "{{/* a comment */}}x",
            "{{ printf \"%.2f\" $value }}",
            "{{ with $x := 1 }}{{ $x }}{{ end }}",
            "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}",
            "{{ range $i, $e := query \"up\" }}{{ $i }}{{ $e.Value }}{{ end }}",
            "{{ $externalLabels.cluster }} {{ $externalURL }} {{ $.Labels }}",
            "{{ if $value }}{{ $v := 1 }}{{ else }}{{ $v }}{{ end }}",
            "{{ \"$notavar\" }}",
            "{{$x:=1}}{{$x}}",
            "}} alone",
        ] {
            assert_eq!(check_template(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_what_prometheus_rejects() {
        for (bad, message) in [
            ("{{ $labels.instance is down", "unclosed action"),
            ("{{ if $value }}x", "never closed"),
            ("x{{ end }}", "unexpected {{end}}"),
            ("{{ humanise $value }}", "function \"humanise\" not defined"),
            ("{{ $value | nosuch }}", "function \"nosuch\" not defined"),
            ("{{ }}", "missing value"),
            ("{{ \"open }}", "unterminated"),
            ("{{ $label.instance }} is down", "undefined variable \"$label\""),
            ("{{ if $x }}{{ end }}", "undefined variable \"$x\""),
            ("{{ with $x := 1 }}{{ end }}{{ $x }}", "undefined variable \"$x\""),
            ("{{ $y = 2 }}", "undefined variable \"$y\""),
        ] {
            let err = check_template(bad).unwrap_err();
            assert!(err.message.contains(message), "{bad}: {}", err.message);
        }
    }
}
