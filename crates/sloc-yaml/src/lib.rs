//! The one place sloc touches a YAML library.
//!
//! Everything else in sloc sees a [`Node`] tree whose every value carries the byte range of its
//! source text, so checks can point at the exact place and collect every problem of a file instead
//! of stopping at the first one (a typed serde deserializer stops at the first). Swapping the YAML
//! library means rewriting this crate only.

use std::fmt;
use std::ops::Range;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned as SaphyrSpanned;

mod emit;
mod events;
pub use emit::{Emitter, comment_lines, is_line_break, quote_if_needed};

/// A YAML value with the byte range of its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Byte range in the document's text. For scalars it covers the raw scalar (quotes included);
    /// for collections it starts at the first byte of the collection.
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// A boolean as YAML 1.1 reads it (`true`, `yes`, `on`…), and the scalar as written: a
    /// field that holds a string reads `on` as `on`, as Go's YAML does.
    Bool(bool, String),
    /// A number, kept as written so that `99.90`, `1e3` or `0x10` are never re-written.
    Number(String),
    String(String),
    Seq(Vec<Node>),
    /// Entries in source order; duplicate keys are rejected by the parser.
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(..) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text of a scalar as YAML resolved it (numbers and booleans as written).
    pub fn as_scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) | Value::Number(s) | Value::Bool(_, s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Looks a key up in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.iter().find(|(k, _)| k.as_scalar_text() == Some(key)).map(|(_, v)| v)
    }
}

/// A YAML syntax error (or a document the parser refused, such as one with duplicate keys).
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    /// Byte offset of the problem, when the parser knows it.
    pub offset: Option<usize>,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// Parses every document of a YAML stream. Empty documents are skipped.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, SyntaxError> {
    let max_nodes = text.len().max(250_000);
    let docs = match events::parse_documents(text, max_nodes) {
        Some(docs) => docs,
        None => parse_documents_through_serde(text, max_nodes)?,
    };
    let docs: Vec<Node> = docs
        .into_iter()
        .map(|mut node| {
            fix_up(&mut node, text);
            node
        })
        .collect();
    // Only when the text has one: the check walks every scalar.
    if text.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        for doc in &docs {
            if let Some(at) = break_in_plain_scalar(doc, text) {
                return Err(SyntaxError {
                    message: "a line break for Go's YAML (NEL, LS or PS) inside an unquoted value: Prometheus and promtool read the rest as a new line; quote the value and write it as \\u2028".into(),
                    offset: Some(at),
                });
            }
        }
    }
    Ok(docs)
}

/// The offset of the first NEL, LS or PS inside an unquoted scalar (a key or a value): YAML
/// 1.2 readers take them for text, Go's YAML 1.1 reader for line breaks that cut the scalar.
fn break_in_plain_scalar(node: &Node, text: &str) -> Option<usize> {
    match &node.value {
        Value::Seq(items) => items.iter().find_map(|i| break_in_plain_scalar(i, text)),
        Value::Map(entries) => {
            entries.iter().find_map(|(k, v)| break_in_plain_scalar(k, text).or_else(|| break_in_plain_scalar(v, text)))
        }
        _ => {
            let raw = text.get(node.span.clone())?;
            if raw.starts_with(['"', '\'', '|', '>']) {
                return None;
            }
            raw.find(['\u{85}', '\u{2028}', '\u{2029}']).map(|i| node.span.start + i)
        }
    }
}

/// How deep collections may nest, on both paths. Real files need more than the library's 64:
/// an Alertmanager routing tree 32 routes deep (which amtool accepts) nests 66 levels.
pub(crate) const MAX_DEPTH: usize = 96;

/// The complete path: every YAML feature, and the library's located errors.
fn parse_documents_through_serde(text: &str, max_nodes: usize) -> Result<Vec<Node>, SyntaxError> {
    // Node and event budgets grow with the text: a 50,000-rule file is legitimate. Alias
    // limits stay at their defaults, which is what guards against "billion laughs" documents.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = max_nodes;
    budget.max_events = (2 * text.len()).max(1_000_000);
    budget.max_depth = MAX_DEPTH;
    let options = serde_saphyr::options! { with_snippet: false, budget: Some(budget) };
    let docs: Vec<SaphyrSpanned<Value>> =
        serde_saphyr::from_str_multiple_with_options(text, options).map_err(|e| to_syntax_error(&e, text))?;
    Ok(docs.into_iter().map(Node::from).collect())
}

fn to_syntax_error(e: &serde_saphyr::Error, text: &str) -> SyntaxError {
    let location = e.location();
    let offset = location.and_then(|l| {
        let span = l.span();
        match span.byte_offset() {
            Some(b) => usize::try_from(b).ok(),
            None => line_col_to_offset(text, l.line(), l.column()),
        }
    });
    // The library's message begins with "line L column C: "; positions are rendered by sloc.
    let full = e.to_string();
    let first_line = full.lines().next().unwrap_or_default();
    let mut message = strip_location_prefix(first_line).to_string();
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    SyntaxError { message: in_words(&message), offset }
}

/// The library's messages in sloc's words where they name its own options or internals.
fn in_words(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("budget breached: ") {
        if rest.starts_with("Depth") {
            return format!("the document nests deeper than {MAX_DEPTH} levels, the most sloc reads");
        }
        let limit = rest.split(|c: char| !c.is_ascii_digit()).find(|n| !n.is_empty()).unwrap_or("?");
        let limit = limit.parse::<u64>().map_or(limit.to_string(), |n| n.saturating_sub(1).to_string());
        return format!("the document is too large once its aliases (`*name`) are expanded: more than {limit} values");
    }
    if let Some(key) = message.strip_prefix("duplicate mapping key: ") {
        let key = key.split(", set DuplicateKeyPolicy").next().unwrap_or(key);
        return format!("duplicate key `{key}` in a mapping");
    }
    message.to_string()
}

fn strip_location_prefix(message: &str) -> &str {
    let Some(rest) = message.strip_prefix("line ") else {
        return message;
    };
    match rest.find(": ") {
        Some(i) if rest[..i].chars().all(|c| c.is_ascii_digit() || c == ' ' || c.is_ascii_alphabetic()) => {
            &rest[i + 2..]
        }
        _ => message,
    }
}

fn line_col_to_offset(text: &str, line: u64, column: u64) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0usize;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let line_text = &text[start..];
    let col = usize::try_from(column.saturating_sub(1)).ok()?;
    let byte = line_text.char_indices().nth(col).map_or(line_text.len(), |(i, _)| i);
    Some(start + byte)
}

impl From<SaphyrSpanned<Value>> for Node {
    fn from(spanned: SaphyrSpanned<Value>) -> Self {
        let span = spanned.defined.span();
        let start = span.byte_offset().and_then(|b| usize::try_from(b).ok()).unwrap_or(0);
        let len = span.byte_len().and_then(|b| usize::try_from(b).ok()).unwrap_or(0);
        Node { value: spanned.value, span: start..start + len }
    }
}

/// Clamps spans to the text, trims block scalars' trailing line breaks off their spans, and
/// keeps numbers as written (`99.90`, not `99.9`).
fn fix_up(node: &mut Node, text: &str) {
    node.span.start = node.span.start.min(text.len());
    node.span.end = node.span.end.clamp(node.span.start, text.len());
    let raw = text.get(node.span.clone()).unwrap_or_default();
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|i| fix_up(i, text)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            fix_up(k, text);
            fix_up(v, text);
        }),
        Value::Number(written_as) | Value::Bool(_, written_as) => {
            // The scalar as written, when the span holds exactly one plain scalar.
            let written = raw.trim();
            if !written.is_empty() && !written.contains(|c: char| c.is_whitespace() || ",[]{}#\"'".contains(c)) {
                *written_as = written.to_string();
            }
            node.span.end = node.span.start + raw.trim_end().len();
        }
        Value::String(_) => node.span.end = node.span.start + raw.trim_end().len(),
        Value::Null => {}
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v, v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::String(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<SaphyrSpanned<Value>>()? {
            items.push(Node::from(item));
        }
        items.shrink_to_fit();
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<SaphyrSpanned<Value>, SaphyrSpanned<Value>>()? {
            entries.push((Node::from(k), Node::from(v)));
        }
        entries.shrink_to_fit();
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of<'a>(text: &'a str, node: &Node) -> &'a str {
        &text[node.span.clone()]
    }

    #[test]
    fn scalars_carry_their_source_range() {
        let text = "a: 1\nb: \"x y\"\nc: |\n  sum(x)\n  / 2\nd: [1, 2.50]\ne:\n  f: true\n";
        let docs = parse_documents(text).unwrap();
        let root = &docs[0];
        assert_eq!(text_of(text, root.get("a").unwrap()), "1");
        assert_eq!(text_of(text, root.get("b").unwrap()), "\"x y\"");
        assert_eq!(root.get("b").unwrap().as_str(), Some("x y"));
        let c = root.get("c").unwrap();
        assert_eq!(c.as_str(), Some("sum(x)\n/ 2\n"));
        assert!(text_of(text, c).contains("sum(x)"));
        let d = root.get("d").unwrap().as_seq().unwrap();
        assert_eq!(d[1].value, Value::Number("2.50".into()));
        let e = root.get("e").unwrap();
        assert!(matches!(e.get("f").unwrap().value, Value::Bool(true, _)));
        let (key, _) = &root.as_map().unwrap()[4];
        assert_eq!(text_of(text, key), "e");
    }

    #[test]
    fn multiple_documents_and_syntax_errors() {
        let docs = parse_documents("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        let err = parse_documents("a: 1\na: 2\n").unwrap_err();
        assert!(err.message.contains("duplicate"), "{err:?}");
        assert_eq!(err.offset, Some(5));
        let err = parse_documents("a: [1, 2\n").unwrap_err();
        assert!(err.offset.is_some());
    }
}

/// A value with the byte range it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Range<usize>) -> Self {
        Self { value, span }
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

/// Maps a byte offset inside a scalar's resolved value to a byte offset in the file, through
/// quotes, escapes, block indentation and folding. Characters are aligned greedily, which is
/// exact for plain and block scalars and close for quoted ones with escapes.
pub fn value_offset_to_source(text: &str, node: &Node, value_offset: usize) -> usize {
    let Some(value) = node.as_scalar_text() else {
        return node.span.start;
    };
    let raw = text.get(node.span.clone()).unwrap_or_default();
    let mut raw_pos = 0usize;
    for (value_pos, c) in value.char_indices() {
        // Look a little ahead for the same character; escapes and folding skip a few bytes.
        let mut window_end = raw.len().min(raw_pos + 16 + raw[raw_pos..].find('\n').map_or(0, |_| 64));
        while !raw.is_char_boundary(window_end) {
            window_end += 1;
        }
        let found = raw[raw_pos..window_end].find(c).map(|i| raw_pos + i);
        if value_pos >= value_offset {
            return node.span.start + found.unwrap_or(raw_pos).min(raw.len());
        }
        if let Some(at) = found {
            raw_pos = at + c.len_utf8();
        }
    }
    node.span.start + raw_pos.min(raw.len())
}

#[cfg(test)]
mod offset_tests {
    use super::*;

    #[test]
    fn offsets_map_through_scalar_styles() {
        let text = "a: sum(rate(foo))\nb: \"x \\\"q\\\" rate(foo)\"\nc: |\n  sum(x)\n    / rate(foo)\nd: >\n  sum(x)\n  / rate(foo)\n";
        let root = &parse_documents(text).unwrap()[0];
        for key in ["a", "b", "c", "d"] {
            let node = root.get(key).unwrap();
            let value = node.as_str().unwrap();
            let at = value.rfind("rate").unwrap();
            let source = value_offset_to_source(text, node, at);
            assert_eq!(&text[source..source + 4], "rate", "{key}");
        }
    }
}

/// The keys of a mapping that are not in `allowed`, each with the closest allowed key.
pub fn unknown_keys<'n>(map: &'n [(Node, Node)], allowed: &[&'static str]) -> Vec<(&'n Node, Option<&'static str>)> {
    map.iter()
        .filter_map(|(k, _)| {
            let name = k.as_scalar_text().unwrap_or_default();
            (!allowed.contains(&name)).then(|| (k, did_you_mean(name, allowed)))
        })
        .collect()
}

/// The candidate closest to `word`, if close enough to be a likely typo.
pub fn did_you_mean<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    // `-` and `_` are one to a typist: `group-by` is `group_by`, and a flag name written with
    // `_` is its `-` spelling.
    let normalize = |w: &str| w.to_ascii_lowercase().replace('-', "_");
    let normalized = normalize(word);
    candidates
        .iter()
        .map(|c| (edit_distance(&normalized, &normalize(c)), *c))
        .filter(|(d, c)| {
            let c = normalize(c);
            *d <= (c.len() / 3).max(1) + usize::from(normalized.contains(c.as_str()) || c.contains(normalized.as_str()))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != *cb)).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod suggestion_tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["name", "objective", "group_by", "sli"];
        assert_eq!(did_you_mean("objectve", &keys), Some("objective"));
        assert_eq!(did_you_mean("group-by", &keys), Some("group_by"));
        assert_eq!(did_you_mean("totally_else", &keys), None);
        let flags = ["promql-experimental-functions", "native-histograms"];
        assert_eq!(did_you_mean("promql-experimental-function", &flags), Some("promql-experimental-functions"));
        assert_eq!(did_you_mean("native_histograms", &flags), Some("native-histograms"));
    }
}

/// Maps a byte range inside a scalar's value to the file (see [`value_offset_to_source`]). The
/// result covers at least one character and never splits one.
pub fn value_range_to_source(text: &str, node: &Node, range: Range<usize>) -> Range<usize> {
    let start = value_offset_to_source(text, node, range.start);
    let last = value_offset_to_source(text, node, range.end.saturating_sub(1).max(range.start));
    let last_len = text.get(last..).and_then(|t| t.chars().next()).map_or(0, char::len_utf8);
    start..(last + last_len).max(start)
}

#[cfg(test)]
mod direct_path_tests {
    use super::*;

    fn through_serde(text: &str) -> Result<Vec<Node>, SyntaxError> {
        let mut docs = parse_documents_through_serde(text, text.len().max(250_000))?;
        docs.iter_mut().for_each(|d| fix_up(d, text));
        Ok(docs)
    }

    fn through_events(text: &str) -> Option<Vec<Node>> {
        let mut docs = events::parse_documents(text, text.len().max(250_000))?;
        docs.iter_mut().for_each(|d| fix_up(d, text));
        Some(docs)
    }

    fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                yaml_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(path);
            }
        }
    }

    /// The direct path gives the serde path's tree, span for span, on every YAML file of the
    /// repository, and is taken for most of them.
    #[test]
    fn direct_path_agrees_with_serde_on_the_repository() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["fixtures", "rules", "examples", "docs"] {
            if root.join(dir).is_dir() {
                yaml_files(&root.join(dir), &mut files);
            }
        }
        let (mut direct, mut total) = (0, 0);
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            total += 1;
            if let Some(fast) = through_events(&text) {
                direct += 1;
                assert_eq!(Ok(fast), through_serde(&text), "{}", path.display());
            }
        }
        assert!(total > 50 && direct * 10 >= total * 8, "direct path taken for {direct} of {total} files");
    }

    /// A text long enough to be scanned on one thread while built on another reads the same;
    /// broken near its end, it is left to serde, which says where.
    #[test]
    fn pipelined_direct_path_agrees_with_serde_on_a_large_file() {
        let mut text = String::from("groups:\n");
        for g in 0..3000 {
            text.push_str(&format!(
                "  - name: g{g}\n    rules:\n      - record: r:{g}\n        expr: sum(rate(x{{job=\"{g}\"}}[5m])) # c\n        labels: {{a: \"1\", b: yes, c: 0.5}}\n"
            ));
        }
        assert!(text.len() > events::PIPELINE_FROM_BYTES);
        let fast = through_events(&text).expect("the direct path reads a plain file");
        assert_eq!(Ok(fast), through_serde(&text));
        let broken = format!("{text}  - name: [unclosed\n");
        assert!(through_events(&broken).is_none());
        let err = parse_documents(&broken).unwrap_err();
        assert!(err.offset.is_some_and(|at| at >= text.len()), "{err:?}");
    }

    /// At the nesting limit both paths agree (the direct one gives up where serde does), in
    /// flow and block style. On a thread with a large stack: the serde path recurses.
    #[test]
    fn direct_path_agrees_with_serde_at_the_nesting_limit() {
        let compare = || {
            let mut direct_taken = Vec::new();
            for depth in MAX_DEPTH - 2..=MAX_DEPTH + 2 {
                let flow = format!("{}x{}\n", "[".repeat(depth), "]".repeat(depth));
                let block: String = (0..depth).map(|i| format!("{}a:\n", "  ".repeat(i))).collect::<String>()
                    + &format!("{}b: 1\n", "  ".repeat(depth));
                for text in [flow, block] {
                    let fast = through_events(&text);
                    if let Some(tree) = &fast {
                        assert_eq!(Ok(tree.clone()), through_serde(&text), "depth {depth}");
                    }
                    direct_taken.push((depth, fast.is_some()));
                }
            }
            direct_taken
        };
        let taken = std::thread::Builder::new().stack_size(256 << 20).spawn(compare).unwrap().join().unwrap();
        assert!(taken.contains(&(MAX_DEPTH - 2, true)), "{taken:?}");
        assert!(taken.iter().filter(|(d, _)| *d == MAX_DEPTH + 2).all(|(_, direct)| !direct), "{taken:?}");
    }

    /// Cases at the edge of the subset: each is read by the direct path the way serde reads it,
    /// or left to serde.
    #[test]
    fn direct_path_agrees_with_serde_at_the_edges() {
        let cases = [
            "a: 1\nb: -2\nc: +3\nd: 0\ne: 1.50\nf: 1e3\ng: 2.5E-3\n",
            "a: 0x1F\n",
            "a: 017\n",
            "a: 1_000\n",
            "a: .5\n",
            "a: .inf\nb: -.Inf\n",
            "a: .nan\n",
            "a: 1e999\n",
            "a: 99999999999999999999999\n",
            "a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: true\n",
            "a: ~\nb: null\nc:\nd: NULL\n",
            "a: 5m\nb: 28d\nc: 2xx\nd: 10.0.0.1:9090\ne: 2.1.1\nf: v1.2\n",
            "a: \"1\"\nb: '2'\nc: |\n  x\n  y\nd: >-\n  folded\n  text\n",
            "a: &x 1\nb: *x\n",
            "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n",
            "a: !!str 1\n",
            "a: 1\na: 2\n",
            "[1, 2]: x\n",
            "? a\n: 1\n",
            "---\n---\na: 1\n---\n",
            "# only a comment\n",
            "",
            "a: [1, {b: c}, \"d\"]\n# trailing\n",
            "a: 1\n  b: 2\n",
            "a: \"unterminated\n",
            "1: a\ntrue: b\n",
            "a: x # comment\nb: 'it''s'\nc: \"tab\\there\"\n",
            "a:\n- 1\n- - 2\n  - 3\n",
            "- a\n- b\n",
            "plain scalar root\n",
            "a: 0xZZ\nb: 1.\nc: inf\nd: NaN\ne: 1_0\n",
            "\u{feff}a: 1\n",
            "a: é\nb: \"日本\"\n",
        ];
        for case in cases {
            if let Some(fast) = through_events(case) {
                assert_eq!(Ok(fast), through_serde(case), "{case:?}");
            }
        }
        // The subset really is taken where it should be.
        for case in [cases[0], cases[9], cases[10], cases[11], cases[12], cases[22], cases[27]] {
            assert!(through_events(case).is_some(), "{case:?} left the direct path");
        }
        // And left where the serde path has the last word.
        for case in [cases[1], cases[2], cases[13], cases[14], cases[15], cases[16], cases[23], cases[24]] {
            assert!(through_events(case).is_none(), "{case:?} took the direct path");
        }
    }
}
