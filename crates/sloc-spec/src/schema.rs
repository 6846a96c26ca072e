//! Schema-only types: how values that sloc parses itself look to a JSON Schema reader.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

/// A Prometheus duration such as `5m`, `1h30m`, `30d`.
pub(crate) struct DurationText;

impl JsonSchema for DurationText {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^([0-9]+(y|w|d|h|m|s|ms))+$",
            "description": "A Prometheus duration: 30s, 5m, 1h30m, 7d, 4w.",
        })
    }
}

/// An objective in percent: a number or a string such as `"99.9%"`.
pub(crate) struct ObjectiveText;

impl JsonSchema for ObjectiveText {
    fn schema_name() -> Cow<'static, str> {
        "Objective".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Percent of good events, strictly between 0 and 100: 99.9, \"99.9%\", 95.",
            "oneOf": [
                {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100},
                {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?%?$"},
            ],
        })
    }
}

/// A rate of events: `20/h`, `5/m`, `0.5/s`, `400/d`.
pub(crate) struct TrafficText;

impl JsonSchema for TrafficText {
    fn schema_name() -> Cow<'static, str> {
        "Traffic".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?/(s|m|h|d)$",
            "description": "Events per second, minute, hour or day: 20/h, 5/m.",
        })
    }
}
