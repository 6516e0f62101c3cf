-- What the requester of an approval says: why (on-site work, L2) and the
-- handover for whoever takes it next, shown to the approver beside the
-- entitlement snapshot.
ALTER TABLE approvals ADD COLUMN request_reason TEXT;
ALTER TABLE approvals ADD COLUMN handover TEXT;
