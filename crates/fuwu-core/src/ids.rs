//! Typed ids: a `CustomerId` can never be passed where a `ContractId` is meant.

use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = i64)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

typed_id!(
    BranchId,
    TeamId,
    UserId,
    PartnerId,
    CustomerId,
    SiteId,
    ContactId,
    ProjectId,
    AssetId,
    ServiceLevelId,
    ContractId,
    TokenId,
);
