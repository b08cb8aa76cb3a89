//! A `WHERE` built from optional conditions (the admin order table, a
//! text's audience): each condition names its placeholder by number as its
//! value is added, so the SQL and its binds cannot drift apart, on either
//! engine (`$n` works for both through sqlx's `Any` driver).

/// A value bound to a built query.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// Conditions joined by `AND`, with their binds numbered from `$1`.
#[derive(Debug, Default)]
pub struct Where {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    /// Adds a value and answers its placeholder's number.
    pub fn arg(&mut self, bind: Bind) -> usize {
        self.binds.push(bind);
        self.binds.len()
    }

    /// Adds a condition on one value (`clause` gets its number).
    pub fn push(&mut self, clause: impl FnOnce(usize) -> String, bind: Bind) {
        let n = self.arg(bind);
        self.clauses.push(clause(n));
    }

    /// Adds a condition whose values were added with [`Where::arg`] (or
    /// that has none).
    pub fn clause(&mut self, clause: impl Into<String>) {
        self.clauses.push(clause.into());
    }

    /// How many values are bound (the next placeholder is one more).
    pub fn args(&self) -> usize {
        self.binds.len()
    }

    /// The conditions (`1 = 1` when there are none).
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1 = 1".to_owned()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// Binds the values, in order, to `q`.
    pub fn bind<'q>(
        &'q self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for b in &self.binds {
            q = match b {
                Bind::Text(t) => q.bind(t.as_str()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_values() {
        let mut w = Where::default();
        assert_eq!(w.sql(), "1 = 1");
        w.clause("u.deleted_at IS NULL");
        w.push(|n| format!("a = ${n}"), Bind::Int(1));
        let (x, y) = (w.arg(Bind::Text("x".into())), w.arg(Bind::Text("y".into())));
        w.clause(format!("b IN (${x}, ${y})"));
        assert_eq!(w.sql(), "u.deleted_at IS NULL AND a = $1 AND b IN ($2, $3)");
        assert_eq!(w.args(), 3);
    }
}
