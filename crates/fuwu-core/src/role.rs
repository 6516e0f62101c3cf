//! Roles of the people who use fuwu, support tiers and team kinds.

use serde::{Deserialize, Serialize};

/// What a user is in the organisation; decides the capabilities (see `access`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Administrator: also users, service levels and settings.
    Admin,
    /// Department manager (部门经理): approves special cases and L2 on-site trips.
    Manager,
    /// Customer-service specialist (客服专员) at the hotline.
    Specialist,
    /// Support engineer at tier L1, L2 or L3.
    Engineer,
    /// Engineer of a partner firm (合作伙伴).
    PartnerEngineer,
    /// A customer's own IT staff (客户联系人).
    Customer,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Manager, Role::Specialist, Role::Engineer, Role::PartnerEngineer, Role::Customer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Specialist => "specialist",
            Role::Engineer => "engineer",
            Role::PartnerEngineer => "partner_engineer",
            Role::Customer => "customer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Chinese name shown in the UI.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Manager => "部门经理",
            Role::Specialist => "客服专员",
            Role::Engineer => "工程师",
            Role::PartnerEngineer => "合作伙伴工程师",
            Role::Customer => "客户联系人",
        }
    }
}

/// Support tier (一线 / 二线 / 专家).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Tier {
    L1,
    L2,
    L3,
}

/// The kinds of team in the service organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    /// 项目支持服务小组: regional L1 team of a branch.
    L1Project,
    /// 二线服务支持中心: the nationwide L2 centre.
    L2Center,
    /// 专家支持中心: the L3 expert centre.
    L3Expert,
    /// 服务中心 / 400 热线: the service centre and hotline.
    ServiceCenter,
}

impl TeamKind {
    /// The tier a team's engineers work at, if it is an engineering team.
    pub fn tier(self) -> Option<Tier> {
        match self {
            TeamKind::L1Project => Some(Tier::L1),
            TeamKind::L2Center => Some(Tier::L2),
            TeamKind::L3Expert => Some(Tier::L3),
            TeamKind::ServiceCenter => None,
        }
    }
}

/// The UI language of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Language {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}
