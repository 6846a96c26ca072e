//! Range answers read without holding what was not asked for: each series keeps only the
//! points of the requested grid (`start`, `start + step`, …, `end`), at most one per step, so
//! the memory of an answer is bounded by the period and the step, whatever the server sends.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The points a range query asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    pub start: f64,
    pub end: f64,
    pub step: f64,
}

impl Grid {
    /// Whether `t` is one of the grid's points (to the millisecond Prometheus keeps).
    fn holds(&self, t: f64) -> bool {
        if !(t.is_finite() && t >= self.start - 1e-3 && t <= self.end + 1e-3 && self.step > 0.0) {
            return false;
        }
        let k = ((t - self.start) / self.step).round();
        (self.start + k * self.step - t).abs() < 1e-3
    }

    fn points(&self) -> usize {
        if self.step > 0.0 && self.end >= self.start { ((self.end - self.start) / self.step) as usize + 1 } else { 0 }
    }
}

/// The result of a range answer: its series, labels as sent.
pub(crate) struct SeriesList(pub Option<Grid>);

type RawSeries = (BTreeMap<String, String>, Vec<(f64, f64)>);

impl<'de> DeserializeSeed<'de> for SeriesList {
    type Value = Vec<RawSeries>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SeriesList {
    type Value = Vec<RawSeries>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of series")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(series) = seq.next_element_seed(OneSeries(self.0))? {
            out.push(series);
        }
        Ok(out)
    }
}

struct OneSeries(Option<Grid>);

impl<'de> DeserializeSeed<'de> for OneSeries {
    type Value = RawSeries;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneSeries {
    type Value = RawSeries;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a series with `metric` and `values`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut labels, mut points) = (BTreeMap::new(), Vec::new());
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "metric" => labels = map.next_value()?,
                "values" => points = map.next_value_seed(Points(self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((labels, points))
    }
}

struct Points(Option<Grid>);

impl<'de> DeserializeSeed<'de> for Points {
    type Value = Vec<(f64, f64)>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Points {
    type Value = Vec<(f64, f64)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of [time, \"value\"] points")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let most = self.0.map_or(usize::MAX, |g| g.points());
        let mut out = Vec::new();
        while let Some((t, v)) = seq.next_element::<(f64, std::borrow::Cow<'de, str>)>()? {
            if out.len() < most && self.0.is_none_or(|g| g.holds(t)) {
                out.push((t, crate::parse_value(&v)));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_grid_is_kept_and_at_most_one_point_per_step() {
        let grid = Grid { start: 100.0, end: 400.0, step: 100.0 };
        let body = r#"[{"metric":{"a":"b"},"values":[[100,"1"],[150,"9"],[200,"2"],[1e300,"9"],[-1e300,"9"],[300,"3"],[400,"4"],[400,"5"],[500,"9"]]}]"#;
        let series = SeriesList(Some(grid)).deserialize(&mut serde_json::Deserializer::from_str(body)).unwrap();
        assert_eq!(series[0].1, [(100.0, 1.0), (200.0, 2.0), (300.0, 3.0), (400.0, 4.0)]);
        assert_eq!(series[0].0["a"], "b");
        // Without a grid (the fuzz target's), every point.
        let all = SeriesList(None).deserialize(&mut serde_json::Deserializer::from_str(body)).unwrap();
        assert_eq!(all[0].1.len(), 9);
    }
}
