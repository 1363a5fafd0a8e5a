//! Grafana's display processor for one field (`field/displayProcessor.ts`): a value mapping first,
//! else the colour of the field's colour mode, and the value formatted with its unit and decimals.
//! Every series brings its own config (the panel's defaults with its overrides applied), so an
//! override's unit, decimals, min/max, colour, thresholds or mappings change that series alone.
//!
//! The state word ("✖ CRIT") comes only with a colour that stands for a state: a threshold step's
//! or a mapping's. A palette, fixed or continuous colour carries no state word.

use super::super::color;
use super::super::theme::{self, parse_color, Rgb, State};
use super::super::{format_value, ChartKind, ChartSpec};
use crate::dashboard::field::{ColorMode, FieldConfig};
use crate::dashboard::{ThresholdStep, Thresholds, ValueMapping};

/// How one value is shown.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shown {
    pub color: Rgb,
    pub text: String,
    /// The state its colour stands for (threshold or mapping colours only).
    pub state: Option<State>,
    /// No value: grey, never green.
    pub missing: bool,
}

/// One field's display settings: its config with the panel's values filled in.
#[derive(Debug, Clone)]
pub(crate) struct Look {
    pub unit: String,
    pub decimals: Option<u32>,
    pub thresholds: Thresholds,
    pub mappings: Vec<ValueMapping>,
    pub mode: ColorMode,
    pub fixed: Option<String>,
    pub no_value: String,
    /// The field's range: its min/max, else the data's (Grafana's `calculateRange`).
    pub lo: f64,
    pub hi: f64,
    /// Series index, for palette colours.
    pub index: usize,
    /// The field's display name, for `palette-classic-by-name`.
    pub name: String,
}

/// The colour mode a kind uses when the field sets none (each plugin's default).
pub(crate) fn default_mode(kind: &ChartKind) -> ColorMode {
    match kind {
        ChartKind::TimeSeries | ChartKind::PieChart | ChartKind::BarChart => {
            ColorMode::PaletteClassic
        }
        ChartKind::StateTimeline | ChartKind::StatusHistory => {
            ColorMode::Continuous("GrYlRd".into())
        }
        _ => ColorMode::Thresholds,
    }
}

/// The smallest and largest finite value over every point of every series (`None` when empty).
pub(crate) fn data_range(spec: &ChartSpec) -> Option<(f64, f64)> {
    let mut it = spec
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .filter(|v| v.is_finite());
    let first = it.next()?;
    Some(it.fold((first, first), |(a, b), v| (a.min(v), b.max(v))))
}

impl Look {
    /// The look of a field with config `cfg` (series number `index`) in panel `spec`; `data` is
    /// [`data_range`], computed once per panel.
    pub fn new(
        spec: &ChartSpec,
        cfg: &FieldConfig,
        index: usize,
        data: Option<(f64, f64)>,
    ) -> Look {
        let thresholds = cfg.thresholds.clone().unwrap_or_else(|| Thresholds {
            percentage: spec.thresholds_percentage,
            steps: spec
                .thresholds
                .iter()
                .map(|t| ThresholdStep {
                    value: t.value,
                    color: t.color.clone(),
                })
                .collect(),
        });
        let min = cfg.min.or(spec.min).filter(|v| v.is_finite());
        let max = cfg.max.or(spec.max).filter(|v| v.is_finite());
        let (dlo, dhi) = data.unwrap_or((0.0, 100.0));
        let (lo, hi) = (min.unwrap_or(dlo), max.unwrap_or(dhi));
        Look {
            unit: cfg.unit.clone().unwrap_or_else(|| spec.unit.clone()),
            decimals: cfg.decimals.or(spec.decimals),
            thresholds,
            mappings: cfg
                .mappings
                .clone()
                .unwrap_or_else(|| spec.mappings.clone()),
            mode: cfg
                .color
                .as_ref()
                .map(|c| c.mode.clone())
                .unwrap_or_else(|| default_mode(&spec.kind)),
            fixed: cfg.color.as_ref().and_then(|c| c.fixed.clone()),
            no_value: cfg
                .no_value
                .as_deref()
                .or(spec.no_value.as_deref())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or("No data")
                .to_string(),
            lo,
            hi,
            index,
            name: String::new(),
        }
    }

    /// The same look for the field named `name` (what `palette-classic-by-name` hashes).
    pub fn named(mut self, name: &str) -> Look {
        self.name = name.to_string();
        self
    }

    /// Where `v` sits in the field's range, 0..=1 (0 when the range is empty, as in Grafana).
    pub fn fraction(&self, v: f64) -> f64 {
        let f = (v - self.lo) / (self.hi - self.lo);
        if f.is_finite() {
            f.clamp(0.0, 1.0)
        } else if f == f64::INFINITY {
            1.0
        } else {
            0.0
        }
    }

    /// The active threshold step of `v` (percentage mode uses the field's range).
    pub fn step(&self, v: f64) -> Option<&ThresholdStep> {
        if v.is_nan() {
            return None;
        }
        let x = if self.thresholds.percentage {
            let f = (v - self.lo) / (self.hi - self.lo) * 100.0;
            if f.is_finite() {
                f
            } else {
                0.0
            }
        } else {
            v
        };
        self.thresholds
            .steps
            .iter()
            .rev()
            .find(|s| s.value.is_none_or(|t| !t.is_nan() && x >= t))
    }

    /// The value of a step's start in the field's units (percentage steps scaled to the range).
    pub fn step_value(&self, s: &ThresholdStep) -> f64 {
        match s.value {
            None => f64::NEG_INFINITY,
            Some(t) if self.thresholds.percentage => self.lo + (self.hi - self.lo) * t / 100.0,
            Some(t) => t,
        }
    }

    /// The colour of `v` by the colour mode, and the state it stands for (thresholds only).
    pub fn color(&self, v: f64) -> (Rgb, Option<State>) {
        match &self.mode {
            ColorMode::Thresholds => match self.step(v) {
                Some(s) => match parse_color(&s.color) {
                    Some(p) if !p.transparent => (p.rgb, p.state),
                    _ => (theme::TEXT, None),
                },
                None => (theme::INFO, None),
            },
            ColorMode::Fixed | ColorMode::Shades => {
                let base = self
                    .fixed
                    .as_deref()
                    .and_then(parse_color)
                    .filter(|p| !p.transparent)
                    .map(|p| p.rgb)
                    .unwrap_or(color::FALLBACK);
                let c = if matches!(self.mode, ColorMode::Shades) {
                    color::shade(base, self.index)
                } else {
                    base
                };
                (c, None)
            }
            // The palettes and continuous schemes are Grafana's own, the same as time series'.
            mode => (
                color::palette_color(mode, self.index, &self.name, self.fraction(v))
                    .unwrap_or_else(|| color::classic(self.index)),
                None,
            ),
        }
    }

    /// How `v` is shown (`None` or NaN: no value).
    pub fn show(&self, v: Option<f64>) -> Shown {
        let v = v.filter(|x| !x.is_nan());
        let mut shown = match v {
            Some(x) => {
                let (color, state) = self.color(x);
                Shown {
                    color,
                    text: format_value(x, &self.unit, self.decimals),
                    state,
                    missing: false,
                }
            }
            None => Shown {
                color: theme::NO_DATA,
                text: self.no_value.clone(),
                state: Some(State::NoData),
                missing: true,
            },
        };
        if let Some(m) = ValueMapping::find(&self.mappings, v) {
            if let Some(t) = &m.text {
                shown.text = t.clone();
            }
            if let Some(c) = m.color.as_deref().and_then(parse_color) {
                if !c.transparent {
                    shown.color = c.rgb;
                    shown.state = c.state.or(shown.state);
                    shown.missing = false;
                }
            }
        }
        shown
    }

    /// Threshold steps as (from, to, colour) bands inside the field's range.
    pub fn bands(&self) -> Vec<(f64, f64, Rgb)> {
        let (lo, hi) = (self.lo, self.hi);
        let mut steps: Vec<(f64, Rgb)> = self
            .thresholds
            .steps
            .iter()
            .filter(|s| !s.value.is_some_and(f64::is_nan))
            .filter_map(|s| {
                let c = parse_color(&s.color).filter(|p| !p.transparent)?;
                Some((self.step_value(s), c.rgb))
            })
            .collect();
        steps.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut out = Vec::new();
        for (i, (start, c)) in steps.iter().enumerate() {
            let end = steps.get(i + 1).map(|s| s.0).unwrap_or(f64::INFINITY);
            let (a, b) = (start.max(lo), end.min(hi));
            if b > a {
                out.push((a, b, *c));
            }
        }
        out
    }
}
