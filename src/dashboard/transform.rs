//! Grafana's data transformations (`panel.transformations`) as the engine's model. Parsed in
//! `parse/transform.rs`, applied to table frames by the chart (`chart/panels/table/transform.rs`).
//! A transformation Watchdesk does not apply is reported and left out, so the panel shows the
//! data without it instead of something made up.

/// One transformation, in the order the panel lists them.
#[derive(Debug, Clone, PartialEq)]
pub enum Transformation {
    /// `organize`: drop, then reorder, then rename fields (all by their original name).
    Organize {
        exclude: Vec<String>,
        /// (name, index): fields with an index first, in index order; the rest after, as they were.
        index: Vec<(String, i64)>,
        rename: Vec<(String, String)>,
    },
    /// `merge`: every frame into one table; rows that agree on the shared columns become one.
    Merge,
    /// `joinByField` (and the old `seriesToColumns`): frames joined on one field (`Time` by default).
    JoinByField { field: Option<String>, inner: bool },
    /// `reduce`: each field reduced by each reducer.
    Reduce {
        reducers: Vec<String>,
        /// `reduceFields` (each frame keeps its fields, one row) instead of `seriesToRows`.
        reduce_fields: bool,
        include_time: bool,
        labels_to_fields: bool,
    },
    /// `labelsToFields`: labels become columns (or `label`/`value` rows).
    LabelsToFields {
        rows: bool,
        /// Only these labels (all when `None`).
        keep: Option<Vec<String>>,
        /// This label's value names the value field.
        value_label: Option<String>,
    },
    /// `seriesToRows`: `Time`, `Metric`, `Value`, newest first.
    SeriesToRows,
    /// `filterFieldsByName`.
    FilterFieldsByName {
        include_names: Vec<String>,
        include_pattern: Option<String>,
        exclude_names: Vec<String>,
        exclude_pattern: Option<String>,
    },
    /// `calculateField`: a new field from others.
    CalculateField {
        alias: Option<String>,
        /// Only the time field and the new one are kept.
        replace: bool,
        calc: Calc,
    },
    /// `groupBy`: rows grouped by the `groupby` fields, the others aggregated.
    GroupBy { fields: Vec<(String, GroupField)> },
    /// `sortBy`: rows sorted by one field.
    SortBy { field: String, desc: bool },
}

/// What `calculateField` computes.
#[derive(Debug, Clone, PartialEq)]
pub enum Calc {
    /// A reducer over the numeric fields of each row (`include`: only these).
    ReduceRow {
        reducer: String,
        include: Option<Vec<String>>,
    },
    /// `left <op> right`; op is one of `+ - * / % ^`.
    Binary {
        left: Operand,
        op: String,
        right: Operand,
    },
    /// The row number (0-based), or its percentile.
    Index { percentile: bool },
    /// `abs`, `exp`, `ln`, `floor`, `ceil` of one field.
    Unary { op: String, field: String },
    /// `cumulativeFunctions`: running `sum` or `mean` of one field.
    Cumulative { reducer: String, field: String },
}

/// A side of a binary calculation.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Field(String),
    Fixed(f64),
}

impl Operand {
    /// How Grafana names it in a default alias.
    pub fn label(&self) -> String {
        match self {
            Operand::Field(n) => n.replace('$', ""),
            Operand::Fixed(v) => v.to_string(),
        }
    }
}

/// One field of a `groupBy`.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupField {
    GroupBy,
    Aggregate(Vec<String>),
}
