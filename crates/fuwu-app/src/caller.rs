//! The authenticated caller and its capabilities.

use crate::error::AppError;
use crate::records::Stored;
use fuwu_core::access::{self, Actor, Cap, CustomerScope};
use fuwu_core::ids::UserId;
use fuwu_core::records::User;
use fuwu_core::role::Role;

/// Who is asking. Built once per request from a session or a token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: Stored<User>,
    pub actor: Actor,
}

impl Caller {
    pub fn id(&self) -> UserId {
        self.actor.user_id
    }

    pub fn role(&self) -> Role {
        self.actor.role
    }

    pub fn can(&self, cap: Cap) -> bool {
        access::has(self.actor.role, cap)
    }

    /// Refuses with 403 unless the role holds the capability.
    pub fn require(&self, cap: Cap) -> Result<(), AppError> {
        if self.can(cap) {
            Ok(())
        } else {
            let said = fuwu_core::said::Said::new("role_may_not").with("role", self.actor.role.as_str());
            Err(AppError::refused(true, said))
        }
    }

    pub fn scope(&self) -> CustomerScope {
        access::customer_scope(&self.actor)
    }
}
