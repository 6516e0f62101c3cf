//! Who may do what: capabilities per role, and which customers' records a
//! caller may see. The app layer asks these questions on every read and write;
//! a record outside the caller's scope is answered as if it did not exist.

use crate::ids::{CustomerId, PartnerId, TeamId, UserId};
use crate::role::{Role, Tier};
use serde::Serialize;

/// A capability: one kind of thing a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cap {
    /// See branches, teams and partner firms.
    ReadOrg,
    /// Create and edit branches, teams and partner firms.
    ManageOrg,
    /// See colleagues' user records.
    ReadUsers,
    /// Create and edit users, reset passwords, manage others' tokens.
    ManageUsers,
    /// See customer-side records (within the customer scope).
    ReadCustomers,
    /// Create and edit customers, sites, contacts, projects, assets and contracts.
    WriteCustomers,
    /// See the service-level catalogue.
    ReadLevels,
    /// Edit the service-level catalogue.
    ManageLevels,
    /// Use the hotline's entitlement lookup.
    Lookup,
    /// Read the audit trail.
    ReadAudit,
    /// See events (within the event scope).
    ReadEvents,
    /// Record new events.
    RecordEvents,
    /// Change settings such as the priority matrix.
    ManageSettings,
    /// See the department's overview: every open event counted by priority, tier and branch.
    Oversee,
}

/// The capability table: the one place that says what each role may do.
pub fn role_caps(role: Role) -> &'static [Cap] {
    use Cap::*;
    match role {
        Role::Admin => &[
            ReadOrg,
            ManageOrg,
            ReadUsers,
            ManageUsers,
            ReadCustomers,
            WriteCustomers,
            ReadLevels,
            ManageLevels,
            Lookup,
            ReadAudit,
            ReadEvents,
            ManageSettings,
            Oversee,
        ],
        Role::Manager => &[
            ReadOrg,
            ReadUsers,
            ReadCustomers,
            WriteCustomers,
            ReadLevels,
            Lookup,
            ReadAudit,
            ReadEvents,
            RecordEvents,
            Oversee,
        ],
        Role::Specialist => {
            &[ReadOrg, ReadUsers, ReadCustomers, WriteCustomers, ReadLevels, Lookup, ReadEvents, RecordEvents]
        }
        Role::Engineer => &[ReadOrg, ReadUsers, ReadCustomers, ReadLevels, Lookup, ReadEvents, RecordEvents],
        Role::PartnerEngineer => &[ReadCustomers, ReadLevels, Lookup, ReadEvents, RecordEvents],
        Role::Customer => &[ReadCustomers, ReadLevels, ReadEvents, RecordEvents],
    }
}

/// Whether a role holds a capability.
pub fn has(role: Role, cap: Cap) -> bool {
    role_caps(role).contains(&cap)
}

/// The authenticated caller, as the rules need to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub tier: Option<Tier>,
    pub team_id: Option<TeamId>,
    pub partner_id: Option<PartnerId>,
    /// For a customer login: the customer of its contact.
    pub customer_id: Option<CustomerId>,
}

/// Which customers' records a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerScope {
    /// Every customer: specialists, managers, admins, and the nationwide L2/L3 centres.
    All,
    /// One customer: its own contacts' logins.
    Customer(CustomerId),
    /// Customers with a project served by this partner firm.
    Partner(PartnerId),
    /// Customers with a project whose dedicated team is this L1 team, or whose
    /// implementation engineer is this engineer.
    Team { team: Option<TeamId>, engineer: UserId },
    /// Nothing at all (a misconfigured login).
    Nothing,
}

/// The customer scope of a caller.
pub fn customer_scope(actor: &Actor) -> CustomerScope {
    match actor.role {
        Role::Admin | Role::Manager | Role::Specialist => CustomerScope::All,
        Role::Engineer => match actor.tier {
            Some(Tier::L2) | Some(Tier::L3) => CustomerScope::All,
            _ => CustomerScope::Team { team: actor.team_id, engineer: actor.user_id },
        },
        Role::PartnerEngineer => actor.partner_id.map_or(CustomerScope::Nothing, CustomerScope::Partner),
        Role::Customer => actor.customer_id.map_or(CustomerScope::Nothing, CustomerScope::Customer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, tier: Option<Tier>) -> Actor {
        Actor {
            user_id: UserId(9),
            role,
            tier,
            team_id: Some(TeamId(3)),
            partner_id: Some(PartnerId(4)),
            customer_id: Some(CustomerId(5)),
        }
    }

    #[test]
    fn only_admins_manage_users_levels_and_the_organisation() {
        for role in Role::ALL {
            assert_eq!(has(role, Cap::ManageUsers), role == Role::Admin, "{role:?}");
            assert_eq!(has(role, Cap::ManageLevels), role == Role::Admin, "{role:?}");
            assert_eq!(has(role, Cap::ManageOrg), role == Role::Admin, "{role:?}");
        }
    }

    #[test]
    fn customer_records_are_written_by_the_service_centre() {
        let writers: Vec<Role> = Role::ALL.into_iter().filter(|r| has(*r, Cap::WriteCustomers)).collect();
        assert_eq!(writers, vec![Role::Admin, Role::Manager, Role::Specialist]);
    }

    #[test]
    fn scopes_follow_the_organisation() {
        assert_eq!(customer_scope(&actor(Role::Specialist, None)), CustomerScope::All);
        assert_eq!(customer_scope(&actor(Role::Engineer, Some(Tier::L2))), CustomerScope::All);
        assert_eq!(
            customer_scope(&actor(Role::Engineer, Some(Tier::L1))),
            CustomerScope::Team { team: Some(TeamId(3)), engineer: UserId(9) }
        );
        assert_eq!(customer_scope(&actor(Role::PartnerEngineer, None)), CustomerScope::Partner(PartnerId(4)));
        assert_eq!(customer_scope(&actor(Role::Customer, None)), CustomerScope::Customer(CustomerId(5)));
        let mut orphan = actor(Role::Customer, None);
        orphan.customer_id = None;
        assert_eq!(customer_scope(&orphan), CustomerScope::Nothing);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_role() -> impl Strategy<Value = Role> {
        prop::sample::select(Role::ALL.to_vec())
    }

    proptest! {
        /// Whoever can write customer records sees all customers; a restricted scope never comes with write rights.
        #[test]
        fn writers_see_everything(role in any_role(), tier in prop::option::of(prop::sample::select(vec![Tier::L1, Tier::L2, Tier::L3])), team in prop::option::of(1i64..5), partner in prop::option::of(1i64..5), customer in prop::option::of(1i64..5)) {
            let a = Actor { user_id: UserId(1), role, tier, team_id: team.map(TeamId), partner_id: partner.map(PartnerId), customer_id: customer.map(CustomerId) };
            if has(role, Cap::WriteCustomers) {
                prop_assert_eq!(customer_scope(&a), CustomerScope::All);
            }
            // A customer contact is never scoped wider than its own customer.
            if role == Role::Customer {
                prop_assert!(matches!(customer_scope(&a), CustomerScope::Customer(_) | CustomerScope::Nothing));
            }
            // Management capabilities belong to the admin alone.
            if has(role, Cap::ManageUsers) || has(role, Cap::ManageLevels) || has(role, Cap::ManageOrg) {
                prop_assert_eq!(role, Role::Admin);
            }
        }
    }
}
