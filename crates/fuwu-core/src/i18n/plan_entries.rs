//! The catalogue's entries of the planned services (issue 11), kept apart from
//! the rest so their growth does not collide with other work on the catalogue.

use super::Entry;

pub static PLAN: &[Entry] = &[
    // Kinds of planned service.
    ("plan_kind.inspection", "巡检", "Inspection"),
    ("plan_kind.standby", "现场值守", "On-site standby"),
    ("plan_kind.training", "产品和维护培训", "Training"),
    ("plan_kind.optimisation_review", "系统优化", "Optimisation review"),
    ("plan_kind.dr_drill", "灾难演练", "DR drill"),
    // Where an engagement stands.
    ("plan_state.planned", "待约定", "Planned"),
    ("plan_state.date_agreed", "已约定日期", "Date agreed"),
    ("plan_state.in_progress", "进行中", "In progress"),
    ("plan_state.report_submitted", "报告待确认", "Report submitted"),
    ("plan_state.confirmed", "客户已确认", "Confirmed by the customer"),
    ("plan_state.closed", "已关闭", "Closed"),
    ("plan_state.postponed", "已延期", "Postponed"),
    ("plan_state.cancelled", "已取消", "Cancelled"),
    // What one does to an engagement.
    ("plan_action.adjust_window", "调整计划窗口", "Adjust the window"),
    ("plan_action.propose_date", "向客户建议日期", "Propose a date"),
    ("plan_action.accept_date", "接受建议日期", "Accept the proposed date"),
    ("plan_action.agree_date", "记录约定日期", "Record the agreed date"),
    ("plan_action.assign", "指派工程师", "Assign an engineer"),
    ("plan_action.approve", "批准超额服务", "Approve beyond the quota"),
    ("plan_action.start", "开始服务", "Start"),
    ("plan_action.submit_report", "提交报告", "Submit the report"),
    ("plan_action.confirm", "确认报告", "Confirm the report"),
    ("plan_action.close", "关闭", "Close"),
    ("plan_action.postpone", "延期", "Postpone"),
    ("plan_action.cancel", "取消", "Cancel"),
    // Refusals of the engagement state table.
    (
        "said.plan_not_yours",
        "{role}不能对此服务计划执行“{plan_action}”",
        "{role} may not {plan_action} this engagement",
    ),
    (
        "said.plan_not_now",
        "服务计划{plan_state}时不能执行“{plan_action}”",
        "cannot {plan_action} while the engagement is {plan_state}",
    ),
    (
        "said.plan_outside_year",
        "日期须在本合同年度内（{start} 至 {end}）",
        "the date must lie inside the contract year ({start} to {end})",
    ),
    ("said.plan_window_order", "窗口结束日不能早于开始日", "the window cannot end before it starts"),
    ("said.plan_no_proposal", "尚无建议日期可接受", "there is no proposed date to accept"),
    ("said.plan_within_quota", "此服务在额度之内，无需审批", "this engagement is within the quota; nothing to approve"),
    ("said.plan_already_approved", "已经批准", "already approved"),
    (
        "said.plan_needs_approval",
        "超出合同额度的服务须部门经理批准（收费）",
        "an engagement beyond the quota needs the department manager's approval (chargeable)",
    ),
    ("said.plan_no_date", "尚未与客户约定日期", "no date is agreed with the customer yet"),
    ("said.plan_no_report", "尚未提交报告", "no report has been submitted"),
    ("said.plan_not_confirmed", "客户尚未确认报告", "the customer has not confirmed the report"),
    ("said.plan_reason_required", "须填写原因", "a reason is required"),
    ("said.plan_engineer_first", "请先指派工程师", "assign an engineer first"),
];
