//! How each record is stored: its table, columns, references, unique keys,
//! search, sort and filter columns, and how it links to a customer (which
//! decides who may see it). The generic code in [`crate::crud`] and the app's
//! record service read these descriptions; nothing else names these columns.

/// The stored kind of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    /// BIGINT 0/1.
    Bool,
    /// JSON text (lists and nested values).
    Json,
}

/// What a column refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ref {
    /// The entity referred to (a [`TableDef::entity`]).
    pub entity: &'static str,
    /// The referred record must belong to the same customer as this one.
    pub same_customer: bool,
    /// The column holds a JSON list of ids.
    pub many: bool,
}

/// A column of a record.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    pub kind: Kind,
    pub refs: Option<Ref>,
}

const fn c(name: &'static str, kind: Kind) -> Col {
    Col { name, kind, refs: None }
}
const fn r(name: &'static str, entity: &'static str) -> Col {
    Col { name, kind: Kind::Int, refs: Some(Ref { entity, same_customer: false, many: false }) }
}
/// A reference to a record of the same customer.
const fn rc(name: &'static str, entity: &'static str) -> Col {
    Col { name, kind: Kind::Int, refs: Some(Ref { entity, same_customer: true, many: false }) }
}
/// A JSON list of references to records of the same customer.
const fn rl(name: &'static str, entity: &'static str) -> Col {
    Col { name, kind: Kind::Json, refs: Some(Ref { entity, same_customer: true, many: true }) }
}

/// How a record relates to a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The record is a customer.
    Itself,
    /// The record's `customer_id`.
    Column,
    /// An organisation record: no customer.
    None,
}

/// Who may read and write a kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Organisation records: read with `ReadOrg`, write with `ManageOrg`.
    Org,
    /// Customer-side records: read within scope, write with `WriteCustomers`.
    Customer,
    /// The service-level catalogue: read with `ReadLevels`, write with `ManageLevels`.
    Levels,
    /// Users: read with `ReadUsers`, write with `ManageUsers`.
    Users,
    /// Event records: read and written only through the flow (app::events).
    Events,
}

/// The description of one kind of record.
#[derive(Debug)]
pub struct TableDef {
    /// Singular name used in errors, audit rows and URLs' documentation.
    pub entity: &'static str,
    pub table: &'static str,
    pub cols: &'static [Col],
    /// Columns `q` searches in.
    pub search: &'static [&'static str],
    /// Columns the list may sort by (besides `id`, `created_at`, `updated_at`).
    pub sortable: &'static [&'static str],
    /// Columns the list may filter on by equality.
    pub filters: &'static [&'static str],
    /// Unique keys: the columns, and the field named when one is taken.
    pub uniques: &'static [(&'static [&'static str], &'static str)],
    pub link: Link,
    pub policy: Policy,
}

impl TableDef {
    pub fn col(&self, name: &str) -> Option<&Col> {
        self.cols.iter().find(|c| c.name == name)
    }

    pub fn has_customer(&self) -> bool {
        self.link == Link::Column
    }
}

use Kind::*;

pub static BRANCH: TableDef = TableDef {
    entity: "branch",
    table: "branches",
    cols: &[
        c("name", Text),
        c("city_code", Text),
        c("covered_city_codes", Json),
        c("address", Text),
        c("phone", Text),
        c("active", Bool),
    ],
    search: &["name"],
    sortable: &["name", "city_code"],
    filters: &["city_code", "active"],
    uniques: &[(&["name"], "name")],
    link: Link::None,
    policy: Policy::Org,
};

pub static TEAM: TableDef = TableDef {
    entity: "team",
    table: "teams",
    cols: &[c("name", Text), c("kind", Text), r("branch_id", "branch"), r("lead_user_id", "user"), c("active", Bool)],
    search: &["name"],
    sortable: &["name", "kind"],
    filters: &["kind", "branch_id", "active"],
    uniques: &[(&["name"], "name")],
    link: Link::None,
    policy: Policy::Org,
};

pub static PARTNER: TableDef = TableDef {
    entity: "partner",
    table: "partners",
    cols: &[
        c("name", Text),
        c("city_codes", Json),
        c("contact_name", Text),
        c("phone", Text),
        c("email", Text),
        c("active", Bool),
    ],
    search: &["name", "city_codes"],
    sortable: &["name"],
    filters: &["active"],
    uniques: &[(&["name"], "name")],
    link: Link::None,
    policy: Policy::Org,
};

pub static USER: TableDef = TableDef {
    entity: "user",
    table: "users",
    cols: &[
        c("login", Text),
        c("name", Text),
        c("role", Text),
        c("email", Text),
        c("phone", Text),
        c("language", Text),
        c("time_zone", Text),
        c("tier", Text),
        r("team_id", "team"),
        r("branch_id", "branch"),
        r("partner_id", "partner"),
        r("contact_id", "contact"),
        c("skills", Json),
        c("active", Bool),
    ],
    search: &["login", "name", "skills"],
    sortable: &["login", "name", "role"],
    filters: &["role", "tier", "team_id", "branch_id", "partner_id", "active"],
    uniques: &[(&["login"], "login")],
    link: Link::None,
    policy: Policy::Users,
};

pub static CUSTOMER: TableDef = TableDef {
    entity: "customer",
    table: "customers",
    cols: &[c("name", Text), c("short_name", Text), c("industry", Text), c("notes", Text), c("active", Bool)],
    search: &["name", "short_name"],
    sortable: &["name", "industry"],
    filters: &["industry", "active"],
    uniques: &[(&["name"], "name")],
    link: Link::Itself,
    policy: Policy::Customer,
};

pub static SITE: TableDef = TableDef {
    entity: "site",
    table: "sites",
    cols: &[r("customer_id", "customer"), c("name", Text), c("city_code", Text), c("address", Text)],
    search: &["name", "address"],
    sortable: &["name", "city_code"],
    filters: &["customer_id", "city_code"],
    uniques: &[],
    link: Link::Column,
    policy: Policy::Customer,
};

pub static CONTACT: TableDef = TableDef {
    entity: "contact",
    table: "contacts",
    cols: &[
        r("customer_id", "customer"),
        rc("site_id", "site"),
        c("name", Text),
        c("title", Text),
        c("phones", Json),
        c("emails", Json),
        c("notes", Text),
    ],
    search: &["name", "phones", "emails"],
    sortable: &["name"],
    filters: &["customer_id", "site_id"],
    uniques: &[],
    link: Link::Column,
    policy: Policy::Customer,
};

pub static PROJECT: TableDef = TableDef {
    entity: "project",
    table: "projects",
    cols: &[
        r("customer_id", "customer"),
        c("name", Text),
        c("code", Text),
        rc("site_id", "site"),
        r("dedicated_team_id", "team"),
        r("implementation_engineer_id", "user"),
        r("partner_id", "partner"),
        c("go_live_date", Text),
        c("notes", Text),
    ],
    search: &["name", "code"],
    sortable: &["name", "code", "go_live_date"],
    filters: &["customer_id", "dedicated_team_id", "implementation_engineer_id", "partner_id"],
    uniques: &[(&["code"], "code")],
    link: Link::Column,
    policy: Policy::Customer,
};

pub static ASSET: TableDef = TableDef {
    entity: "asset",
    table: "assets",
    cols: &[
        r("customer_id", "customer"),
        rc("project_id", "project"),
        rc("site_id", "site"),
        c("product_model", Text),
        c("serial_number", Text),
        c("hardware_version", Text),
        c("software_version", Text),
        c("config_notes", Text),
        c("installed_date", Text),
    ],
    search: &["serial_number", "product_model"],
    sortable: &["serial_number", "product_model", "installed_date"],
    filters: &["customer_id", "project_id", "site_id", "product_model"],
    uniques: &[(&["product_model", "serial_number"], "serial_number")],
    link: Link::Column,
    policy: Policy::Customer,
};

pub static SERVICE_LEVEL: TableDef = TableDef {
    entity: "service_level",
    table: "service_levels",
    cols: &[
        c("code", Text),
        c("name", Text),
        c("coverage", Text),
        c("onsite_included", Bool),
        c("targets", Json),
        c("quotas", Json),
        c("calendar", Text),
        c("active", Bool),
    ],
    search: &["code", "name"],
    sortable: &["code", "name"],
    filters: &["coverage", "active"],
    uniques: &[(&["code"], "code")],
    link: Link::None,
    policy: Policy::Levels,
};

pub static CONTRACT: TableDef = TableDef {
    entity: "contract",
    table: "contracts",
    cols: &[
        c("number", Text),
        r("customer_id", "customer"),
        r("service_level_id", "service_level"),
        c("start_date", Text),
        c("end_date", Text),
        rl("covered_project_ids", "project"),
        rl("covered_asset_ids", "asset"),
        c("quota_overrides", Json),
        c("notes", Text),
    ],
    search: &["number"],
    sortable: &["number", "start_date", "end_date"],
    filters: &["customer_id", "service_level_id"],
    uniques: &[(&["number"], "number")],
    link: Link::Column,
    policy: Policy::Customer,
};

pub static EVENT: TableDef = TableDef {
    entity: "event",
    table: "events",
    cols: &[
        c("number", Text),
        c("channel", Text),
        c("kind", Text),
        c("service_mode", Text),
        r("customer_id", "customer"),
        rc("site_id", "site"),
        rc("project_id", "project"),
        rc("asset_id", "asset"),
        rc("contact_id", "contact"),
        c("title", Text),
        c("description", Text),
        c("impact", Text),
        c("urgency", Text),
        c("priority", Text),
        c("state", Text),
        c("tier", Text),
        c("team_id", Int),
        c("assignee_id", Int),
        c("partner_id", Int),
        c("branch_id", Int),
        c("major", Bool),
        c("contract_id", Int),
        c("entitled", Bool),
        c("entitlement", Json),
        c("flow", Json),
        c("awaiting_approver", Text),
        c("recorded_by", Int),
        c("routing", Json),
        c("documentation", Json),
        c("review", Json),
        c("resolution", Text),
        c("resolved_at", Int),
        c("closed_at", Int),
        c("clocks", Json),
        c("next_check_at", Int),
        c("sla_state", Text),
        c("client_token", Text),
    ],
    search: &["number", "title", "description"],
    sortable: &["number", "priority", "state"],
    filters: &[
        "state",
        "priority",
        "tier",
        "customer_id",
        "branch_id",
        "partner_id",
        "team_id",
        "assignee_id",
        "channel",
        "kind",
        "major",
        "asset_id",
        "project_id",
    ],
    uniques: &[(&["number"], "number"), (&["client_token"], "client_token")],
    link: Link::Column,
    policy: Policy::Events,
};

/// A child record of an event (journal, approvals, work, reports, files).
const fn child(entity: &'static str, table: &'static str, cols: &'static [Col]) -> TableDef {
    TableDef {
        entity,
        table,
        cols,
        search: &[],
        sortable: &[],
        filters: &["event_id"],
        uniques: &[],
        link: Link::None,
        policy: Policy::Events,
    }
}

pub static JOURNAL: TableDef = child(
    "journal",
    "event_journal",
    &[c("event_id", Int), c("seq", Int), c("actor_id", Int), c("action", Text), c("detail", Json), c("changes", Json)],
);

pub static APPROVAL: TableDef = child(
    "approval",
    "approvals",
    &[
        c("event_id", Int),
        c("purpose", Text),
        c("approver", Text),
        c("special_case", Bool),
        c("requested_by", Int),
        c("note", Text),
        c("entitlement", Json),
        c("decision", Text),
        c("decided_by", Int),
        c("decided_at", Int),
        c("decision_reason", Text),
        c("referred", Bool),
        c("request_reason", Text),
        c("handover", Text),
    ],
);

pub static WORK_RECORD: TableDef = child(
    "work_record",
    "work_records",
    &[
        c("event_id", Int),
        c("kind", Text),
        c("internal", Bool),
        c("body", Text),
        c("author_id", Int),
        c("minutes", Int),
        c("planned_at", Text),
        c("arrived_at", Text),
        c("departed_at", Text),
    ],
);

pub static REPORT: TableDef = child(
    "report",
    "reports",
    &[
        c("event_id", Int),
        c("kind", Text),
        c("report_version", Int),
        c("content", Json),
        c("content_hash", Text),
        c("state", Text),
        c("author_id", Int),
        c("signer_name", Text),
        c("signature", Text),
        c("confirm_method", Text),
        c("confirmed_at", Int),
        c("confirm_token_hash", Text),
        c("confirm_token_expires", Int),
        c("superseded", Bool),
    ],
);

pub static ATTACHMENT: TableDef = child(
    "attachment",
    "attachments",
    &[
        c("event_id", Int),
        c("file_name", Text),
        c("stored_name", Text),
        c("content_type", Text),
        c("size", Int),
        c("sha256", Text),
        c("internal", Bool),
        c("uploaded_by", Int),
    ],
);

pub static NOTIFICATION: TableDef = child(
    "notification",
    "notifications",
    &[
        c("user_id", Int),
        c("event_id", Int),
        c("kind", Text),
        c("title", Text),
        c("read", Bool),
        c("deliver_at", Int),
        c("notice", Json),
    ],
);

pub static RATING: TableDef = child(
    "rating",
    "ratings",
    &[c("event_id", Int), c("engineer_id", Int), c("rated_by", Int), c("score", Int), c("comment", Text)],
);

pub static KNOWLEDGE: TableDef = TableDef {
    entity: "knowledge_article",
    table: "knowledge_articles",
    cols: &[c("title", Text), c("body", Text), c("tags", Json), c("author_id", Int), c("event_id", Int)],
    search: &["title", "body", "tags"],
    sortable: &["title"],
    filters: &["event_id"],
    uniques: &[],
    link: Link::None,
    policy: Policy::Events,
};

pub static HOLIDAY: TableDef = TableDef {
    entity: "holiday",
    table: "holidays",
    cols: &[c("date", Text), c("kind", Text), c("name", Text)],
    search: &["name", "date"],
    sortable: &["date"],
    filters: &["kind"],
    uniques: &[(&["date"], "date")],
    link: Link::None,
    policy: Policy::Levels,
};

pub static CALENDAR: TableDef = TableDef {
    entity: "calendar",
    table: "calendars",
    cols: &[c("name", Text), c("time_zone", Text), c("week", Json), c("official_holidays", Bool)],
    search: &["name"],
    sortable: &["name"],
    filters: &[],
    uniques: &[(&["name"], "name")],
    link: Link::None,
    policy: Policy::Levels,
};

/// A planned engagement of a contract (issue 11). Written only through
/// `app::plan` (generation and the engagement state table), never through the
/// generic record service; read within the caller's customer scope.
pub static ENGAGEMENT: TableDef = TableDef {
    entity: "engagement",
    table: "engagements",
    cols: &[
        c("contract_id", Int),
        c("customer_id", Int),
        c("project_id", Int),
        c("kind", Text),
        c("origin", Text),
        c("year_index", Int),
        c("year_start", Text),
        c("year_end", Text),
        c("seq", Int),
        c("units", Int),
        c("window_start", Text),
        c("window_end", Text),
        c("suggested_date", Text),
        c("proposed_date", Text),
        c("agreed_date", Text),
        c("state", Text),
        c("team_id", Int),
        c("engineer_id", Int),
        c("over_quota", Bool),
        c("approved", Bool),
        c("approved_by", Int),
        c("report_summary", Text),
        c("report_version", Int),
        c("report_submitted", Bool),
        c("customer_confirmed", Bool),
        c("confirmed_by", Int),
        c("reason", Text),
        c("notes", Text),
    ],
    search: &["notes", "report_summary"],
    sortable: &["window_start", "window_end", "agreed_date", "state", "kind"],
    filters: &[
        "contract_id",
        "customer_id",
        "project_id",
        "kind",
        "state",
        "team_id",
        "engineer_id",
        "year_index",
        "over_quota",
        "approved",
        "origin",
    ],
    uniques: &[],
    link: Link::Column,
    policy: Policy::Events,
};

/// Every described record, for lookups by entity name.
pub static ALL: &[&TableDef] = &[
    &BRANCH,
    &TEAM,
    &PARTNER,
    &USER,
    &CUSTOMER,
    &SITE,
    &CONTACT,
    &PROJECT,
    &ASSET,
    &SERVICE_LEVEL,
    &CONTRACT,
    &HOLIDAY,
    &CALENDAR,
];

/// The description of an entity.
pub fn by_entity(entity: &str) -> Option<&'static TableDef> {
    ALL.iter().copied().find(|d| d.entity == entity)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every unique key, search, sort and filter names a column the table has.
    #[test]
    fn descriptions_name_their_own_columns() {
        let mut defs: Vec<&TableDef> = ALL.to_vec();
        defs.extend([
            &EVENT,
            &JOURNAL,
            &APPROVAL,
            &WORK_RECORD,
            &REPORT,
            &ATTACHMENT,
            &NOTIFICATION,
            &KNOWLEDGE,
            &RATING,
            &ENGAGEMENT,
        ]);
        for d in defs {
            let has = |n: &str| {
                d.cols.iter().any(|c| c.name == n) || ["id", "created_at", "updated_at", "version"].contains(&n)
            };
            for (cols, field) in d.uniques {
                for c in *cols {
                    assert!(has(c), "{}: unique key {field} names {c}, not a column", d.table);
                }
            }
            for c in d.search.iter().chain(d.sortable).chain(d.filters) {
                assert!(has(c), "{}: {c} is not a column", d.table);
            }
        }
    }
}
