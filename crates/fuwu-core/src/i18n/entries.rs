//! The catalogue's entries, grouped by where they are read.

use super::Entry;

pub static ENTRIES: &[Entry] = &[
    // Notifications and e-mails.
    ("notice.major_incident", "重大事件", "Major incident"),
    ("notice.approval_needed", "待审批", "Approval needed"),
    ("notice.manager_approval_needed", "待经理审批", "Manager's approval needed"),
    ("notice.approval_decided", "审批结果", "Approval decided"),
    ("notice.assigned", "新分派", "Assigned to you"),
    ("notice.consultation", "专家会诊请求", "Consultation requested"),
    ("notice.reopened", "事件重新打开", "Event reopened"),
    ("notice.sla_warning.response", "响应即将超时", "Response due soon"),
    ("notice.sla_warning.onsite", "到场即将超时", "On-site arrival due soon"),
    ("notice.sla_warning.resolution", "解决即将超时", "Resolution due soon"),
    ("notice.sla_breach.response", "响应已超时", "Response overdue"),
    ("notice.sla_breach.onsite", "到场已超时", "On-site arrival overdue"),
    ("notice.sla_breach.resolution", "解决已超时", "Resolution overdue"),
    ("notice.tier.l2", "（二线）", " (L2)"),
    ("notice.purpose.onsite", "（现场服务）", " (on-site service)"),
    ("notice.purpose.escalate_l2", "（二线支持）", " (L2 support)"),
    ("mail.greeting", "您好，", "Hello,"),
    ("mail.event", "事件", "Event"),
    ("mail.open", "打开事件", "Open the event"),
    (
        "mail.footer",
        "此邮件由服务管理平台自动发送，请勿直接回复。",
        "This message was sent by the service platform; please do not reply to it.",
    ),
];
