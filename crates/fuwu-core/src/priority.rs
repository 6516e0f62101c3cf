//! Impact, urgency and the ITIL priority matrix (admin-editable).

use crate::records::Priority;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How widely the customer's business is affected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// 全局/重大: the whole business stops — the highest impact makes a major incident.
    Extensive,
    /// 严重: an important system or many users.
    Significant,
    /// 一般: one system, a workaround exists.
    Moderate,
    /// 轻微: one user or a cosmetic fault.
    Minor,
}

/// How fast the customer needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Critical,
    High,
    Medium,
    Low,
}

impl Impact {
    pub const ALL: [Impact; 4] = [Impact::Extensive, Impact::Significant, Impact::Moderate, Impact::Minor];
    fn index(self) -> usize {
        self as usize
    }
    /// The highest impact level marks a major incident (重大事件).
    pub fn is_major(self) -> bool {
        self == Impact::Extensive
    }
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [Urgency::Critical, Urgency::High, Urgency::Medium, Urgency::Low];
    fn index(self) -> usize {
        self as usize
    }
}

/// The matrix: `rows[impact][urgency]`, impacts and urgencies from highest to lowest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityMatrix {
    pub rows: [[Priority; 4]; 4],
}

impl Default for PriorityMatrix {
    fn default() -> Self {
        use Priority::*;
        PriorityMatrix { rows: [[P1, P1, P2, P2], [P1, P2, P2, P3], [P2, P3, P3, P4], [P3, P3, P4, P4]] }
    }
}

impl PriorityMatrix {
    pub fn priority(&self, impact: Impact, urgency: Urgency) -> Priority {
        self.rows[impact.index()][urgency.index()]
    }

    /// A matrix must never rank a lower impact or urgency above a higher one.
    pub fn check(&self) -> Result<(), crate::FieldErrors> {
        let mut e = crate::FieldErrors::new();
        for i in 0..4 {
            for u in 0..4 {
                if i > 0 && self.rows[i][u] < self.rows[i - 1][u] {
                    e.add(format!("rows[{i}][{u}]"), "not_monotonic", "a lower impact cannot have a higher priority");
                }
                if u > 0 && self.rows[i][u] < self.rows[i][u - 1] {
                    e.add(format!("rows[{i}][{u}]"), "not_monotonic", "a lower urgency cannot have a higher priority");
                }
            }
        }
        e.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_matrix_is_itil_shaped() {
        let m = PriorityMatrix::default();
        assert_eq!(m.priority(Impact::Extensive, Urgency::Critical), Priority::P1);
        assert_eq!(m.priority(Impact::Minor, Urgency::Low), Priority::P4);
        assert_eq!(m.priority(Impact::Moderate, Urgency::High), Priority::P3);
        m.check().unwrap();
        let mut bad = m.clone();
        bad.rows[3][0] = Priority::P1;
        bad.rows[2][0] = Priority::P4;
        assert!(bad.check().is_err());
        assert!(Impact::Extensive.is_major() && !Impact::Significant.is_major());
    }
}
