//! The direct path: a [`Node`] tree built from the YAML parser's events, for documents in the
//! plain subset that rule files and specs are written in (block and flow collections, scalars of
//! any style, comments). Anything outside it (anchors, aliases, tags, merge keys, duplicate keys,
//! complex keys, a scalar whose type is not obvious, a syntax error) answers `None`, and the
//! caller reads the text through `serde-saphyr`, which has the last word on every such case.
//!
//! Why: through serde, every node's span is itself deserialized as a map, and reading a
//! 10,000-rule file spent three times as long in that layer as in the parser.

use granit_parser::{Event, ParseResult, Parser, ScalarStyle, Span};

use crate::{Node, Value};

/// The same nesting limit the serde path enforces (`Budget::max_depth`).
use crate::MAX_DEPTH;

/// A mapping above this many entries checks duplicate keys with a hash set.
const LINEAR_KEY_SCAN: usize = 16;

/// Texts at least this long are scanned on one thread while the tree is built on another.
pub(crate) const PIPELINE_FROM_BYTES: usize = 256 * 1024;

/// Events handed from the scanning thread to the building one at a time.
const EVENT_BATCH: usize = 4096;

enum Frame {
    Seq {
        start: std::ops::Range<usize>,
        items: Vec<Node>,
    },
    Map {
        start: std::ops::Range<usize>,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        seen: Option<std::collections::HashSet<String>>,
    },
}

/// Every document of `text`, or `None` when the text is outside the plain subset. Spans are as
/// the parser gives them; `fix_up` (shared with the serde path) trims them.
pub(crate) fn parse_documents(text: &str, max_nodes: usize) -> Option<Vec<Node>> {
    let mut parser = Parser::new_from_str(text);
    if text.len() < PIPELINE_FROM_BYTES {
        return build(std::iter::from_fn(|| parser.next_event()), max_nodes);
    }
    // Scanning is most of the work: it runs ahead on another core. The channel is bounded, and
    // the scanner stops as soon as the builder gives up and drops its end.
    std::thread::scope(|scope| {
        let (batches, received) = std::sync::mpsc::sync_channel::<Vec<ParseResult<'_>>>(4);
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(EVENT_BATCH);
            while let Some(event) = parser.next_event() {
                let failed = event.is_err();
                batch.push(event);
                if (batch.len() == EVENT_BATCH || failed)
                    && batches.send(std::mem::replace(&mut batch, Vec::with_capacity(EVENT_BATCH))).is_err()
                {
                    return;
                }
                if failed {
                    return;
                }
            }
            let _ = batches.send(batch);
        });
        build(received.into_iter().flatten(), max_nodes)
    })
}

/// The tree of a stream of events, or `None` when it leaves the plain subset.
fn build<'t>(events: impl Iterator<Item = ParseResult<'t>>, max_nodes: usize) -> Option<Vec<Node>> {
    let mut documents = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut nodes = 0usize;
    for next in events {
        let (event, span) = next.ok()?;
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(..) | Event::DocumentEnd => continue,
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                scalar(value.into_owned(), style, span)?
            }
            Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag)
                if anchor != 0 || tag.is_some() =>
            {
                return None;
            }
            Event::SequenceStart(..) => {
                stack.push(Frame::Seq { start: offset(&span.start)?..offset(&span.end)?, items: Vec::new() });
                if stack.len() > MAX_DEPTH {
                    return None;
                }
                continue;
            }
            Event::MappingStart(..) => {
                stack.push(Frame::Map {
                    start: offset(&span.start)?..offset(&span.end)?,
                    entries: Vec::new(),
                    key: None,
                    seen: None,
                });
                if stack.len() > MAX_DEPTH {
                    return None;
                }
                continue;
            }
            // A collection's span is its opening token (empty for a block collection), as on the
            // serde path.
            Event::SequenceEnd => match stack.pop()? {
                Frame::Seq { start, mut items } => {
                    items.shrink_to_fit();
                    Node { value: Value::Seq(items), span: start }
                }
                Frame::Map { .. } => return None,
            },
            Event::MappingEnd => match stack.pop()? {
                Frame::Map { start, mut entries, key: None, .. } => {
                    entries.shrink_to_fit();
                    Node { value: Value::Map(entries), span: start }
                }
                _ => return None,
            },
            // Aliases, anchors and anything a newer parser emits.
            _ => return None,
        };
        nodes += 1;
        if nodes > max_nodes {
            return None;
        }
        match stack.last_mut() {
            None => match node.value {
                // An empty document.
                Value::Null if node.span.is_empty() => {}
                Value::Seq(_) | Value::Map(_) => documents.push(node),
                _ => return None,
            },
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, seen, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => {
                    let text = node.as_scalar_text()?;
                    if repeated(entries, seen, text) {
                        return None;
                    }
                    *key = Some(node);
                }
            },
        }
    }
    stack.is_empty().then_some(documents)
}

/// Whether a key is already in the mapping (then the serde path reports it).
fn repeated(entries: &[(Node, Node)], seen: &mut Option<std::collections::HashSet<String>>, key: &str) -> bool {
    if entries.len() < LINEAR_KEY_SCAN {
        return entries.iter().any(|(k, _)| k.as_scalar_text() == Some(key));
    }
    let seen =
        seen.get_or_insert_with(|| entries.iter().filter_map(|(k, _)| k.as_scalar_text()).map(String::from).collect());
    !seen.insert(key.to_string())
}

fn offset(marker: &granit_parser::Marker) -> Option<usize> {
    marker.byte_offset()
}

/// A scalar resolved as the serde path resolves it, or `None` when its type is not plain to see.
fn scalar(text: String, style: ScalarStyle, span: Span) -> Option<Node> {
    let span = offset(&span.start)?..offset(&span.end)?;
    if style != ScalarStyle::Plain {
        return Some(Node { value: Value::String(text), span });
    }
    let value = match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        // A merge key.
        "<<" => return None,
        t if yaml11_bool(t).is_some() => Value::Bool(yaml11_bool(t)?, text),
        t if is_plain_number(t) => Value::Number(text),
        t if maybe_number(t) => return None,
        _ => Value::String(text),
    };
    Some(Node { value, span })
}

/// YAML 1.1 booleans, as the serde path reads them (the "Norway problem" included).
fn yaml11_bool(t: &str) -> Option<bool> {
    let is = |w: &str| t.eq_ignore_ascii_case(w);
    if is("true") || is("yes") || is("y") || is("on") {
        Some(true)
    } else if is("false") || is("no") || is("n") || is("off") {
        Some(false)
    } else {
        None
    }
}

/// `12`, `-3`, `+0.25`, `1.5e-3`: a decimal without leading zeros that is a finite float.
fn is_plain_number(t: &str) -> bool {
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(i) => (&digits[..i], Some(&digits[i + 1..])),
        None => (digits, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole)
        && (whole == "0" || !whole.starts_with('0'))
        && fraction.is_none_or(all_digits)
        && exponent.is_none_or(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
        && t.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A plain scalar that the serde path might read as a number (`0x1F`, `1_000`, `.5`, `.inf`,
/// `017`, `1e999`), so the direct path leaves it to that one. Words that only start with a digit
/// (`5m`, `28d`, `2xx`, `2.1.1`) are strings either way.
fn maybe_number(t: &str) -> bool {
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = unsigned.to_ascii_lowercase();
    let radix = ["0x", "0o", "0b"].iter().any(|p| lower.starts_with(p));
    let digits_and_underscores =
        unsigned.starts_with(|c: char| c.is_ascii_digit()) && unsigned.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    matches!(lower.as_str(), ".inf" | ".nan") || radix || digits_and_underscores || t.parse::<f64>().is_ok()
}
