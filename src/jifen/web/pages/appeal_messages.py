"""What the appeal pages say, in Chinese: why a step was refused (keyed as the pages' ``?error=`` names it) and what
was done (``?done=``)."""

from __future__ import annotations

from jifen.domain.appeals import REASON_MAX, REASON_MIN

PROBLEMS = {
    "reason": f"申诉理由需 {REASON_MIN} 至 {REASON_MAX} 字。",
    "note": "驳回申诉须填写审核意见（不超过 500 字）。",
    "held": "这条上报已有申诉在审核中或已通过，不能重复申诉。",
    "withdrawn_report": "这条上报已被其来源应用撤回，不能申诉。",
    "counted": "这条上报已计分，无需申诉。",
    "missing": "没有找到这条上报或申诉。",
    "decided": "该申诉已有结论或已撤回，不能再执行此操作。",
    "waits_for_school": "该申诉正等待学校审核，学校审核通过后才转区县审核。",
    "with_county": "学校已审核通过，该申诉已转区县审核，学校不能再审核。",
    "not_settled": "该月尚未结算：补计的分值按当月结算折算，请待该月结算后再作决定（或驳回）。",
    "other": "无法完成此操作，请刷新页面后重试。",
}
# Refusals after which the form is no longer on the page (the report has its appeal, the appeal moved on): the page
# says so at its top. After any other the form comes back with what was typed and the refusal beside it.
GONE = frozenset({"held", "withdrawn_report", "counted", "missing", "decided", "waits_for_school", "with_county"})
DONE = {"filed": "申诉已提交，等待学校审核。", "withdrawn": "申诉已撤回。", "approved": "已审核通过。",
        "forwarded": "已审核通过，转区县审核。", "rejected": "已驳回。"}
